// Command pantry-xds is a small xDS management server (go-control-plane) for
// the pantry: it serves one configuration — a listener, a route, a cluster
// and its endpoints — to proxyless gRPC clients (@pantry/client with
// xds:///pantry) and, when asked, to Envoy, and lets tests and operators
// change the endpoints over a small HTTP admin API.
//
//	pantry-xds -listen 127.0.0.1:18000 -admin 127.0.0.1:18001 \
//	  -endpoints a=127.0.0.1:9443:1,b=127.0.0.1:9444:1
//	curl -X PUT --data '[{"name":"b","address":"127.0.0.1:9444","weight":1}]' http://127.0.0.1:18001/endpoints
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	serverv3 "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"google.golang.org/grpc"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "pantry-xds:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pantry-xds", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:18000", "`address` of the ADS gRPC server (plaintext: keep it on loopback or a private network)")
	admin := fs.String("admin", "127.0.0.1:18001", "`address` of the HTTP admin API (GET /endpoints, PUT /endpoints)")
	initial := fs.String("endpoints", "", "initial endpoints: `name=ip:port:weight`, comma-separated")
	bootstrapOut := fs.String("bootstrap-out", "", "write a gRPC xDS bootstrap for clients of this server to this `file` (GRPC_XDS_BOOTSTRAP)")
	nodeID := fs.String("bootstrap-node", "pantry-client", "node `id` in the written bootstrap")
	var envoy EnvoyTLS
	fs.StringVar(&envoy.Listen, "envoy-listen", "", "when set, also configure Envoy (node id starting with \"envoy\"): its TLS listener `address`")
	fs.StringVar(&envoy.Cert, "envoy-cert", "", "Envoy listener certificate `file`")
	fs.StringVar(&envoy.Key, "envoy-key", "", "Envoy listener key `file`")
	fs.StringVar(&envoy.ClientCA, "envoy-client-ca", "", "CA `file` that clients' certificates must chain to")
	fs.StringVar(&envoy.UpstreamCert, "upstream-cert", "", "client certificate `file` Envoy shows the replicas")
	fs.StringVar(&envoy.UpstreamKey, "upstream-key", "", "its key `file`")
	fs.StringVar(&envoy.UpstreamCA, "upstream-ca", "", "CA `file` of the replicas' certificates")
	fs.StringVar(&envoy.UpstreamSNI, "upstream-sni", "localhost", "`name` Envoy sends and checks on the replicas' certificates")
	if err := fs.Parse(args); err != nil {
		return err
	}
	eps, err := parseEndpoints(*initial)
	if err != nil {
		return err
	}
	var envoyTLS *EnvoyTLS
	if envoy.Listen != "" {
		envoyTLS = &envoy
	}
	state, err := NewState(eps, envoyTLS)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	adsLis, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	adminLis, err := net.Listen("tcp", *admin)
	if err != nil {
		return err
	}
	if *bootstrapOut != "" {
		if err := writeBootstrap(*bootstrapOut, adsLis.Addr().String(), *nodeID); err != nil {
			return err
		}
	}
	grpcServer := grpc.NewServer()
	discovery.RegisterAggregatedDiscoveryServiceServer(grpcServer, serverv3.NewServer(ctx, state.Cache(), nil))
	httpServer := &http.Server{Handler: state.AdminHandler()}

	fmt.Fprintf(stdout, "pantry-xds serving ADS on %s, admin on http://%s\n", adsLis.Addr(), adminLis.Addr())
	errs := make(chan error, 2)
	go func() { errs <- grpcServer.Serve(adsLis) }()
	go func() { errs <- httpServer.Serve(adminLis) }()
	select {
	case err = <-errs:
	case <-ctx.Done():
	}
	grpcServer.Stop()
	_ = httpServer.Close()
	return err
}
