package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"pantry/server/internal/tlsconfig"
)

type options struct {
	listen         string
	tlsCert        string
	tlsKey         string
	clientCA       string
	faultInjection bool
	logRequests    bool
	shutdownGrace  time.Duration
	dataFile       string
	db             string
	replicaID      string
	delay          time.Duration
	otelTraceFile  string
}

// usageError is a mistake in the command line; main exits with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("pantry-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:9090", "TCP `address` to listen on; port 0 picks a free port")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "server certificate chain `file` (PEM); with -tls-key and -client-ca serves mutual TLS")
	fs.StringVar(&o.tlsKey, "tls-key", "", "server private key `file` (PEM)")
	fs.StringVar(&o.clientCA, "client-ca", "", "`file` of the CA certificates (PEM) that client certificates must chain to")
	fs.BoolVar(&o.faultInjection, "fault-injection", false, "obey the pantry-fault-* request metadata (for client tests only)")
	fs.BoolVar(&o.logRequests, "log-requests", false, "log every request to stderr, not only the failed ones")
	fs.StringVar(&o.dataFile, "data-file", "", "keep the stock in this `file` too, replayed on start and appended to on every change, so it survives restarts and kills; empty keeps it in memory only")
	fs.StringVar(&o.db, "db", "", "keep the stock in a database that replicas share: `sqlite:FILE` (created if missing) or a postgres:// URL; replaces -data-file")
	fs.StringVar(&o.replicaID, "replica-id", "", "send this `id` in the pantry-replica response header of every pantry and hello call, to tell replicas apart")
	fs.DurationVar(&o.delay, "delay", 0, "wait this long before every pantry unary call (a slow replica, for tests); health checks are not delayed")
	fs.StringVar(&o.otelTraceFile, "otel-trace-file", "", "trace every RPC with OpenTelemetry (otelgrpc, W3C traceparent from the caller) and append each span to this `file` as a JSON line; empty traces nothing")
	fs.DurationVar(&o.shutdownGrace, "shutdown-grace", 5*time.Second, "how long calls in flight may finish on SIGINT or SIGTERM")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return o, err
		}
		return o, usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return o, usageError{fmt.Sprintf("unexpected argument %q; all settings are flags", fs.Arg(0))}
	}
	if o.delay < 0 {
		return o, usageError{"-delay must not be negative"}
	}
	if o.db != "" && o.dataFile != "" {
		return o, usageError{"-db and -data-file exclude each other: -db sqlite:FILE succeeds the data file"}
	}
	if o.shutdownGrace < 0 {
		return o, usageError{"-shutdown-grace must not be negative"}
	}
	return o, nil
}

// tlsConfig returns nil for plaintext, or the mutual TLS configuration when
// all three TLS flags are given; some but not all of them is an error naming
// the missing ones.
func (o options) tlsConfig() (*tls.Config, error) {
	flags := []struct{ name, value string }{{"-tls-cert", o.tlsCert}, {"-tls-key", o.tlsKey}, {"-client-ca", o.clientCA}}
	var missing []string
	for _, f := range flags {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	switch len(missing) {
	case len(flags):
		return nil, nil
	case 0:
		return tlsconfig.MutualTLS(o.tlsCert, o.tlsKey, o.clientCA)
	default:
		return nil, usageError{fmt.Sprintf("missing %s: mutual TLS needs -tls-cert, -tls-key and -client-ca together", strings.Join(missing, " and "))}
	}
}
