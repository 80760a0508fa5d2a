// Command pantry-server is the reference gRPC server of the pantry client:
// hello.v1.HelloService and pantry.v1.FoodStorageService over an in-memory
// store, with health checking, reflection and optional fault injection. With
// -data-file the store is also kept in an append-only file that survives
// restarts, including kills with SIGKILL.
//
// It serves plaintext HTTP/2 (h2c with prior knowledge, for use behind a
// proxy) unless -tls-cert, -tls-key and -client-ca are given, in which case
// it serves mutual TLS itself. Once listening it prints one line to stdout:
//
//	pantry-server serving on 127.0.0.1:9090 (plaintext)
//
// With -otel-trace-file it traces every RPC with OpenTelemetry, continuing the
// caller's W3C trace context, and appends the spans to that file as JSON lines.
//
// SIGINT or SIGTERM stop it gracefully.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"pantry/server/internal/instance"
	"pantry/server/internal/oteltrace"
	"pantry/server/internal/server"
	"pantry/server/internal/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, new(usageError)):
		fmt.Fprintln(os.Stderr, "pantry-server:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "pantry-server:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends, then shuts down gracefully.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	tlsCfg, err := opts.tlsConfig()
	if err != nil {
		return err
	}
	st, err := openStore(opts, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	lis, err := listen(opts.listen)
	if err != nil {
		return err
	}
	cfg := server.Config{
		Store:          st,
		TLS:            tlsCfg,
		FaultInjection: opts.faultInjection,
		Log:            stderr,
		LogRequests:    opts.logRequests,
		Instance:       instance.Instance{Name: opts.replicaID, Delay: opts.delay},
	}
	if opts.otelTraceFile != "" {
		tracing, err := oteltrace.ToFile(opts.otelTraceFile)
		if err != nil {
			return err
		}
		defer tracing.Close(context.Background())
		cfg.StatsHandler = tracing.Handler
	}
	srv := server.New(cfg)
	if opts.faultInjection {
		fmt.Fprintln(stderr, "pantry-server: fault injection is on: requests obey the pantry-fault-* metadata")
	}
	mode := "plaintext"
	if tlsCfg != nil {
		mode = "tls"
	}
	fmt.Fprintf(stdout, "pantry-server serving on %s (%s)\n", lis.Addr(), mode)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
		fmt.Fprintln(stderr, "pantry-server: shutting down")
		srv.Shutdown(opts.shutdownGrace)
		return <-served
	}
}

// openStore returns the database of -db, or else an empty in-memory store for
// an empty -data-file, or the store kept in that data file, reporting what it
// replayed to stderr.
func openStore(opts options, stderr io.Writer) (store.Backend, error) {
	if opts.db != "" {
		db, err := store.OpenDB(opts.db)
		if err != nil {
			return nil, err
		}
		n, err := db.Len()
		if err != nil {
			db.Close()
			return nil, err
		}
		fmt.Fprintf(stderr, "pantry-server: %s database: %d foods\n", db.Kind(), n)
		return db, nil
	}
	path := opts.dataFile
	if path == "" {
		return store.New(), nil
	}
	st, rec, err := store.Open(path)
	if err != nil {
		return nil, err
	}
	if rec.TornBytes > 0 {
		fmt.Fprintf(stderr, "pantry-server: warning: %s ended in an incomplete line (%d bytes, a write cut short by a kill); it was skipped and removed\n", path, rec.TornBytes)
	}
	fmt.Fprintf(stderr, "pantry-server: data file %s: %d foods from %d changes\n", path, st.Len(), rec.Records)
	return st, nil
}

// listen listens on a TCP address; an IPv4 or IPv6 literal host listens on
// that family only, so that "0.0.0.0:9090" is reported as such and not as
// "[::]:9090".
func listen(addr string) (net.Listener, error) {
	network := "tcp"
	if host, _, err := net.SplitHostPort(addr); err == nil {
		if ip := net.ParseIP(host); ip != nil {
			network = "tcp6"
			if ip.To4() != nil {
				network = "tcp4"
			}
		}
	}
	lis, err := net.Listen(network, addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	return lis, nil
}
