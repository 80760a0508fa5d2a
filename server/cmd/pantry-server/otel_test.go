package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	hellov1 "pantry/server/internal/gen/hello/v1"
	"pantry/server/internal/testutil"
)

// With -otel-trace-file the server's span of a call continues the caller's
// trace: same trace id, and the caller's span (from traceparent) as parent.
func TestOtelTraceFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spans.jsonl")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out, stdout := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-otel-trace-file", path}, stdout, t.Output())
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	port := regexp.MustCompile(`:(\d+) `).FindStringSubmatch(line)[1]

	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	callCtx := metadata.AppendToOutgoingContext(ctx, "traceparent", "00-"+traceID+"-"+parentID+"-01")
	conn := testutil.Dial(t, "127.0.0.1:"+port, insecure.NewCredentials())
	if _, err := hellov1.NewHelloServiceClient(conn).Hello(callCtx, &hellov1.HelloRequest{Name: "otel"}); err != nil {
		t.Fatalf("Hello: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return within 10s of the stop")
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type spanContext struct{ TraceID, SpanID string }
	type span struct {
		Name        string
		SpanKind    int
		SpanContext spanContext
		Parent      spanContext
	}
	var spans []span
	dec := json.NewDecoder(bytes.NewReader(data))
	for dec.More() {
		var s span
		if err := dec.Decode(&s); err != nil {
			t.Fatalf("span file: %v in %q", err, data)
		}
		spans = append(spans, s)
	}
	if len(spans) != 1 {
		t.Fatalf("spans: got %d, want 1: %s", len(spans), data)
	}
	s := spans[0]
	if s.Name != "hello.v1.HelloService/Hello" || s.SpanKind != 2 {
		t.Errorf("span: got name %q kind %d, want hello.v1.HelloService/Hello, 2 (server)", s.Name, s.SpanKind)
	}
	if s.SpanContext.TraceID != traceID || s.Parent.TraceID != traceID || s.Parent.SpanID != parentID {
		t.Errorf("span: got trace %s, parent %s/%s; want trace %s, parent %s", s.SpanContext.TraceID,
			s.Parent.TraceID, s.Parent.SpanID, traceID, parentID)
	}
}

func TestOtelTraceFileInAMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "spans.jsonl")
	err := run(t.Context(), []string{"-listen", "127.0.0.1:0", "-otel-trace-file", path}, io.Discard, io.Discard)
	if err == nil || !regexp.MustCompile(`^-otel-trace-file: .*`+regexp.QuoteMeta(path)).MatchString(err.Error()) {
		t.Fatalf("err: got %v, want one naming -otel-trace-file and %s", err, path)
	}
}
