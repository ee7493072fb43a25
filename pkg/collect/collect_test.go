package collect

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/legacy"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

var now = time.Date(2026, 11, 29, 10, 37, 23, 0, time.UTC)

type failing struct{ bad time.Time }

func (f failing) PlayStatHistory(_ context.Context, q upstream.Query) (*upstream.Result, error) {
	if q.Start.Equal(f.bad) {
		return nil, &legacy.Error{Kind: upstream.KindUpstreamFault, Ret: 1201}
	}
	if q.StreamID == "quiet" {
		return &upstream.Result{Empty: true}, nil
	}
	return &upstream.Result{
		Points:  []upstream.Point{{Time: q.Start.Add(30 * time.Second), Flux: upstream.Num{Value: 2, Valid: true}}, {Time: q.Start, Flux: upstream.Num{Value: 2, Valid: true}}},
		SumFlux: upstream.Num{Value: 5, Valid: q.StreamID != "nosum"},
	}, nil
}

func TestFailuresAndSums(t *testing.T) {
	plan, _ := planner.Build(now.Add(-6*time.Hour), now, now)
	src := failing{bad: plan.Windows[1].Start}
	series := Run(context.Background(), NewStore(src, planner.Legacy, 8, 0, 0, func() time.Time { return now }),
		Job{Streams: []string{"a", "nosum", "quiet"}, From: plan.From, To: plan.To, Windows: plan.Windows})
	n := len(plan.Windows)
	a, nosum, quiet := series[0], series[1], series[2]
	if len(a.Failures) != 1 || !a.Failures[0].Window.Start.Equal(src.bad) || a.Complete() {
		t.Fatalf("failures = %+v", a.Failures)
	}
	var e *legacy.Error
	if !errors.As(a.Failures[0].Err, &e) {
		t.Fatalf("failure lost its type: %v", a.Failures[0].Err)
	}
	// Each answer has two points in its first minute, which count once.
	// The first window was asked for whole, from its cell's start, which
	// lies before the range: its point is not the range's.
	if len(a.Points) != n-2 || a.Dropped.Duplicates != n-1 {
		t.Fatalf("a: %d points, %d duplicates", len(a.Points), a.Dropped.Duplicates)
	}
	// One cell of the range (08:00–10:00) is whole and settled: its total
	// is the upstream's sum_info (5); the partial last cell's is its
	// minutes' flux (2). Without sum_info, the minutes' flux throughout,
	// and the whole cell is counted as estimated.
	if a.SumFlux != 7 || nosum.SumFlux != 4 || a.SumFluxEstimated != 0 || nosum.SumFluxEstimated != 1 {
		t.Fatalf("sums %v and %v, estimated %d and %d", a.SumFlux, nosum.SumFlux, a.SumFluxEstimated, nosum.SumFluxEstimated)
	}
	if len(quiet.Points) != 0 || quiet.SumFlux != 0 || quiet.SumFluxEstimated != 0 || len(quiet.Failures) != 1 {
		t.Fatalf("quiet: %+v", quiet)
	}
}

// simRun runs a job against the simulator with faults f, reading its times
// in loc, and returns the one series plus what the simulator says is true.
func simRun(t *testing.T, f simulator.Faults, loc *time.Location, likely time.Duration, from, to time.Time) (Series, []simulator.Value) {
	t.Helper()
	sim := simulator.New("1250000000", "k", "play.example.com", "live_1")
	sim.Now = func() time.Time { return now }
	sim.SetFaults(f)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := legacy.New(legacy.Config{Endpoint: srv.URL, Cmd: "1250000000", Location: loc,
		HTTPClient: &http.Client{Transport: &legacy.SigningTransport{Key: "k", Now: sim.Now}}})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := planner.Build(from, to, now)
	if err != nil {
		t.Fatal(err)
	}
	s := Run(context.Background(), NewStore(c, planner.Legacy, 8, 0, 0, sim.Now),
		Job{Streams: []string{"live_1"}, From: plan.From, To: plan.To, Windows: plan.Windows, ZoneRead: true, LikelyShift: likely})[0]
	return s, sim.Expected("live_1", plan.From, plan.To)
}

func TestTimeZoneMismatchIsDetectedNotSilent(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	day := now.Add(-24 * time.Hour)
	cases := []struct {
		name  string
		zone  *time.Location // what the upstream writes in
		read  *time.Location // what the data source reads in
		shift time.Duration
	}{
		{"Beijing read as UTC", simulator.Beijing, time.UTC, 8 * time.Hour},
		{"Beijing read as Tokyo", simulator.Beijing, tokyo, -time.Hour},
		{"UTC read as Beijing", time.UTC, simulator.Beijing, -8 * time.Hour},
		{"Kolkata read as Beijing", kolkata, simulator.Beijing, -150 * time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, off := now.In(tc.read).Zone()
			s, want := simRun(t, simulator.Faults{Zone: tc.zone}, tc.read, 8*time.Hour-time.Duration(off)*time.Second, day, now)
			if s.Dropped.Shift != tc.shift {
				t.Fatalf("shift %v, want %v (%d outside, %d kept of %d)", s.Dropped.Shift, tc.shift, s.Dropped.Outside, len(s.Points), len(want))
			}
			if s.Dropped.Outside == 0 || s.Dropped.Outside+len(s.Points) < len(want)-int(tc.shift.Abs()/time.Minute) {
				t.Fatalf("%d outside + %d kept do not account for %d minutes", s.Dropped.Outside, len(s.Points), len(want))
			}
		})
	}
	// The right zone: nothing dropped, no shift.
	s, want := simRun(t, simulator.Faults{}, simulator.Beijing, 0, day, now)
	if s.Dropped.Any() || s.Dropped.Shift != 0 || len(s.Points) != len(want) {
		t.Fatalf("right zone: %+v, %d of %d points", s.Dropped, len(s.Points), len(want))
	}
}

func TestStrayDuplicateAndUnreadableRowsAreCounted(t *testing.T) {
	from := now.Add(-6 * time.Hour)
	s, want := simRun(t, simulator.Faults{Outside: 2}, simulator.Beijing, 0, from, now)
	if s.Dropped.Outside == 0 || s.Dropped.Shift != 0 || len(s.Points) != len(want) || s.Dropped.OutsideExample.Time.IsZero() {
		t.Fatalf("outside: %+v, %d of %d points", s.Dropped, len(s.Points), len(want))
	}
	// Every window got 2 minutes before its start and 2 after its end.
	if windows := s.Windows; s.Dropped.Outside != 4*windows {
		t.Fatalf("outside counted %d for %d windows", s.Dropped.Outside, windows)
	}

	s, want = simRun(t, simulator.Faults{Duplicates: true}, simulator.Beijing, 0, from, now)
	// Every minute fetched is repeated: the range's, and those of its first
	// cell before the range, which was asked for whole.
	before := int(want[0].Time.Sub(want[0].Time.Truncate(planner.Span)) / time.Minute)
	if s.Dropped.Duplicates != len(want)+before || len(s.Points) != len(want) {
		t.Fatalf("duplicates: %d counted, %d of %d points", s.Dropped.Duplicates, len(s.Points), len(want))
	}
	for i, p := range s.Points {
		// The first of each minute is kept: the original, not the repeat.
		if !p.Time.Equal(want[i].Time) || p.Bandwidth.Value != want[i].Bandwidth {
			t.Fatalf("point %d = %+v, want %+v", i, p, want[i])
		}
	}

	s, want = simRun(t, simulator.Faults{Unsorted: true}, simulator.Beijing, 0, from, now)
	if s.Dropped.Any() || len(s.Points) != len(want) {
		t.Fatalf("unsorted: %+v, %d of %d points", s.Dropped, len(s.Points), len(want))
	}
	for i, p := range s.Points {
		if !p.Time.Equal(want[i].Time) || p.Bandwidth.Value != want[i].Bandwidth {
			t.Fatalf("unsorted point %d = %+v, want %+v", i, p, want[i])
		}
	}

	s, want = simRun(t, simulator.Faults{BadRowEvery: 7}, simulator.Beijing, 0, from, now)
	// Unreadable rows are counted over all that was fetched, which begins
	// before the range (its first cell is asked for whole).
	if s.Dropped.Unreadable == 0 || len(s.Points) >= len(want) || s.Dropped.Unreadable+len(s.Points) < len(want) ||
		s.Dropped.Unreadable+len(s.Points) > len(want)+before || s.Dropped.UnreadableExample == "" {
		t.Fatalf("unreadable: %+v, %d of %d points", s.Dropped, len(s.Points), len(want))
	}

	s, want = simRun(t, simulator.Faults{NullEvery: 5, MissingEvery: 7}, simulator.Beijing, 0, from, now)
	gaps := 0
	for _, p := range s.Points {
		if !p.Bandwidth.Valid {
			gaps++
		}
	}
	if s.Dropped.Any() || len(s.Points) != len(want) || gaps == 0 {
		t.Fatalf("nulls: %+v, %d of %d points, %d gaps", s.Dropped, len(s.Points), len(want), gaps)
	}
}

func TestStoreStaysWithinItsMemoryBound(t *testing.T) {
	sim := simulator.New("1250000000", "k", "play.example.com", "a", "b", "c")
	sim.Now = func() time.Time { return now }
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := legacy.New(legacy.Config{Endpoint: srv.URL, Cmd: "1250000000", Location: simulator.Beijing,
		HTTPClient: &http.Client{Transport: &legacy.SigningTransport{Key: "k", Now: sim.Now}}})
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := planner.Build(now.Add(-24*time.Hour), now, now)
	limit := 20 * cellBytes // room for one stream's 13 cells, not two
	store := NewStore(c, planner.Legacy, 8, 0, limit, sim.Now)
	job := func(stream string) Job {
		return Job{Streams: []string{stream}, From: plan.From, To: plan.To, Windows: plan.Windows}
	}
	for _, stream := range []string{"a", "b", "c"} {
		if s := Run(context.Background(), store, job(stream))[0]; len(s.Points) != 1440 {
			t.Fatalf("%s: %d points", stream, len(s.Points))
		}
		if b := store.Stats().Bytes; b > limit || b == 0 {
			t.Fatalf("after %s the store holds %d bytes, bound %d", stream, b, limit)
		}
	}
	// "c" is remembered, "a" was let go: asking again costs 0 and 13 calls.
	sim.Reset()
	Run(context.Background(), store, job("c"))
	if sim.Calls() != 0 {
		t.Fatalf("the newest stream cost %d calls", sim.Calls())
	}
	Run(context.Background(), store, job("a"))
	if sim.Calls() != 13 {
		t.Fatalf("the evicted stream cost %d calls, want 13", sim.Calls())
	}
}

// late has every minute up to five before its clock, as Cloud API 3.0 does.
type late struct{ clock *time.Time }

func (l late) PlayStatHistory(_ context.Context, q upstream.Query) (*upstream.Result, error) {
	res := &upstream.Result{NoSumInfo: true}
	newest := l.clock.Add(-planner.CloudAPI.Delay)
	for m := q.Start.Truncate(time.Minute); m.Before(q.End) && m.Before(newest); m = m.Add(time.Minute) {
		if !m.Before(q.Start) {
			res.Points = append(res.Points, upstream.Point{Time: m, Flux: upstream.Num{Value: 1, Valid: true}})
		}
	}
	res.Empty = len(res.Points) == 0
	return res, nil
}

// A settle time shorter than the upstream's delay would mark the minutes
// that had not arrived yet as known and absent for good. The store never
// settles sooner than a minute past the delay, so a refresh three minutes
// later asks for them again and gets them: no permanent gap.
func TestSettleNeverShorterThanTheUpstreamsDelay(t *testing.T) {
	clock := now.Truncate(time.Minute)
	s := NewStore(late{&clock}, planner.CloudAPI, 4, time.Minute, 0, func() time.Time { return clock })
	from := clock.Add(-time.Hour)
	read := func() Series {
		series := Run(context.Background(), s, Job{Streams: []string{"a"}, From: from, To: clock})
		return series[0]
	}
	first := read()
	if want := 55; len(first.Points) != want {
		t.Fatalf("first read: %d minutes, want %d (the newest five are not there yet)", len(first.Points), want)
	}
	clock = clock.Add(3 * time.Minute)
	second := read() // the range now ends three minutes later
	if len(second.Points) != 58 {
		t.Fatalf("three minutes later: %d minutes of the hour, want 58; the ones that arrived meanwhile were never asked for again", len(second.Points))
	}
}

// A cell goes to the fleet and back unchanged, and anything that is not
// exactly a cell of this store, for this start, is refused.
func TestCellsTravelWholeOrNotAtAll(t *testing.T) {
	start := now.Truncate(planner.Span)
	c := &cell{start: start, cov0: start.Add(3 * time.Minute), cov1: start.Add(97*time.Minute + 17*time.Second),
		fetchedAt: now, settledTo: now.Add(-15 * time.Minute), sum: upstream.Num{Value: 12.5, Valid: true}, noSum: 2}
	for i := 3; i < 97; i++ {
		p := upstream.Point{Bandwidth: upstream.Num{Value: float64(i) + 0.125, Valid: i%7 != 0}, Online: upstream.Num{Value: float64(i * 3), Valid: true},
			Flux: upstream.Num{Value: float64(i) / 8, Valid: i%5 != 0}, Requests: upstream.Num{Value: 9, Valid: i%2 == 0}}
		if i == 50 {
			p.Online.Value, p.Requests.Value = 2.5, 1e12 // counts a uint32 does not hold
		}
		c.minutes.set(i, &p)
	}
	b := encodeCell(c)
	got, err := decodeCell(b, start)
	if err != nil {
		t.Fatal(err)
	}
	if !sameMinutes(&got.minutes, &c.minutes) || got.sum != c.sum || got.noSum != c.noSum || !got.start.Equal(c.start) || !got.cov0.Equal(c.cov0) ||
		!got.cov1.Equal(c.cov1) || !got.fetchedAt.Equal(c.fetchedAt) || !got.settledTo.Equal(c.settledTo) {
		t.Fatalf("decoded cell differs:\n%+v\n%+v", got, c)
	}
	if _, err := decodeCell(b, start.Add(planner.Span)); err == nil {
		t.Fatal("a cell decoded for another start")
	}
	for name, bad := range map[string][]byte{
		"empty":    nil,
		"cut":      b[:len(b)-3],
		"longer":   append(append([]byte{}, b...), 0, 0, 0, 0, 0, 0, 0, 0),
		"version":  append([]byte{9}, b[1:]...),
		"flags":    func() []byte { x := append([]byte{}, b...); x[cellHeaderLen+1] = 0xff; return x }(),
		"coverage": func() []byte { x := append([]byte{}, b...); x[9], x[10] = 0xff, 0xff; return x }(),
	} {
		if _, err := decodeCell(bad, start); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func sameMinutes(a, b *minutes) bool {
	for i := range cellMinutes {
		if a.has(i) != b.has(i) || a.point(i, time.Time{}) != b.point(i, time.Time{}) {
			return false
		}
	}
	return true
}

// The store keeps every figure exactly as the upstream sent it: counts
// that fit a uint32 in one, any other in full; a minute set again keeps
// nothing of what it held.
func TestMinutesKeepEveryFigureExactly(t *testing.T) {
	var m minutes
	counts := []float64{0, 1, 42, math.MaxUint32 - 1, math.MaxUint32, 1e12, 2.5, -3, math.Copysign(0, -1), 0.1 + 0.2}
	for i, v := range counts {
		p := upstream.Point{Bandwidth: upstream.Num{Value: v * 1.5, Valid: true}, Online: upstream.Num{Value: v, Valid: true}}
		if i%2 == 0 {
			p.Flux = upstream.Num{Value: -v, Valid: true}
		}
		if i%3 == 0 {
			p.Requests = upstream.Num{Value: v + 1, Valid: true}
		}
		m.set(i, &p)
		got := m.point(i, time.Time{})
		if got != p || math.Signbit(got.Online.Value) != math.Signbit(v) {
			t.Errorf("minute %d: kept %+v, was %+v", i, got, p)
		}
	}
	if m.has(len(counts)) {
		t.Error("a minute never set is present")
	}
	// Set again with less: nothing of the first remains.
	m.set(6, &upstream.Point{Online: upstream.Num{Value: 7, Valid: true}})
	if got := m.point(6, time.Time{}); got != (upstream.Point{Online: upstream.Num{Value: 7, Valid: true}}) {
		t.Errorf("set again: %+v", got)
	}
	if _, ok := m.exact[exactKey{6, false}]; ok {
		t.Error("the exact figure of a minute set again was kept")
	}
	m.clear(5)
	// Viewers of minutes 4 to 9 and requests of 3, 6 and 9 were not
	// uint32s; minute 6 was set again with a whole count, 5 cleared.
	if m.has(5) || len(m.exact) != 6 {
		t.Errorf("cleared: present %v, %d exact figures left, want 6", m.has(5), len(m.exact))
	}
	// Requests take room only once a minute has them.
	var legacy minutes
	legacy.set(0, &upstream.Point{Online: upstream.Num{Value: 3, Valid: true}})
	if legacy.requests != nil || legacy.size() != 0 {
		t.Errorf("minutes without requests hold %d bytes more", legacy.size())
	}
}

// gated answers every window at once with a point, but holds each
// stream's last window until open is closed.
type gated struct {
	last time.Time
	open chan struct{}
}

func (g gated) PlayStatHistory(ctx context.Context, q upstream.Query) (*upstream.Result, error) {
	if !q.End.Before(g.last) {
		select {
		case <-g.open:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return &upstream.Result{Points: []upstream.Point{{Time: q.Start, Bandwidth: upstream.Num{Value: 1, Valid: true}}}}, nil
}

// The store's observer hears of the minutes as they arrive, not only when
// a query's streams are done: a long range of many streams is memory the
// process keeps long before its last window answers.
func TestTheObserverHearsOfMinutesAsTheyArrive(t *testing.T) {
	plan, _ := planner.Build(now.Add(-15*24*time.Hour), now, now)
	src := gated{last: plan.Windows[len(plan.Windows)-1].End, open: make(chan struct{})}
	store := NewStore(src, planner.Legacy, 8, 0, 0, func() time.Time { return now })
	var told []int64
	var once sync.Once
	store.Observe(func(n int64) {
		_ = store.Stats() // told outside the store's lock: this would wait for ever under it
		told = append(told, n)
		if n >= 1<<20 {
			once.Do(func() { close(src.open) })
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	series := Run(ctx, store, Job{Streams: []string{"a", "b", "c", "d", "e"}, From: plan.From, To: plan.To, Windows: plan.Windows})
	for _, s := range series {
		if !s.Complete() {
			t.Fatalf("%s: %v (the last windows were held until the observer heard of a mebibyte)", s.StreamID, s.Failures[0].Err)
		}
	}
	final := store.Stats().Bytes
	var counted int64 // what the cells hold, counted afresh
	for _, k := range store.streams.Keys() {
		st, _ := store.streams.Peek(k)
		for _, c := range st.cells {
			counted += c.bytes()
		}
	}
	if counted != final {
		t.Fatalf("the store reckons %d bytes; its cells hold %d", final, counted)
	}
	if len(told) < 2 || told[len(told)-1] != final {
		t.Fatalf("told %v, the store holds %d", told, final)
	}
	for i := 1; i < len(told); i++ {
		if told[i] < told[i-1] {
			t.Errorf("told %v: a range only adds", told)
		}
	}
}
