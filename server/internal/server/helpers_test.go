package server

import (
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	hellov1 "pantry/server/internal/gen/hello/v1"
	pantryv1 "pantry/server/internal/gen/pantry/v1"
	"pantry/server/internal/testutil"
)

// start serves cfg on a loopback port until the test ends and returns the
// address and the server.
func start(t testing.TB, cfg Config) (string, *Server) {
	t.Helper()
	lis := testutil.Listen(t)
	if cfg.Log == nil {
		cfg.Log = t.Output()
	}
	srv := New(cfg)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Shutdown(time.Second)
		if err := <-done; err != nil {
			t.Errorf("Serve: got %v, want nil", err)
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
	conn := testutil.Dial(t, addr, creds)
	return clients{conn, hellov1.NewHelloServiceClient(conn), pantryv1.NewFoodStorageServiceClient(conn)}
}
