//go:build unix

// Command pantry-load is the Go load client of the benchmark (bench/ in the
// repository): a small grpc-go client that runs one workload against the
// pantry server over mutual TLS and prints one JSON line with the same fields
// as the Node workers (bench/worker.ts), so that it stands as the ceiling of
// the machine next to the Node clients.
//
//	pantry-load -addr 127.0.0.1:8443 -ca certs/ca.crt -cert certs/client.crt -key certs/client.key \
//	    -workload hello -concurrency 16 -warmup 2s -duration 5s
//
// Workloads: hello (unary Hello), list (ListFoods with -page-size items),
// stream (WatchExpiringFoods, every stream read to its end), cold (dial,
// TLS handshake and first Hello, -calls times), heap (-calls Hello calls at
// -concurrency, heap in use before and after a forced GC).
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	hellov1 "pantry/server/internal/gen/hello/v1"
	pantryv1 "pantry/server/internal/gen/pantry/v1"
)

type options struct {
	addr, ca, cert, key, serverName string
	workload                        string
	concurrency                     int
	warmup, duration                time.Duration
	calls                           int
	pageSize                        int
	expect                          int
	withinDays                      int
	callTimeout                     time.Duration
}

// result has the fields of bench/worker.ts's output.
type result struct {
	Client       string      `json:"client"`
	Workload     string      `json:"workload"`
	Mode         string      `json:"mode"`
	Concurrency  int         `json:"concurrency"`
	Seconds      float64     `json:"seconds"`
	Calls        int64       `json:"calls"`
	Errors       int64       `json:"errors"`
	FirstError   string      `json:"firstError,omitempty"`
	CallsPerSec  float64     `json:"callsPerSec"`
	Messages     int64       `json:"messages,omitempty"`
	MessagesPerS float64     `json:"messagesPerSec,omitempty"`
	P50Ms        float64     `json:"p50Ms"`
	P99Ms        float64     `json:"p99Ms"`
	MeanMs       float64     `json:"meanMs"`
	CPUUsPerCall float64     `json:"cpuUsPerCall"`
	CPUUsPerMsg  float64     `json:"cpuUsPerMessage,omitempty"`
	PeakRSSKB    int64       `json:"peakRssKb"`
	Heap         *heapResult `json:"heap,omitempty"`
	Cold         *coldResult `json:"cold,omitempty"`
	Runtime      string      `json:"runtime"`
}

type heapResult struct {
	Calls       int64 `json:"calls"`
	BeforeBytes int64 `json:"beforeBytes"`
	AfterBytes  int64 `json:"afterBytes"`
	GrowthBytes int64 `json:"growthBytes"`
}

type coldResult struct {
	Iterations int     `json:"iterations"`
	FirstMs    float64 `json:"firstMs"`
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "pantry-load:", err)
		os.Exit(2)
	}
	res, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pantry-load:", err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, "pantry-load:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("pantry-load", flag.ContinueOnError)
	fs.StringVar(&o.addr, "addr", "", "host:port of the server (mutual TLS)")
	fs.StringVar(&o.ca, "ca", "", "CA certificate file (PEM)")
	fs.StringVar(&o.cert, "cert", "", "client certificate file (PEM)")
	fs.StringVar(&o.key, "key", "", "client key file (PEM)")
	fs.StringVar(&o.serverName, "server-name", "", "TLS server name (default: the host of -addr)")
	fs.StringVar(&o.workload, "workload", "hello", "hello, list, stream, cold or heap")
	fs.IntVar(&o.concurrency, "concurrency", 1, "calls in flight over the one connection")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "time run before measuring")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "time measured")
	fs.IntVar(&o.calls, "calls", 100000, "heap: calls between the two heap readings; cold: iterations")
	fs.IntVar(&o.pageSize, "page-size", 100, "list: page_size of ListFoods")
	fs.IntVar(&o.expect, "expect", 0, "stream: messages each stream must deliver (0: any)")
	fs.IntVar(&o.withinDays, "within-days", 30, "stream: within_days of WatchExpiringFoods")
	fs.DurationVar(&o.callTimeout, "call-timeout", 10*time.Second, "deadline of each call")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.addr == "" || o.ca == "" || o.cert == "" || o.key == "" {
		return o, errors.New("-addr, -ca, -cert and -key are required")
	}
	if o.concurrency < 1 {
		return o, errors.New("-concurrency must be at least 1")
	}
	switch o.workload {
	case "hello", "list", "stream", "cold", "heap":
	default:
		return o, fmt.Errorf("unknown -workload %q (hello, list, stream, cold, heap)", o.workload)
	}
	return o, nil
}

// transportCredentials reads the files on every call: the cold workload
// counts loading them, as a new process would.
func transportCredentials(o options) (credentials.TransportCredentials, error) {
	pair, err := tls.LoadX509KeyPair(o.cert, o.key)
	if err != nil {
		return nil, fmt.Errorf("loading the client certificate: %w", err)
	}
	pem, err := os.ReadFile(o.ca)
	if err != nil {
		return nil, fmt.Errorf("reading the CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", o.ca)
	}
	return credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: pool, ServerName: o.serverName, MinVersion: tls.VersionTLS12}), nil
}

func dial(o options) (*grpc.ClientConn, error) {
	creds, err := transportCredentials(o)
	if err != nil {
		return nil, err
	}
	return grpc.NewClient("passthrough:///"+o.addr, grpc.WithTransportCredentials(creds))
}

// callFn makes one call; for streams it returns how many messages arrived.
type callFn func(ctx context.Context) (int, error)

func workloadCall(o options, conn *grpc.ClientConn) callFn {
	hello := hellov1.NewHelloServiceClient(conn)
	foods := pantryv1.NewFoodStorageServiceClient(conn)
	switch o.workload {
	case "list":
		return func(ctx context.Context) (int, error) {
			res, err := foods.ListFoods(ctx, &pantryv1.ListFoodsRequest{PageSize: int32(o.pageSize)})
			if err == nil && len(res.GetFoods()) != o.pageSize {
				err = fmt.Errorf("ListFoods returned %d foods, want %d (seed the server first)", len(res.GetFoods()), o.pageSize)
			}
			return 1, err
		}
	case "stream":
		return func(ctx context.Context) (int, error) {
			stream, err := foods.WatchExpiringFoods(ctx, &pantryv1.WatchExpiringFoodsRequest{WithinDays: int32(o.withinDays)})
			if err != nil {
				return 0, err
			}
			n := 0
			for {
				_, err := stream.Recv()
				if err == io.EOF {
					break
				}
				if err != nil {
					return n, err
				}
				n++
			}
			if o.expect > 0 && n != o.expect {
				return n, fmt.Errorf("the stream delivered %d messages, want %d", n, o.expect)
			}
			return n, nil
		}
	default:
		return func(ctx context.Context) (int, error) {
			_, err := hello.Hello(ctx, &hellov1.HelloRequest{Name: "bench"})
			return 1, err
		}
	}
}

func run(o options) (*result, error) {
	res := &result{Client: "go", Workload: o.workload, Concurrency: o.concurrency, Mode: "throughput", Runtime: runtime.Version()}
	switch o.workload {
	case "cold":
		res.Mode = "cold"
		return res, runCold(o, res)
	case "heap":
		res.Mode = "heap"
		res.Workload = "hello"
	}
	conn, err := dial(o)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	call := workloadCall(o, conn)
	// The first call connects (TLS handshake); it is not measured.
	ctx, cancel := context.WithTimeout(context.Background(), o.callTimeout)
	_, err = call(ctx)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("first call: %w", err)
	}
	if o.workload == "heap" {
		return res, runHeap(o, call, res)
	}
	return res, runThroughput(o, call, res)
}

type stats struct {
	mu         sync.Mutex
	latencies  []time.Duration
	calls      atomic.Int64
	messages   atomic.Int64
	errors     atomic.Int64
	firstError atomic.Pointer[string]
}

// fill writes the counts every workload reports: duration, calls, errors, calls per second.
func (s *stats) fill(res *result, elapsed time.Duration) {
	res.Seconds = elapsed.Seconds()
	res.Calls = s.calls.Load()
	res.Errors = s.errors.Load()
	if p := s.firstError.Load(); p != nil {
		res.FirstError = *p
	}
	res.CallsPerSec = float64(res.Calls) / res.Seconds
}

func (s *stats) record(err error) {
	s.errors.Add(1)
	msg := err.Error()
	s.firstError.CompareAndSwap(nil, &msg)
}

func runThroughput(o options, call callFn, res *result) error {
	var (
		measuring atomic.Bool
		stop      atomic.Bool
		st        stats
		wg        sync.WaitGroup
	)
	for range o.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			for !stop.Load() {
				ctx, cancel := context.WithTimeout(context.Background(), o.callTimeout)
				t0 := time.Now()
				n, err := call(ctx)
				d := time.Since(t0)
				cancel()
				if !measuring.Load() || stop.Load() {
					continue
				}
				if err != nil {
					st.record(err)
					continue
				}
				st.calls.Add(1)
				st.messages.Add(int64(n))
				local = append(local, d)
			}
			st.mu.Lock()
			st.latencies = append(st.latencies, local...)
			st.mu.Unlock()
		}()
	}
	time.Sleep(o.warmup)
	cpu0 := cpuTime()
	t0 := time.Now()
	measuring.Store(true)
	time.Sleep(o.duration)
	stop.Store(true)
	elapsed := time.Since(t0)
	cpu := cpuTime() - cpu0
	wg.Wait()

	st.fill(res, elapsed)
	if o.workload == "stream" {
		res.Messages = st.messages.Load()
		res.MessagesPerS = float64(res.Messages) / res.Seconds
		if res.Messages > 0 {
			res.CPUUsPerMsg = float64(cpu.Microseconds()) / float64(res.Messages)
		}
	}
	if res.Calls > 0 {
		res.CPUUsPerCall = float64(cpu.Microseconds()) / float64(res.Calls)
	}
	res.P50Ms, res.P99Ms, res.MeanMs = percentiles(st.latencies)
	res.PeakRSSKB = peakRSS()
	return nil
}

func runHeap(o options, call callFn, res *result) error {
	var (
		next atomic.Int64
		st   stats
		wg   sync.WaitGroup
	)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := cpuTime()
	t0 := time.Now()
	for range o.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(o.calls) {
				ctx, cancel := context.WithTimeout(context.Background(), o.callTimeout)
				_, err := call(ctx)
				cancel()
				if err != nil {
					st.record(err)
				} else {
					st.calls.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	cpu := cpuTime() - cpu0
	runtime.GC()
	runtime.ReadMemStats(&after)
	st.fill(res, elapsed)
	if res.Calls > 0 {
		res.CPUUsPerCall = float64(cpu.Microseconds()) / float64(res.Calls)
	}
	res.PeakRSSKB = peakRSS()
	res.Heap = &heapResult{Calls: res.Calls, BeforeBytes: int64(before.HeapAlloc), AfterBytes: int64(after.HeapAlloc), GrowthBytes: int64(after.HeapAlloc) - int64(before.HeapAlloc)}
	return nil
}

// runCold measures a new client's first call: credentials from the files, a
// new connection with its TLS handshake, one Hello.
func runCold(o options, res *result) error {
	lat := make([]time.Duration, 0, o.calls)
	var st stats
	cpu0 := cpuTime()
	t0 := time.Now()
	for range o.calls {
		s := time.Now()
		err := func() error {
			conn, err := dial(o)
			if err != nil {
				return err
			}
			defer conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), o.callTimeout)
			defer cancel()
			_, err = hellov1.NewHelloServiceClient(conn).Hello(ctx, &hellov1.HelloRequest{Name: "bench"})
			return err
		}()
		if err != nil {
			st.record(err)
			continue
		}
		st.calls.Add(1)
		lat = append(lat, time.Since(s))
	}
	elapsed := time.Since(t0)
	cpu := cpuTime() - cpu0
	st.fill(res, elapsed)
	if res.Calls > 0 {
		res.CPUUsPerCall = float64(cpu.Microseconds()) / float64(res.Calls)
	}
	first := 0.0
	if len(lat) > 0 {
		first = ms(lat[0])
	}
	res.P50Ms, res.P99Ms, res.MeanMs = percentiles(lat)
	res.PeakRSSKB = peakRSS()
	res.Cold = &coldResult{Iterations: o.calls, FirstMs: first}
	return nil
}

// percentiles returns p50, p99 and the mean in milliseconds (nearest rank).
func percentiles(d []time.Duration) (p50, p99, mean float64) {
	if len(d) == 0 {
		return 0, 0, 0
	}
	slices.Sort(d)
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(d))+0.999999) - 1
		return d[max(0, min(i, len(d)-1))]
	}
	return ms(rank(0.50)), ms(rank(0.99)), ms(sum / time.Duration(len(d)))
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the maximum resident set size in KiB (Linux reports ru_maxrss in KiB).
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return int64(ru.Maxrss)
}
