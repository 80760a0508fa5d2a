package service

import (
	"context"
	"strconv"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"pantry/server/internal/store"
)

// Response headers of the writes that carry a request_id.
const (
	// HeaderReplayed is "true" when the response is the replay of an earlier
	// application of the same request_id.
	HeaderReplayed = "pantry-replayed"
	// HeaderAttempt counts the requests this server has seen with the
	// request_id, this one included.
	HeaderAttempt = "pantry-attempt"
)

func setOutcomeHeaders(ctx context.Context, out store.Outcome) {
	if out.Attempt == 0 {
		return
	}
	md := metadata.Pairs(HeaderAttempt, strconv.Itoa(out.Attempt))
	if out.Replayed {
		md.Set(HeaderReplayed, "true")
	}
	// SetHeader only fails outside of an RPC, e.g. when a test calls the
	// method directly; the headers are informational, so that is fine.
	_ = grpc.SetHeader(ctx, md)
}
