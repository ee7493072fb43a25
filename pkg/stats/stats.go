// Package stats computes the summary figures of a play-statistics series.
package stats

import (
	"math"
	"slices"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// BillingInterval is the bucket of the 95th-percentile bandwidth billing.
const BillingInterval = 5 * time.Minute

// Summary holds the figures of one series; a figure is invalid when no
// point carried the metric.
type Summary struct {
	PeakBandwidth upstream.Num // Mbps
	MinBandwidth  upstream.Num // Mbps: the lowest minute
	P95Bandwidth  upstream.Num // Mbps, 95th percentile of the 5-minute peaks
	PeakOnline    upstream.Num
	AvgOnline     upstream.Num
	Flux          upstream.Num // MB: the minutes' flux added up
}

// Summarize computes the summary of points sorted by time.
func Summarize(points []upstream.Point) Summary {
	var s Summary
	var onlineSum float64
	var onlineN int
	var peaks []float64 // one per 5-minute bucket that has a bandwidth
	bucket := time.Time{}
	for _, p := range points {
		if b := p.Bandwidth; b.Valid {
			s.PeakBandwidth = maxNum(s.PeakBandwidth, b.Value)
			if !s.MinBandwidth.Valid || b.Value < s.MinBandwidth.Value {
				s.MinBandwidth = upstream.Num{Value: b.Value, Valid: true}
			}
			if cell := p.Time.Truncate(BillingInterval); len(peaks) == 0 || !cell.Equal(bucket) {
				bucket = cell
				peaks = append(peaks, b.Value)
			} else {
				peaks[len(peaks)-1] = math.Max(peaks[len(peaks)-1], b.Value)
			}
		}
		if f := p.Flux; f.Valid {
			s.Flux = upstream.Num{Value: s.Flux.Value + f.Value, Valid: true}
		}
		if o := p.Online; o.Valid {
			s.PeakOnline = maxNum(s.PeakOnline, o.Value)
			onlineSum += o.Value
			onlineN++
		}
	}
	if onlineN > 0 {
		s.AvgOnline = upstream.Num{Value: onlineSum / float64(onlineN), Valid: true}
	}
	if len(peaks) > 0 {
		s.P95Bandwidth = upstream.Num{Value: Percentile(peaks, 95), Valid: true}
	}
	return s
}

// Percentile returns the nearest-rank percentile of values (which it
// sorts): the smallest value that at least pct percent of values do not
// exceed. This is the rule of 95th-percentile bandwidth billing: with 288
// five-minute peaks a day, the 14 highest are discarded.
func Percentile(values []float64, pct float64) float64 {
	slices.Sort(values)
	rank := int(math.Ceil(pct / 100 * float64(len(values))))
	rank = min(max(rank, 1), len(values))
	return values[rank-1]
}

func maxNum(n upstream.Num, v float64) upstream.Num {
	if !n.Valid || v > n.Value {
		return upstream.Num{Value: v, Valid: true}
	}
	return n
}
