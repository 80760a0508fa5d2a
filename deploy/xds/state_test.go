package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	endpoint "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
)

func TestParseEndpoints(t *testing.T) {
	eps, err := parseEndpoints("a=127.0.0.1:9443:3, b=127.0.0.1:9444")
	if err != nil {
		t.Fatal(err)
	}
	want := []Endpoint{{"a", "127.0.0.1:9443", 3}, {"b", "127.0.0.1:9444", 1}}
	if len(eps) != 2 || eps[0] != want[0] || eps[1] != want[1] {
		t.Fatalf("got %+v, want %+v", eps, want)
	}
	if _, err := parseEndpoints("127.0.0.1:9443"); err == nil {
		t.Fatal("an endpoint without a name was accepted")
	}
}

// Both views carry the same version, route and endpoints; every resource passes Envoy's own
// validation rules (protoc-gen-validate).
func TestSnapshotsShareRouteAndEndpoints(t *testing.T) {
	tls := &EnvoyTLS{Listen: "127.0.0.1:8443", Cert: "s.crt", Key: "s.key", ClientCA: "ca.crt",
		UpstreamCert: "c.crt", UpstreamKey: "c.key", UpstreamCA: "ca.crt", UpstreamSNI: "localhost"}
	g, e, err := Snapshots("7", []Endpoint{{"a", "127.0.0.1:9443", 1}, {"b", "127.0.0.1:9444", 4}}, tls)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []resource.Type{resource.ListenerType, resource.RouteType, resource.ClusterType, resource.EndpointType} {
		if g.GetVersion(typ) != "7" || e.GetVersion(typ) != "7" {
			t.Fatalf("%s: versions %q and %q, want 7", typ, g.GetVersion(typ), e.GetVersion(typ))
		}
		for _, view := range []map[string]interface{ ValidateAll() error }{validated(g.GetResources(typ)), validated(e.GetResources(typ))} {
			for name, r := range view {
				if err := r.ValidateAll(); err != nil {
					t.Fatalf("%s %s: %v", typ, name, err)
				}
			}
		}
	}
	if g.GetResources(resource.RouteType)[RouteName] != e.GetResources(resource.RouteType)[RouteName] {
		t.Fatal("the two views have different route configurations")
	}
	cla := g.GetResources(resource.EndpointType)[ClusterName].(*endpoint.ClusterLoadAssignment)
	if len(cla.Endpoints) != 2 || cla.Endpoints[1].GetLoadBalancingWeight().GetValue() != 4 {
		t.Fatalf("endpoints: %v", cla.Endpoints)
	}
	if _, ok := g.GetResources(resource.ListenerType)[ListenerName]; !ok {
		t.Fatalf("the gRPC view has no listener %q", ListenerName)
	}
}

func validated[T any](m map[string]T) map[string]interface{ ValidateAll() error } {
	out := map[string]interface{ ValidateAll() error }{}
	for k, v := range m {
		out[k] = any(v).(interface{ ValidateAll() error })
	}
	return out
}

func TestAdminRefusesBadEndpointsAndKeepsTheOld(t *testing.T) {
	s, err := NewState([]Endpoint{{"a", "127.0.0.1:9443", 1}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := s.AdminHandler()
	for _, body := range []string{`[{"name":"x","address":"pantry:443","weight":1}]`, `[{"name":"x","address":"127.0.0.1:1","weight":0}]`, `{}`} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/endpoints", strings.NewReader(body)))
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("%s: status %d, want 400", body, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/endpoints", strings.NewReader(`[{"name":"b","address":"127.0.0.1:2","weight":2}]`)))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"version":"2"`) || !strings.Contains(rec.Body.String(), `"b"`) {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
}

func TestWriteBootstrap(t *testing.T) {
	path := t.TempDir() + "/bootstrap.json"
	if err := writeBootstrap(path, "127.0.0.1:18000", "kitchen"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"server_uri": "127.0.0.1:18000"`, `"type": "insecure"`, `"xds_v3"`, `"id": "kitchen"`, `"locality": {}`} {
		if !strings.Contains(string(b), want) {
			t.Fatalf("bootstrap lacks %s:\n%s", want, b)
		}
	}
}
