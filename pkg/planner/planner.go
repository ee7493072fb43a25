// Package planner turns a dashboard time range into the windows the upstream
// is asked for: at most two hours each, on a fixed grid, inside retention.
package planner

import (
	"fmt"
	"time"
)

const (
	// Span is the longest window Get_LivePlayStatHistory is documented to
	// accept, and the grid cell the store keeps minutes in.
	Span = 2 * time.Hour
	// Retention is how long Get_LivePlayStatHistory keeps statistics.
	Retention = 15 * 24 * time.Hour
	// RetentionMargin keeps the oldest window clear of the retention edge,
	// which moves on while the request travels.
	RetentionMargin = time.Minute
)

// Limits are what one upstream accepts: the longest window of one request
// (a whole number of Span cells) and how long it keeps statistics.
type Limits struct {
	Span      time.Duration
	Retention time.Duration
}

// The two upstreams' limits.
var (
	// Legacy is Get_LivePlayStatHistory on common_access.
	Legacy = Limits{Span: Span, Retention: Retention}
	// CloudAPI is DescribeStreamPlayInfoList of Cloud API 3.0: a day a
	// request, a month kept (taken as 30 days, the shortest month).
	CloudAPI = Limits{Span: 24 * time.Hour, Retention: 30 * 24 * time.Hour}
)

// RetentionDays is Retention in days, for messages.
func (l Limits) RetentionDays() int { return int(l.Retention / (24 * time.Hour)) }

// Window is one upstream request. Start and End are both inclusive, in whole
// seconds: End is one second before the next grid line or the range end, so
// that a window neither repeats the next window's first minute nor depends
// on whether the upstream treats end_time as inclusive.
type Window struct {
	Start time.Time
	End   time.Time
}

// Contains tells whether a point time falls inside the window.
func (w Window) Contains(t time.Time) bool {
	return !t.Before(w.Start) && !t.After(w.End)
}

// Plan is the outcome of planning a range.
type Plan struct {
	Windows []Window
	// From and To are the range actually covered, half-open [From, To)
	// on minute boundaries.
	From, To time.Time
	// Notices tell the user what was changed about their range.
	Notices []string
}

// ErrTooOld is returned when nothing of the range lies inside retention.
type ErrTooOld struct {
	Oldest time.Time
	Days   int
}

func (e *ErrTooOld) Error() string {
	return fmt.Sprintf("the whole time range is older than the %d days Tencent Cloud keeps statistics for; choose a range after %s",
		e.Days, e.Oldest.UTC().Format(time.RFC3339))
}

// Build plans the range [from, to) as seen at now. Minutes are the unit of
// the data, so the range is widened to whole minutes: a minute is included
// when its start lies in [from, to).
func Build(from, to, now time.Time) (Plan, error) { return Legacy.Build(from, to, now) }

// Build plans the range [from, to) as seen at now for an upstream with
// limits l: windows of at most l.Span on a fixed grid of l.Span since the
// epoch, inside l.Retention.
func (l Limits) Build(from, to, now time.Time) (Plan, error) {
	if !to.After(from) {
		return Plan{}, fmt.Errorf("the time range is empty: it ends (%s) before it starts (%s)",
			to.UTC().Format(time.RFC3339), from.UTC().Format(time.RFC3339))
	}
	var p Plan
	if to.After(now) {
		to = now
		if !from.Before(to) {
			p.Notices = append(p.Notices, "The time range lies in the future; there is no data yet.")
			return p, nil
		}
	}
	oldest := ceilMinute(now.Add(-l.Retention + RetentionMargin))
	if from.Before(oldest) {
		if !to.After(oldest) {
			return Plan{}, &ErrTooOld{Oldest: oldest, Days: l.RetentionDays()}
		}
		from = oldest
		p.Notices = append(p.Notices, fmt.Sprintf(
			"Tencent Cloud keeps statistics for %d days: the range was shortened to start at %s.",
			l.RetentionDays(), oldest.UTC().Format("2006-01-02 15:04 MST")))
	}
	p.From = ceilMinute(from)
	p.To = ceilMinute(to)
	if !p.To.After(p.From) {
		return p, nil
	}
	// The last second asked for: the minute before To, but never a second
	// past now, since some servers refuse an end in the future.
	last := p.To.Add(-time.Second)
	if nowSec := now.Truncate(time.Second); last.After(nowSec) {
		last = nowSec
	}
	for cell := p.From.Truncate(l.Span); cell.Before(p.To); cell = cell.Add(l.Span) {
		w := Window{Start: cell, End: cell.Add(l.Span - time.Second)}
		if w.Start.Before(p.From) {
			w.Start = p.From
		}
		if w.End.After(last) {
			w.End = last
		}
		if w.End.After(w.Start) {
			p.Windows = append(p.Windows, w)
		}
	}
	return p, nil
}

// ceilMinute rounds t up to a whole minute.
func ceilMinute(t time.Time) time.Time {
	f := t.Truncate(time.Minute)
	if f.Before(t) {
		return f.Add(time.Minute)
	}
	return f
}
