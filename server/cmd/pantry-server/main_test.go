package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	hellov1 "pantry/server/internal/gen/hello/v1"
	"pantry/server/internal/testutil"
)

func TestCommandLineMistakes(t *testing.T) {
	dir := t.TempDir()
	files := testutil.Certs(t, dir)
	missing := filepath.Join(dir, "missing.pem")
	corrupt := filepath.Join(dir, "corrupt.jsonl")
	if err := os.WriteFile(corrupt, []byte("{\"op\":\"delete\",\"id\":\"food-00000001\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"a certificate without key and client CA names both missing flags",
			[]string{"-tls-cert", files.ServerCert}, "missing -tls-key and -client-ca"},
		{"a certificate and key without client CA names -client-ca",
			[]string{"-tls-cert", files.ServerCert, "-tls-key", files.ServerKey}, "missing -client-ca:"},
		{"a client CA alone names the certificate and key flags",
			[]string{"-client-ca", files.CA}, "missing -tls-cert and -tls-key"},
		{"an unknown flag is refused", []string{"-port", "9090"}, "flag provided but not defined: -port"},
		{"a positional argument is refused", []string{"9090"}, `unexpected argument "9090"`},
		{"a negative shutdown grace is refused", []string{"-shutdown-grace", "-1s"}, "-shutdown-grace"},
		{"an address that cannot be listened on names it", []string{"-listen", "127.0.0.1:99999"}, "listening on 127.0.0.1:99999"},
		{"a corrupt data file names the file and line",
			[]string{"-data-file", corrupt}, "data file " + corrupt + ": line 1: delete of \"food-00000001\", which is not stored"},
		{"a data file in a missing directory names it",
			[]string{"-data-file", filepath.Join(dir, "no", "such.jsonl")}, filepath.Join(dir, "no", "such.jsonl")},
		{"-db with -data-file is refused", []string{"-db", "sqlite:x.db", "-data-file", "x.jsonl"}, "-db and -data-file exclude each other"},
		{"an unknown database scheme is refused", []string{"-db", "mysql://db/pantry"}, `want sqlite:PATH or a postgres:// URL`},
		{"an unreachable PostgreSQL does not show its password",
			[]string{"-db", "postgres://pantry:hunter2@127.0.0.1:1/pantry?connect_timeout=2"}, "pantry:xxxxx@127.0.0.1:1"},
		{"an unreadable certificate names the file",
			[]string{"-tls-cert", missing, "-tls-key", files.ServerKey, "-client-ca", files.CA}, missing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout strings.Builder
			err := run(t.Context(), tt.args, &stdout, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err: got %v, want one containing %q", err, tt.wantErr)
			}
			if stdout.Len() > 0 {
				t.Fatalf("stdout: got %q, want nothing", stdout.String())
			}
		})
	}
}

func TestServing(t *testing.T) {
	files := testutil.Certs(t, t.TempDir())
	clientTLS := testutil.ClientCreds(t, files, files.ClientCert, files.ClientKey)
	tests := []struct {
		name  string
		args  []string
		line  string // regexp of the stdout line; the port is group 1
		creds credentials.TransportCredentials
	}{
		{"plaintext on a free port prints the port and plaintext",
			[]string{"-listen", "127.0.0.1:0"},
			`^pantry-server serving on 127\.0\.0\.1:(\d+) \(plaintext\)\n$`, insecure.NewCredentials()},
		{"the unspecified IPv4 address is printed as given",
			[]string{"-listen", "0.0.0.0:0", "-fault-injection", "-log-requests"},
			`^pantry-server serving on 0\.0\.0\.0:(\d+) \(plaintext\)\n$`, insecure.NewCredentials()},
		{"a data file does not change the stdout line",
			[]string{"-listen", "127.0.0.1:0", "-data-file", filepath.Join(t.TempDir(), "pantry.jsonl")},
			`^pantry-server serving on 127\.0\.0\.1:(\d+) \(plaintext\)\n$`, insecure.NewCredentials()},
		{"a SQLite database does not change the stdout line",
			[]string{"-listen", "127.0.0.1:0", "-db", "sqlite:" + filepath.Join(t.TempDir(), "pantry.db"), "-replica-id", "r1"},
			`^pantry-server serving on 127\.0\.0\.1:(\d+) \(plaintext\)\n$`, insecure.NewCredentials()},
		{"mutual TLS prints tls",
			[]string{"-listen", "127.0.0.1:0", "-tls-cert", files.ServerCert, "-tls-key", files.ServerKey, "-client-ca", files.CA},
			`^pantry-server serving on 127\.0\.0\.1:(\d+) \(tls\)\n$`, clientTLS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			out, stdout := io.Pipe()
			done := make(chan error, 1)
			go func() { done <- run(ctx, tt.args, stdout, t.Output()) }()

			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			m := regexp.MustCompile(tt.line).FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("stdout line: got %q, want a match of %s", line, tt.line)
			}

			conn := testutil.Dial(t, "127.0.0.1:"+m[1], tt.creds)
			if _, err := hellov1.NewHelloServiceClient(conn).Hello(ctx, &hellov1.HelloRequest{}); err != nil {
				t.Fatalf("Hello: got %v, want nil", err)
			}

			cancel() // as SIGTERM does
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("run: got %v, want nil after a graceful stop", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("run after the stop signal: got no return within 10s, want nil")
			}
		})
	}
}
