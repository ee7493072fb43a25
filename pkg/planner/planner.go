// Package planner is the one place that decides what is asked of the
// upstream. Build turns a dashboard time range into its windows (two-hour
// cells on a fixed grid, inside retention), by which a query reports what
// failed; Requests lists what is actually sent for a range, given what is
// already in memory: only the missing minutes, whole cells the first time,
// neighbouring cells merged up to the upstream's span.
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
// (a whole number of Span cells), how long it keeps statistics, and how
// late its newest minutes arrive.
type Limits struct {
	Span time.Duration
	// Retention is the most the upstream keeps.
	Retention time.Duration
	// MonthIn, when set, says the upstream keeps "one month of now": a
	// calendar month back in this zone, and never more than Retention.
	MonthIn *time.Location
	// Delay is how long after a minute ends the upstream has it.
	Delay time.Duration
}

// Beijing is the zone of Tencent's calendar and of its times without an
// offset.
var Beijing = time.FixedZone("CST", 8*3600)

// The two upstreams' limits.
var (
	// Legacy is Get_LivePlayStatHistory on common_access: two hours a
	// request, 15 days kept, refreshed once a minute.
	Legacy = Limits{Span: Span, Retention: Retention, Delay: time.Minute}
	// CloudAPI is DescribeStreamPlayInfoList of Cloud API 3.0: a day a
	// request, "data within one month of the current time", and "the last
	// 4 minutes or so cannot be queried due to delay" (five, to be safe).
	CloudAPI = Limits{Span: 24 * time.Hour, Retention: 30 * 24 * time.Hour, MonthIn: Beijing, Delay: 5 * time.Minute}
	// PlayErrors is DescribePlayErrorCodeDetailInfoList of Cloud API 3.0:
	// per-minute error counts of the last day only, a day a request.
	PlayErrors = Limits{Span: 24 * time.Hour, Retention: 24 * time.Hour, Delay: 5 * time.Minute}
	// Regions is DescribeGroupProIspPlayInfoList of Cloud API 3.0: three
	// hours a request (the stricter of Tencent's two pages), a month kept.
	Regions = Limits{Span: 3 * time.Hour, Retention: 30 * 24 * time.Hour, MonthIn: Beijing, Delay: 5 * time.Minute}
	// Events is DescribeLiveStreamEventList of Cloud API 3.0: push
	// sessions, 30 days a request, within 60 days of now.
	Events = Limits{Span: 30 * 24 * time.Hour, Retention: 60 * 24 * time.Hour}
)

// Kept says how long the upstream keeps statistics, for messages.
func (l Limits) Kept() string {
	if l.MonthIn != nil {
		return "one month"
	}
	if days := int(l.Retention / (24 * time.Hour)); days != 1 {
		return fmt.Sprintf("%d days", days)
	}
	return "one day"
}

// Oldest is the first minute that may be asked for at now, a minute clear
// of the retention edge, which moves on while the request travels.
func (l Limits) Oldest(now time.Time) time.Time {
	oldest := now.Add(-l.Retention)
	if l.MonthIn != nil {
		if m := MonthBack(now.In(l.MonthIn)); m.After(oldest) {
			oldest = m
		}
	}
	return ceilMinute(oldest.Add(RetentionMargin))
}

// MonthBack is the same time of day a calendar month before t, on the
// month's last day when it is shorter: 31 March gives 28 (or 29) February,
// never 3 March, as Go's AddDate would.
func MonthBack(t time.Time) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m-1, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}

// Window is one upstream request, [Start, End) in whole seconds, half-open
// like every range in the plugin: End is the next grid line or the range
// end, so that a window never repeats the next window's first minute. The
// clients send End's second before as the APIs' inclusive end time.
type Window struct {
	Start time.Time
	End   time.Time
}

// Contains tells whether a point time falls inside the window.
func (w Window) Contains(t time.Time) bool {
	return !t.Before(w.Start) && t.Before(w.End)
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
	Kept   string // "15 days", "one month"
}

func (e *ErrTooOld) Error() string {
	return fmt.Sprintf("the whole time range is older than the %s Tencent Cloud keeps statistics for; choose a range after %s",
		e.Kept, e.Oldest.UTC().Format(time.RFC3339))
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
	oldest := l.Oldest(now)
	if from.Before(oldest) {
		if !to.After(oldest) {
			return Plan{}, &ErrTooOld{Oldest: oldest, Kept: l.Kept()}
		}
		from = oldest
		p.Notices = append(p.Notices, fmt.Sprintf(
			"Tencent Cloud keeps statistics for %s: the range was shortened to start at %s.",
			l.Kept(), oldest.UTC().Format("2006-01-02 15:04 MST")))
	}
	p.From = ceilMinute(from)
	p.To = ceilMinute(to)
	if !p.To.After(p.From) {
		return p, nil
	}
	// The end: To, but never past the current second, since some servers
	// refuse an end in the future.
	end := earlier(p.To, upTo(now))
	for cell := p.From.Truncate(l.Span); cell.Before(p.To); cell = cell.Add(l.Span) {
		w := Window{Start: later(cell, p.From), End: earlier(cell.Add(l.Span), end)}
		if w.asks() {
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

// upTo is the end of a window that may ask up to now: the current second
// included, no later one.
func upTo(now time.Time) time.Time { return now.Truncate(time.Second).Add(time.Second) }

// asks tells whether the APIs take w: its last second after its first.
func (w Window) asks() bool { return w.End.Sub(w.Start) > time.Second }

// Memory is what is already held of one stream, minute by minute.
type Memory interface {
	// Fresh tells whether minute m is held and still good at now.
	Fresh(m, now time.Time) bool
	// Continues tells whether the Span cell of minute m holds the minutes
	// just before m, so that a request from m extends it.
	Continues(m time.Time) bool
}

// Requests lists the requests, [Start, End) in whole seconds, that bring
// the minutes [from, to) into mem at now. In each Span cell it asks from
// the first minute mem lacks; a cell that does not continue from there is
// asked for whole (within retention), so that the next range, a minute
// later, finds it. Neighbouring requests are one while together they fit
// l.Span: the unsettled tail of one cell and the start of the next, or,
// for an upstream that takes a day a request, a day of cells. No request
// ends past now, since some servers refuse an end in the future.
func (l Limits) Requests(from, to, now time.Time, mem Memory) []Window {
	end := upTo(now)
	edge := l.Oldest(now)
	var out []Window
	for start := from.Truncate(Span); start.Before(to); start = start.Add(Span) {
		first, need := time.Time{}, false
		for m := later(from, start); m.Before(to) && m.Before(start.Add(Span)); m = m.Add(time.Minute) {
			if !mem.Fresh(m, now) {
				first, need = m, true
				break
			}
		}
		if !need {
			continue
		}
		if !mem.Continues(first) {
			first = later(start, edge)
		}
		w := Window{Start: first, End: earlier(start.Add(Span), end)}
		if !w.asks() {
			continue
		}
		if n := len(out); n > 0 && out[n-1].End.Equal(w.Start) && w.End.Sub(out[n-1].Start) <= l.Span {
			out[n-1].End = w.End
			continue
		}
		out = append(out, w)
	}
	return out
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
