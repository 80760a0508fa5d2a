package server

import (
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	hellov1 "pantry/server/internal/gen/hello/v1"
	pantryv1 "pantry/server/internal/gen/pantry/v1"
)

// start serves cfg on a loopback port until the test ends and returns the
// address and the server.
func start(t testing.TB, cfg Config) (string, *Server) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Log == nil {
		cfg.Log = t.Output()
	}
	srv := New(cfg)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Shutdown(time.Second)
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return lis.Addr().String(), srv
}

type clients struct {
	conn  *grpc.ClientConn
	hello hellov1.HelloServiceClient
	foods pantryv1.FoodStorageServiceClient
}

// dial connects to addr, in plaintext when creds is nil.
func dial(t testing.TB, addr string, creds credentials.TransportCredentials) clients {
	t.Helper()
	if creds == nil {
		creds = insecure.NewCredentials()
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return clients{conn, hellov1.NewHelloServiceClient(conn), pantryv1.NewFoodStorageServiceClient(conn)}
}
