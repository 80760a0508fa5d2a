package tlsconfig

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pantry/server/internal/testutil"
)

func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	files := testutil.Certs(t, dir)
	notPEM := filepath.Join(dir, "not.pem")
	os.WriteFile(notPEM, []byte("hello"), 0o600)

	t.Run("valid files give a config that requires a verified client certificate from TLS 1.2", func(t *testing.T) {
		cfg, err := MutualTLS(files.ServerCert, files.ServerKey, files.CA)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.ClientAuth != tls.RequireAndVerifyClientCert || cfg.MinVersion != tls.VersionTLS12 || cfg.ClientCAs == nil || len(cfg.Certificates) != 1 {
			t.Fatalf("config: got %+v, want client certificates required and verified from TLS 1.2", cfg)
		}
	})
	tests := []struct {
		name                string
		cert, key, clientCA string
		wantErr             string
	}{
		{"a missing certificate file is an error naming it", filepath.Join(dir, "nope.pem"), files.ServerKey, files.CA, "nope.pem"},
		{"a key that does not match the certificate is an error", files.ServerCert, files.ClientKey, files.CA, "server.pem"},
		{"a missing client CA file is an error", files.ServerCert, files.ServerKey, filepath.Join(dir, "none.pem"), "client CA"},
		{"a client CA file without certificates is an error naming it", files.ServerCert, files.ServerKey, notPEM, "not.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := MutualTLS(tt.cert, tt.key, tt.clientCA)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err: got %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
