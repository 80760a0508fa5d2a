package service

import (
	"context"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	hellov1 "pantry/server/internal/gen/hello/v1"
	pantryv1 "pantry/server/internal/gen/pantry/v1"
)

// serve runs s and the Hello service on an in-memory connection and
// returns clients of both.
func serve(t *testing.T, s *FoodStorage) (pantryv1.FoodStorageServiceClient, hellov1.HelloServiceClient) {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	pantryv1.RegisterFoodStorageServiceServer(srv, s)
	hellov1.RegisterHelloServiceServer(srv, Hello{})
	go srv.Serve(lis)
	conn, err := grpc.NewClient("passthrough:///bufconn",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		srv.Stop()
	})
	return pantryv1.NewFoodStorageServiceClient(conn), hellov1.NewHelloServiceClient(conn)
}
