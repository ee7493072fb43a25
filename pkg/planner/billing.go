package planner

import (
	"fmt"
	"slices"
	"time"
)

// Billing data (DescribeBillBandwidthAndFluxList): points of 5 minutes,
// an hour or a day, kept three years; a request spans at most a day of
// 5-minute points, or 31 days of the coarser ones.
const (
	BillRetentionYears = 3
	BillFineSpan       = 24 * time.Hour
	BillSpan           = 31 * 24 * time.Hour
)

// Billing granularities, in minutes, as the API names them.
const (
	BillFine   = 5
	BillHourly = 60
	BillDaily  = 1440
)

// BillGranularities lists the granularities, the finest first.
var BillGranularities = []int{BillFine, BillHourly, BillDaily}

// BillSpanOf is the longest request at granularity g.
func BillSpanOf(g int) time.Duration {
	if g == BillFine {
		return BillFineSpan
	}
	return BillSpan
}

// BillGranularityFor is the finest granularity a panel can show a range of
// length d in: no finer than the panel's interval, and no more points than
// its maxPoints (0: no bound). A day at 5 minutes, 40 days at an hour, a
// year at a day, for a panel of a thousand or two points.
func BillGranularityFor(d time.Duration, maxPoints int64, interval time.Duration) int {
	for _, g := range BillGranularities {
		step := time.Duration(g) * time.Minute
		if step >= interval && (maxPoints <= 0 || int64(d/step) <= maxPoints) {
			return g
		}
	}
	return BillDaily
}

// BillPlan is the requests of a billing range.
type BillPlan struct {
	Granularity int
	// From and To are the range actually asked for, [From, To), on the
	// granularity's boundaries in Beijing time (a day is Tencent's day).
	From, To time.Time
	Windows  []Window
	Notices  []string
}

// BillOldest is the oldest billing data Tencent keeps at now.
func BillOldest(now time.Time) time.Time {
	return now.In(Beijing).AddDate(-BillRetentionYears, 0, 0).Add(RetentionMargin)
}

// BuildBill plans the billing range [from, to) at granularity g (see
// BillGranularityFor for choosing one): the range
// widened to whole points, inside retention and not past now, in
// consecutive requests of at most BillSpanOf(g), each on the points'
// boundaries so that no point is split between two requests.
func BuildBill(from, to, now time.Time, g int) (BillPlan, error) {
	if !to.After(from) {
		return BillPlan{}, fmt.Errorf("the time range is empty: it ends (%s) before it starts (%s)",
			to.UTC().Format(time.RFC3339), from.UTC().Format(time.RFC3339))
	}
	if !slices.Contains(BillGranularities, g) {
		return BillPlan{}, fmt.Errorf("granularity %d is not one Tencent offers: use 5, 60 or 1440 minutes, or leave it empty", g)
	}
	p := BillPlan{Granularity: g}
	if to.After(now) {
		to = now
		if !from.Before(to) {
			p.Notices = append(p.Notices, "The time range lies in the future; there is no billing data yet.")
			return p, nil
		}
	}
	step := time.Duration(g) * time.Minute
	oldest := ceilIn(BillOldest(now), step)
	if from.Before(oldest) {
		if !to.After(oldest) {
			return BillPlan{}, &ErrTooOld{Oldest: oldest, Kept: "3 years"}
		}
		from = oldest
		p.Notices = append(p.Notices, fmt.Sprintf(
			"Tencent Cloud keeps billing data for %d years: the range was shortened to start at %s.",
			BillRetentionYears, oldest.In(Beijing).Format("2006-01-02 15:04")+" Beijing time"))
	}
	p.From, p.To = floorIn(from, step), ceilIn(to, step)
	// Never a second past now: some servers refuse an end in the future.
	end := earlier(p.To, upTo(now))
	span := BillSpanOf(g)
	for start := p.From; start.Before(end); start = start.Add(span) {
		w := Window{Start: start, End: earlier(start.Add(span), end)}
		if w.asks() {
			p.Windows = append(p.Windows, w)
		}
	}
	return p, nil
}

// floorIn rounds t down to a multiple of step counted from a Beijing
// midnight: a day is Tencent's day, an hour and 5 minutes the same
// everywhere.
func floorIn(t time.Time, step time.Duration) time.Time {
	_, off := t.In(Beijing).Zone()
	shift := time.Duration(off) * time.Second
	return t.Add(shift).Truncate(step).Add(-shift)
}

func ceilIn(t time.Time, step time.Duration) time.Time {
	if f := floorIn(t, step); f.Before(t) {
		return f.Add(step)
	}
	return t
}
