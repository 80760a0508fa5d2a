// Package service implements the gRPC services of the protos on top of the
// in-memory store.
package service

import (
	"context"

	hellov1 "pantry/server/internal/gen/hello/v1"
)

// Hello implements hello.v1.HelloService.
type Hello struct {
	hellov1.UnimplementedHelloServiceServer
}

// Hello greets req.Name, or "world" when it is empty.
func (Hello) Hello(_ context.Context, req *hellov1.HelloRequest) (*hellov1.HelloResponse, error) {
	name := req.GetName()
	if name == "" {
		name = "world"
	}
	return &hellov1.HelloResponse{Message: "Hello, " + name + "!"}, nil
}
