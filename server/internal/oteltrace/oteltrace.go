// Package oteltrace traces the server's RPCs with OpenTelemetry (otelgrpc)
// and writes every finished span as one JSON line to a file, the stdouttrace
// exporter's format. Incoming calls continue the caller's trace through the
// W3C TraceContext propagator (the traceparent metadata), so a client's span
// is the parent of the server's span.
package oteltrace

import (
	"context"
	"errors"
	"fmt"
	"os"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc/stats"
)

// Tracing is the server's tracing: the gRPC stats handler to install and the
// provider that writes the spans.
type Tracing struct {
	// Handler makes a SERVER span per RPC; install it with grpc.StatsHandler.
	Handler  stats.Handler
	provider *sdktrace.TracerProvider
	file     *os.File
}

// ToFile traces into the file at path, appending one JSON object per span
// and line as each span ends.
func ToFile(path string) (*Tracing, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("-otel-trace-file: %w", err)
	}
	exp, err := stdouttrace.New(stdouttrace.WithWriter(f))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("-otel-trace-file: %w", err)
	}
	tp := sdktrace.NewTracerProvider(
		// Each span is written when it ends, so a reader of the file sees it at once.
		sdktrace.WithSyncer(exp),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", "pantry-server"))),
	)
	handler := otelgrpc.NewServerHandler(
		otelgrpc.WithTracerProvider(tp),
		otelgrpc.WithPropagators(propagation.TraceContext{}),
		otelgrpc.WithMeterProvider(noop.NewMeterProvider()),
	)
	return &Tracing{Handler: handler, provider: tp, file: f}, nil
}

// Close writes what is left and closes the file.
func (t *Tracing) Close(ctx context.Context) error {
	return errors.Join(t.provider.Shutdown(ctx), t.file.Close())
}
