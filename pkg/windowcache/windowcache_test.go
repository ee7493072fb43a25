package windowcache

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/lvb"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
)

var now = time.Date(2026, 11, 29, 10, 37, 23, 0, time.UTC)

// counting is an upstream that counts what it is asked and can be held.
type counting struct {
	mu    sync.Mutex
	calls map[lvb.Query]int
	fail  bool
	hold  chan struct{} // when set, calls wait for it to close
	in    chan struct{}
}

func (c *counting) PlayStatHistory(ctx context.Context, q lvb.Query) (*lvb.Result, error) {
	c.mu.Lock()
	if c.calls == nil {
		c.calls = map[lvb.Query]int{}
	}
	c.calls[q]++
	fail, hold := c.fail, c.hold
	c.mu.Unlock()
	if hold != nil {
		c.in <- struct{}{}
		<-hold
	}
	if fail {
		return nil, &lvb.Error{Kind: lvb.KindUpstreamFault}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &lvb.Result{Points: []lvb.Point{{Time: q.Start}}}, nil
}

func grid(start time.Time) lvb.Query {
	return lvb.Query{Start: start, End: start.Add(planner.Span - time.Second), StreamID: "s"}
}

func TestSettledGridWindowsAreFetchedOnce(t *testing.T) {
	src := &counting{}
	c := New(src, 16, func() time.Time { return now })
	old := grid(now.Truncate(planner.Span).Add(-4 * time.Hour))
	justEnded := grid(now.Truncate(planner.Span).Add(-planner.Span)) // ended 37 min ago
	justEnded.End = now.Truncate(planner.Span).Add(-time.Second)
	current := lvb.Query{Start: now.Truncate(planner.Span), End: now, StreamID: "s"}
	partial := lvb.Query{Start: old.Start.Add(time.Minute), End: old.End, StreamID: "s"}
	other := old
	other.StreamID = "t"
	for range 3 {
		for _, q := range []lvb.Query{old, justEnded, current, partial, other} {
			res, err := c.PlayStatHistory(context.Background(), q)
			if err != nil || !res.Points[0].Time.Equal(q.Start) {
				t.Fatalf("%+v: %v %v", q, res, err)
			}
		}
	}
	if src.calls[old] != 1 || src.calls[other] != 1 {
		t.Fatalf("settled windows fetched %d and %d times", src.calls[old], src.calls[other])
	}
	// justEnded is settled (37 minutes > Settle), the others are not cacheable.
	if src.calls[justEnded] != 1 || src.calls[current] != 3 || src.calls[partial] != 3 {
		t.Fatalf("calls = %v", src.calls)
	}
	if st := c.Stats(); st.Hits != 6 || st.Fetches != 9 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestRecentWindowIsNotKept(t *testing.T) {
	src := &counting{}
	end := now.Truncate(planner.Span)
	c := New(src, 16, func() time.Time { return end.Add(10 * time.Minute) })
	q := grid(end.Add(-planner.Span))
	for range 2 {
		if _, err := c.PlayStatHistory(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	if src.calls[q] != 2 {
		t.Fatalf("a window that ended 10 minutes ago was fetched %d times, want 2", src.calls[q])
	}
}

func TestErrorsAreNotKept(t *testing.T) {
	src := &counting{fail: true}
	c := New(src, 16, func() time.Time { return now })
	q := grid(now.Truncate(planner.Span).Add(-6 * time.Hour))
	if _, err := c.PlayStatHistory(context.Background(), q); lvb.KindOf(err) != lvb.KindUpstreamFault {
		t.Fatalf("err = %v", err)
	}
	src.fail = false
	if _, err := c.PlayStatHistory(context.Background(), q); err != nil || src.calls[q] != 2 {
		t.Fatalf("err %v after %d calls", err, src.calls[q])
	}
}

func TestACallerGivingUpDoesNotSpoilTheFetch(t *testing.T) {
	src := &counting{hold: make(chan struct{}), in: make(chan struct{}, 1)}
	c := New(src, 16, func() time.Time { return now })
	q := grid(now.Truncate(planner.Span).Add(-6 * time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := c.PlayStatHistory(ctx, q)
		done <- err
	}()
	<-src.in
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller that gave up got %v", err)
	}
	// The fetch goes on for whoever asks next, and its answer is kept.
	hold := src.hold
	close(hold)
	for range 2 {
		if res, err := c.PlayStatHistory(context.Background(), q); err != nil || len(res.Points) != 1 {
			t.Fatalf("%v %v", res, err)
		}
	}
	if src.calls[q] != 1 || c.Stats().Hits < 1 {
		t.Fatalf("%d upstream calls, stats %+v", src.calls[q], c.Stats())
	}
}
