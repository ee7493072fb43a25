package collect

import (
	"context"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/errgroup"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/coalesce"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/downsample"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// Store keeps the minutes the upstream has answered, per domain and stream,
// so that a query asks only for the minutes it lacks. Its unit is the
// two-hour grid cell: a range that starts inside a cell gets the whole cell
// (within retention), so that the next refresh, which starts a minute later,
// finds it. Minutes younger than the settle time are asked for again, at
// most once a wall-clock minute (the upstream refreshes once a minute), and
// the whole unsettled tail of a range, across a cell boundary if need be, is
// one request.
type Store struct {
	src      Source
	limits   planner.Limits
	fetchers int // requests of one stream waiting for the budget at once
	settle   time.Duration
	now      func() time.Time
	maxBytes int64

	mu      sync.Mutex
	streams *lru.Cache[streamKey, *stream]
	bytes   int64
	// grown is what cells added since the last trim hold,
	// so that an observer hears of a long range's minutes as they arrive,
	// not only once its streams are done.
	grown, told int64

	flights coalesce.Group[upstream.Query, fetched]

	fetches, shared, served atomic.Int64

	// The fleet's shared store, when there is one (ShareWith).
	fleet                   Fleet
	hold                    time.Duration
	pulled, waited, foreign atomic.Int64

	observe   func(bytes int64) // told what the store holds when it changes
	reporting sync.Mutex        // held while the observer is told, so reports arrive in order
}

// MinSettle is the shortest settle time for an upstream with limits l: a
// minute past its delay. A shorter one would mark minutes that had not
// arrived yet as known and absent, and never ask for them again.
func MinSettle(l planner.Limits) time.Duration { return l.Delay + time.Minute }

// SettleFor is the settle time used for a configured one (0: the
// default) on an upstream of limits l: never less than MinSettle.
func SettleFor(settle time.Duration, l planner.Limits) time.Duration {
	if settle <= 0 {
		settle = DefaultSettle
	}
	return max(settle, MinSettle(l))
}

// Defaults of the store's settings.
const (
	DefaultSettle   = 15 * time.Minute
	DefaultMaxBytes = 64 << 20
)

const cellMinutes = int(planner.Span / time.Minute)

// cellBytes is what a cell costs in memory at least, for the bound; its
// minutes may add to it (minutes.size).
var cellBytes = int64(reflect.TypeFor[cell]().Size())

// NewStore remembers what src answers, in at most maxBytes of memory; a
// minute younger than settle may still change. fetchers bounds the requests
// of one stream that wait for src at once: the upstream budget is enough
// (more would only wait), and each waiting request costs a goroutine, which
// for a 15-day range of 20 streams added up to a hundred megabytes.
// now is time.Now when nil.
func NewStore(src Source, limits planner.Limits, fetchers int, settle time.Duration, maxBytes int64, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	settle = SettleFor(settle, limits)
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	// The count bound is never the one that bites: bytes are.
	l, _ := lru.New[streamKey, *stream](1 << 20)
	if limits.Span < planner.Span {
		limits = planner.Legacy
	}
	return &Store{src: src, limits: limits, fetchers: max(fetchers, 1), settle: settle, now: now, maxBytes: maxBytes, streams: l}
}

// Observe has f told what the store holds, in bytes by its own reckoning:
// when a query's streams are done, and as minutes arrive, at every
// observeStep of growth, one report at a time, in order, and outside the
// store's lock. Set it before the store is used.
func (s *Store) Observe(f func(bytes int64)) { s.observe = f }

// observeStep is the growth between two reports while a range is fetched.
const observeStep = 1 << 20

// grow counts n more bytes held by cells added or grown since the last
// reckoning, and reports at every observeStep. The observer is told
// outside the store's lock (it may take its own, or call the runtime),
// one report at a time and in order (reporting).
func (s *Store) grow(n int64) {
	if n == 0 || s.observe == nil {
		return
	}
	s.reporting.Lock()
	defer s.reporting.Unlock()
	s.mu.Lock()
	s.grown += n
	total := s.bytes + s.grown
	tell := total-s.told >= observeStep
	if tell {
		s.told = total
	}
	s.mu.Unlock()
	if tell {
		s.observe(total)
	}
}

// StoreStats are counters since the store was made.
type StoreStats struct {
	Fetches int64 // requests sent upstream
	Shared  int64 // answers taken from another query's request in flight
	Served  int64 // minutes answered from memory
	Bytes   int64 // memory held, by the store's own reckoning
	Fleet   FleetStats
}

// Stats returns the counters.
func (s *Store) Stats() StoreStats {
	s.mu.Lock()
	b := s.bytes
	s.mu.Unlock()
	return StoreStats{Fetches: s.fetches.Load(), Shared: s.shared.Load(), Served: s.served.Load(), Bytes: b,
		Fleet: FleetStats{Pulled: s.pulled.Load(), Waited: s.waited.Load(), Foreign: s.foreign.Load()}}
}

type streamKey struct{ domain, service, stream string }

type stream struct {
	mu    sync.Mutex
	cells map[int64]*cell
	bytes int64 // what cells hold (cell.bytes), kept as they change
}

// put makes c the cell at k, in place of any there, and returns how much
// more the stream holds for it. st.mu is held.
func (st *stream) put(k int64, c *cell) int64 {
	n := c.bytes()
	if old := st.cells[k]; old != nil {
		n -= old.bytes()
	}
	st.cells[k] = c
	st.bytes += n
	return n
}

// Range answers the minutes [job.From, job.To) of one stream, fetching what
// memory lacks, in buckets when job.Bucket is set. job.Windows are the
// planner's windows of the range, by which failures are reported.
func (s *Store) Range(ctx context.Context, job Job, streamID string) Series {
	out := Series{Domain: job.Domain, Service: job.Service, StreamID: streamID, Windows: len(job.Windows)}
	if !job.To.After(job.From) {
		return out
	}
	st := s.stream(streamKey{job.Domain, job.Service, streamID})
	now := s.now()
	name := fleetStream(job.Domain, job.Service, streamID)
	if s.fleet != nil {
		s.pull(ctx, st, name, job.From, job.To, now)
	}
	fetches := s.plan(st, job.From, job.To, now)

	answers := make([]answer, len(fetches))
	dropped := make([]Dropped, len(fetches))
	var wg errgroup.Group
	wg.SetLimit(s.fetchers)
	for i, f := range fetches {
		wg.Go(func() error {
			if err := ctx.Err(); err != nil {
				answers[i].err = err // the viewer left: start nothing new
				return nil
			}
			got, err := s.fetchOne(ctx, st, name, upstream.Query{Start: f.Start, End: f.End, Domain: job.Domain, ServiceName: job.Service, StreamID: streamID}, f, now)
			answers[i] = answer{res: got.res, inside: got.inside, err: err}
			dropped[i] = got.dropped
			return nil
		})
	}
	_ = wg.Wait()
	s.report(fetches, answers, dropped, job, &out)
	s.read(st, job.From, job.To, job, &out)
	s.trim(st)
	return out
}

// fetchOne brings the minutes of request f into memory: once for every
// query of this process that asks for it meanwhile, and once for the
// fleet when there is one.
func (s *Store) fetchOne(ctx context.Context, st *stream, name string, q upstream.Query, f planner.Window, now time.Time) (fetched, error) {
	// Queries in the same minute end their tail at different seconds of
	// it; to the upstream, and so to the merging of requests in flight,
	// that is the same request: the minutes up to the one it ends in.
	key := q
	key.End = ceilMinute(key.End)
	got, shared, err := s.flights.Do(ctx, key, func(ctx context.Context) (fetched, error) {
		// Another query may have brought these minutes in between this
		// one's plan and now.
		if st.known(f, now) {
			return fetched{}, nil
		}
		if s.fleet == nil {
			return s.fetch(ctx, st, f, q, now)
		}
		// One replica of the fleet fetches; the others wait for its answer
		// and read it from the fleet's store. They wait only while somebody
		// here still wants it.
		wait, stop := coalesce.WhileWanted(ctx)
		defer stop()
		var got fetched
		have := func(ctx context.Context) bool {
			s.pull(ctx, st, name, f.Start, f.End, now)
			return st.known(f, now)
		}
		waited, err := s.fleet.Share(wait, name, requestKey(f), s.hold, have, func() (map[int64][]byte, error) {
			var err error
			if got, err = s.fetch(ctx, st, f, q, now); err != nil {
				return nil, err
			}
			return s.payloads(st, f), nil
		}, s.cellTTL(now))
		if waited {
			s.waited.Add(1)
		}
		return got, err
	})
	if shared {
		s.shared.Add(1)
	}
	return got, err
}

// report puts the requests' failures on the planner's windows they touch,
// and counts the rows they could not show.
func (*Store) report(fetches []planner.Window, answers []answer, dropped []Dropped, job Job, out *Series) {
	d := &out.Dropped
	for i, a := range answers {
		f := fetches[i]
		if a.err != nil {
			for _, w := range job.Windows {
				if w.End.After(f.Start) && f.End.After(w.Start) && !failed(out.Failures, w) {
					out.Failures = append(out.Failures, Failure{Window: w, Err: a.err})
				}
			}
			continue
		}
		d.add(dropped[i])
	}
	if d.Outside > 0 && job.ZoneRead {
		d.Shift = zoneShift(fetches, answers, job.LikelyShift)
	}
}

// fetch asks the upstream for f, and puts the answer into memory before
// the request counts as done, so that a query planning now finds the
// minutes either in flight or in memory, never in neither.
func (s *Store) fetch(ctx context.Context, st *stream, f planner.Window, q upstream.Query, now time.Time) (fetched, error) {
	s.fetches.Add(1)
	res, err := s.src.PlayStatHistory(ctx, q)
	if err != nil {
		return fetched{}, err
	}
	var got fetched
	points := sift(f, res, &got.dropped)
	s.apply(st, f, res, points, now)
	got.res = res
	if got.dropped.Outside == 0 {
		// Only stray points need the answer kept, for the zone check; the
		// rest is in memory now, and the answer can go.
		got.res, got.inside = nil, len(points)
	}
	return got, nil
}

// fetched is one answer, already in memory, with what it could not show.
type fetched struct {
	res     *upstream.Result // nil when let go (see inside)
	inside  int              // the points of a let-go answer, all inside its window
	dropped Dropped
}

// add counts o's rows into d, keeping d's examples where it has them.
func (d *Dropped) add(o Dropped) {
	if d.Outside == 0 {
		d.OutsideExample = o.OutsideExample
	}
	if d.Duplicates == 0 {
		d.DuplicateExample = o.DuplicateExample
	}
	if d.Unreadable == 0 {
		d.UnreadableExample = o.UnreadableExample
	}
	d.Outside += o.Outside
	d.Duplicates += o.Duplicates
	d.Unreadable += o.Unreadable
}

func failed(fs []Failure, w planner.Window) bool {
	for _, f := range fs {
		if f.Window == w {
			return true
		}
	}
	return false
}

func (s *Store) stream(k streamKey) *stream {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.streams.Get(k); ok {
		return st
	}
	st := &stream{cells: map[int64]*cell{}}
	s.streams.Add(k, st)
	return st
}

// plan lists the requests that bring the range's minutes into memory, as
// the planner decides them from what the stream's cells hold.
func (s *Store) plan(st *stream, from, to, now time.Time) []planner.Window {
	st.mu.Lock()
	defer st.mu.Unlock()
	return s.limits.Requests(from, to, now, st)
}

// Fresh tells the planner whether minute m is in memory, good at now.
// st.mu is held.
func (st *stream) Fresh(m, now time.Time) bool {
	return st.cells[m.Truncate(planner.Span).Unix()].fresh(m, now)
}

// Continues tells the planner whether the cell of minute m already covers
// minutes up to m, so that a request from m extends what it holds.
// st.mu is held.
func (st *stream) Continues(m time.Time) bool {
	return st.cells[m.Truncate(planner.Span).Unix()].reaches(m)
}

// known tells whether every minute of f is in memory, good at now.
func (st *stream) known(f planner.Window, now time.Time) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	for m := ceilMinute(f.Start); m.Before(f.End); m = m.Add(time.Minute) {
		if !st.Fresh(m, now) {
			return false
		}
	}
	return true
}

// apply puts the points of an answer for f into their cells.
func (s *Store) apply(st *stream, f planner.Window, res *upstream.Result, points []upstream.Point, now time.Time) {
	var grown int64
	defer func() { s.grow(grown) }()
	st.mu.Lock()
	defer st.mu.Unlock()
	end := f.End
	var touched []*cell
	for start := f.Start.Truncate(planner.Span); start.Before(end); start = start.Add(planner.Span) {
		c := st.cells[start.Unix()]
		if c == nil {
			c = &cell{start: start}
			st.cells[start.Unix()] = c
			grown += cellBytes
		}
		grown -= c.minutes.size() // counted again below, as filled
		touched = append(touched, c)
		a, b := maxTime(f.Start, start), minTime(end, start.Add(planner.Span))
		// Minutes asked for again are replaced, vanished ones included.
		for m := ceilMinute(a); m.Before(b); m = m.Add(time.Minute) {
			c.minutes.clear(c.index(m))
		}
		c.cover(a, b)
		c.fetchedAt = now
		c.settledTo = maxTime(c.settledTo, now.Add(-s.settle))
		c.sum = upstream.Num{}
		whole := a.Equal(start) && b.Equal(start.Add(planner.Span)) && f.Start.Equal(a) && end.Equal(b)
		if whole && !b.After(now.Add(-s.settle)) && res.SumFlux.Valid {
			c.sum = res.SumFlux
		}
		if !res.SumFlux.Valid && !res.Empty && !res.NoSumInfo {
			c.noSum++
		}
	}
	for _, p := range points {
		c := st.cells[p.Time.Truncate(planner.Span).Unix()]
		if c == nil {
			continue // outside every cell asked for: sift has counted it
		}
		c.minutes.set(c.index(p.Time), &p)
	}
	for _, c := range touched {
		grown += c.minutes.size()
	}
	st.bytes += grown
}

// read fills out with the range's minutes from memory, and its flux total:
// the upstream's sum_info for a whole cell that has one, the minutes' flux
// for the rest.
func (s *Store) read(st *stream, from, to time.Time, job Job, out *Series) {
	st.mu.Lock()
	defer st.mu.Unlock()
	n := int(to.Sub(from) / time.Minute)
	var buckets *downsample.Builder
	if job.Bucket > 0 {
		buckets = downsample.NewBuilder(job.Bucket, job.Aggregation, job.BucketZone, n)
	} else {
		out.Points = make([]upstream.Point, 0, n)
	}
	var served int64
	for start := from.Truncate(planner.Span); start.Before(to); start = start.Add(planner.Span) {
		c := st.cells[start.Unix()]
		if c == nil {
			continue
		}
		a, b := maxTime(from, start), minTime(to, start.Add(planner.Span))
		whole := a.Equal(start) && b.Equal(start.Add(planner.Span))
		var flux float64
		for m := a; m.Before(b); m = m.Add(time.Minute) {
			i := c.index(m)
			if !c.minutes.has(i) || m.Before(c.cov0) || !m.Before(c.cov1) {
				continue
			}
			p := c.minutes.point(i, m)
			if buckets != nil {
				buckets.Add(&p)
			} else {
				out.Points = append(out.Points, p)
			}
			if p.Flux.Valid {
				flux += p.Flux.Value
			}
			served++
		}
		if whole && c.sum.Valid {
			out.SumFlux += c.sum.Value
		} else {
			out.SumFlux += flux
		}
		if c.noSum > 0 && whole {
			out.SumFluxEstimated++
		}
	}
	if buckets != nil {
		out.Points = buckets.Points()
	}
	s.served.Add(served)
}

// trim drops the oldest streams while the store holds more than its bound,
// and the cells that have left retention.
func (s *Store) trim(st *stream) {
	st.mu.Lock()
	oldest := s.now().Add(-s.limits.Retention - planner.Span).Unix()
	for k, c := range st.cells {
		if k < oldest {
			st.bytes -= c.bytes()
			delete(st.cells, k)
		}
	}
	st.mu.Unlock()

	s.reporting.Lock()
	defer s.reporting.Unlock()
	s.mu.Lock()
	var total int64
	for _, k := range s.streams.Keys() {
		if other, ok := s.streams.Peek(k); ok {
			total += other.size()
		}
	}
	for total > s.maxBytes && s.streams.Len() > 1 {
		_, old, ok := s.streams.RemoveOldest()
		if !ok {
			break
		}
		total -= old.size()
	}
	tell := total != s.told && s.observe != nil
	if tell {
		s.told = total
	}
	s.bytes, s.grown = total, 0
	s.mu.Unlock()
	if tell {
		s.observe(total) // outside the lock, as in grow
	}
}

func (st *stream) size() int64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.bytes
}

// sift returns the points of res that lie in w, one a minute, sorted,
// and counts what it leaves out in d.
func sift(w planner.Window, res *upstream.Result, d *Dropped) []upstream.Point {
	if res.Rejected > 0 {
		if d.Unreadable == 0 {
			d.UnreadableExample = res.RejectedExample
		}
		d.Unreadable += res.Rejected
	}
	// The answer is this fetch's own, so its points are trimmed in place
	// when none strays; strays keep the answer whole for the zone check.
	stray := false
	for i := range res.Points {
		if !w.Contains(res.Points[i].Time.Truncate(time.Minute)) {
			stray = true
			break
		}
	}
	points := res.Points[:0]
	if stray {
		points = make([]upstream.Point, 0, len(res.Points))
	}
	for _, p := range res.Points {
		p.Time = p.Time.Truncate(time.Minute)
		if w.Contains(p.Time) {
			points = append(points, p)
			continue
		}
		if d.Outside == 0 {
			d.OutsideExample = Stray{Time: p.Time, Window: w}
		}
		d.Outside++
	}
	kept := sortUnique(points)
	if dup := len(points) - len(kept); dup > 0 {
		if d.Duplicates == 0 {
			d.DuplicateExample = firstRepeat(points)
		}
		d.Duplicates += dup
	}
	return kept
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func ceilMinute(t time.Time) time.Time {
	f := t.Truncate(time.Minute)
	if f.Before(t) {
		return f.Add(time.Minute)
	}
	return f
}
