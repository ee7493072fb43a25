package downsample

import (
	"math"
	"testing"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

func minutes(from time.Time, n int, gapEvery int) []upstream.Point {
	out := make([]upstream.Point, 0, n)
	for i := range n {
		p := upstream.Point{Time: from.Add(time.Duration(i) * time.Minute),
			Bandwidth: upstream.Num{Value: float64(i%17) + 0.5, Valid: true},
			Online:    upstream.Num{Value: float64(100 + i%7), Valid: true},
			Flux:      upstream.Num{Value: float64(i%5) + 0.25, Valid: true}}
		if gapEvery > 0 && i%gapEvery == 0 {
			p.Bandwidth, p.Online, p.Flux = upstream.Num{}, upstream.Num{}, upstream.Num{}
		}
		out = append(out, p)
	}
	return out
}

var beijing = time.FixedZone("CST", 8*3600)

func TestWidthIsTheRoundStepAtOrAboveIntervalAndRangePerPoint(t *testing.T) {
	day := 24 * time.Hour
	for _, tc := range []struct {
		max      int
		interval time.Duration
		span     time.Duration
		want     time.Duration
	}{
		{1000, 0, 6 * time.Hour, 0},                               // 360 minutes fit
		{1000, 15 * time.Minute, 6 * time.Hour, 15 * time.Minute}, // Min interval honoured though the minutes fit
		{1000, 7 * time.Minute, 6 * time.Hour, 10 * time.Minute},  // rounded up, never down
		{1440, 0, day, 0},
		{1439, 0, day, 2 * time.Minute},       // 1 440 minutes in 1 439 points: 2, never 1 441
		{1000, 0, 15 * day, 30 * time.Minute}, // 21.6 min
		{300, 0, day, 5 * time.Minute},
		{100, 0, 15 * day, 6 * time.Hour},  // 3.6 h
		{10, 0, 30 * day, 3 * day},         // past a day: whole days
		{1000, 90 * day, day, 90 * day},    // an absurd interval stays whole days
		{1000, 1000 * day, day, 366 * day}, // and bounded
		{0, 0, day, 0},
		{1000, time.Second, day, 2 * time.Minute},
	} {
		if got := Width(tc.max, tc.interval, tc.span); got != tc.want {
			t.Errorf("Width(%d, %v, %v) = %v, want %v", tc.max, tc.interval, tc.span, got, tc.want)
		}
	}
}

// Buckets start on multiples of their width counted from the Unix epoch on
// the data's own clock: a day at Beijing midnight, an hour on the hour, and
// every bucket overlaps the range, however the range is aligned.
func TestBucketsAlignOnTheDataClock(t *testing.T) {
	day := 24 * time.Hour
	from := time.Date(2026, 11, 15, 3, 17, 0, 0, time.UTC) // 11:17 in Beijing
	pts := minutes(from, 3*1440, 0)
	for _, tc := range []struct {
		width time.Duration
		loc   *time.Location
	}{{day, beijing}, {day, time.UTC}, {6 * time.Hour, beijing}, {30 * time.Minute, beijing}, {3 * day, beijing}} {
		b := Buckets(pts, tc.width, Max, tc.loc)
		for i, p := range b {
			local := p.Time.In(tc.loc)
			_, off := local.Zone()
			if (p.Time.Unix()+int64(off))%int64(tc.width/time.Second) != 0 {
				t.Fatalf("%v in %v: bucket %d starts at %v", tc.width, tc.loc, i, local)
			}
			if !p.Time.Add(tc.width).After(from) || !p.Time.Before(from.Add(3*day)) {
				t.Fatalf("%v: bucket %d at %v does not overlap the range", tc.width, i, local)
			}
		}
		if tc.width == day && tc.loc == beijing {
			if got := b[0].Time.In(beijing); got.Hour() != 0 || got.Day() != 15 || len(b) != 4 {
				t.Fatalf("day buckets in Beijing: first %v, %d buckets", got, len(b))
			}
		}
	}
	// The epoch, not Go's zero time: 1-day buckets in UTC start at 00:00 UTC.
	if got := Start(from, day, time.UTC); !got.Equal(time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("Start = %v", got)
	}
	// A day bucket in a zone with summer time starts at that day's midnight.
	ny, err := time.LoadLocation("America/New_York")
	if err == nil {
		july := time.Date(2026, 7, 4, 15, 0, 0, 0, ny)
		if got := Start(july, day, ny); !got.Equal(time.Date(2026, 7, 4, 0, 0, 0, 0, ny)) {
			t.Fatalf("Start in New York = %v", got.In(ny))
		}
	}
}

func TestBucketsKeepTotalsAndPeaks(t *testing.T) {
	from := time.Date(2026, 11, 15, 3, 17, 0, 0, time.UTC)
	pts := minutes(from, 21600, 11)
	w := 30 * time.Minute
	for _, agg := range []Aggregation{Max, Avg} {
		b := Buckets(pts, w, agg, time.UTC)
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
	gap := Buckets(minutes(from.Truncate(w), 3, 1), w, Max, time.UTC)
	if len(gap) != 1 || gap[0].Bandwidth.Valid || gap[0].Flux.Valid {
		t.Fatalf("all-null bucket: %+v", gap)
	}
	// Averages are of the minutes that carry a value.
	two := []upstream.Point{{Time: from.Truncate(w), Online: upstream.Num{Value: 10, Valid: true}}, {Time: from.Truncate(w).Add(time.Minute), Online: upstream.Num{Value: 20, Valid: true}}, {Time: from.Truncate(w).Add(2 * time.Minute)}}
	if got := Buckets(two, w, Avg, time.UTC)[0].Online; got.Value != 15 {
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
