package planner

import (
	"errors"
	"testing"
	"time"
)

func TestBillingRequestsSplitNoPoint(t *testing.T) {
	for _, g := range BillGranularities {
		step := time.Duration(g) * time.Minute
		for _, span := range []time.Duration{90 * time.Minute, 30 * time.Hour, 40 * 24 * time.Hour, 400 * 24 * time.Hour} {
			from := now.Add(-span).Add(-7 * time.Minute) // on no boundary
			p, err := BuildBill(from, now, now, g)
			if err != nil {
				t.Fatal(err)
			}
			if !p.From.After(from.Add(-step)) || p.From.After(from) || p.To.Before(now) {
				t.Fatalf("g=%d: [%s, %s) does not hold [%s, %s) in whole points", g, p.From, p.To, from, now)
			}
			// A day's point is Tencent's day: the requests start on Beijing
			// midnights, hours and 5 minutes.
			next := p.From
			for i, w := range p.Windows {
				if !w.Start.Equal(next) || w.End.Sub(w.Start) > BillSpanOf(g) {
					t.Fatalf("g=%d window %d: %s–%s after %s", g, i, w.Start, w.End, next)
				}
				if off := w.Start.In(Beijing).Sub(time.Date(2000, 1, 1, 0, 0, 0, 0, Beijing)) % step; off != 0 {
					t.Fatalf("g=%d window %d starts %s into a point", g, i, off)
				}
				next = w.End
			}
			if !next.Equal(now.Truncate(time.Second).Add(time.Second)) {
				t.Fatalf("g=%d: the requests end at %s", g, next)
			}
			want := int((p.To.Sub(p.From) + BillSpanOf(g) - 1) / BillSpanOf(g))
			if len(p.Windows) != want {
				t.Fatalf("g=%d span %s: %d requests, want %d", g, span, len(p.Windows), want)
			}
		}
	}
}

func TestBillingKeepsThreeYears(t *testing.T) {
	p, err := BuildBill(now.AddDate(-4, 0, 0), now, now, BillDaily)
	if err != nil || len(p.Notices) != 1 || p.From.Before(BillOldest(now)) {
		t.Fatalf("from %s, notices %v, %v", p.From, p.Notices, err)
	}
	var old *ErrTooOld
	if _, err := BuildBill(now.AddDate(-5, 0, 0), now.AddDate(-4, 0, 0), now, BillDaily); !errors.As(err, &old) {
		t.Fatalf("a range older than three years: %v", err)
	}
	if p, _ := BuildBill(now.Add(time.Hour), now.Add(2*time.Hour), now, BillFine); len(p.Windows) != 0 || len(p.Notices) != 1 {
		t.Fatalf("the future: %+v", p)
	}
}

func TestBillingGranularityFollowsThePanel(t *testing.T) {
	for _, tc := range []struct {
		span     time.Duration
		points   int64
		interval time.Duration
		want     int
	}{
		{24 * time.Hour, 1500, time.Minute, BillFine},
		{40 * 24 * time.Hour, 1500, 30 * time.Minute, BillHourly},
		{400 * 24 * time.Hour, 1500, 6 * time.Hour, BillDaily},
		{40 * 24 * time.Hour, 43200, 0, BillFine}, // an alert rule: every point
	} {
		if got := BillGranularityFor(tc.span, tc.points, tc.interval); got != tc.want {
			t.Errorf("%s in %d points at %s: %d, want %d", tc.span, tc.points, tc.interval, got, tc.want)
		}
	}
}
