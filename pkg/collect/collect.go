// Package collect fetches every window of every stream of a query under a
// shared concurrency bound and merges the answers into one series a stream.
package collect

import (
	"context"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/lvb"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
)

// Source answers one window; *lvb.Client is one.
type Source interface {
	PlayStatHistory(ctx context.Context, q lvb.Query) (*lvb.Result, error)
}

// Job is what one query asks for.
type Job struct {
	Domain  string
	Streams []string // "" stands for the total over all streams
	Windows []planner.Window
}

// Failure is a window that could not be fetched.
type Failure struct {
	Window planner.Window
	Err    error
}

// Series is the merged answer for one stream.
type Series struct {
	Domain   string
	StreamID string
	// Points are sorted, one a minute, each inside the window it came from.
	Points []lvb.Point
	// SumFlux adds up the upstream's own sum_info.sum_flux of every window.
	SumFlux float64
	// SumFluxEstimated counts windows that answered without sum_info, whose
	// share of SumFlux was added up from their per-minute flux instead.
	SumFluxEstimated int
	Failures         []Failure
	Windows          int
}

// Complete tells whether every window answered.
func (s *Series) Complete() bool { return len(s.Failures) == 0 }

type answer struct {
	res *lvb.Result
	err error
}

// Run fetches all windows of all streams. limit bounds the requests in flight
// and is shared by every query of a data source instance, so that one
// dashboard cannot flood the upstream however many panels it has.
func Run(ctx context.Context, src Source, limit *semaphore.Weighted, job Job) []Series {
	nw := len(job.Windows)
	answers := make([]answer, len(job.Streams)*nw)
	var wg sync.WaitGroup
	for si, stream := range job.Streams {
		for wi, w := range job.Windows {
			wg.Go(func() {
				a := &answers[si*nw+wi]
				if err := limit.Acquire(ctx, 1); err != nil {
					a.err = err
					return
				}
				defer limit.Release(1)
				a.res, a.err = src.PlayStatHistory(ctx, lvb.Query{
					Start: w.Start, End: w.End, Domain: job.Domain, StreamID: stream,
				})
			})
		}
	}
	wg.Wait()

	out := make([]Series, len(job.Streams))
	for si, stream := range job.Streams {
		out[si] = merge(job.Domain, stream, job.Windows, answers[si*nw:(si+1)*nw])
	}
	return out
}

func merge(domain, stream string, windows []planner.Window, answers []answer) Series {
	s := Series{Domain: domain, StreamID: stream, Windows: len(windows)}
	n := 0
	for _, a := range answers {
		if a.res != nil {
			n += len(a.res.Points)
		}
	}
	s.Points = make([]lvb.Point, 0, n)
	for i, a := range answers {
		w := windows[i]
		if a.err != nil {
			s.Failures = append(s.Failures, Failure{Window: w, Err: a.err})
			continue
		}
		first := len(s.Points)
		for _, p := range a.res.Points {
			// Minutes are the unit of the data; a window keeps only its own
			// minutes, whatever the upstream does at its edges.
			p.Time = p.Time.Truncate(time.Minute)
			if w.Contains(p.Time) {
				s.Points = append(s.Points, p)
			}
		}
		s.Points = append(s.Points[:first], sortUnique(s.Points[first:])...)
		var flux float64
		for _, p := range s.Points[first:] {
			if p.Flux.Valid {
				flux += p.Flux.Value
			}
		}
		switch {
		case a.res.SumFlux.Valid:
			s.SumFlux += a.res.SumFlux.Value
		case !a.res.Empty:
			s.SumFlux += flux
			s.SumFluxEstimated++
		}
	}
	// Windows may come from a planner whose windows touch; one point a minute.
	s.Points = sortUnique(s.Points)
	return s
}

// sortUnique sorts points by time and keeps the first of each minute.
func sortUnique(points []lvb.Point) []lvb.Point {
	slices.SortStableFunc(points, func(a, b lvb.Point) int { return a.Time.Compare(b.Time) })
	return slices.CompactFunc(points, func(a, b lvb.Point) bool { return a.Time.Equal(b.Time) })
}
