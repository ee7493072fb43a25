// Package collect gathers the minutes of every stream of a query: from its
// Store of what the upstream already answered, and from the upstream for
// the rest, accounting for every row it cannot show.
package collect

import (
	"context"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/downsample"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// Source answers one window; *legacy.Client is one.
type Source interface {
	PlayStatHistory(ctx context.Context, q upstream.Query) (*upstream.Result, error)
}

// Job is what one query asks for.
type Job struct {
	Domain string
	// Service is the Cloud API 3.0 service whose figures are asked for
	// (LVB, LEB); "" for both, and for the legacy interface.
	Service string
	Streams []string // "" stands for the total over all streams
	// From and To are the range, [From, To) in whole minutes; Windows are
	// the planner's windows of it, by which failures are reported.
	From, To time.Time
	Windows  []planner.Window
	// Bucket, when positive, has each series answered in buckets of this
	// width (see downsample), built as the minutes are read, so that a
	// long range never holds all its minutes at once. SumFlux stays the
	// minutes' total.
	Bucket      time.Duration
	Aggregation downsample.Aggregation
	// BucketZone is the zone buckets align in (downsample.Start): the
	// data's own, so that a day bucket starts at its midnight.
	BucketZone *time.Location
	// Done, when set, is called with each stream's series (by its index
	// in Streams) as soon as it is read, from the goroutine that read it.
	// It may take the series' Points (and set them to nil), so that a long
	// range of many streams never holds every stream's minutes at once.
	Done func(i int, s *Series)
	// ZoneRead says the upstream's times carry no zone and are read in a
	// configured one, so that minutes outside their windows may mean the
	// setting is wrong (Dropped.Shift). An upstream whose times say their
	// zone has stray minutes counted, never blamed on a setting.
	ZoneRead bool
	// LikelyShift is the zone shift to name when several fit the points
	// equally: the one that would make the upstream's times Beijing time,
	// as Tencent writes them, read in the configured zone.
	LikelyShift time.Duration
}

// Failure is a window that could not be fetched.
type Failure struct {
	Window planner.Window
	Err    error
}

// Series is the merged answer for one stream.
type Series struct {
	Domain   string
	Service  string
	StreamID string
	// Points are sorted, one a minute inside the range, or one a bucket
	// when the job asked for buckets.
	Points []upstream.Point
	// SumFlux is the range's flux: the upstream's own sum_info for whole,
	// settled cells, the minutes' flux for the rest.
	SumFlux float64
	// SumFluxEstimated counts whole cells of the range whose answers came
	// without sum_info, so that their share is the minutes' flux.
	SumFluxEstimated int
	Failures         []Failure
	Windows          int
	// Dropped accounts for every row the upstream sent that is not in Points.
	Dropped Dropped
}

// Complete tells whether every window answered.
func (s *Series) Complete() bool { return len(s.Failures) == 0 }

// Answered tells whether at least one window answered.
func (s *Series) Answered() bool { return len(s.Failures) < s.Windows }

// Dropped counts what the upstream sent that could not be shown, so that
// nothing is lost without a word.
type Dropped struct {
	// Outside counts points whose minute lies outside the window they
	// were asked for; OutsideExample is the first of them.
	Outside        int
	OutsideExample Stray
	// Duplicates counts repeated minutes within one answer; the first of
	// each minute is kept.
	Duplicates       int
	DuplicateExample time.Time
	// Unreadable counts rows the parser could not read.
	Unreadable        int
	UnreadableExample string
	// Shift is non-zero when the points outside their windows would fall
	// inside them moved back by this much: the signature of reading the
	// upstream's times in the wrong time zone.
	Shift time.Duration
}

// Any tells whether anything was dropped.
func (d Dropped) Any() bool { return d.Outside+d.Duplicates+d.Unreadable > 0 }

// Stray is a point that came back outside its window.
type Stray struct {
	Time   time.Time
	Window planner.Window
}

type answer struct {
	res *upstream.Result
	// inside counts the points of an answer let go after it was stored:
	// they all lay inside their window, which is all the zone check
	// needs to know of them.
	inside int
	err    error
}

// workers bounds the streams of one query gathered at once. It is not the
// upstream budget, which the HTTP transport enforces where requests are
// sent; it only keeps a query of 200 streams from starting them all at once.
const workers = 64

// Run gathers every stream of job from store.
func Run(ctx context.Context, store *Store, job Job) []Series {
	out := make([]Series, len(job.Streams))
	var g errgroup.Group
	g.SetLimit(workers)
	for i, stream := range job.Streams {
		g.Go(func() error {
			out[i] = store.Range(ctx, job, stream)
			if job.Done != nil {
				job.Done(i, &out[i])
			}
			return nil
		})
	}
	_ = g.Wait()
	return out
}

// firstRepeat returns the first minute that occurs twice in points, which
// sortUnique has sorted (stably) before compacting.
func firstRepeat(points []upstream.Point) time.Time {
	seen := make(map[time.Time]bool, len(points))
	for _, p := range points {
		if seen[p.Time] {
			return p.Time
		}
		seen[p.Time] = true
	}
	return time.Time{}
}

// Time-zone offsets run from UTC−12 to UTC+14, in quarter hours, so a
// misread zone shifts times by at most 26 hours, in quarter hours.
const (
	maxShift  = 26 * time.Hour
	shiftStep = 15 * time.Minute
	// A shift is reported only when it puts at least this share of all
	// points inside their windows; a few stray points are not a zone.
	shiftShare = 0.9
)

// zoneShift looks for the time-zone error that would explain points
// outside their windows: the shift d such that moving every point back by
// d puts the most points inside their windows. It returns d when that fits
// nearly all points and fits more than no shift does, and 0 otherwise.
// When a few minutes of data fit several shifts, likely wins, then whole
// hours, then the smallest.
func zoneShift(windows []planner.Window, answers []answer, likely time.Duration) time.Duration {
	total := 0
	for _, a := range answers {
		if a.err == nil {
			total += a.inside
			if a.res != nil {
				total += len(a.res.Points)
			}
		}
	}
	// The points of let-go answers count as fitting without a shift and
	// not with one: the cautious reading, which a real zone error, whose
	// every answer has strays, never needs.
	inside := func(d time.Duration) int {
		n := 0
		for i, a := range answers {
			if a.err != nil {
				continue
			}
			if d == 0 {
				n += a.inside
			}
			if a.res == nil {
				continue
			}
			for _, p := range a.res.Points {
				if windows[i].Contains(p.Time.Add(-d).Truncate(time.Minute)) {
					n++
				}
			}
		}
		return n
	}
	rank := func(d time.Duration) int {
		switch {
		case d == likely:
			return 0
		case d%time.Hour == 0:
			return 1
		}
		return 2
	}
	better := func(d, than time.Duration) bool {
		if rank(d) != rank(than) {
			return rank(d) < rank(than)
		}
		return d.Abs() < than.Abs()
	}
	best, bestN := time.Duration(0), inside(0)
	unshifted := bestN
	for d := -maxShift; d <= maxShift; d += shiftStep {
		if d == 0 {
			continue
		}
		if n := inside(d); n > bestN || (n == bestN && n > unshifted && better(d, best)) {
			best, bestN = d, n
		}
	}
	if best == 0 || float64(bestN) < shiftShare*float64(total) {
		return 0
	}
	return best
}

// ReadWindow reads one answer for one window the way a query does, for the
// health check: which points fall inside, and the zone shift if the rest
// suggest one.
func ReadWindow(w planner.Window, res *upstream.Result, likely time.Duration) Series {
	s := Series{Windows: 1}
	s.Points = sift(w, res, &s.Dropped)
	if s.Dropped.Outside > 0 {
		s.Dropped.Shift = zoneShift([]planner.Window{w}, []answer{{res: res}}, likely)
	}
	return s
}

// sortUnique sorts points by time and keeps the first of each minute.
func sortUnique(points []upstream.Point) []upstream.Point {
	slices.SortStableFunc(points, func(a, b upstream.Point) int { return a.Time.Compare(b.Time) })
	return slices.CompactFunc(points, func(a, b upstream.Point) bool { return a.Time.Equal(b.Time) })
}
