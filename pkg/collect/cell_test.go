package collect

import (
	"testing"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// A cell's rules, one table each.
func TestCellRules(t *testing.T) {
	start := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return start.Add(time.Duration(min) * time.Minute) }
	now := at(100).Add(20 * time.Second)
	c := &cell{start: start, cov0: at(10), cov1: at(90), settledTo: at(80), fetchedAt: at(95)}

	for _, tc := range []struct {
		name  string
		c     *cell
		m     time.Time
		now   time.Time
		fresh bool
	}{
		{"settled and covered", c, at(50), now, true},
		{"before the coverage", c, at(9), now, false},
		{"the coverage's end is not covered", c, at(90), now, false},
		{"covered, not settled, fetched minutes ago", c, at(85), now, false},
		{"covered, not settled, fetched this minute", c, at(85), at(95).Add(30 * time.Second), true},
		{"no cell", nil, at(50), now, false},
	} {
		if got := tc.c.fresh(tc.m, tc.now); got != tc.fresh {
			t.Errorf("fresh, %s: %v", tc.name, got)
		}
	}

	for _, tc := range []struct {
		m       time.Time
		reaches bool
	}{{at(10), true}, {at(90), true}, {at(91), false}, {at(9), false}} {
		if got := c.reaches(tc.m); got != tc.reaches {
			t.Errorf("reaches minute %v: %v", tc.m.Sub(start), got)
		}
	}
	if (*cell)(nil).reaches(at(10)) {
		t.Error("no cell reaches anything")
	}

	for _, tc := range []struct {
		name       string
		other      *cell
		supersedes bool
	}{
		{"newer, covering more", &cell{cov0: at(0), cov1: at(120), fetchedAt: at(96)}, true},
		{"newer, covering the same", &cell{cov0: at(10), cov1: at(90), fetchedAt: at(96)}, true},
		{"newer, covering less", &cell{cov0: at(20), cov1: at(90), fetchedAt: at(96)}, false},
		{"older, covering more", &cell{cov0: at(0), cov1: at(120), fetchedAt: at(94)}, false},
		{"as old", &cell{cov0: at(0), cov1: at(120), fetchedAt: at(95)}, false},
	} {
		if got := tc.other.supersedes(c); got != tc.supersedes {
			t.Errorf("supersedes, %s: %v", tc.name, got)
		}
	}
	if !c.supersedes(nil) {
		t.Error("a cell does not supersede none")
	}
}

// Coverage joins what touches or overlaps; a fetch apart from it replaces
// it, and lets go of the minutes nothing could read any more.
func TestCellCoverage(t *testing.T) {
	start := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return start.Add(time.Duration(min) * time.Minute) }
	for _, tc := range []struct {
		name       string
		a, b       time.Time
		cov0, cov1 time.Time
	}{
		{"overlapping", at(50), at(70), at(10), at(70)},
		{"touching the end", at(60), at(80), at(10), at(80)},
		{"touching the start", at(0), at(10), at(0), at(60)},
		{"inside", at(20), at(30), at(10), at(60)},
		{"apart", at(80), at(100), at(80), at(100)},
	} {
		c := &cell{start: start, cov0: at(10), cov1: at(60)}
		for m := 10; m < 60; m++ {
			c.minutes.set(m, &upstream.Point{Bandwidth: upstream.Num{Value: 1, Valid: true}})
		}
		c.cover(tc.a, tc.b)
		if !c.cov0.Equal(tc.cov0) || !c.cov1.Equal(tc.cov1) {
			t.Errorf("%s: coverage %v–%v, want %v–%v", tc.name, c.cov0.Sub(start), c.cov1.Sub(start), tc.cov0.Sub(start), tc.cov1.Sub(start))
		}
		kept := 0
		for m := range cellMinutes {
			if c.minutes.has(m) {
				kept++
			}
		}
		want := 50
		if tc.name == "apart" {
			want = 0
		}
		if kept != want {
			t.Errorf("%s: %d minutes kept, want %d", tc.name, kept, want)
		}
	}
	// A cell that covered nothing takes the new coverage whole.
	c := &cell{start: start}
	c.cover(at(5), at(15))
	if !c.cov0.Equal(at(5)) || !c.cov1.Equal(at(15)) {
		t.Errorf("an empty cell's coverage: %v–%v", c.cov0.Sub(start), c.cov1.Sub(start))
	}
}
