package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dir is deploy/envoy, relative to this package.
const dir = ".."

func joined(rep Report) string { return strings.Join(rep.Errors, "\n") }

func mustValidateFile(t *testing.T, path string, strict bool) Report {
	t.Helper()
	rep, err := ValidateFile(path, strict)
	if err != nil {
		t.Fatalf("ValidateFile(%s): %v", path, err)
	}
	return rep
}

func TestShippedFiles(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		strict bool
		// wantErr is empty when the file must pass; otherwise a fragment
		// that one of the errors must contain.
		wantErr string
	}{
		{"the corrected envoy.yaml passes", "envoy.yaml", false, ""},
		{"the corrected envoy.yaml passes the strict lint rules", "envoy.yaml", true, ""},
		{"the no-alpn pitfall passes schema validation", "pitfalls/no-alpn.yaml", false, ""},
		{"the no-alpn pitfall fails strict mode with the ALPN error", "pitfalls/no-alpn.yaml", true, msgNoALPN},
		{"the http1-upstream pitfall passes schema validation", "pitfalls/http1-upstream.yaml", false, ""},
		{"the http1-upstream pitfall fails strict mode naming the cluster", "pitfalls/http1-upstream.yaml", true,
			`cluster "pantry_grpc" speaks HTTP/1.1 upstream (upstream connect error or disconnect/reset before headers. reset reason: protocol error)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := mustValidateFile(t, filepath.Join(dir, tc.file), tc.strict)
			if tc.wantErr == "" {
				if len(rep.Errors) > 0 {
					t.Fatalf("want no errors, got:\n%s", joined(rep))
				}
				return
			}
			if !strings.Contains(joined(rep), tc.wantErr) {
				t.Fatalf("want an error containing %q, got:\n%s", tc.wantErr, joined(rep))
			}
		})
	}
}

func TestPitfallsTripOnlyTheirOwnRule(t *testing.T) {
	tests := []struct {
		name string
		file string
		want string
	}{
		{"the no-alpn pitfall has exactly the ALPN finding", "pitfalls/no-alpn.yaml", msgNoALPN},
		{"the http1-upstream pitfall has exactly the HTTP/1.1 finding", "pitfalls/http1-upstream.yaml", msgHTTP1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := mustValidateFile(t, filepath.Join(dir, tc.file), true)
			if len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0], tc.want) {
				t.Fatalf("want one error containing %q, got:\n%s", tc.want, joined(rep))
			}
		})
	}
}

// brokenExpectations holds, for every file in broken/, fragments that its
// errors must contain (without --strict).
var brokenExpectations = map[string][]string{
	"article-original.yaml": {
		`unknown field "clusters"`,
		`"clusters" is at the top level but belongs under static_resources`,
		`Didn't find a registered implementation for 'envoy.filters.http.grpc_web' with type URL: ''`,
		`Didn't find a registered implementation for 'envoy.filters.http.router' with type URL: ''`,
		`route points at unknown cluster "service_grpc"`,
	},
	"missing-typed-config.yaml": {
		`http_filters[1] ("envoy.filters.http.router"): no typed_config`,
	},
}

func TestEveryBrokenFileFails(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(dir, "broken", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no files in broken/: %v", err)
	}
	for _, f := range files {
		base := filepath.Base(f)
		t.Run(base+" fails with its expected errors", func(t *testing.T) {
			want, ok := brokenExpectations[base]
			if !ok {
				t.Fatalf("broken/%s has no entry in brokenExpectations", base)
			}
			rep := mustValidateFile(t, f, false)
			if len(rep.Errors) == 0 {
				t.Fatal("want errors, the file passed")
			}
			for _, w := range want {
				if !strings.Contains(joined(rep), w) {
					t.Errorf("want an error containing %q, got:\n%s", w, joined(rep))
				}
			}
		})
	}
	for name := range brokenExpectations {
		if _, err := os.Stat(filepath.Join(dir, "broken", name)); err != nil {
			t.Errorf("brokenExpectations names broken/%s, which does not exist", name)
		}
	}
}

// A minimal valid bootstrap; the inline cases below change one thing in it.
const minimal = `
static_resources:
  listeners:
  - name: l
    address: {socket_address: {address: 127.0.0.1, port_value: PORT}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: STAT
          route_config:
            virtual_hosts:
            - name: v
              domains: ["*"]
              routes:
              - match: {prefix: "/"}
                route: {cluster: c, timeout: 0s}
          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": ROUTER
  clusters:
  - name: c
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: {http2_protocol_options: {}}
    load_assignment:
      cluster_name: c
      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 9090}}}}]}]
`

func variant(port, stat, router string) []byte {
	r := strings.NewReplacer("PORT", port, "STAT", stat,
		"ROUTER", router)
	return []byte(r.Replace(minimal))
}

const routerType = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"

func TestInlineConfigs(t *testing.T) {
	tests := []struct {
		name    string
		yaml    []byte
		wantErr string
	}{
		{"a minimal bootstrap passes", variant("8443", "s", routerType), ""},
		{"a port above 65535 breaks a Bootstrap schema rule naming the field",
			variant("70000", "s", routerType), "PortValue: value must be less than or equal to 65535"},
		{"an empty stat_prefix inside a typed_config is caught by the packed message's own rules",
			variant("8443", `""`, routerType), "invalid HttpConnectionManager.StatPrefix: value length must be at least 1 runes"},
		{"an unknown @type is a schema error",
			variant("8443", "s", "type.googleapis.com/envoy.extensions.filters.http.nope.v3.Nope"), "unable to resolve"},
		{"an unknown field inside a typed_config is a schema error",
			[]byte(strings.Replace(string(variant("8443", "s", routerType)), "stat_prefix: s", "stat_prefix: s\n          stat_prefx: s", 1)),
			`unknown field "stat_prefx"`},
		{"a YAML syntax error is reported", []byte("static_resources: [\n"), "yaml:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Validate(tc.yaml, true)
			got := joined(rep)
			if err != nil {
				got = err.Error()
			}
			if tc.wantErr == "" {
				if got != "" {
					t.Fatalf("want no errors, got:\n%s", got)
				}
				return
			}
			if !strings.Contains(got, tc.wantErr) {
				t.Fatalf("want an error containing %q, got:\n%s", tc.wantErr, got)
			}
		})
	}
}

func TestCommandLine(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"a valid file prints ok and exits 0",
			[]string{"../envoy.yaml", "--strict"}, 0, "ok ../envoy.yaml\n", ""},
		{"a pitfall without --strict prints a warning and ok",
			[]string{"../pitfalls/no-alpn.yaml"}, 0, "ok ../pitfalls/no-alpn.yaml\n", "warning: " + "static_resources.listeners[0]"},
		{"a pitfall with --strict exits 1 with the error",
			[]string{"--strict", "../pitfalls/no-alpn.yaml"}, 1, "", "error: static_resources.listeners[0].filter_chains[0]"},
		{"a broken file exits 1 naming the field",
			[]string{"../broken/article-original.yaml"}, 1, "", `unknown field "clusters"`},
		{"a missing file exits 1", []string{"../nope.yaml"}, 1, "", "no such file"},
		{"no file is a usage error", nil, 2, "", "usage:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(tc.args, &out, &errOut)
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d (stderr: %s)", code, tc.wantCode, errOut.String())
			}
			if out.String() != tc.wantStdout {
				t.Errorf("stdout %q, want %q", out.String(), tc.wantStdout)
			}
			if !strings.Contains(errOut.String(), tc.wantStderr) {
				t.Errorf("stderr %q does not contain %q", errOut.String(), tc.wantStderr)
			}
		})
	}
}
