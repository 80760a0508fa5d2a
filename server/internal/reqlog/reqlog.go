// Package reqlog logs requests in one short line each: failed ones always,
// successful ones only when asked, since the server is benchmarked.
package reqlog

import (
	"context"
	"io"
	"log"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

// Logger writes the request lines.
type Logger struct {
	out *log.Logger
	all bool
}

// New logs to w; with all it logs successful requests too.
func New(w io.Writer, all bool) *Logger {
	return &Logger{out: log.New(w, "", log.LstdFlags|log.Lmicroseconds), all: all}
}

// Unary returns the interceptor for unary calls.
func (l *Logger) Unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := handler(ctx, req)
		l.log(info.FullMethod, start, err)
		return resp, err
	}
}

// Stream returns the interceptor for streaming calls.
func (l *Logger) Stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		start := time.Now()
		err := handler(srv, ss)
		l.log(info.FullMethod, start, err)
		return err
	}
}

// log writes e.g. "/pantry.v1.FoodStorageService/GetFood NotFound 41µs: food "food-00000042" not found".
func (l *Logger) log(method string, start time.Time, err error) {
	if err == nil {
		if l.all {
			l.out.Printf("%s OK %v", method, time.Since(start).Round(time.Microsecond))
		}
		return
	}
	st := status.Convert(err)
	l.out.Printf("%s %v %v: %s", method, st.Code(), time.Since(start).Round(time.Microsecond), st.Message())
}
