package plugin

import (
	"fmt"
	"math"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/collect"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/stats"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// Grafana unit ids of the metrics.
const (
	UnitBandwidth = "Mbits"
	UnitOnline    = "none"
	UnitFlux      = "decmbytes"
)

var metricUnits = map[string]string{
	MetricBandwidth: UnitBandwidth,
	MetricOnline:    UnitOnline,
	MetricFlux:      UnitFlux,
	MetricRequests:  UnitOnline,
}

func metricValue(p *upstream.Point, metric string) upstream.Num {
	switch metric {
	case MetricBandwidth:
		return p.Bandwidth
	case MetricOnline:
		return p.Online
	case MetricRequests:
		return p.Requests
	default:
		return p.Flux
	}
}

func seriesLabels(s *collect.Series) data.Labels {
	l := data.Labels{}
	if s.Domain != "" {
		l["domain"] = s.Domain
	}
	if s.StreamID != "" {
		l["stream_id"] = s.StreamID
	}
	return l
}

func streamTitle(s *collect.Series) string {
	if s.StreamID == "" {
		return "All streams"
	}
	return s.StreamID
}

// timeSeriesFrames answers one frame per stream and metric, in the
// time-series-multi shape of Grafana's data plane contract. width is the
// bucket width the series were read in (0: every minute).
func timeSeriesFrames(q Query, series []collect.Series, meta func() *data.FrameMeta, width time.Duration) data.Frames {
	frames := make(data.Frames, 0, len(series)*len(q.Metrics))
	step := max(width, time.Minute)
	for i := range series {
		s := &series[i]
		times := make([]time.Time, len(s.Points))
		for j := range s.Points {
			times[j] = s.Points[j].Time
		}
		for _, metric := range q.Metrics {
			value := valueField(metric, s.Points)
			value.Labels = seriesLabels(s)
			value.Config = &data.FieldConfig{
				Unit:              metricUnits[metric],
				DisplayNameFromDS: streamTitle(s) + " " + metric,
			}
			if metric != MetricOnline && metric != MetricRequests {
				value.Config.Decimals = ptr(uint16(3))
			}
			f := data.NewFrame(metric, timeField(times, step), value)
			f.Meta = meta()
			f.Meta.Type = data.FrameTypeTimeSeriesMulti
			f.Meta.TypeVersion = data.FrameTypeVersion{0, 1}
			frames = append(frames, f)
		}
	}
	return frames
}

// timeField carries the data's interval (a minute, or the bucket width) in
// its config, in milliseconds. Missing
// minutes (a stream that stopped) are not rows at all; with the interval
// known, Grafana's time-series panel inserts nulls where rows are further
// apart than a minute and draws a gap instead of a line across it, unless
// the panel's "Connect null values" says otherwise. No zero is invented.
func timeField(times []time.Time, step time.Duration) *data.Field {
	f := data.NewField("time", nil, times)
	f.Config = &data.FieldConfig{Interval: float64(step / time.Millisecond)}
	return f
}

// valueField builds a plain number field, or a nullable one when some
// minute lacks the metric, so that a gap shows as a gap.
func valueField(metric string, points []upstream.Point) *data.Field {
	complete := true
	for i := range points {
		if !metricValue(&points[i], metric).Valid {
			complete = false
			break
		}
	}
	if metric == MetricOnline || metric == MetricRequests {
		// Counts of people and requests are whole numbers.
		if complete {
			v := make([]int64, len(points))
			for i := range points {
				v[i] = int64(math.Round(metricValue(&points[i], metric).Value))
			}
			return data.NewField(metric, nil, v)
		}
		v := make([]*int64, len(points))
		for i := range points {
			if n := metricValue(&points[i], metric); n.Valid {
				v[i] = ptr(int64(math.Round(n.Value)))
			}
		}
		return data.NewField(metric, nil, v)
	}
	if complete {
		v := make([]float64, len(points))
		for i := range points {
			v[i] = metricValue(&points[i], metric).Value
		}
		return data.NewField(metric, nil, v)
	}
	v := make([]*float64, len(points))
	for i := range points {
		if n := metricValue(&points[i], metric); n.Valid {
			v[i] = ptr(n.Value)
		}
	}
	return data.NewField(metric, nil, v)
}

// summaryFrame answers one row per stream in the numeric-long shape of
// Grafana's data plane contract: domain and stream_id are string columns,
// which alerting reads as labels, so a rule such as "p95 bandwidth above
// 800 Mbps" judges every stream on its own, without transformations.
// statistic, when set, keeps one number column, for Grafana versions whose
// alerting takes one number per row.
func summaryFrame(series []collect.Series, statistic string, meta *data.FrameMeta) *data.Frame {
	n := len(series)
	domain := make([]string, n)
	stream := make([]string, n)
	values := map[string]any{
		StatSumFlux:       make([]*float64, n),
		StatPeakBandwidth: make([]*float64, n),
		StatP95Bandwidth:  make([]*float64, n),
		StatPeakOnline:    make([]*int64, n),
		StatAvgOnline:     make([]*float64, n),
	}
	units := map[string]string{
		StatSumFlux: UnitFlux, StatPeakBandwidth: UnitBandwidth, StatP95Bandwidth: UnitBandwidth,
		StatPeakOnline: UnitOnline, StatAvgOnline: UnitOnline,
	}
	for i := range series {
		s := &series[i]
		sum := stats.Summarize(s.Points)
		domain[i], stream[i] = s.Domain, s.StreamID
		if s.Answered() {
			// A stream no window answered for has no total, which is not 0 MB.
			values[StatSumFlux].([]*float64)[i] = ptr(s.SumFlux)
		}
		values[StatPeakBandwidth].([]*float64)[i] = numPtr(sum.PeakBandwidth)
		values[StatP95Bandwidth].([]*float64)[i] = numPtr(sum.P95Bandwidth)
		values[StatAvgOnline].([]*float64)[i] = numPtr(sum.AvgOnline)
		if sum.PeakOnline.Valid {
			values[StatPeakOnline].([]*int64)[i] = ptr(int64(math.Round(sum.PeakOnline.Value)))
		}
		if s.SumFluxEstimated > 0 && (statistic == "" || statistic == StatSumFlux) {
			meta.Notices = append(meta.Notices, data.Notice{
				Severity: data.NoticeSeverityInfo,
				Text: fmt.Sprintf("%s: %d of %d windows came without sum_info; their sum_flux was added up from per-minute flux.",
					streamTitle(s), s.SumFluxEstimated, s.Windows),
			})
		}
	}
	fields := data.Fields{data.NewField("domain", nil, domain), data.NewField("stream_id", nil, stream)}
	for _, name := range AllStatistics {
		if statistic != "" && name != statistic {
			continue
		}
		f := data.NewField(name, nil, values[name])
		f.Config = &data.FieldConfig{Unit: units[name]}
		fields = append(fields, f)
	}
	frame := data.NewFrame("summary", fields...)
	frame.Meta = meta
	frame.Meta.Type = data.FrameTypeNumericLong
	frame.Meta.TypeVersion = data.FrameTypeVersion{0, 1}
	return frame
}

func numPtr(n upstream.Num) *float64 {
	if !n.Valid {
		return nil
	}
	return ptr(n.Value)
}

func ptr[T any](v T) *T { return &v }
