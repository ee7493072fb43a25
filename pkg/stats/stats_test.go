package stats

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

func TestPercentileNearestRank(t *testing.T) {
	// 288 five-minute peaks a day: the 95th percentile drops the 14 highest.
	values := make([]float64, 288)
	for i := range values {
		values[i] = float64(i + 1)
	}
	rand.Shuffle(len(values), func(i, j int) { values[i], values[j] = values[j], values[i] })
	if got := Percentile(values, 95); got != 274 {
		t.Fatalf("p95 of 1..288 = %v, want 274", got)
	}
	if got := Percentile([]float64{7}, 95); got != 7 {
		t.Fatalf("p95 of one value = %v", got)
	}
	if got := Percentile([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100}, 95); got != 19 {
		t.Fatalf("p95 of twenty values = %v, want 19", got)
	}
}

func TestSummarize(t *testing.T) {
	start := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	var points []upstream.Point
	var peaks []float64
	var online float64
	for m := range 60 {
		bw := float64((m*37)%50) + 0.5
		on := float64(m % 7)
		points = append(points, upstream.Point{
			Time:      start.Add(time.Duration(m) * time.Minute),
			Bandwidth: upstream.Num{Value: bw, Valid: true},
			Online:    upstream.Num{Value: on, Valid: true},
		})
		if m%5 == 0 {
			peaks = append(peaks, bw)
		} else {
			peaks[len(peaks)-1] = max(peaks[len(peaks)-1], bw)
		}
		online += on
	}
	// A minute without figures counts for nothing.
	points = append(points, upstream.Point{Time: start.Add(time.Hour)})
	s := Summarize(points)
	slices.Sort(peaks)
	if s.P95Bandwidth.Value != peaks[11] || len(peaks) != 12 {
		t.Fatalf("p95 = %+v, peaks %v", s.P95Bandwidth, peaks)
	}
	if s.PeakBandwidth.Value != 49.5 || s.PeakOnline.Value != 6 || s.AvgOnline.Value != online/60 {
		t.Fatalf("summary = %+v", s)
	}
	if empty := Summarize(nil); empty.PeakBandwidth.Valid || empty.P95Bandwidth.Valid || empty.AvgOnline.Valid {
		t.Fatalf("summary of nothing = %+v", empty)
	}
}
