package server

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// HeaderReplica names the replica that answered a call (Config.ReplicaID),
// e.g. "pantry-replica: r2".
const HeaderReplica = "pantry-replica"

// replicaHeader sends HeaderReplica with every call's response headers.
func replicaHeader(id string) (grpc.UnaryServerInterceptor, grpc.StreamServerInterceptor) {
	md := metadata.Pairs(HeaderReplica, id)
	unary := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		_ = grpc.SetHeader(ctx, md) // fails only outside an RPC
		return handler(ctx, req)
	}
	stream := func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		_ = ss.SetHeader(md)
		return handler(srv, ss)
	}
	return unary, stream
}
