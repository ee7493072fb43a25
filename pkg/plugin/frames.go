package plugin

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/collect"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
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
	models.MetricBandwidth: UnitBandwidth,
	models.MetricOnline:    UnitOnline,
	models.MetricFlux:      UnitFlux,
	models.MetricRequests:  UnitOnline,
}

func metricValue(p *upstream.Point, metric string) upstream.Num {
	switch metric {
	case models.MetricBandwidth:
		return p.Bandwidth
	case models.MetricOnline:
		return p.Online
	case models.MetricRequests:
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
	if s.Service != "" {
		l["service"] = s.Service
	}
	return l
}

func streamTitle(s *collect.Series) string {
	if s.StreamID == "" {
		return "All streams"
	}
	return s.StreamID
}

// framer builds each stream's frames, or its summary, as soon as its
// minutes are read (collect.Job.Done), and lets the minutes go: a long
// range of many streams never holds all of them at once, and the frames
// hold the only copy.
type framer struct {
	q      models.Query
	width  time.Duration
	frames []data.Frames // time series, by stream
	sums   []summary     // summary, by stream

	mu    sync.Mutex  // streams are read concurrently
	times *data.Field // the last time field built
	unix  []int64     // its times, to compare without boxing each
}

func newFramer(q models.Query, width time.Duration) *framer {
	return &framer{q: q, width: width, frames: make([]data.Frames, len(q.Streams)), sums: make([]summary, len(q.Streams))}
}

// summary is one stream's figures, and what a summary over the newest
// minutes found of them.
type summary struct {
	stats.Summary
	arrived int       // minutes of the range that arrived
	newest  time.Time // the newest of them
}

// summarize sums up points, or only the newest n of them that arrived
// (n > 0): an alert rule's "the last five minutes" then means the last
// five the upstream has, whatever its delay.
func summarize(points []upstream.Point, n int) summary {
	out := summary{arrived: len(points)}
	if len(points) > 0 {
		out.newest = points[len(points)-1].Time
	}
	if n > 0 {
		points = points[max(0, len(points)-n):]
	}
	out.Summary = stats.Summarize(points)
	return out
}

// done is collect.Job.Done.
func (f *framer) done(i int, s *collect.Series) {
	if f.q.Type == models.QueryTypeSummary {
		f.sums[i] = summarize(s.Points, f.q.Newest)
	} else {
		times := f.sharedTimes(s.Points)
		if times == nil && len(s.Points) > 0 {
			times = timeField(s.Points, max(f.width, time.Minute))
			f.keepTimes(times, s.Points)
		}
		f.frames[i] = streamFrames(f.q, s, f.width, times)
	}
	s.Points = nil
}

// sharedTimes is a time field already built for another stream with the
// same minutes, or nil. Streams that played the whole range have the same
// minutes; their frames share one time field (read, never written).
func (f *framer) sharedTimes(points []upstream.Point) *data.Field {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t := f.times; t != nil && len(f.unix) == len(points) {
		for i := range points {
			if points[i].Time.UnixNano() != f.unix[i] {
				return nil
			}
		}
		return t
	}
	return nil
}

// keepTimes offers t, the times of points, to the streams read after this
// one.
func (f *framer) keepTimes(t *data.Field, points []upstream.Point) {
	unix := make([]int64, len(points))
	for i := range points {
		unix[i] = points[i].Time.UnixNano()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.times, f.unix = t, unix
}

// timeSeries is every stream's frames, in the order of the streams, each
// with meta.
func (f *framer) timeSeries(meta func() *data.FrameMeta) data.Frames {
	out := make(data.Frames, 0, len(f.frames)*len(f.q.Metrics))
	for _, fs := range f.frames {
		for _, fr := range fs {
			fr.Meta = meta()
			fr.Meta.Type = data.FrameTypeTimeSeriesMulti
			fr.Meta.TypeVersion = data.FrameTypeVersion{0, 1}
			out = append(out, fr)
		}
	}
	return out
}

// timeSeriesFrames answers one frame per stream and metric, in the
// time-series-multi shape of Grafana's data plane contract. width is the
// bucket width the series were read in (0: every minute).
func timeSeriesFrames(q models.Query, series []collect.Series, meta func() *data.FrameMeta, width time.Duration) data.Frames {
	f := &framer{q: q, width: width, frames: make([]data.Frames, len(series))}
	for i := range series {
		f.frames[i] = streamFrames(q, &series[i], width, nil)
	}
	return f.timeSeries(meta)
}

// streamFrames are one stream's frames, a metric each, without meta, over
// times when given (a field of the same minutes), else a field of its own.
func streamFrames(q models.Query, s *collect.Series, width time.Duration, times *data.Field) data.Frames {
	frames := make(data.Frames, 0, len(q.Metrics))
	// One time field for the stream's metric frames: they share it rather
	// than hold a copy each (it is read, never written).
	if times == nil {
		times = timeField(s.Points, max(width, time.Minute))
	}
	for _, metric := range q.Metrics {
		value := valueField(metric, s.Points)
		value.Labels = seriesLabels(s)
		value.Config = &data.FieldConfig{
			Unit:              metricUnits[metric],
			DisplayNameFromDS: streamTitle(s) + " " + metric,
		}
		if metric != models.MetricOnline && metric != models.MetricRequests {
			value.Config.Decimals = ptr(uint16(3))
		}
		frames = append(frames, data.NewFrame(metric, times, value))
	}
	return frames
}

// timeField carries the data's interval (a minute, or the bucket width) in
// its config, in milliseconds. Missing
// minutes (a stream that stopped) are not rows at all; with the interval
// known, Grafana's time-series panel inserts nulls where rows are further
// apart than a minute and draws a gap instead of a line across it, unless
// the panel's "Connect null values" says otherwise. No zero is invented.
func timeField(points []upstream.Point, step time.Duration) *data.Field {
	times := make([]time.Time, len(points))
	for i := range points {
		times[i] = points[i].Time
	}
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
	// Counts of people and requests are whole numbers.
	whole := metric == models.MetricOnline || metric == models.MetricRequests
	var ft data.FieldType
	switch {
	case whole && complete:
		ft = data.FieldTypeInt64
	case whole:
		ft = data.FieldTypeNullableInt64
	case complete:
		ft = data.FieldTypeFloat64
	default:
		ft = data.FieldTypeNullableFloat64
	}
	// Plain fields are filled as typed slices: setting a field's values one
	// by one goes through an interface, an allocation a value.
	switch ft {
	case data.FieldTypeInt64:
		v := make([]int64, len(points))
		for i := range points {
			v[i] = int64(math.Round(metricValue(&points[i], metric).Value))
		}
		return data.NewField(metric, nil, v)
	case data.FieldTypeFloat64:
		v := make([]float64, len(points))
		for i := range points {
			v[i] = metricValue(&points[i], metric).Value
		}
		return data.NewField(metric, nil, v)
	}
	f := data.NewFieldFromFieldType(ft, len(points))
	f.Name = metric
	for i := range points {
		n := metricValue(&points[i], metric)
		if !n.Valid {
			continue // stays null
		}
		if whole {
			f.SetConcrete(i, int64(math.Round(n.Value)))
		} else {
			f.SetConcrete(i, n.Value)
		}
	}
	return f
}

// summaryFrame answers one row per stream in the numeric-long shape of
// Grafana's data plane contract: domain and stream_id are string columns,
// which alerting reads as labels, so a rule such as "p95 bandwidth above
// 800 Mbps" judges every stream on its own, without transformations.
// statistic, when set, keeps one number column, for Grafana versions whose
// alerting takes one number per row. A summary over the newest n minutes
// has rows only for the streams that have n minutes in the range: one
// that has not is no data, which an alert rule shows as No Data instead
// of judging a stream that has gone quiet as fine.
func summaryFrame(series []collect.Series, sums []summary, statistic string, newest int, meta *data.FrameMeta) *data.Frame {
	var rows []int
	newestTimes := map[string]string{}
	for i := range series {
		s := &series[i]
		if newest > 0 && sums[i].arrived < newest {
			meta.Notices = append(meta.Notices, data.Notice{
				Severity: data.NoticeSeverityWarning,
				Text: fmt.Sprintf("%s: %d minutes of the range have arrived, fewer than the newest %d asked for; no value (an alert rule sees No Data). Widen the range if the upstream is this late.",
					streamTitle(s), sums[i].arrived, newest),
			})
			continue
		}
		rows = append(rows, i)
		if newest > 0 {
			newestTimes[streamTitle(s)] = sums[i].newest.UTC().Format(time.RFC3339)
		}
	}
	n := len(rows)
	domain := make([]string, n)
	stream := make([]string, n)
	values := map[string]any{
		models.StatSumFlux:       make([]*float64, n),
		models.StatPeakBandwidth: make([]*float64, n),
		models.StatP95Bandwidth:  make([]*float64, n),
		models.StatPeakOnline:    make([]*int64, n),
		models.StatAvgOnline:     make([]*float64, n),
		models.StatMinBandwidth:  make([]*float64, n),
	}
	units := map[string]string{
		models.StatSumFlux: UnitFlux, models.StatPeakBandwidth: UnitBandwidth, models.StatP95Bandwidth: UnitBandwidth,
		models.StatPeakOnline: UnitOnline, models.StatAvgOnline: UnitOnline, models.StatMinBandwidth: UnitBandwidth,
	}
	for row, i := range rows {
		s := &series[i]
		sum := sums[i]
		domain[row], stream[row] = s.Domain, s.StreamID
		switch {
		case newest > 0:
			values[models.StatSumFlux].([]*float64)[row] = numPtr(sum.Flux)
		case s.Answered():
			// A stream no window answered for has no total, which is not 0 MB.
			values[models.StatSumFlux].([]*float64)[row] = ptr(s.SumFlux)
		}
		values[models.StatPeakBandwidth].([]*float64)[row] = numPtr(sum.PeakBandwidth)
		values[models.StatP95Bandwidth].([]*float64)[row] = numPtr(sum.P95Bandwidth)
		values[models.StatAvgOnline].([]*float64)[row] = numPtr(sum.AvgOnline)
		values[models.StatMinBandwidth].([]*float64)[row] = numPtr(sum.MinBandwidth)
		if sum.PeakOnline.Valid {
			values[models.StatPeakOnline].([]*int64)[row] = ptr(int64(math.Round(sum.PeakOnline.Value)))
		}
		if newest == 0 && s.SumFluxEstimated > 0 && (statistic == "" || statistic == models.StatSumFlux) {
			meta.Notices = append(meta.Notices, data.Notice{
				Severity: data.NoticeSeverityInfo,
				Text: fmt.Sprintf("%s: %d of %d windows came without sum_info; their sum_flux was added up from per-minute flux.",
					streamTitle(s), s.SumFluxEstimated, s.Windows),
			})
		}
	}
	fields := data.Fields{data.NewField("domain", nil, domain), data.NewField("stream_id", nil, stream)}
	if len(series) > 0 && series[0].Service != "" {
		// A label column, as domain and stream_id are, so that an alert
		// rule's instances say which service they judge.
		service := make([]string, n)
		for row := range service {
			service[row] = series[0].Service
		}
		fields = append(fields, data.NewField("service", nil, service))
	}
	for _, name := range models.AllStatistics {
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
	if newest > 0 {
		// The time of each stream's newest minute: what "the newest five"
		// were, without a time field in a numeric frame.
		frame.Meta.Custom = map[string]any{"newestMinute": newestTimes}
	}
	return frame
}

func numPtr(n upstream.Num) *float64 {
	if !n.Valid {
		return nil
	}
	return ptr(n.Value)
}

func ptr[T any](v T) *T { return &v }
