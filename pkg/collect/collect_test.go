package collect

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/lvb"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
)

var now = time.Date(2026, 11, 29, 10, 37, 23, 0, time.UTC)

// gated is an upstream whose calls wait until the test lets them go, so
// that the number in flight can be read without timing.
type gated struct {
	mu       sync.Mutex
	inFlight int
	max      int
	entered  chan struct{}
	release  chan struct{}
}

func (g *gated) PlayStatHistory(ctx context.Context, q lvb.Query) (*lvb.Result, error) {
	g.mu.Lock()
	g.inFlight++
	g.max = max(g.max, g.inFlight)
	g.mu.Unlock()
	g.entered <- struct{}{}
	<-g.release
	g.mu.Lock()
	g.inFlight--
	g.mu.Unlock()
	return &lvb.Result{Points: []lvb.Point{{Time: q.Start}}}, nil
}

func TestConcurrencyIsBoundedByTheSharedLimit(t *testing.T) {
	plan, _ := planner.Build(now.Add(-24*time.Hour), now, now)
	const limit = 3
	total := len(plan.Windows) * 2
	g := &gated{entered: make(chan struct{}, total), release: make(chan struct{})}
	done := make(chan []Series)
	go func() {
		done <- Run(context.Background(), g, semaphore.NewWeighted(limit),
			Job{Streams: []string{"a", "b"}, Windows: plan.Windows})
	}()
	for i := range total {
		<-g.entered
		if i >= limit-1 {
			g.release <- struct{}{}
		}
	}
	for range limit - 1 {
		g.release <- struct{}{}
	}
	series := <-done
	if g.max != limit {
		t.Fatalf("at most %d calls were in flight, want exactly %d", g.max, limit)
	}
	if len(series) != 2 || len(series[0].Points) != len(plan.Windows) || series[1].StreamID != "b" {
		t.Fatalf("series = %+v", series)
	}
}

func TestMergeKeepsEveryMinuteOnceAgainstAnInclusiveUpstream(t *testing.T) {
	sim := simulator.New("1250000000", "k", "play.example.com", "live_1")
	sim.Now = func() time.Time { return now }
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, err := lvb.New(lvb.Config{Endpoint: srv.URL, Cmd: "1250000000", Location: simulator.Beijing,
		HTTPClient: &http.Client{Transport: &lvb.SigningTransport{Key: "k", Now: sim.Now}}})
	if err != nil {
		t.Fatal(err)
	}
	// Windows that end on the next window's first minute, as a careless
	// planner would make them, against an upstream that includes end_time.
	base := now.Truncate(planner.Span).Add(-4 * time.Hour)
	windows := []planner.Window{
		{Start: base, End: base.Add(2 * time.Hour)},
		{Start: base.Add(2 * time.Hour), End: base.Add(4 * time.Hour)},
	}
	s := Run(context.Background(), c, semaphore.NewWeighted(2), Job{Streams: []string{"live_1"}, Windows: windows})[0]
	if len(s.Points) != 241 {
		t.Fatalf("%d points, want 241 (4 h of minutes plus the last end)", len(s.Points))
	}
	for i := 1; i < len(s.Points); i++ {
		if s.Points[i].Time.Sub(s.Points[i-1].Time) != time.Minute {
			t.Fatalf("points %d and %d are not a minute apart", i-1, i)
		}
	}
}

type failing struct{ bad time.Time }

func (f failing) PlayStatHistory(_ context.Context, q lvb.Query) (*lvb.Result, error) {
	if q.Start.Equal(f.bad) {
		return nil, &lvb.Error{Kind: lvb.KindUpstreamFault, Ret: 1201}
	}
	if q.StreamID == "quiet" {
		return &lvb.Result{Empty: true}, nil
	}
	return &lvb.Result{
		Points:  []lvb.Point{{Time: q.Start.Add(30 * time.Second), Flux: lvb.Num{Value: 2, Valid: true}}, {Time: q.Start, Flux: lvb.Num{Value: 2, Valid: true}}},
		SumFlux: lvb.Num{Value: 5, Valid: q.StreamID != "nosum"},
	}, nil
}

func TestFailuresAndSums(t *testing.T) {
	plan, _ := planner.Build(now.Add(-6*time.Hour), now, now)
	src := failing{bad: plan.Windows[1].Start}
	series := Run(context.Background(), src, semaphore.NewWeighted(4),
		Job{Streams: []string{"a", "nosum", "quiet"}, Windows: plan.Windows})
	n := len(plan.Windows)
	a, nosum, quiet := series[0], series[1], series[2]
	if len(a.Failures) != 1 || !a.Failures[0].Window.Start.Equal(src.bad) || a.Complete() {
		t.Fatalf("failures = %+v", a.Failures)
	}
	var e *lvb.Error
	if !errors.As(a.Failures[0].Err, &e) {
		t.Fatalf("failure lost its type: %v", a.Failures[0].Err)
	}
	// Two upstream points in the same minute count once.
	if len(a.Points) != n-1 || a.SumFlux != float64(5*(n-1)) || a.SumFluxEstimated != 0 {
		t.Fatalf("a: %d points, sum %v", len(a.Points), a.SumFlux)
	}
	if nosum.SumFlux != float64(2*(n-1)) || nosum.SumFluxEstimated != n-1 {
		t.Fatalf("nosum: sum %v, estimated %d", nosum.SumFlux, nosum.SumFluxEstimated)
	}
	if len(quiet.Points) != 0 || quiet.SumFlux != 0 || quiet.SumFluxEstimated != 0 || len(quiet.Failures) != 1 {
		t.Fatalf("quiet: %+v", quiet)
	}
}
