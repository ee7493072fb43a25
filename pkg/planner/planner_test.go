package planner

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 29, 10, 37, 23, 0, time.UTC)

// checkPlan asserts the planner's promises for any range: windows on the
// two-hour grid, none over two hours, in order, and every minute of
// [From, To) up to now in exactly one window and no other minute in any.
func checkPlan(t *testing.T, p Plan, now time.Time) {
	t.Helper()
	for i, w := range p.Windows {
		if w.End.Sub(w.Start) > Span {
			t.Fatalf("window %d spans %s", i, w.End.Sub(w.Start))
		}
		if w.Start.Truncate(Span) != w.End.Add(-time.Second).Truncate(Span) {
			t.Fatalf("window %d crosses a grid line: %s–%s", i, w.Start, w.End)
		}
		if w.End.After(now.Truncate(time.Second).Add(time.Second)) {
			t.Fatalf("window %d ends in the future: %s", i, w.End)
		}
	}
	last := now.Truncate(time.Minute)
	for m := p.From.Add(-2 * time.Hour); m.Before(p.To.Add(2 * time.Hour)); m = m.Add(time.Minute) {
		n := 0
		for _, w := range p.Windows {
			if w.Contains(m) {
				n++
			}
		}
		want := 0
		if !m.Before(p.From) && m.Before(p.To) && !m.After(last) {
			want = 1
		}
		if n != want {
			t.Fatalf("minute %s is in %d windows, want %d", m, n, want)
		}
	}
}

func TestTwentyFourHoursIsThirteenWindows(t *testing.T) {
	p, err := Build(now.Add(-24*time.Hour), now, now)
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, p, now)
	if len(p.Windows) != 13 {
		t.Fatalf("%d windows, want 13", len(p.Windows))
	}
	if got := p.To.Sub(p.From); got != 24*time.Hour {
		t.Fatalf("covers %s", got)
	}
}

func TestAlignedRangeInThePast(t *testing.T) {
	to := now.Truncate(Span).Add(-4 * time.Hour)
	p, err := Build(to.Add(-24*time.Hour), to, now)
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, p, now)
	if len(p.Windows) != 12 || len(p.Notices) != 0 {
		t.Fatalf("%d windows, notices %v", len(p.Windows), p.Notices)
	}
	// The same grid cell gives the same window whatever the range.
	q, _ := Build(to.Add(-10*time.Hour-17*time.Minute), to.Add(-time.Minute), now)
	same := 0
	for _, a := range q.Windows[1 : len(q.Windows)-1] {
		for _, b := range p.Windows {
			if a.Start.Equal(b.Start) {
				if a != b {
					t.Fatalf("grid windows differ: %+v vs %+v", a, b)
				}
				same++
			}
		}
	}
	if same != len(q.Windows)-2 {
		t.Fatalf("%d of the inner windows recur, want %d", same, len(q.Windows)-2)
	}
}

func TestRetentionClampsWithNotice(t *testing.T) {
	p, err := Build(now.Add(-20*24*time.Hour), now, now)
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, p, now)
	if len(p.Notices) != 1 || !strings.Contains(p.Notices[0], "15 days") {
		t.Fatalf("notices = %v", p.Notices)
	}
	if age := now.Sub(p.From); age > Retention || age < Retention-3*time.Minute {
		t.Fatalf("starts %s ago", age)
	}
	if n := len(p.Windows); n < 180 || n > 181 {
		t.Fatalf("%d windows for 15 days", n)
	}
}

func TestFutureIsClampedToNow(t *testing.T) {
	p, err := Build(now.Add(-time.Hour), now.Add(5*time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, p, now)
	if !p.To.Equal(now.Truncate(time.Minute).Add(time.Minute)) {
		t.Fatalf("To = %s", p.To)
	}
	p, err = Build(now.Add(time.Hour), now.Add(5*time.Hour), now)
	if err != nil || len(p.Windows) != 0 || len(p.Notices) != 1 {
		t.Fatalf("future range: %+v %v", p, err)
	}
}

func TestHopelessRanges(t *testing.T) {
	var old *ErrTooOld
	if _, err := Build(now.Add(-30*24*time.Hour), now.Add(-20*24*time.Hour), now); !errors.As(err, &old) {
		t.Fatalf("err = %v", err)
	}
	if _, err := Build(now, now.Add(-time.Hour), now); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("err = %v", err)
	}
}

func TestRandomRanges(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		from := now.Add(-time.Duration(r.Int64N(int64(17 * 24 * time.Hour))))
		to := from.Add(time.Duration(1 + r.Int64N(int64(30*time.Hour))))
		p, err := Build(from, to, now)
		var old *ErrTooOld
		if errors.As(err, &old) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		checkPlan(t, p, now)
	}
}

// Cloud API 3.0's limits: windows of a day on a daily grid, a month kept,
// and the notice and error say so.
func TestCloudAPILimits(t *testing.T) {
	now := time.Date(2026, 11, 30, 8, 17, 30, 0, time.UTC)
	p, err := CloudAPI.Build(now.Add(-7*24*time.Hour), now, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Windows) != 8 {
		t.Fatalf("%d windows for a week, want 8", len(p.Windows))
	}
	for i, w := range p.Windows {
		if w.End.Sub(w.Start) > 24*time.Hour {
			t.Fatalf("window %d spans %v", i, w.End.Sub(w.Start))
		}
		if i > 0 && !w.Start.Equal(w.Start.Truncate(24*time.Hour)) {
			t.Fatalf("window %d does not start on the daily grid: %v", i, w.Start)
		}
	}
	p, err = CloudAPI.Build(now.Add(-40*24*time.Hour), now, now)
	if err != nil || len(p.Notices) != 1 || !strings.Contains(p.Notices[0], "one month") {
		t.Fatalf("%v %v", p.Notices, err)
	}
	if _, err := CloudAPI.Build(now.Add(-40*24*time.Hour), now.Add(-35*24*time.Hour), now); err == nil || !strings.Contains(err.Error(), "one month") {
		t.Fatalf("%v", err)
	}
	// The legacy limits are unchanged: 15 days.
	if _, err := Build(now.Add(-20*24*time.Hour), now.Add(-16*24*time.Hour), now); err == nil || !strings.Contains(err.Error(), "15 days") {
		t.Fatalf("%v", err)
	}
}

// "Within one month of now": a calendar month back in Beijing time, never
// more than 30 days, so that in the days after a short February a 30-day
// range is not planned into days already gone.
func TestCloudAPIRetentionIsACalendarMonthBack(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	for _, tc := range []struct{ now, oldest time.Time }{
		// 3 March: a month back is 3 February, 28 days.
		{time.Date(2026, 3, 3, 10, 0, 0, 0, cst), time.Date(2026, 2, 3, 10, 1, 0, 0, cst)},
		// 31 March: 28 February by the calendar, but 30 days back is 1 March.
		{time.Date(2026, 3, 31, 10, 0, 0, 0, cst), time.Date(2026, 3, 1, 10, 1, 0, 0, cst)},
		// 30 November: 30 October, 31 days back, capped at 30 days: 31 October.
		{time.Date(2026, 11, 30, 10, 0, 0, 0, cst), time.Date(2026, 10, 31, 10, 1, 0, 0, cst)},
		// 15 July: 15 June, 30 days.
		{time.Date(2026, 7, 15, 10, 0, 0, 0, cst), time.Date(2026, 6, 15, 10, 1, 0, 0, cst)},
	} {
		if got := CloudAPI.Oldest(tc.now); !got.Equal(tc.oldest) {
			t.Errorf("at %v the oldest minute is %v, want %v", tc.now, got.In(cst), tc.oldest)
		}
		p, err := CloudAPI.Build(tc.now.Add(-30*24*time.Hour), tc.now, tc.now)
		if err != nil || p.Windows[0].Start.Before(tc.oldest) {
			t.Errorf("at %v a 30-day range starts at %v: %v", tc.now, p.Windows[0].Start.In(cst), err)
		}
	}
	if got := MonthBack(time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC)); !got.Equal(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("MonthBack(31 March 2024) = %v", got)
	}
	if got := MonthBack(time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)); !got.Equal(time.Date(2025, 12, 15, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("MonthBack(15 January) = %v", got)
	}
}

// held is a Memory of the minutes [from, to), all fresh.
type held struct{ from, to time.Time }

func (h held) Fresh(m, _ time.Time) bool  { return !m.Before(h.from) && m.Before(h.to) }
func (h held) Continues(m time.Time) bool { return h.Fresh(m.Add(-time.Minute), time.Time{}) }

// What is sent: whole cells the first time, only the tail once memory
// holds the rest, neighbours merged up to the upstream's span, nothing
// past now, nothing before retention.
func TestRequestsAskOnlyForWhatMemoryLacks(t *testing.T) {
	now := time.Date(2026, 11, 30, 8, 17, 30, 0, time.UTC)
	from := now.Add(-6 * time.Hour).Truncate(time.Minute) // 02:17
	to := now.Truncate(time.Minute).Add(time.Minute)
	// Nothing held: the legacy interface gets one request a two-hour cell,
	// the first from its cell's start, the last ending now.
	got := Legacy.Requests(from, to, now, held{})
	if len(got) != 4 || !got[0].Start.Equal(from.Truncate(Span)) || !got[3].End.Equal(now.Truncate(time.Second).Add(time.Second)) {
		t.Fatalf("cold: %v", got)
	}
	for i := 1; i < len(got); i++ {
		if !got[i].Start.Equal(got[i-1].End) {
			t.Fatalf("cold: a gap or overlap between %v and %v", got[i-1], got[i])
		}
	}
	// Cloud API 3.0 takes a day a request: the same cells are one request.
	if got := CloudAPI.Requests(from, to, now, held{}); len(got) != 1 || !got[0].Start.Equal(from.Truncate(Span)) {
		t.Fatalf("cold, Cloud API: %v", got)
	}
	// All but the last ten minutes held: one request for the tail.
	tail := to.Add(-10 * time.Minute)
	got = Legacy.Requests(from, to, now, held{from.Truncate(Span), tail})
	if len(got) != 1 || !got[0].Start.Equal(tail) || !got[0].End.Equal(now.Truncate(time.Second).Add(time.Second)) {
		t.Fatalf("warm: %v", got)
	}
	// Everything held: nothing sent.
	if got := Legacy.Requests(from, to, now, held{from.Truncate(Span), to}); len(got) != 0 {
		t.Fatalf("all held: %v", got)
	}
	// A range reaching past retention is asked from the retention edge.
	got = Legacy.Requests(now.Add(-16*24*time.Hour), now.Add(-14*24*time.Hour), now, held{})
	if len(got) == 0 || got[0].Start.Before(Legacy.Oldest(now)) {
		t.Fatalf("retention: %v", got[:1])
	}
}
