package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"sigs.k8s.io/yaml"

	// Every extension whose "@type" may appear in a typed_config must be
	// linked in, or protojson cannot resolve it ("unable to resolve
	// type.googleapis.com/..."). These are the ones deploy/envoy uses.
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/cors/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/grpc_web/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/jwt_authn/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
)

// Report is the outcome of validating one bootstrap file that parsed.
type Report struct {
	// Errors make the file invalid: protoc-gen-validate violations, checks
	// Envoy makes at startup, and (with strict) lint findings.
	Errors []string
	// Warnings are lint findings when not strict, and style notes.
	Warnings []string
}

// ValidateFile reads and validates the Envoy bootstrap YAML at path. The
// error is non-nil when the file cannot be read or is not YAML; every
// validation failure is in Report.Errors.
func ValidateFile(path string, strict bool) (Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Report{}, err
	}
	return Validate(data, strict)
}

// Validate validates an Envoy bootstrap given as YAML (or JSON). When the
// strict schema check fails, the file is parsed once more ignoring unknown
// fields, so that the other mistakes are reported too.
func Validate(data []byte, strict bool) (Report, error) {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return Report{}, fmt.Errorf("yaml: %w", err)
	}
	var rep Report
	bs, err := parse(js, false)
	if err != nil {
		rep.Errors = append(rep.Errors, err.Error()+misplacedHint(js))
		if bs, err = parse(js, true); err != nil {
			return rep, nil
		}
	}
	if err := bs.ValidateAll(); err != nil {
		rep.Errors = append(rep.Errors, "schema rule: "+err.Error())
	}
	walk(bs.ProtoReflect(), "", &rep)
	checkRoutesReferenceClusters(bs, &rep)

	lint := lintPitfalls(bs, &rep)
	if strict {
		rep.Errors = append(rep.Errors, lint...)
	} else {
		rep.Warnings = append(rep.Warnings, lint...)
	}
	return rep, nil
}

// jsonPosition matches protojson's "(line 1:2): " prefix. The position is
// in the JSON converted from YAML, not in the file, so it is dropped; the
// field name in the message is what locates the mistake.
var jsonPosition = regexp.MustCompile(`\(line \d+:\d+\): `)

// misplacedHint explains top-level keys that belong under static_resources,
// the article's indentation mistake.
func misplacedHint(js []byte) string {
	var top map[string]json.RawMessage
	if json.Unmarshal(js, &top) != nil {
		return ""
	}
	bootstrap := (&bootstrapv3.Bootstrap{}).ProtoReflect().Descriptor().Fields()
	static := (&bootstrapv3.Bootstrap_StaticResources{}).ProtoReflect().Descriptor().Fields()
	var hints []string
	for k := range top {
		if bootstrap.ByJSONName(k) == nil && bootstrap.ByTextName(k) == nil &&
			(static.ByJSONName(k) != nil || static.ByTextName(k) != nil) {
			hints = append(hints, fmt.Sprintf("%q is at the top level but belongs under static_resources (check its indentation)", k))
		}
	}
	sort.Strings(hints)
	if len(hints) == 0 {
		return ""
	}
	return "; " + strings.Join(hints, "; ")
}

// parse strictly (or, with lenient, ignoring unknown fields) unmarshals
// JSON into a Bootstrap.
func parse(js []byte, lenient bool) (*bootstrapv3.Bootstrap, error) {
	bs := &bootstrapv3.Bootstrap{}
	opts := protojson.UnmarshalOptions{DiscardUnknown: lenient}
	if err := opts.Unmarshal(js, bs); err != nil {
		msg := jsonPosition.ReplaceAllString(err.Error(), "")
		return nil, fmt.Errorf("schema (envoy.config.bootstrap.v3.Bootstrap): %s", msg)
	}
	return bs, nil
}

type validatorAll interface{ ValidateAll() error }

// walk visits every message below m. Packed typed_config messages
// (google.protobuf.Any) are unpacked and validated with their own
// protoc-gen-validate rules, which Bootstrap.ValidateAll does not reach.
func walk(m protoreflect.Message, path string, rep *Report) {
	checkTypedConfigPresent(m, path, rep)

	if a, ok := m.Interface().(*anypb.Any); ok {
		inner, err := anypb.UnmarshalNew(a, proto.UnmarshalOptions{})
		if err != nil {
			rep.Errors = append(rep.Errors, fmt.Sprintf("%s: cannot unpack %s: %v", path, a.GetTypeUrl(), err))
			return
		}
		if v, ok := inner.(validatorAll); ok {
			if err := v.ValidateAll(); err != nil {
				rep.Errors = append(rep.Errors, fmt.Sprintf("%s (%s): schema rule: %v",
					path, inner.ProtoReflect().Descriptor().FullName(), err))
			}
		}
		walk(inner.ProtoReflect(), path, rep)
		return
	}

	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		p := string(fd.Name())
		if path != "" {
			p = path + "." + p
		}
		switch {
		case fd.IsMap():
			if fd.MapValue().Message() == nil {
				return true
			}
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				walk(mv.Message(), fmt.Sprintf("%s[%q]", p, k.String()), rep)
				return true
			})
		case fd.Message() == nil:
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				walk(l.Get(i).Message(), fmt.Sprintf("%s[%d]", p, i), rep)
			}
		default:
			walk(v.Message(), p, rep)
		}
		return true
	})
}

// checkTypedConfigPresent reports extension references (HTTP and network
// filters, listener filters, transport sockets, access loggers, ...) that
// carry only a name. Their typed_config sits in an optional oneof, so the
// schema accepts them, but since Envoy 1.22 extensions are looked up by the
// type URL of typed_config and Envoy refuses to start.
func checkTypedConfigPresent(m protoreflect.Message, path string, rep *Report) {
	od := m.Descriptor().Oneofs().ByName("config_type")
	if od == nil || od.Fields().ByName("typed_config") == nil || m.WhichOneof(od) != nil {
		return
	}
	name := ""
	if fd := m.Descriptor().Fields().ByName("name"); fd != nil && fd.Kind() == protoreflect.StringKind {
		name = m.Get(fd).String()
	}
	rep.Errors = append(rep.Errors, fmt.Sprintf(
		"%s (%q): no typed_config; Envoy >= 1.22 rejects it: Didn't find a registered implementation for '%s' with type URL: ''",
		path, name, name))
}

// quoteList renders a string list for messages.
func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
