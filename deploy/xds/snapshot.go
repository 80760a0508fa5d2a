package main

import (
	"fmt"
	"net"
	"strconv"
	"time"

	cluster "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpoint "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	router "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	httpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// Resource names shared by the gRPC clients' and Envoy's views.
const (
	// ListenerName is what a client dials as xds:///pantry.
	ListenerName = "pantry"
	// EnvoyListenerName is Envoy's TLS listener.
	EnvoyListenerName = "pantry-ingress"
	RouteName         = "pantry-route"
	ClusterName       = "pantry"
)

// Endpoint is one replica: its address and its share of the traffic.
type Endpoint struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Weight  uint32 `json:"weight"`
}

// EnvoyTLS is what Envoy's view needs beyond the shared resources: where
// its listener listens with which certificates (clients must present one
// signed by ClientCA), and the client certificate it shows the replicas.
type EnvoyTLS struct {
	Listen                    string
	Cert, Key, ClientCA       string
	UpstreamCert, UpstreamKey string
	UpstreamCA, UpstreamSNI   string
}

// Snapshots builds, from one list of endpoints and one version, the two views
// of the configuration: proxyless gRPC clients (an API listener, EDS cluster
// without transport socket: the client brings its own mutual TLS) and Envoy
// (a TLS listener, the same route, the same endpoints, upstream mutual TLS).
// The RouteConfiguration and ClusterLoadAssignment are the same objects in
// both.
func Snapshots(version string, eps []Endpoint, envoy *EnvoyTLS) (grpcView, envoyView *cachev3.Snapshot, err error) {
	cla, err := loadAssignment(eps)
	if err != nil {
		return nil, nil, err
	}
	rc := routeConfig()
	grpcView, err = cachev3.NewSnapshot(version, map[resource.Type][]types.Resource{
		resource.ListenerType: {apiListener()},
		resource.RouteType:    {rc},
		resource.ClusterType:  {edsCluster()},
		resource.EndpointType: {cla},
	})
	if err != nil {
		return nil, nil, err
	}
	// No Consistent() check for this view: go-control-plane finds route
	// references in listeners' filter chains only, not in an API listener.
	if envoy == nil {
		return grpcView, nil, nil
	}
	lis, err := envoyListener(envoy)
	if err != nil {
		return nil, nil, err
	}
	envoyView, err = cachev3.NewSnapshot(version, map[resource.Type][]types.Resource{
		resource.ListenerType: {lis},
		resource.RouteType:    {rc},
		resource.ClusterType:  {envoyCluster(envoy)},
		resource.EndpointType: {cla},
	})
	if err != nil {
		return nil, nil, err
	}
	return grpcView, envoyView, envoyView.Consistent()
}

func ads() *core.ConfigSource {
	return &core.ConfigSource{
		ResourceApiVersion:    core.ApiVersion_V3,
		ConfigSourceSpecifier: &core.ConfigSource_Ads{Ads: &core.AggregatedConfigSource{}},
	}
}

func mustAny(m proto.Message) *anypb.Any {
	a, err := anypb.New(m)
	if err != nil {
		panic(err)
	}
	return a
}

func connectionManager(statPrefix string) *hcm.HttpConnectionManager {
	return &hcm.HttpConnectionManager{
		StatPrefix: statPrefix,
		CodecType:  hcm.HttpConnectionManager_AUTO,
		RouteSpecifier: &hcm.HttpConnectionManager_Rds{Rds: &hcm.Rds{
			ConfigSource:    ads(),
			RouteConfigName: RouteName,
		}},
		HttpFilters: []*hcm.HttpFilter{{
			Name:       "envoy.filters.http.router",
			ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: mustAny(&router.Router{})},
		}},
	}
}

// apiListener is the listener a proxyless gRPC client resolves xds:///pantry to.
func apiListener() *listener.Listener {
	return &listener.Listener{
		Name:        ListenerName,
		ApiListener: &listener.ApiListener{ApiListener: mustAny(connectionManager("pantry"))},
	}
}

func routeConfig() *route.RouteConfiguration {
	return &route.RouteConfiguration{
		Name: RouteName,
		VirtualHosts: []*route.VirtualHost{{
			Name:    "pantry",
			Domains: []string{"*"},
			Routes: []*route.Route{{
				Match: &route.RouteMatch{PathSpecifier: &route.RouteMatch_Prefix{Prefix: "/"}},
				Action: &route.Route_Route{Route: &route.RouteAction{
					ClusterSpecifier: &route.RouteAction_Cluster{Cluster: ClusterName},
				}},
			}},
		}},
	}
}

func edsCluster() *cluster.Cluster {
	return &cluster.Cluster{
		Name:                 ClusterName,
		ClusterDiscoveryType: &cluster.Cluster_Type{Type: cluster.Cluster_EDS},
		EdsClusterConfig:     &cluster.Cluster_EdsClusterConfig{EdsConfig: ads()},
		LbPolicy:             cluster.Cluster_ROUND_ROBIN,
		ConnectTimeout:       durationpb.New(time.Second),
	}
}

// envoyCluster is the same cluster as Envoy needs it: HTTP/2 upstream, mutual
// TLS to the replicas, locality weights honoured.
func envoyCluster(t *EnvoyTLS) *cluster.Cluster {
	c := edsCluster()
	c.TypedExtensionProtocolOptions = map[string]*anypb.Any{
		"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": mustAny(&httpv3.HttpProtocolOptions{
			UpstreamProtocolOptions: &httpv3.HttpProtocolOptions_ExplicitHttpConfig_{
				ExplicitHttpConfig: &httpv3.HttpProtocolOptions_ExplicitHttpConfig{
					ProtocolConfig: &httpv3.HttpProtocolOptions_ExplicitHttpConfig_Http2ProtocolOptions{
						Http2ProtocolOptions: &core.Http2ProtocolOptions{},
					},
				},
			},
		}),
	}
	c.CommonLbConfig = &cluster.Cluster_CommonLbConfig{
		LocalityConfigSpecifier: &cluster.Cluster_CommonLbConfig_LocalityWeightedLbConfig_{
			LocalityWeightedLbConfig: &cluster.Cluster_CommonLbConfig_LocalityWeightedLbConfig{},
		},
	}
	c.TransportSocket = &core.TransportSocket{
		Name: "envoy.transport_sockets.tls",
		ConfigType: &core.TransportSocket_TypedConfig{TypedConfig: mustAny(&tlsv3.UpstreamTlsContext{
			Sni: t.UpstreamSNI,
			CommonTlsContext: &tlsv3.CommonTlsContext{
				AlpnProtocols:   []string{"h2"},
				TlsCertificates: []*tlsv3.TlsCertificate{{CertificateChain: file(t.UpstreamCert), PrivateKey: file(t.UpstreamKey)}},
				ValidationContextType: &tlsv3.CommonTlsContext_ValidationContext{
					ValidationContext: &tlsv3.CertificateValidationContext{TrustedCa: file(t.UpstreamCA)},
				},
			},
		})},
	}
	return c
}

func envoyListener(t *EnvoyTLS) (*listener.Listener, error) {
	addr, err := socketAddress(t.Listen)
	if err != nil {
		return nil, fmt.Errorf("envoy listener: %w", err)
	}
	return &listener.Listener{
		Name:    EnvoyListenerName,
		Address: addr,
		FilterChains: []*listener.FilterChain{{
			Filters: []*listener.Filter{{
				Name:       "envoy.filters.network.http_connection_manager",
				ConfigType: &listener.Filter_TypedConfig{TypedConfig: mustAny(connectionManager("ingress_grpc"))},
			}},
			TransportSocket: &core.TransportSocket{
				Name: "envoy.transport_sockets.tls",
				ConfigType: &core.TransportSocket_TypedConfig{TypedConfig: mustAny(&tlsv3.DownstreamTlsContext{
					RequireClientCertificate: wrapperspb.Bool(true),
					CommonTlsContext: &tlsv3.CommonTlsContext{
						AlpnProtocols:   []string{"h2"},
						TlsCertificates: []*tlsv3.TlsCertificate{{CertificateChain: file(t.Cert), PrivateKey: file(t.Key)}},
						ValidationContextType: &tlsv3.CommonTlsContext_ValidationContext{
							ValidationContext: &tlsv3.CertificateValidationContext{TrustedCa: file(t.ClientCA)},
						},
					},
				})},
			},
		}},
	}, nil
}

func file(path string) *core.DataSource {
	return &core.DataSource{Specifier: &core.DataSource_Filename{Filename: path}}
}

// loadAssignment puts each endpoint in a locality of its own, so that its
// weight is a locality weight: proxyless gRPC (weighted_target over
// localities) and Envoy (locality weighted load balancing) both honour it.
func loadAssignment(eps []Endpoint) (*endpoint.ClusterLoadAssignment, error) {
	cla := &endpoint.ClusterLoadAssignment{ClusterName: ClusterName}
	seen := map[string]bool{}
	for _, ep := range eps {
		if ep.Name == "" || seen[ep.Name] {
			return nil, fmt.Errorf("endpoint %q: every endpoint needs a distinct name", ep.Name)
		}
		seen[ep.Name] = true
		if ep.Weight == 0 {
			return nil, fmt.Errorf("endpoint %q: weight must be at least 1 (remove an endpoint to stop its traffic)", ep.Name)
		}
		addr, err := socketAddress(ep.Address)
		if err != nil {
			return nil, fmt.Errorf("endpoint %q: %w", ep.Name, err)
		}
		cla.Endpoints = append(cla.Endpoints, &endpoint.LocalityLbEndpoints{
			Locality:            &core.Locality{Zone: ep.Name},
			LoadBalancingWeight: wrapperspb.UInt32(ep.Weight),
			LbEndpoints: []*endpoint.LbEndpoint{{
				HostIdentifier: &endpoint.LbEndpoint_Endpoint{Endpoint: &endpoint.Endpoint{Address: addr}},
				HealthStatus:   core.HealthStatus_HEALTHY,
			}},
		})
	}
	return cla, nil
}

func socketAddress(hostPort string) (*core.Address, error) {
	host, portText, err := net.SplitHostPort(hostPort)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", hostPort, err)
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil || port == 0 {
		return nil, fmt.Errorf("address %q: port must be 1 to 65535", hostPort)
	}
	if net.ParseIP(host) == nil {
		return nil, fmt.Errorf("address %q: give an IP address", hostPort)
	}
	return &core.Address{Address: &core.Address_SocketAddress{SocketAddress: &core.SocketAddress{
		Address:       host,
		PortSpecifier: &core.SocketAddress_PortValue{PortValue: uint32(port)},
	}}}, nil
}
