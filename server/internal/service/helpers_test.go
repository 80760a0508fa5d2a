package service

import (
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	hellov1 "pantry/server/internal/gen/hello/v1"
	pantryv1 "pantry/server/internal/gen/pantry/v1"
	"pantry/server/internal/testutil"
)

// serve runs s and the Hello service on an in-memory connection and
// returns clients of both.
func serve(t *testing.T, s *FoodStorage) (pantryv1.FoodStorageServiceClient, hellov1.HelloServiceClient) {
	t.Helper()
	conn := testutil.ServeInMemory(t, func(srv *grpc.Server) {
		pantryv1.RegisterFoodStorageServiceServer(srv, s)
		hellov1.RegisterHelloServiceServer(srv, Hello{})
	})
	return pantryv1.NewFoodStorageServiceClient(conn), hellov1.NewHelloServiceClient(conn)
}

// errorInfo returns the ErrorInfo detail of err, or nil.
func errorInfo(err error) *errdetails.ErrorInfo {
	for _, d := range status.Convert(err).Details() {
		if e, ok := d.(*errdetails.ErrorInfo); ok {
			return e
		}
	}
	return nil
}
