// Package downsample combines per-minute statistics into wider buckets for
// long ranges, so that a panel receives no more points than it can draw,
// while totals stay exact: flux is summed, bandwidth and viewers are taken
// by maximum (the peaks that matter for live streaming and billing) or by
// average.
package downsample

import (
	"fmt"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
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

// Widths are the bucket widths a panel gets, shortest first: the round
// steps people read a time axis in. Past a day, widths are whole days.
var Widths = []time.Duration{
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// Width is the bucket width for span shown in at most maxPoints points with
// the panel's interval (its Min interval, or what Grafana computed): the
// larger of interval and span/maxPoints, rounded up to one of Widths. It is
// 0 when that is a minute, the data's own step.
func Width(maxPoints int, interval, span time.Duration) time.Duration {
	w := max(interval, time.Minute)
	if maxPoints > 0 && span > 0 {
		w = max(w, (span+time.Duration(maxPoints)-1)/time.Duration(maxPoints))
	}
	return round(w)
}

// round rounds w up to one of Widths, or to whole days; a minute is 0.
func round(w time.Duration) time.Duration {
	for _, r := range Widths {
		if w <= r {
			if r == time.Minute {
				return 0
			}
			return r
		}
	}
	const day = 24 * time.Hour
	const most = 366 * day // no range a panel can ask for is wider
	days := (min(w, most) + day - 1) / day
	return days * day
}

// Name says a width as a reader would: "30-minute", "6-hour", "1-day".
func Name(width time.Duration) string {
	switch {
	case width%(24*time.Hour) == 0:
		return fmt.Sprintf("%d-day", width/(24*time.Hour))
	case width%time.Hour == 0:
		return fmt.Sprintf("%d-hour", width/time.Hour)
	}
	return fmt.Sprintf("%d-minute", width/time.Minute)
}

// Start is the start of the bucket of width that holds t: a multiple of
// width counted from the Unix epoch as the clock in loc reads it, so that
// a day bucket starts at local midnight and an hour bucket on the hour.
func Start(t time.Time, width time.Duration, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	_, offset := t.In(loc).Zone()
	local := t.Unix() + int64(offset)
	w := int64(width / time.Second)
	start := local - ((local%w)+w)%w
	return time.Unix(start-int64(offset), 0).In(t.Location())
}

// Buckets combines sorted points into buckets of width, aligned as Start
// says, so that they do not move when the range slides. A bucket's time is
// its start; a metric no point of the bucket carries stays null.
func Buckets(points []upstream.Point, width time.Duration, agg Aggregation, loc *time.Location) []upstream.Point {
	if width <= 0 || len(points) == 0 {
		return points
	}
	b := NewBuilder(width, agg, loc, len(points))
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
	loc   *time.Location
	out   []upstream.Point
	cur   bucket
}

// NewBuilder makes buckets of width (which must be positive), aligned in
// loc (see Start), for about minutes minutes.
func NewBuilder(width time.Duration, agg Aggregation, loc *time.Location, minutes int) *Builder {
	return &Builder{width: width, agg: agg, loc: loc, out: make([]upstream.Point, 0, minutes/max(int(width/time.Minute), 1)+2)}
}

// Add adds the next point.
func (b *Builder) Add(p *upstream.Point) {
	start := b.cur.start
	if b.cur.n == 0 || !p.Time.Before(b.cur.end) {
		start = Start(p.Time, b.width, b.loc)
	}
	if b.cur.n > 0 && !start.Equal(b.cur.start) {
		b.out = append(b.out, b.cur.point(b.agg))
		b.cur = bucket{}
	}
	b.cur.add(start, p, b.width)
}

// Points returns the buckets made so far, the last one included.
func (b *Builder) Points() []upstream.Point {
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

func (a *acc) add(v upstream.Num) {
	if !v.Valid {
		return
	}
	if a.n == 0 || v.Value > a.max {
		a.max = v.Value
	}
	a.sum += v.Value
	a.n++
}

func (a *acc) by(agg Aggregation) upstream.Num {
	switch {
	case a.n == 0:
		return upstream.Num{}
	case agg == Avg:
		return upstream.Num{Value: a.sum / float64(a.n), Valid: true}
	}
	return upstream.Num{Value: a.max, Valid: true}
}

type bucket struct {
	start, end                        time.Time
	n                                 int
	bandwidth, online, flux, requests acc
}

func (b *bucket) add(start time.Time, p *upstream.Point, width time.Duration) {
	if b.n == 0 {
		b.start, b.end = start, start.Add(width)
	}
	b.n++
	b.bandwidth.add(p.Bandwidth)
	b.online.add(p.Online)
	b.flux.add(p.Flux)
	b.requests.add(p.Requests)
}

func (b *bucket) point(agg Aggregation) upstream.Point {
	// Flux and requests are counts: a bucket holds their sum.
	sum := func(a acc) upstream.Num {
		if a.n == 0 {
			return upstream.Num{}
		}
		return upstream.Num{Value: a.sum, Valid: true}
	}
	return upstream.Point{Time: b.start, Bandwidth: b.bandwidth.by(agg), Online: b.online.by(agg), Flux: sum(b.flux), Requests: sum(b.requests)}
}
