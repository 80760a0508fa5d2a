// Package testutil holds the preambles that the server's tests share, written
// once: a loopback listener, a client connection, a gRPC server on an
// in-memory connection, and the throwaway certificates of testcerts. Every
// helper fails the test on an error and releases what it made when the test
// ends.
package testutil

import (
	"context"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	"pantry/server/internal/testcerts"
)

// Listen returns a TCP listener on a free loopback port, closed when the test
// ends (closing it again there is harmless).
func Listen(t testing.TB) net.Listener {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on loopback: %v", err)
	}
	t.Cleanup(func() { lis.Close() })
	return lis
}

// Dial returns a client connection to target, in plaintext when creds is
// nil, closed when the test ends.
func Dial(t testing.TB, target string, creds credentials.TransportCredentials, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	if creds == nil {
		creds = insecure.NewCredentials()
	}
	conn, err := grpc.NewClient(target, append([]grpc.DialOption{grpc.WithTransportCredentials(creds)}, opts...)...)
	if err != nil {
		t.Fatalf("grpc.NewClient(%q): %v", target, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// ServeInMemory runs a gRPC server with the services that register adds on
// an in-memory connection until the test ends, and returns a plaintext
// client connection to it.
func ServeInMemory(t testing.TB, register func(*grpc.Server)) *grpc.ClientConn {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	register(srv)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop) // runs after the connection is closed
	return Dial(t, "passthrough:///bufconn", nil,
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
}

// Certs writes the certificates of testcerts into dir.
func Certs(t testing.TB, dir string) testcerts.Files {
	t.Helper()
	files, err := testcerts.Write(dir)
	if err != nil {
		t.Fatalf("testcerts.Write: %v", err)
	}
	return files
}

// ClientCreds returns TLS credentials that present cert and key and trust
// the CA of files.
func ClientCreds(t testing.TB, files testcerts.Files, cert, key string) credentials.TransportCredentials {
	t.Helper()
	cfg, err := files.ClientTLS(cert, key)
	if err != nil {
		t.Fatalf("client TLS config for %s: %v", cert, err)
	}
	return credentials.NewTLS(cfg)
}
