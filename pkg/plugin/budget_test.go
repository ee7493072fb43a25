package plugin

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// heldUpstream forwards to the simulator but holds every request until the
// test lets it go, counting what it holds at once: the upstream's view.
type heldUpstream struct {
	next    http.Handler
	mu      sync.Mutex
	now     int
	max     int
	total   int
	arrived chan struct{}
	release chan struct{}
	open    chan struct{} // closed: hold nothing any more
	stop    chan struct{} // closed when the test ends, so a failed test does not hang
	streams []string      // the stream of each request, in order of arrival
}

func (h *heldUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.now++
	h.total++
	h.streams = append(h.streams, r.URL.Query().Get("Param.s.stream_id"))
	h.max = max(h.max, h.now)
	h.mu.Unlock()
	select {
	case <-h.open:
	default:
		h.arrived <- struct{}{}
		select {
		case <-h.release:
		case <-h.stop:
		}
	}
	h.next.ServeHTTP(w, r)
	h.mu.Lock()
	h.now--
	h.mu.Unlock()
}

func (h *heldUpstream) counts() (maxAtOnce, total int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.max, h.total
}

func heldEnv(t *testing.T, concurrency int) (*heldUpstream, *Datasource) {
	t.Helper()
	e := newEnv(t, nil)
	h := &heldUpstream{next: e.sim, arrived: make(chan struct{}, 10000), release: make(chan struct{}, 10000), open: make(chan struct{}), stop: make(chan struct{})}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(h.stop) }) // runs before srv.Close
	e.url = srv.URL + "/common_access"
	return h, e.open(t, testCmd, testKey, map[string]any{"maxConcurrency": concurrency})
}

// The budget holds for every panel together: two queries of two streams
// never have more than maxConcurrency requests at the upstream.
func TestOneBudgetForAllQueries(t *testing.T) {
	const limit = 3
	h, ds := heldEnv(t, limit)
	done := make(chan *backend.QueryDataResponse)
	go func() {
		resp, _ := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
			dq("A", testNow.Add(-24*time.Hour), testNow, map[string]any{"streamId": "live_1,live_2"}),
			dq("B", testNow.Add(-12*time.Hour), testNow, map[string]any{"streamId": "live_3", "queryType": "summary"}),
		}})
		done <- resp
	}()
	// Release one request each time one arrives beyond the budget; the
	// upstream must never hold more than the budget.
	want := 13*2 + 7
	for i := range want {
		<-h.arrived
		if i >= limit-1 {
			h.release <- struct{}{}
		}
	}
	for range limit - 1 {
		h.release <- struct{}{}
	}
	resp := <-done
	for ref, r := range resp.Responses {
		if r.Error != nil {
			t.Fatalf("%s: %v", ref, r.Error)
		}
	}
	if m, total := h.counts(); m != limit || total != want {
		t.Fatalf("upstream held %d at once (budget %d), %d requests (want %d)", m, limit, total, want)
	}
}

// A viewer who leaves while the panel loads: the query returns at once; the
// request already sent finishes and keeps its slot until then; the ones not
// yet sent are dropped, so the upstream never sees more than the budget.
func TestACancelledQueryStopsAtOnceAndSendsNoMore(t *testing.T) {
	const limit = 2
	h, ds := heldEnv(t, limit)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *backend.QueryDataResponse)
	go func() {
		resp, _ := ds.QueryData(ctx, &backend.QueryDataRequest{Queries: []backend.DataQuery{
			dq("A", testNow.Add(-24*time.Hour), testNow, map[string]any{"streamId": "live_1"}),
		}})
		done <- resp
	}()
	for range limit {
		<-h.arrived
	}
	cancel()
	resp := <-done // returns while the upstream still holds both requests
	if r := resp.Responses["A"]; r.Error == nil {
		t.Fatal("a cancelled query answered without an error")
	}
	if _, total := h.counts(); total != limit {
		t.Fatalf("%d requests reached the upstream before the release, want %d", total, limit)
	}
	// One slot frees. The budget serves waiters in order, so a dropped
	// request that was still queued would take it before anything asked
	// later: the next request to arrive must be the new query's.
	h.release <- struct{}{}
	go func() {
		resp, _ := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
			dq("B", testNow.Add(-6*time.Hour), testNow, map[string]any{"streamId": "live_2"}),
		}})
		done <- resp
	}()
	<-h.arrived
	h.mu.Lock()
	next := h.streams[limit]
	h.mu.Unlock()
	if next != "live_2" {
		t.Fatalf("after the cancelled query, the upstream next received a request for %q", next)
	}
	close(h.open)
	for range limit {
		h.release <- struct{}{}
	}
	if r := (<-done).Responses["B"]; r.Error != nil {
		t.Fatal(r.Error)
	}
	if m, total := h.counts(); m > limit || total != limit+4 {
		t.Fatalf("upstream held %d at once (budget %d), %d requests in all", m, limit, total)
	}
}

// Many panels asking the same at once cost one panel's calls: requests in
// flight are shared, and what one has brought into memory serves the rest.
func TestIdenticalQueriesAtOnceCostOnePanelsCalls(t *testing.T) {
	e := newEnv(t, map[string]any{"maxConcurrency": 8})
	const panels = 60
	var wg sync.WaitGroup
	errs := make(chan error, panels)
	for i := range panels {
		wg.Go(func() {
			resp, err := e.ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
				dq("A", testNow.Add(-24*time.Hour), testNow, map[string]any{"streamId": "live_1,live_2,live_3"}),
			}})
			if err == nil && resp.Responses["A"].Error != nil {
				err = resp.Responses["A"].Error
			}
			if err == nil && resp.Responses["A"].Frames[0].Rows() != 1440 {
				err = fmt.Errorf("panel %d: %d rows", i, resp.Responses["A"].Frames[0].Rows())
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := e.sim.Calls(); got != 3*13 {
		t.Fatalf("%d panels made %d upstream calls, want one panel's %d", panels, got, 3*13)
	}
}

// Identical queries that arrive while one is being answered share its
// answer: the frames are built once (the fields are the same values), each
// caller has frames of its own, and a caller who leaves fails nobody else.
func TestIdenticalQueriesShareOneAnswer(t *testing.T) {
	const limit = 2
	h, ds := heldEnv(t, limit)
	joined := make(chan struct{}, 10)
	ds.answers.OnJoin = func(string) { joined <- struct{}{} }
	ask := func(ctx context.Context, ref string, out chan<- backend.DataResponse) {
		resp, _ := ds.QueryData(ctx, &backend.QueryDataRequest{Queries: []backend.DataQuery{
			dq(ref, testNow.Add(-24*time.Hour), testNow, map[string]any{"streamId": "live_1"}),
		}})
		out <- resp.Responses[ref]
	}
	first, rest := make(chan backend.DataResponse, 1), make(chan backend.DataResponse, 2)
	ctx, cancel := context.WithCancel(context.Background())
	go ask(ctx, "A", first)
	for range limit {
		<-h.arrived
	}
	go ask(context.Background(), "B", rest)
	go ask(context.Background(), "C", rest)
	<-joined
	<-joined
	cancel()
	if r := <-first; r.Error == nil {
		t.Fatal("the caller who left got an answer without an error")
	}
	close(h.open)
	for range limit {
		h.release <- struct{}{}
	}
	b, c := <-rest, <-rest
	for _, r := range []backend.DataResponse{b, c} {
		if r.Error != nil || len(r.Frames) != 3 || r.Frames[0].Rows() != 1440 {
			t.Fatalf("a caller who stayed got error %v and %d frames", r.Error, len(r.Frames))
		}
	}
	for i := range b.Frames {
		if b.Frames[i] == c.Frames[i] {
			t.Fatal("two callers were given the same frame, whose RefID each must set")
		}
		if b.Frames[i].Fields[1] != c.Frames[i].Fields[1] {
			t.Fatalf("frame %d was built twice", i)
		}
	}
	if _, total := h.counts(); total != 13 {
		t.Fatalf("three identical queries made %d upstream calls, want one query's 13", total)
	}
}
