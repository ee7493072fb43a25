package downsample

import (
	"math"
	"testing"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/lvb"
)

func minutes(from time.Time, n int, gapEvery int) []lvb.Point {
	out := make([]lvb.Point, 0, n)
	for i := range n {
		p := lvb.Point{Time: from.Add(time.Duration(i) * time.Minute),
			Bandwidth: lvb.Num{Value: float64(i%17) + 0.5, Valid: true},
			Online:    lvb.Num{Value: float64(100 + i%7), Valid: true},
			Flux:      lvb.Num{Value: float64(i%5) + 0.25, Valid: true}}
		if gapEvery > 0 && i%gapEvery == 0 {
			p.Bandwidth, p.Online, p.Flux = lvb.Num{}, lvb.Num{}, lvb.Num{}
		}
		out = append(out, p)
	}
	return out
}

func TestWidthFitsMaxDataPoints(t *testing.T) {
	for _, tc := range []struct {
		points, max int
		interval    time.Duration
	}{
		{21600, 1000, 20 * time.Minute}, {21600, 1000, time.Second}, {21600, 1000, 0},
		{1440, 1500, time.Minute}, {1440, 300, 5 * time.Minute}, {1441, 1440, 30 * time.Second}, {10, 3, time.Hour},
	} {
		span := time.Duration(tc.points) * time.Minute
		w := Width(tc.points, tc.max, tc.interval, span)
		if tc.points <= tc.max {
			if w != 0 {
				t.Errorf("%+v: width %v for a range that fits", tc, w)
			}
			continue
		}
		if w%time.Minute != 0 || w < tc.interval || int(span/w)+1 > tc.max {
			t.Errorf("%+v: width %v gives up to %d buckets", tc, w, int(span/w)+1)
		}
		// And for any alignment of the range, the buckets fit.
		from := time.Date(2026, 11, 15, 3, 17, 0, 0, time.UTC)
		if n := len(Buckets(minutes(from, tc.points, 0), w, Max)); n > tc.max {
			t.Errorf("%+v: %d buckets", tc, n)
		}
	}
}

func TestBucketsKeepTotalsAndPeaks(t *testing.T) {
	from := time.Date(2026, 11, 15, 3, 17, 0, 0, time.UTC)
	pts := minutes(from, 21600, 11)
	w := 30 * time.Minute
	for _, agg := range []Aggregation{Max, Avg} {
		b := Buckets(pts, w, agg)
		var fluxIn, fluxOut float64
		peak, peakOut := 0.0, 0.0
		for _, p := range pts {
			if p.Flux.Valid {
				fluxIn += p.Flux.Value
			}
			if p.Bandwidth.Valid {
				peak = math.Max(peak, p.Bandwidth.Value)
			}
		}
		for i, p := range b {
			if !p.Time.Equal(p.Time.Truncate(w)) || (i > 0 && !p.Time.After(b[i-1].Time)) {
				t.Fatalf("bucket %d at %v", i, p.Time)
			}
			fluxOut += p.Flux.Value
			peakOut = math.Max(peakOut, p.Bandwidth.Value)
		}
		if math.Abs(fluxIn-fluxOut) > 1e-6 {
			t.Fatalf("%s: flux %v in, %v out", agg, fluxIn, fluxOut)
		}
		if agg == Max && peak != peakOut {
			t.Fatalf("max: peak %v in, %v out", peak, peakOut)
		}
		if agg == Avg && peakOut >= peak {
			t.Fatalf("avg: the averaged peak %v is not below the minute peak %v", peakOut, peak)
		}
	}
	// A bucket whose minutes carry no value stays null.
	gap := Buckets(minutes(from.Truncate(w), 3, 1), w, Max)
	if len(gap) != 1 || gap[0].Bandwidth.Valid || gap[0].Flux.Valid {
		t.Fatalf("all-null bucket: %+v", gap)
	}
	// Averages are of the minutes that carry a value.
	two := []lvb.Point{{Time: from.Truncate(w), Online: lvb.Num{Value: 10, Valid: true}}, {Time: from.Truncate(w).Add(time.Minute), Online: lvb.Num{Value: 20, Valid: true}}, {Time: from.Truncate(w).Add(2 * time.Minute)}}
	if got := Buckets(two, w, Avg)[0].Online; got.Value != 15 {
		t.Fatalf("average of 10, 20 and a null: %v", got)
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]Aggregation{"": Max, "max": Max, "avg": Avg} {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := Parse("median"); err == nil {
		t.Error("median accepted")
	}
}
