package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pantryv1 "pantry/server/internal/gen/pantry/v1"
	"pantry/server/internal/testutil"
)

// TestDataFileSurvivesSIGKILL runs the real binary with -data-file, kills it
// with SIGKILL in the middle of a stream of AddFood calls, restarts it on the
// same file and checks what a client that saw the calls succeed expects.
func TestDataFileSurvivesSIGKILL(t *testing.T) {
	data := filepath.Join(t.TempDir(), "pantry.jsonl")
	testSurvivesSIGKILL(t, []string{"-data-file", data}, func(n int) string { return fmt.Sprintf("data file %s: %d foods from", data, n) })
}

// TestSQLiteSurvivesSIGKILL is the same with -db sqlite:FILE: a commit is
// acknowledged only once SQLite's WAL has it.
func TestSQLiteSurvivesSIGKILL(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "pantry.db")
	testSurvivesSIGKILL(t, []string{"-db", db}, func(n int) string { return fmt.Sprintf("sqlite database: %d foods", n) })
}

func testSurvivesSIGKILL(t *testing.T, storeArgs []string, wantReport func(foods int) string) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildServer(t)
	ctx := t.Context()

	first := startServer(t, bin, append([]string{"-listen", "127.0.0.1:0"}, storeArgs...)...)
	c := connect(t, first.addr)
	mustAdd := func(requestID, name string, qty int32) *pantryv1.Food {
		t.Helper()
		res, err := c.AddFood(ctx, &pantryv1.AddFoodRequest{RequestId: requestID,
			Food: &pantryv1.Food{Name: name, Category: pantryv1.Category_CATEGORY_CANNED, Quantity: qty, BestBefore: "2031-01-31"}})
		if err != nil {
			t.Fatal(err)
		}
		return res.GetFood()
	}
	stock := mustAdd("stock", "stock", 100)
	consumed, err := c.ConsumeFood(ctx, &pantryv1.ConsumeFoodRequest{Id: stock.GetId(), Quantity: 3, RequestId: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	updated, err := c.UpdateFood(ctx, &pantryv1.UpdateFoodRequest{Food: &pantryv1.Food{Id: mustAdd("", "renamed later", 1).GetId(), Name: "renamed"}})
	if err != nil {
		t.Fatal(err)
	}
	gone := mustAdd("gone", "gone", 1)
	if _, err := c.DeleteFood(ctx, &pantryv1.DeleteFoodRequest{Id: gone.GetId()}); err != nil {
		t.Fatal(err)
	}

	// Load: workers add foods named after their request IDs until the kill
	// fails their call in flight, which they leave pending.
	const workers, killAfter = 4, 300
	var (
		mu      sync.Mutex
		acked   = map[string]*pantryv1.Food{} // request ID → food as acknowledged
		pending []string                      // request IDs whose call failed
		nAcked  atomic.Int64
		wg      sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			for i := 0; ; i++ {
				rid := fmt.Sprintf("w%d-%d", w, i)
				callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
				res, err := c.AddFood(callCtx, &pantryv1.AddFoodRequest{RequestId: rid, Food: &pantryv1.Food{Name: rid, Quantity: 1}})
				cancel()
				mu.Lock()
				if err != nil {
					pending = append(pending, rid)
					mu.Unlock()
					return
				}
				acked[rid] = res.GetFood()
				mu.Unlock()
				nAcked.Add(1)
			}
		})
	}
	for nAcked.Load() < killAfter {
		time.Sleep(time.Millisecond)
	}
	first.kill()
	wg.Wait()
	t.Logf("killed after %d acknowledged AddFood calls under load, %d in flight", len(acked)-2, len(pending))

	second := startServer(t, bin, append([]string{"-listen", "127.0.0.1:0"}, storeArgs...)...)
	c = connect(t, second.addr)
	atRestart := len(listAll(t, c))
	t.Logf("restarted with %d foods: %d of the calls in flight had been stored", atRestart, atRestart-2-len(acked))
	for _, rid := range pending { // the client's retry, with the same request ID
		res, err := c.AddFood(ctx, &pantryv1.AddFoodRequest{RequestId: rid, Food: &pantryv1.Food{Name: rid, Quantity: 1}})
		if err != nil {
			t.Fatalf("retry of %s after the restart: got %v, want nil", rid, err)
		}
		acked[rid] = res.GetFood()
	}
	stored := listAll(t, c)
	byName := map[string][]*pantryv1.Food{}
	for _, f := range stored {
		byName[f.GetName()] = append(byName[f.GetName()], f)
	}

	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"the restarted server reports what it replayed on stderr", func(t *testing.T) {
			if want := wantReport(atRestart); !strings.Contains(second.stderr(t), want) {
				t.Fatalf("stderr: got %q, want it to contain %q", second.stderr(t), want)
			}
		}},
		{"every food acknowledged before the kill is stored unchanged", func(t *testing.T) {
			for rid, want := range acked {
				if got := byName[rid]; len(got) != 1 || !proto.Equal(got[0], want) {
					t.Fatalf("%s: stored %v, want exactly %v", rid, got, want)
				}
			}
		}},
		{"the store holds exactly one food per request ID, also for calls in flight at the kill", func(t *testing.T) {
			if want := len(acked) + 2; len(stored) != want { // + stock and renamed
				t.Fatalf("foods stored: got %d, want %d", len(stored), want)
			}
		}},
		{"an acknowledged AddFood retried after the restart returns the original food", func(t *testing.T) {
			var md metadata.MD
			res, err := c.AddFood(ctx, &pantryv1.AddFoodRequest{RequestId: "w0-0", Food: &pantryv1.Food{Name: "w0-0", Quantity: 1}}, grpc.Header(&md))
			if err != nil || !proto.Equal(res.GetFood(), acked["w0-0"]) || strings.Join(md.Get("pantry-replayed"), ",") != "true" {
				t.Fatalf("got %v, %v, headers %v; want %v replayed", res.GetFood(), err, md, acked["w0-0"])
			}
		}},
		{"an acknowledged request_id reused with another food after the restart is refused", func(t *testing.T) {
			_, err := c.AddFood(ctx, &pantryv1.AddFoodRequest{RequestId: "w0-0", Food: &pantryv1.Food{Name: "other", Quantity: 9}})
			if got := status.Code(err); got != codes.FailedPrecondition {
				t.Fatalf("got %v (%v), want FailedPrecondition", got, err)
			}
		}},
		{"a ConsumeFood retried after the restart returns the original food and takes nothing", func(t *testing.T) {
			res, err := c.ConsumeFood(ctx, &pantryv1.ConsumeFoodRequest{Id: stock.GetId(), Quantity: 3, RequestId: "c1"})
			if err != nil || !proto.Equal(res.GetFood(), consumed.GetFood()) {
				t.Fatalf("got %v, %v; want %v", res.GetFood(), err, consumed.GetFood())
			}
			if got, _ := c.GetFood(ctx, &pantryv1.GetFoodRequest{Id: stock.GetId()}); got.GetFood().GetQuantity() != 97 {
				t.Fatalf("quantity: got %d, want 97", got.GetFood().GetQuantity())
			}
		}},
		{"updates and deletes before the kill are kept", func(t *testing.T) {
			got, err := c.GetFood(ctx, &pantryv1.GetFoodRequest{Id: updated.GetFood().GetId()})
			if err != nil || !proto.Equal(got.GetFood(), updated.GetFood()) {
				t.Fatalf("got %v, %v; want %v", got.GetFood(), err, updated.GetFood())
			}
			if _, err := c.GetFood(ctx, &pantryv1.GetFoodRequest{Id: gone.GetId()}); err == nil {
				t.Fatalf("deleted %s after the restart: got it listed, want it gone", gone.GetId())
			}
		}},
		{"new IDs follow the highest one assigned before the kill", func(t *testing.T) {
			highest := ""
			for _, f := range stored {
				highest = max(highest, f.GetId())
			}
			res, err := c.AddFood(ctx, &pantryv1.AddFoodRequest{Food: &pantryv1.Food{Name: "after", Quantity: 1}})
			if err != nil || res.GetFood().GetId() <= highest {
				t.Fatalf("new id: got %s, %v; want one after %s", res.GetFood().GetId(), err, highest)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.check)
	}
}

// buildServer builds this command into a temporary directory, with -race
// when the tests run with it so that the build reuses their packages.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pantry-server")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build: got %v, want nil\n%s", err, out)
	}
	return bin
}

type serverProcess struct {
	cmd        *exec.Cmd
	addr       string
	stderrPath string
	killOnce   sync.Once
}

// startServer runs bin with args until the test ends and waits for its
// stdout line.
func startServer(t *testing.T, bin string, args ...string) *serverProcess {
	t.Helper()
	p := &serverProcess{cmd: exec.Command(bin, args...), stderrPath: filepath.Join(t.TempDir(), "stderr")}
	stderr, err := os.Create(p.stderrPath)
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	p.cmd.Stderr = stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.kill)
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- s
	}()
	select {
	case s := <-line:
		m := regexp.MustCompile(`^pantry-server serving on (\S+) \(plaintext\)\n$`).FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("stdout line: got %q, want the serving line; stderr:\n%s", s, p.stderr(t))
		}
		p.addr = m[1]
	case <-time.After(30 * time.Second):
		t.Fatalf("stdout line: got none within 30s, want the serving line; stderr:\n%s", p.stderr(t))
	}
	return p
}

// kill sends SIGKILL and waits for the process to end.
func (p *serverProcess) kill() {
	p.killOnce.Do(func() {
		p.cmd.Process.Kill()
		p.cmd.Wait()
	})
}

func (p *serverProcess) stderr(t *testing.T) string {
	b, err := os.ReadFile(p.stderrPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func connect(t *testing.T, addr string) pantryv1.FoodStorageServiceClient {
	t.Helper()
	return pantryv1.NewFoodStorageServiceClient(testutil.Dial(t, addr, nil))
}

func listAll(t *testing.T, c pantryv1.FoodStorageServiceClient) []*pantryv1.Food {
	t.Helper()
	var foods []*pantryv1.Food
	token := ""
	for {
		res, err := c.ListFoods(t.Context(), &pantryv1.ListFoodsRequest{PageSize: 1000, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		foods = append(foods, res.GetFoods()...)
		if token = res.GetNextPageToken(); token == "" {
			return foods
		}
	}
}
