package collect

import (
	"context"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/redistest"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/fleet"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// counting answers every minute of a window up to its clock, and counts
// the requests it gets: the upstream's bill.
type counting struct {
	clock *atomic.Pointer[time.Time]
	calls atomic.Int64
}

func (c *counting) PlayStatHistory(_ context.Context, q upstream.Query) (*upstream.Result, error) {
	c.calls.Add(1)
	res := &upstream.Result{NoSumInfo: true}
	for m := q.Start.Truncate(time.Minute); m.Before(q.End) && !m.After(*c.clock.Load()); m = m.Add(time.Minute) {
		if !m.Before(q.Start) {
			res.Points = append(res.Points, upstream.Point{Time: m, Bandwidth: upstream.Num{Value: float64(m.Unix() % 97), Valid: true}})
		}
	}
	res.Empty = len(res.Points) == 0
	return res, nil
}

func fleetStore(t *testing.T, srv *redistest.Server) *fleet.Store {
	t.Helper()
	u, _ := url.Parse(srv.URL())
	cfg, _ := fleet.FromEnv(func(k string) string {
		if k == fleet.EnvURL {
			return u.String()
		}
		return ""
	})
	s, err := fleet.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Three replicas (stores, each with its own connection) and one upstream:
// together they cost what one does, a minute later the fleet's refresh is
// one request, and a replica started later starts warm.
func TestAFleetCostsWhatOneReplicaDoes(t *testing.T) {
	srv := redistest.Start(t, "")
	var clock atomic.Pointer[time.Time]
	t0 := now
	clock.Store(&t0)
	src := &counting{clock: &clock}
	tick := func() time.Time { return *clock.Load() }
	replica := func() *Store {
		s := NewStore(src, planner.Legacy, 8, 0, 0, tick)
		s.ShareWith(fleetStore(t, srv).Space("account"), time.Minute)
		return s
	}
	day := func(s *Store) Series {
		to := tick().Truncate(time.Minute).Add(time.Minute)
		plan, _ := planner.Build(to.Add(-24*time.Hour), to, tick())
		return Run(context.Background(), s, Job{Streams: []string{"live_1"}, From: plan.From, To: plan.To, Windows: plan.Windows})[0]
	}
	alone := NewStore(src, planner.Legacy, 8, 0, 0, tick)
	day(alone)
	one := src.calls.Swap(0)

	replicas := []*Store{replica(), replica(), replica()}
	var wg sync.WaitGroup
	results := make([]Series, len(replicas))
	for i, s := range replicas {
		wg.Go(func() { results[i] = day(s) })
	}
	wg.Wait()
	if got := src.calls.Swap(0); got > one {
		t.Fatalf("three replicas at once: %d upstream calls, one replica alone %d", got, one)
	}
	for i, r := range results {
		if len(r.Points) != len(results[0].Points) || len(r.Points) < 24*60 || !r.Complete() {
			t.Fatalf("replica %d: %d minutes, complete %v", i, len(r.Points), r.Complete())
		}
	}
	next := now.Add(time.Minute)
	clock.Store(&next)
	for i, s := range replicas {
		wg.Go(func() { results[i] = day(s) })
	}
	wg.Wait()
	if got := src.calls.Swap(0); got != 1 {
		t.Fatalf("the fleet's refresh a minute later: %d upstream calls, want 1", got)
	}
	late := replica()
	if r := day(late); len(r.Points) != len(results[0].Points) || src.calls.Load() > 1 {
		t.Fatalf("a replica started later: %d minutes, %d upstream calls", len(r.Points), src.calls.Load())
	}
	if late.Stats().Fleet.Pulled == 0 {
		t.Fatal("the late replica pulled nothing from the fleet")
	}
	t.Logf("one replica alone: %d calls; three at once: ≤ that; refresh: 1; a late replica: %d", one, src.calls.Load())
}

// Two accounts with the same domain and stream names on one Redis never
// read each other's minutes.
func TestAccountsNeverShareMinutes(t *testing.T) {
	srv := redistest.Start(t, "")
	var clock atomic.Pointer[time.Time]
	t0 := now
	clock.Store(&t0)
	tick := func() time.Time { return *clock.Load() }
	a, b := &counting{clock: &clock}, &counting{clock: &clock}
	sa := NewStore(a, planner.Legacy, 8, 0, 0, tick)
	sa.ShareWith(fleetStore(t, srv).Space("account A"), time.Minute)
	sb := NewStore(b, planner.Legacy, 8, 0, 0, tick)
	sb.ShareWith(fleetStore(t, srv).Space("account B"), time.Minute)
	job := Job{Streams: []string{"live_1"}, From: now.Add(-6 * time.Hour).Truncate(time.Minute), To: now.Truncate(time.Minute)}
	Run(context.Background(), sa, job)
	Run(context.Background(), sb, job)
	if a.calls.Load() == 0 || b.calls.Load() != a.calls.Load() || sb.Stats().Fleet.Pulled != 0 {
		t.Fatalf("account B made %d calls (A %d) and pulled %d cells", b.calls.Load(), a.calls.Load(), sb.Stats().Fleet.Pulled)
	}
}

// gatedCounting answers once the test opens it, and says when a request arrived.
type gatedCounting struct {
	counting
	arrived chan struct{}
	open    chan struct{}
}

func (g *gatedCounting) PlayStatHistory(ctx context.Context, q upstream.Query) (*upstream.Result, error) {
	g.arrived <- struct{}{}
	<-g.open
	return g.counting.PlayStatHistory(ctx, q)
}

// A replica waiting on another's fetch stops waiting as soon as its viewer
// leaves: its query returns at once, and no wait goes on behind it (the
// package's leak check would find it), however long the other's fetch.
func TestAWaitNobodyNeedsEndsWithItsViewer(t *testing.T) {
	srv := redistest.Start(t, "")
	var clock atomic.Pointer[time.Time]
	t0 := now
	clock.Store(&t0)
	tick := func() time.Time { return *clock.Load() }
	slow := &gatedCounting{counting: counting{clock: &clock}, arrived: make(chan struct{}, 10), open: make(chan struct{})}
	holder := NewStore(slow, planner.Legacy, 8, 0, 0, tick)
	holder.ShareWith(fleetStore(t, srv).Space("account"), time.Hour)
	other := &counting{clock: &clock}
	waiter := NewStore(other, planner.Legacy, 8, 0, 0, tick)
	waiter.ShareWith(fleetStore(t, srv).Space("account"), time.Hour)
	plan, _ := planner.Build(now.Add(-90*time.Minute), now, now)
	job := Job{Streams: []string{"live_1"}, From: plan.From, To: plan.To, Windows: plan.Windows}
	held := make(chan []Series, 1)
	go func() { held <- Run(context.Background(), holder, job) }()
	<-slow.arrived
	ctx, cancel := context.WithCancel(context.Background())
	left := make(chan []Series, 1)
	go func() { left <- Run(ctx, waiter, job) }()
	cancel()
	if r := <-left; r[0].Complete() || other.calls.Load() != 0 {
		t.Fatalf("the viewer left, yet the waiter answered whole or fetched (%d calls)", other.calls.Load())
	}
	close(slow.open)
	if r := <-held; !r[0].Complete() {
		t.Fatal("the holder's own query was not whole")
	}
}
