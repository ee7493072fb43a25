package budget

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/leakcheck"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/coalesce"
)

// TestMain fails the package when its tests leave a goroutine behind.
func TestMain(m *testing.M) { leakcheck.Main(m) }

// gate is an upstream that holds every request until released, and counts
// how many it holds at once: the upstream's own view of what is in flight.
type gate struct {
	mu      sync.Mutex
	now     int
	max     int
	arrived chan struct{}
	release chan struct{}
}

func newGate() *gate {
	return &gate{arrived: make(chan struct{}, 1000), release: make(chan struct{}, 1000)}
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.now++
	g.max = max(g.max, g.now)
	g.mu.Unlock()
	g.arrived <- struct{}{}
	<-g.release
	g.mu.Lock()
	g.now--
	g.mu.Unlock()
	fmt.Fprint(w, "ok")
}

func client(b *Budget) *http.Client {
	return &http.Client{Transport: b.Transport(http.DefaultTransport)}
}

func get(ctx context.Context, c *http.Client, url string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, _ = resp.Body.Read(make([]byte, 8))
	return resp.Body.Close()
}

func TestNeverMoreThanTheBudgetInFlight(t *testing.T) {
	g := newGate()
	srv := httptest.NewServer(g)
	defer srv.Close()
	const limit, total = 3, 12
	b := New(limit, 0)
	c := client(b)
	var wg sync.WaitGroup
	for range total {
		wg.Go(func() {
			if err := get(context.Background(), c, srv.URL); err != nil {
				t.Error(err)
			}
		})
	}
	// Let requests through one at a time as others arrive: the upstream
	// must never hold more than the budget, and it must reach it.
	for i := range total {
		<-g.arrived
		if i >= limit-1 {
			g.release <- struct{}{}
		}
	}
	for range limit - 1 {
		g.release <- struct{}{}
	}
	wg.Wait()
	if g.max != limit || b.Stats().Peak != limit || b.Stats().Sent != total || b.Stats().InFlight != 0 {
		t.Fatalf("upstream saw %d at once; budget stats %+v", g.max, b.Stats())
	}
}

func TestACallerWaitingForASlotLeavesAtOnce(t *testing.T) {
	g := newGate()
	srv := httptest.NewServer(g)
	defer srv.Close()
	b := New(1, 0)
	c := client(b)
	first := make(chan error)
	go func() { first <- get(context.Background(), c, srv.URL) }()
	<-g.arrived
	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan error)
	go func() { second <- get(ctx, c, srv.URL) }()
	cancel()
	if err := <-second; !errors.Is(err, context.Canceled) {
		t.Fatalf("the waiting caller got %v", err)
	}
	if s := b.Stats(); s.Sent != 1 || s.InFlight != 1 {
		t.Fatalf("stats %+v while the first request is held", s)
	}
	g.release <- struct{}{}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
}

func TestAbortDropsAWaitingRequestButNotASentOne(t *testing.T) {
	g := newGate()
	srv := httptest.NewServer(g)
	defer srv.Close()
	b := New(1, 0)
	c := client(b)
	// Both requests run inside one coalesced call, whose only caller
	// leaves while the first holds the only slot.
	var calls coalesce.Group[string, struct{}]
	caller, leave := context.WithCancel(context.Background())
	sent, waiting, firstIn := make(chan error, 1), make(chan error, 1), make(chan struct{})
	go func() {
		_, _, _ = calls.Do(caller, "k", func(ctx context.Context) (struct{}, error) {
			go func() { sent <- get(ctx, c, srv.URL) }()
			<-g.arrived
			close(firstIn)
			waiting <- get(ctx, c, srv.URL)
			return struct{}{}, nil
		})
	}()
	<-firstIn
	leave()
	if err := <-waiting; !errors.Is(err, context.Canceled) {
		t.Fatalf("the request that would wait for a slot got %v", err)
	}
	// The sent one is not cut off: it ends when the upstream answers.
	g.release <- struct{}{}
	if err := <-sent; err != nil {
		t.Fatalf("the sent request got %v", err)
	}
	if s := b.Stats(); s.Sent != 1 || s.InFlight != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestRateLimitIsOptional(t *testing.T) {
	if New(4, 0).rate != nil {
		t.Fatal("a rate limit without being asked")
	}
	r := New(4, 2.5).rate
	if r == nil || float64(r.Limit()) != 2.5 || r.Burst() != 4 {
		t.Fatalf("rate %v", r)
	}
}

func TestThrottlingHalvesTheBoundOnceARoundAndAnswersRaiseItBack(t *testing.T) {
	b := New(8, 0)
	ctx := context.Background()
	for range 8 {
		if err := b.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// Six refusals to one burst are one signal.
	for range 6 {
		b.Throttled()
	}
	if s := b.Stats(); s.Limit != 4 || s.Cuts != 1 {
		t.Fatalf("after one throttled burst: %+v", s)
	}
	for range 8 {
		b.release()
	}
	// A new round of four, throttled again: halved again.
	for range 4 {
		if err := b.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	b.Throttled()
	if s := b.Stats(); s.Limit != 2 || s.Cuts != 2 || s.InFlight != 4 {
		t.Fatalf("after the second round: %+v", s)
	}
	// Four in flight against a bound of two: the next waits until two end.
	granted := make(chan struct{})
	go func() {
		if err := b.acquire(ctx); err != nil {
			t.Error(err)
		}
		close(granted)
	}()
	b.release()
	b.release()
	select {
	case <-granted:
		t.Fatal("a slot was granted with the bound still full")
	default:
	}
	b.release()
	<-granted
	if s := b.Stats(); s.InFlight != 2 {
		t.Fatalf("in flight %d, want 2", s.InFlight)
	}
	b.release()
	b.release()
	// Answers raise the bound about one per round, never past the maximum.
	for range 200 {
		b.Succeeded()
	}
	if s := b.Stats(); s.Limit != 8 {
		t.Fatalf("bound %v after many answers, want back at 8", s.Limit)
	}
	for range 1000 {
		b.Throttled()
		b.release() // keep the books: every Throttled round needs sends
		_ = b.acquire(ctx)
	}
	if s := b.Stats(); s.Limit < 1 {
		t.Fatalf("bound %v fell below one request", s.Limit)
	}
}

// A library that reads an answer to its end but never closes it must not
// keep the slot: the next request goes through on a budget of one.
func TestABodyReadToTheEndOrAnEndedContextFreesTheSlot(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer srv.Close()
	b := New(1, 0)
	c := client(b)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(resp.Body); err != nil {
		t.Fatal(err)
	}
	// Not closed. The next request must still get the one slot.
	if err := get(ctx, c, srv.URL); err != nil {
		t.Fatalf("the second request: %v (the unclosed first kept its slot)", err)
	}
	// Neither read nor closed, but its context ends: the slot comes back.
	reqCtx, reqCancel := context.WithCancel(ctx)
	req, _ = http.NewRequestWithContext(reqCtx, http.MethodGet, srv.URL, nil)
	if _, err := c.Do(req); err != nil {
		t.Fatal(err)
	}
	reqCancel()
	if err := get(ctx, c, srv.URL); err != nil {
		t.Fatalf("after the abandoned request's context ended: %v", err)
	}
	if s := b.Stats(); s.InFlight != 0 || s.Sent != 4 {
		t.Fatalf("stats %+v", s)
	}
}
