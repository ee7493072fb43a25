// Package downsample combines per-minute statistics into wider buckets for
// long ranges, so that a panel receives no more points than it can draw,
// while totals stay exact: flux is summed, bandwidth and viewers are taken
// by maximum (the peaks that matter for live streaming and billing) or by
// average.
package downsample

import (
	"fmt"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/lvb"
)

// Aggregation is how bandwidth and viewers are combined in a bucket.
type Aggregation string

const (
	Max Aggregation = "max"
	Avg Aggregation = "avg"
)

// Parse reads an aggregation name; empty is Max.
func Parse(s string) (Aggregation, error) {
	switch Aggregation(s) {
	case "", Max:
		return Max, nil
	case Avg:
		return Avg, nil
	}
	return "", fmt.Errorf("aggregation %q is unknown: use %q or %q", s, Max, Avg)
}

// Width is the bucket width for showing span in at most maxPoints points:
// Grafana's interval rounded up to whole minutes, widened if it would still
// give too many. It is 0 when no downsampling is needed.
func Width(points, maxPoints int, interval, span time.Duration) time.Duration {
	if maxPoints <= 0 || points <= maxPoints {
		return 0
	}
	w := max(ceil(interval), time.Minute)
	w = max(w, ceil(time.Duration(int64(span)/int64(maxPoints))))
	// A bucket boundary every w since the epoch leaves one more bucket
	// than span/w when the range is not aligned; widen until it fits.
	for int64(span/w)+1 > int64(maxPoints) {
		w += time.Minute
	}
	if w <= time.Minute {
		return 0
	}
	return w
}

func ceil(d time.Duration) time.Duration {
	if r := d % time.Minute; r != 0 {
		d += time.Minute - r
	}
	return d
}

// Buckets combines sorted points into buckets of width, aligned to the
// epoch so that they do not move when the range slides. A bucket's time is
// its start; a metric no point of the bucket carries stays null.
func Buckets(points []lvb.Point, width time.Duration, agg Aggregation) []lvb.Point {
	if width <= 0 || len(points) == 0 {
		return points
	}
	b := NewBuilder(width, agg, len(points))
	for i := range points {
		b.Add(&points[i])
	}
	return b.Points()
}

// Builder combines points, added in time order, into buckets as they come,
// so that a long range never needs its minutes all at once.
type Builder struct {
	width time.Duration
	agg   Aggregation
	out   []lvb.Point
	cur   bucket
}

// NewBuilder makes buckets of width (which must be positive) for about
// minutes minutes.
func NewBuilder(width time.Duration, agg Aggregation, minutes int) *Builder {
	return &Builder{width: width, agg: agg, out: make([]lvb.Point, 0, minutes/max(int(width/time.Minute), 1)+2)}
}

// Add adds the next point.
func (b *Builder) Add(p *lvb.Point) {
	start := p.Time.Truncate(b.width)
	if b.cur.n > 0 && !start.Equal(b.cur.start) {
		b.out = append(b.out, b.cur.point(b.agg))
		b.cur = bucket{}
	}
	b.cur.add(start, p)
}

// Points returns the buckets made so far, the last one included.
func (b *Builder) Points() []lvb.Point {
	if b.cur.n > 0 {
		b.out = append(b.out, b.cur.point(b.agg))
		b.cur = bucket{}
	}
	return b.out
}

type acc struct {
	sum, max float64
	n        int
}

func (a *acc) add(v lvb.Num) {
	if !v.Valid {
		return
	}
	if a.n == 0 || v.Value > a.max {
		a.max = v.Value
	}
	a.sum += v.Value
	a.n++
}

func (a *acc) by(agg Aggregation) lvb.Num {
	switch {
	case a.n == 0:
		return lvb.Num{}
	case agg == Avg:
		return lvb.Num{Value: a.sum / float64(a.n), Valid: true}
	}
	return lvb.Num{Value: a.max, Valid: true}
}

type bucket struct {
	start                             time.Time
	n                                 int
	bandwidth, online, flux, requests acc
}

func (b *bucket) add(start time.Time, p *lvb.Point) {
	b.start = start
	b.n++
	b.bandwidth.add(p.Bandwidth)
	b.online.add(p.Online)
	b.flux.add(p.Flux)
	b.requests.add(p.Requests)
}

func (b *bucket) point(agg Aggregation) lvb.Point {
	// Flux and requests are counts: a bucket holds their sum.
	sum := func(a acc) lvb.Num {
		if a.n == 0 {
			return lvb.Num{}
		}
		return lvb.Num{Value: a.sum, Valid: true}
	}
	return lvb.Point{Time: b.start, Bandwidth: b.bandwidth.by(agg), Online: b.online.by(agg), Flux: sum(b.flux), Requests: sum(b.requests)}
}
