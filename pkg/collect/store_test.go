package collect

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/coalesce"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// doorway answers every minute of a window, but only once the test opens
// the window's gate; each call is announced on called. A call whose every
// caller has left gives up, as a request waiting for an upstream slot does.
type doorway struct {
	mu     sync.Mutex
	gates  map[time.Time]chan struct{}
	calls  map[time.Time]int
	called chan time.Time
}

var errGaveUp = errors.New("nobody wanted the request any more")

func newDoorway() *doorway {
	return &doorway{gates: map[time.Time]chan struct{}{}, calls: map[time.Time]int{}, called: make(chan time.Time, 16)}
}

func (g *doorway) gate(start time.Time) chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.gates[start] == nil {
		g.gates[start] = make(chan struct{})
	}
	return g.gates[start]
}

func (g *doorway) count(start time.Time) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls[start]
}

func (g *doorway) PlayStatHistory(ctx context.Context, q upstream.Query) (*upstream.Result, error) {
	g.mu.Lock()
	g.calls[q.Start]++
	g.mu.Unlock()
	g.called <- q.Start
	select {
	case <-g.gate(q.Start):
	case <-coalesce.Abandoned(ctx):
		return nil, errGaveUp
	}
	res := &upstream.Result{NoSumInfo: true}
	for m := q.Start; m.Before(q.End); m = m.Add(time.Minute) {
		res.Points = append(res.Points, upstream.Point{Time: m, Online: upstream.Num{Value: 1, Valid: true}})
	}
	return res, nil
}

// cells are two whole two-hour cells of settled history.
var cells = now.Truncate(planner.Span).Add(-6 * planner.Span)

func job(from, to time.Time) Job {
	plan, _ := planner.Legacy.Build(from, to, now)
	return Job{Streams: []string{"s"}, From: plan.From, To: plan.To, Windows: plan.Windows}
}

// A query plans two requests and makes them one at a time. While it waits
// on the first, another query brings in the second. When the first query
// comes to its second request, the minutes are already in memory: it asks
// nothing, and shows them.
func TestARequestAlreadyBroughtInIsNotMade(t *testing.T) {
	src := newDoorway()
	store := NewStore(src, planner.Legacy, 1, 0, 0, func() time.Time { return now })
	first, second := cells, cells.Add(planner.Span)

	both := make(chan Series)
	go func() { both <- Run(context.Background(), store, job(first, second.Add(planner.Span)))[0] }()
	if got := <-src.called; !got.Equal(first) {
		t.Fatalf("the two-cell query asked for %s first", got)
	}
	one := make(chan Series)
	go func() { one <- Run(context.Background(), store, job(second, second.Add(planner.Span)))[0] }()
	if got := <-src.called; !got.Equal(second) {
		t.Fatalf("the one-cell query asked for %s", got)
	}
	close(src.gate(second))
	if s := <-one; len(s.Points) != 120 {
		t.Fatalf("the one-cell query shows %d minutes", len(s.Points))
	}
	close(src.gate(first))
	s := <-both
	if len(s.Points) != 240 || !s.Complete() {
		t.Fatalf("the two-cell query shows %d minutes, failures %v", len(s.Points), s.Failures)
	}
	if n := src.count(second); n != 1 {
		t.Fatalf("the second cell was asked for %d times", n)
	}
}

// A viewer leaves while its request waits; nobody else wants it, so it
// gives up. The next viewer to ask is not handed that give-up: it asks
// again, and gets the minutes.
func TestARequestGivenUpIsAskedAgain(t *testing.T) {
	src := newDoorway()
	store := NewStore(src, planner.Legacy, 1, 0, 0, func() time.Time { return now })
	ctx, leave := context.WithCancel(context.Background())
	gone := make(chan Series)
	go func() { gone <- Run(ctx, store, job(cells, cells.Add(planner.Span)))[0] }()
	<-src.called
	leave()
	if s := <-gone; s.Complete() || !errors.Is(s.Failures[0].Err, context.Canceled) {
		t.Fatalf("the viewer who left got %d minutes and failures %v", len(s.Points), s.Failures)
	}

	next := make(chan Series)
	go func() { next <- Run(context.Background(), store, job(cells, cells.Add(planner.Span)))[0] }()
	<-src.called
	close(src.gate(cells))
	s := <-next
	if len(s.Points) != 120 || !s.Complete() {
		t.Fatalf("the next viewer got %d minutes and failures %v", len(s.Points), s.Failures)
	}
	if n := src.count(cells); n != 2 {
		t.Fatalf("the cell was asked for %d times, want 2 (the given-up request and the new one)", n)
	}
}

// Minutes that have left the upstream's retention are let go the next
// time their stream is read: what the store holds is then what a store
// that never saw them holds.
func TestMinutesPastRetentionAreLetGo(t *testing.T) {
	src := failing{}
	clock := now
	store := NewStore(src, planner.Legacy, 8, 0, 0, func() time.Time { return clock })
	old := job(now.Add(-6*time.Hour), now)
	old.Streams = []string{"a"}
	if s := Run(context.Background(), store, old)[0]; len(s.Points) == 0 {
		t.Fatal("nothing fetched")
	}
	held := store.Stats().Bytes

	clock = now.Add(planner.Legacy.Retention + 2*planner.Span)
	recent := Job{Streams: []string{"a"}, From: clock.Add(-time.Hour).Truncate(time.Minute), To: clock.Truncate(time.Minute)}
	plan, _ := planner.Legacy.Build(recent.From, recent.To, clock)
	recent.Windows = plan.Windows
	Run(context.Background(), store, old)
	Run(context.Background(), store, recent)

	fresh := NewStore(src, planner.Legacy, 8, 0, 0, func() time.Time { return clock })
	Run(context.Background(), fresh, recent)
	if got, want := store.Stats().Bytes, fresh.Stats().Bytes; got != want || want == 0 || got >= held+want {
		t.Fatalf("after retention the store holds %d bytes, a fresh one %d (before: %d)", got, want, held)
	}
}
