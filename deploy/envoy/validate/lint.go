package main

import (
	"fmt"
	"net/netip"
	"strings"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	upstreamhttpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// Messages of the lint rules. Tests and docs match on these.
const (
	msgNoALPN    = "listener has no ALPN h2 (Python/C++ gRPC clients fail: missing selected ALPN property)"
	msgHTTP1     = "speaks HTTP/1.1 upstream (upstream connect error or disconnect/reset before headers. reset reason: protocol error)"
	msgTimeout   = "keeps Envoy's default 15s route timeout (server streams are cut after 15 s: upstream request timeout); set timeout: 0s"
	msgAdmin     = "admin interface is not bound to loopback (anyone who reaches it can stop Envoy)"
	httpOptsName = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
)

// filterChain is one filter chain of a static listener, with a path for
// messages.
type filterChain struct {
	listener string
	path     string
	fc       *listenerv3.FilterChain
}

func filterChains(bs *bootstrapv3.Bootstrap) []filterChain {
	var out []filterChain
	for i, l := range bs.GetStaticResources().GetListeners() {
		base := fmt.Sprintf("static_resources.listeners[%d]", i)
		for j, fc := range l.GetFilterChains() {
			out = append(out, filterChain{l.GetName(), fmt.Sprintf("%s.filter_chains[%d]", base, j), fc})
		}
		if fc := l.GetDefaultFilterChain(); fc != nil {
			out = append(out, filterChain{l.GetName(), base + ".default_filter_chain", fc})
		}
	}
	return out
}

// unpack returns the message packed in a, or nil.
func unpack(a *anypb.Any) proto.Message {
	if a == nil {
		return nil
	}
	m, err := anypb.UnmarshalNew(a, proto.UnmarshalOptions{})
	if err != nil {
		return nil
	}
	return m
}

// connectionManagers returns the HTTP connection managers of a chain.
func connectionManagers(fc *listenerv3.FilterChain) []*hcmv3.HttpConnectionManager {
	var out []*hcmv3.HttpConnectionManager
	for _, f := range fc.GetFilters() {
		if hcm, ok := unpack(f.GetTypedConfig()).(*hcmv3.HttpConnectionManager); ok {
			out = append(out, hcm)
		}
	}
	return out
}

// routeRef is a route action naming a cluster.
type routeRef struct {
	path    string
	cluster string
	action  *routev3.RouteAction
}

func routeRefs(bs *bootstrapv3.Bootstrap) []routeRef {
	var out []routeRef
	for _, c := range filterChains(bs) {
		for _, hcm := range connectionManagers(c.fc) {
			for i, vh := range hcm.GetRouteConfig().GetVirtualHosts() {
				for j, r := range vh.GetRoutes() {
					a := r.GetRoute()
					if a == nil {
						continue
					}
					p := fmt.Sprintf("%s route_config.virtual_hosts[%d].routes[%d]", c.path, i, j)
					if a.GetCluster() != "" {
						out = append(out, routeRef{p, a.GetCluster(), a})
					}
					for _, w := range a.GetWeightedClusters().GetClusters() {
						out = append(out, routeRef{p, w.GetName(), a})
					}
				}
			}
		}
	}
	return out
}

func staticClusters(bs *bootstrapv3.Bootstrap) map[string]*clusterv3.Cluster {
	out := map[string]*clusterv3.Cluster{}
	for _, c := range bs.GetStaticResources().GetClusters() {
		out[c.GetName()] = c
	}
	return out
}

// checkRoutesReferenceClusters: with static route configs Envoy validates
// cluster names at startup and refuses unknown ones (the article's route
// names "service_grpc", which is only defined at the wrong indentation). A
// cluster delivered by CDS cannot be checked here, so only bootstraps without
// dynamic resources are checked.
func checkRoutesReferenceClusters(bs *bootstrapv3.Bootstrap, rep *Report) {
	if bs.GetDynamicResources().GetCdsConfig() != nil || bs.GetDynamicResources().GetCdsResourcesLocator() != "" {
		return
	}
	clusters := staticClusters(bs)
	for _, r := range routeRefs(bs) {
		if _, ok := clusters[r.cluster]; !ok {
			rep.Errors = append(rep.Errors, fmt.Sprintf(
				"%s: route points at unknown cluster %q (static_resources.clusters has none by that name)", r.path, r.cluster))
		}
	}
}

// lintPitfalls returns the findings that are errors in strict mode. Notes
// that never fail a file are added to rep.Warnings directly.
func lintPitfalls(bs *bootstrapv3.Bootstrap, rep *Report) []string {
	var out []string
	out = append(out, lintALPN(bs, rep)...)
	out = append(out, lintUpstreamHTTP2(bs, rep)...)
	out = append(out, lintRouteTimeout(bs)...)
	out = append(out, lintAdmin(bs)...)
	return out
}

// lintALPN: a TLS listener serving HTTP must offer "h2" through ALPN. Envoy
// joins alpn_protocols with "," and splits it again, so an entry
// "h2,http/1.1" works in Envoy; it is flagged as a note only.
func lintALPN(bs *bootstrapv3.Bootstrap, rep *Report) []string {
	var out []string
	for _, c := range filterChains(bs) {
		if len(connectionManagers(c.fc)) == 0 {
			continue
		}
		tls, ok := unpack(c.fc.GetTransportSocket().GetTypedConfig()).(*tlsv3.DownstreamTlsContext)
		if !ok {
			continue
		}
		alpn := tls.GetCommonTlsContext().GetAlpnProtocols()
		h2 := false
		for _, entry := range alpn {
			if strings.Contains(entry, ",") {
				rep.Warnings = append(rep.Warnings, fmt.Sprintf(
					"%s: alpn_protocols entry %q holds several protocols; Envoy splits it on commas so it works, but write one list item per protocol", c.path, entry))
			}
			for _, p := range strings.Split(entry, ",") {
				if strings.TrimSpace(p) == "h2" {
					h2 = true
				}
			}
		}
		if !h2 {
			out = append(out, fmt.Sprintf("%s (listener %q, alpn_protocols %s): %s",
				c.path, c.listener, quoteList(alpn), msgNoALPN))
		}
	}
	return out
}

// lintUpstreamHTTP2: a cluster that routes send gRPC to must speak HTTP/2.
func lintUpstreamHTTP2(bs *bootstrapv3.Bootstrap, rep *Report) []string {
	var out []string
	clusters := staticClusters(bs)
	seen := map[string]bool{}
	for _, r := range routeRefs(bs) {
		c, ok := clusters[r.cluster]
		if !ok || seen[r.cluster] {
			continue
		}
		seen[r.cluster] = true
		switch http2Upstream(c) {
		case upstreamHTTP2:
		case upstreamHTTP2Deprecated:
			rep.Warnings = append(rep.Warnings, fmt.Sprintf(
				"cluster %q uses the deprecated cluster-level http2_protocol_options; use typed_extension_protocol_options[%q].explicit_http_config.http2_protocol_options",
				c.GetName(), httpOptsName))
		case upstreamMaybeHTTP1:
			out = append(out, fmt.Sprintf(
				"cluster %q does not pin HTTP/2 (auto_config or use_downstream_protocol_config) and may %s; use explicit_http_config.http2_protocol_options",
				c.GetName(), msgHTTP1))
		default:
			out = append(out, fmt.Sprintf("cluster %q %s; set typed_extension_protocol_options[%q].explicit_http_config.http2_protocol_options: {}",
				c.GetName(), msgHTTP1, httpOptsName))
		}
	}
	return out
}

type upstreamProto int

const (
	upstreamHTTP1 upstreamProto = iota
	upstreamMaybeHTTP1
	upstreamHTTP2
	upstreamHTTP2Deprecated
)

func http2Upstream(c *clusterv3.Cluster) upstreamProto {
	if opts, ok := unpack(c.GetTypedExtensionProtocolOptions()[httpOptsName]).(*upstreamhttpv3.HttpProtocolOptions); ok {
		switch {
		case opts.GetExplicitHttpConfig().GetHttp2ProtocolOptions() != nil:
			return upstreamHTTP2
		case opts.GetAutoConfig() != nil, opts.GetUseDownstreamProtocolConfig().GetHttp2ProtocolOptions() != nil:
			return upstreamMaybeHTTP1
		}
	}
	//nolint:staticcheck // the deprecated field still works in Envoy v1.31.
	if c.GetHttp2ProtocolOptions() != nil {
		return upstreamHTTP2Deprecated
	}
	return upstreamHTTP1
}

// lintRouteTimeout: without an explicit route timeout Envoy applies 15 s
// from the end of the request, which ends long server streams.
func lintRouteTimeout(bs *bootstrapv3.Bootstrap) []string {
	var out []string
	seen := map[*routev3.RouteAction]bool{}
	for _, r := range routeRefs(bs) {
		if seen[r.action] {
			continue
		}
		seen[r.action] = true
		if r.action.GetTimeout() == nil {
			out = append(out, fmt.Sprintf("%s (cluster %q) %s", r.path, r.cluster, msgTimeout))
		}
	}
	return out
}

// lintAdmin: the admin interface must only listen on loopback.
func lintAdmin(bs *bootstrapv3.Bootstrap) []string {
	sa := bs.GetAdmin().GetAddress().GetSocketAddress()
	if sa == nil {
		return nil
	}
	if ip, err := netip.ParseAddr(sa.GetAddress()); err == nil && ip.IsLoopback() {
		return nil
	}
	return []string{fmt.Sprintf("admin.address %s:%d: %s", sa.GetAddress(), sa.GetPortValue(), msgAdmin)}
}
