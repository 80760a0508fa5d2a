package fault

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
)

// Request metadata keys that ask for a fault.
const (
	KeyCode        = "pantry-fault-code"
	KeyMessage     = "pantry-fault-message"
	KeyDelayMS     = "pantry-fault-delay-ms"
	KeyTimes       = "pantry-fault-times"
	KeyKey         = "pantry-fault-key"
	KeyAfter       = "pantry-fault-after"
	KeyPushbackMS  = "pantry-fault-pushback-ms"
	KeyDrop        = "pantry-fault-drop"
	KeyStreamAfter = "pantry-fault-stream-after"
)

// TrailerPushback is the trailer of gRFC A6 that tells a retrying client how
// long to wait before the next attempt.
const TrailerPushback = "grpc-retry-pushback-ms"

// DefaultMessage is the status message of an injected fault.
const DefaultMessage = "injected fault"

// spec is the fault one request asks for.
type spec struct {
	code     codes.Code // OK when no status is injected
	message  string
	delay    time.Duration
	limited  bool // only the first times requests carrying key
	times    int
	key      string
	after    bool
	pushback string // decimal milliseconds; empty for none
	drop     bool
	// streamAfter >= 0 interrupts a stream after that many messages.
	streamAfter int
}

// asksForFault reports whether the request asks for a fault at all.
func (s spec) asksForFault() bool {
	return s.code != codes.OK || s.delay > 0 || s.drop || s.streamAfter >= 0
}

// parseSpec reads the fault keys of md. An unparsable value is an error
// naming its key.
func parseSpec(md metadata.MD) (spec, error) {
	s := spec{message: DefaultMessage, streamAfter: -1}
	var err error
	if v, ok := last(md, KeyCode); ok {
		if s.code, err = parseCode(v); err != nil {
			return s, err
		}
	}
	if v, ok := last(md, KeyMessage); ok {
		s.message = v
	}
	if v, ok := last(md, KeyDelayMS); ok {
		ms, err := parseCount(KeyDelayMS, v)
		if err != nil {
			return s, err
		}
		s.delay = time.Duration(ms) * time.Millisecond
	}
	if v, ok := last(md, KeyTimes); ok {
		if s.times, err = parseCount(KeyTimes, v); err != nil {
			return s, err
		}
		s.limited = true
		if s.key, ok = last(md, KeyKey); !ok || s.key == "" {
			return s, fmt.Errorf("%s needs %s: the counter of the first requests is kept per key", KeyTimes, KeyKey)
		}
	}
	if s.after, err = parseBool(md, KeyAfter); err != nil {
		return s, err
	}
	if v, ok := last(md, KeyPushbackMS); ok {
		ms, err := parseCount(KeyPushbackMS, v)
		if err != nil {
			return s, err
		}
		s.pushback = strconv.Itoa(ms)
	}
	if s.drop, err = parseBool(md, KeyDrop); err != nil {
		return s, err
	}
	if v, ok := last(md, KeyStreamAfter); ok {
		if s.streamAfter, err = parseCount(KeyStreamAfter, v); err != nil {
			return s, err
		}
	}
	return s, nil
}

// last returns the last value of key, so that a value a proxy or client
// appends wins over a default set earlier.
func last(md metadata.MD, key string) (string, bool) {
	vs := md.Get(key)
	if len(vs) == 0 {
		return "", false
	}
	return strings.TrimSpace(vs[len(vs)-1]), true
}

func parseCount(key, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s: %q is not a non-negative integer", key, v)
	}
	return n, nil
}

func parseBool(md metadata.MD, key string) (bool, error) {
	v, ok := last(md, key)
	if !ok {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s: %q is not true or false", key, v)
	}
	return b, nil
}

// codeNames maps the canonical names of the status codes to the codes.
var codeNames = func() map[string]codes.Code {
	names := []string{"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
		"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
		"OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"}
	m := make(map[string]codes.Code, len(names))
	for i, n := range names {
		m[n] = codes.Code(i)
	}
	return m
}()

// parseCode reads a status code as a number ("14") or a name in any case
// ("UNAVAILABLE", "unavailable"); "CANCELED" is accepted too.
func parseCode(v string) (codes.Code, error) {
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 || n > int(codes.Unauthenticated) {
			return codes.OK, fmt.Errorf("%s: %d is not a gRPC status code (0 to 16)", KeyCode, n)
		}
		return codes.Code(n), nil
	}
	name := strings.ToUpper(v)
	if name == "CANCELED" {
		name = "CANCELLED"
	}
	if c, ok := codeNames[name]; ok {
		return c, nil
	}
	return codes.OK, fmt.Errorf("%s: %q is not a gRPC status code name or number, e.g. UNAVAILABLE or 14", KeyCode, v)
}
