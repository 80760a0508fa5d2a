// Package server assembles the gRPC server: the pantry services, health,
// reflection, request logging and, when enabled, fault injection.
package server

import (
	"crypto/tls"
	"io"
	"net"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/stats"

	"pantry/server/internal/dropconn"
	"pantry/server/internal/fault"
	hellov1 "pantry/server/internal/gen/hello/v1"
	pantryv1 "pantry/server/internal/gen/pantry/v1"
	"pantry/server/internal/instance"
	"pantry/server/internal/reqlog"
	"pantry/server/internal/service"
	"pantry/server/internal/store"
)

// Config configures a Server; the zero value serves plaintext without fault
// injection, logging failed requests to stderr.
type Config struct {
	// Store holds the stock; nil means a new empty memory store.
	Store store.Backend
	// Now is the clock of the services; nil means time.Now.
	Now func() time.Time
	// TLS, when set, serves TLS with this configuration instead of plaintext
	// HTTP/2 (h2c with prior knowledge).
	TLS *tls.Config
	// FaultInjection makes the server obey the pantry-fault-* metadata.
	FaultInjection bool
	// Log receives one line per failed request, or per request with
	// LogRequests; nil means stderr.
	Log         io.Writer
	LogRequests bool
	// Instance names this replica in a response header and may slow it down.
	Instance instance.Instance
	// StatsHandler, when set, sees every RPC (OpenTelemetry tracing, see
	// package oteltrace).
	StatsHandler stats.Handler
}

// Server is a gRPC server of the pantry services.
type Server struct {
	grpc   *grpc.Server
	health *health.Server
	foods  *service.FoodStorage
	conns  *dropconn.Tracker // nil without fault injection
}

// New returns a Server configured by cfg.
func New(cfg Config) *Server {
	if cfg.Store == nil {
		cfg.Store = store.New()
	}
	if cfg.Log == nil {
		cfg.Log = os.Stderr
	}
	s := &Server{health: health.NewServer(), foods: service.NewFoodStorage(cfg.Store, cfg.Now)}

	logger := reqlog.New(cfg.Log, cfg.LogRequests)
	unary := []grpc.UnaryServerInterceptor{logger.Unary()}
	stream := []grpc.StreamServerInterceptor{logger.Stream()}
	if cfg.Instance.Active() {
		unary = append(unary, cfg.Instance.Unary())
		stream = append(stream, cfg.Instance.Stream())
	}
	if cfg.FaultInjection {
		s.conns = dropconn.NewTracker()
		in := fault.New(s.conns)
		unary = append(unary, in.Unary())
		stream = append(stream, in.Stream())
	}
	opts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(unary...),
		grpc.ChainStreamInterceptor(stream...),
		// Let clients and proxies keep idle connections alive with pings
		// every 10 s; the default policy closes them at more than one ping
		// per 5 minutes.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
	}
	if cfg.TLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(cfg.TLS)))
	}
	if cfg.StatsHandler != nil {
		opts = append(opts, grpc.StatsHandler(cfg.StatsHandler))
	}
	s.grpc = grpc.NewServer(opts...)

	hellov1.RegisterHelloServiceServer(s.grpc, service.Hello{})
	pantryv1.RegisterFoodStorageServiceServer(s.grpc, s.foods)
	healthpb.RegisterHealthServer(s.grpc, s.health)
	reflection.Register(s.grpc)
	for _, name := range []string{"", hellov1.HelloService_ServiceDesc.ServiceName, pantryv1.FoodStorageService_ServiceDesc.ServiceName} {
		s.health.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	return s
}

// Serve accepts connections on lis until Shutdown; it returns nil after a
// Shutdown.
func (s *Server) Serve(lis net.Listener) error {
	if s.conns != nil {
		lis = s.conns.Listener(lis)
	}
	return s.grpc.Serve(lis)
}

// Shutdown reports NOT_SERVING to health checks, ends the following watch
// streams, and lets the calls in flight finish for up to grace before
// closing every connection.
func (s *Server) Shutdown(grace time.Duration) {
	s.health.Shutdown()
	s.foods.Stop()
	done := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(done)
	}()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		s.grpc.Stop()
		<-done
	}
}
