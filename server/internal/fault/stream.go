package fault

import (
	"context"

	"google.golang.org/grpc"
)

// cutoffStream lets a handler send a number of messages, then cancels the
// handler's context and fails every further send. It is used from the
// handler's goroutine only.
type cutoffStream struct {
	grpc.ServerStream
	ctx     context.Context
	cancel  context.CancelFunc
	left    int
	fault   error
	tripped bool
}

func newCutoffStream(ss grpc.ServerStream, n int, fault error) *cutoffStream {
	ctx, cancel := context.WithCancel(ss.Context())
	cs := &cutoffStream{ServerStream: ss, ctx: ctx, cancel: cancel, left: n, fault: fault}
	if n == 0 {
		cs.trip()
	}
	return cs
}

// Context is cancelled once the stream is cut off, so that a handler
// waiting for more to send returns.
func (cs *cutoffStream) Context() context.Context { return cs.ctx }

func (cs *cutoffStream) SendMsg(m any) error {
	if cs.tripped {
		return cs.fault
	}
	if err := cs.ServerStream.SendMsg(m); err != nil {
		return err
	}
	if cs.left--; cs.left == 0 {
		cs.trip()
	}
	return nil
}

func (cs *cutoffStream) trip() {
	cs.tripped = true
	cs.cancel()
}
