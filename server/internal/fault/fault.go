// Package fault injects failures into requests that ask for them through
// request metadata, so that clients can test their retries, deadlines and
// error handling against a real server. Install it only when fault injection
// is wanted: the interceptors trust whoever sends the metadata.
//
// The metadata keys are the Key constants; see the README of the server for
// their meaning.
package fault

import (
	"context"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// Dropper closes the connection of a remote address; dropconn.Listener is
// one.
type Dropper interface {
	Drop(remote net.Addr) bool
}

// Injector holds the state of fault injection: the per-key request counters
// and the connections that can be dropped.
type Injector struct {
	dropper Dropper
	counts  *counter
}

// New returns an Injector that drops connections through d; with a nil d,
// pantry-fault-drop fails the request with UNAVAILABLE instead.
func New(d Dropper) *Injector {
	return &Injector{dropper: d, counts: newCounter()}
}

// Unary returns the interceptor for unary calls.
func (in *Injector) Unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		s, apply, err := in.plan(ctx)
		if err != nil {
			return nil, err
		}
		if !apply {
			return handler(ctx, req)
		}
		var resp any
		err = in.inject(ctx, s,
			func() (err error) { resp, err = handler(ctx, req); return err },
			func(md metadata.MD) { _ = grpc.SetTrailer(ctx, md) })
		if err != nil {
			return nil, err
		}
		return resp, nil
	}
}

// Stream returns the interceptor for streaming calls.
func (in *Injector) Stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx := ss.Context()
		s, apply, err := in.plan(ctx)
		if err != nil {
			return err
		}
		if !apply {
			return handler(srv, ss)
		}
		if s.streamAfter >= 0 {
			return in.interrupt(ctx, s, srv, ss, handler)
		}
		return in.inject(ctx, s, func() error { return handler(srv, ss) }, func(md metadata.MD) { ss.SetTrailer(md) })
	}
}

// plan reads the fault the request asks for and whether to apply it now.
func (in *Injector) plan(ctx context.Context) (spec, bool, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	s, err := parseSpec(md)
	if err != nil {
		return s, false, status.Error(codes.InvalidArgument, err.Error())
	}
	if !s.asksForFault() {
		return s, false, nil
	}
	if s.limited && !in.counts.take(s.key, s.times) {
		return s, false, nil
	}
	return s, true, nil
}

// inject applies s around run, the real handler: the delay first, then
// either the fault (after running the handler when s.after) or the handler.
func (in *Injector) inject(ctx context.Context, s spec, run func() error, setTrailer func(metadata.MD)) error {
	if err := sleep(ctx, s.delay); err != nil {
		return err
	}
	if s.after {
		err := run()
		if !s.drop && s.code == codes.OK {
			return err
		}
	}
	switch {
	case s.drop:
		return in.drop(ctx)
	case s.code != codes.OK:
		return failure(s, setTrailer)
	}
	return run()
}

// interrupt runs a streaming handler that may send s.streamAfter messages,
// then ends the stream with the fault (UNAVAILABLE unless a code is given)
// or drops its connection.
func (in *Injector) interrupt(ctx context.Context, s spec, srv any, ss grpc.ServerStream, handler grpc.StreamHandler) error {
	if err := sleep(ctx, s.delay); err != nil {
		return err
	}
	if s.code == codes.OK {
		s.code = codes.Unavailable
	}
	cs := newCutoffStream(ss, s.streamAfter, status.Error(s.code, s.message))
	err := handler(srv, cs)
	cs.cancel()
	if err != nil && !cs.tripped {
		return err // the handler failed before it was cut off
	}
	if s.drop {
		return in.drop(ctx)
	}
	return failure(s, func(md metadata.MD) { ss.SetTrailer(md) })
}

// failure returns the status of s, with the pushback trailer when asked.
func failure(s spec, setTrailer func(metadata.MD)) error {
	if s.pushback != "" {
		setTrailer(metadata.Pairs(TrailerPushback, s.pushback))
	}
	return status.Error(s.code, s.message)
}

// drop closes the connection the request came on.
func (in *Injector) drop(ctx context.Context) error {
	p, ok := peer.FromContext(ctx)
	if in.dropper == nil || !ok || !in.dropper.Drop(p.Addr) {
		return status.Error(codes.Unavailable, KeyDrop+": this server cannot find the connection of the request to drop it")
	}
	// The client never sees this status: its connection is gone.
	return status.Error(codes.Unavailable, "connection dropped by fault injection")
}

// sleep waits for d, or returns the status of ctx when it ends first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return status.FromContextError(ctx.Err()).Err()
	}
}
