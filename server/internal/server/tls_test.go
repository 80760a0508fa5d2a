package server

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	hellov1 "pantry/server/internal/gen/hello/v1"
	"pantry/server/internal/testutil"
	"pantry/server/internal/tlsconfig"
)

func TestMutualTLS(t *testing.T) {
	files := testutil.Certs(t, t.TempDir())
	serverTLS, err := tlsconfig.MutualTLS(files.ServerCert, files.ServerKey, files.CA)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := start(t, Config{TLS: serverTLS})

	tlsCreds := func(cert, key string) credentials.TransportCredentials {
		return testutil.ClientCreds(t, files, cert, key)
	}
	tests := []struct {
		name     string
		creds    credentials.TransportCredentials // nil: plaintext
		wantCode codes.Code
	}{
		{"a client with a certificate of the client CA is served", tlsCreds(files.ClientCert, files.ClientKey), codes.OK},
		{"a client without a certificate is refused", tlsCreds("", ""), codes.Unavailable},
		{"a client with a certificate of another CA is refused", tlsCreds(files.StrangerCert, files.StrangerKey), codes.Unavailable},
		{"a plaintext client is refused", nil, codes.Unavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, addr, tt.creds)
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			resp, err := c.hello.Hello(ctx, &hellov1.HelloRequest{Name: "mTLS"}, grpc.WaitForReady(false))
			if status.Code(err) != tt.wantCode {
				t.Fatalf("Hello: got %v, want code %v", err, tt.wantCode)
			}
			if err == nil && resp.GetMessage() != "Hello, mTLS!" {
				t.Fatalf("Hello message: got %q, want %q", resp.GetMessage(), "Hello, mTLS!")
			}
		})
	}
}
