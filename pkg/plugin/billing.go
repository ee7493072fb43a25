package plugin

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/cloudapi"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/memory"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// biller is an upstream with billing data (Cloud API 3.0).
type biller interface {
	bill(ctx context.Context, q cloudapi.BillQuery) (*cloudapi.Bill, error)
}

// billing is what the billing requests of a range brought.
type billing struct {
	batch[*cloudapi.Bill]                  // each request's answer, in the plan's order
	points                []upstream.Point // sorted, one a time, inside the plan's range
	unread                unread
}

// fetchBilling makes the plan's requests.
func (d *Datasource) fetchBilling(ctx context.Context, b biller, q models.Query, plan planner.BillPlan) *billing {
	out := &billing{batch: fetchAll(ctx, d.settings.MaxConcurrency, len(plan.Windows), func(ctx context.Context, i int) (*cloudapi.Bill, error) {
		w := plan.Windows[i]
		return b.bill(ctx, cloudapi.BillQuery{Start: w.Start, End: w.End, Granularity: plan.Granularity, Domain: q.Domain, ServiceName: q.Service})
	})}
	seen := map[int64]bool{}
	for i, bill := range out.answers {
		if out.errs[i] != nil {
			continue
		}
		out.unread.add(bill.Rejected, bill.RejectedExample)
		for _, p := range bill.Points {
			// A point outside the range asked for, or repeated by the
			// next request, is not the range's.
			if p.Time.Before(plan.From) || !p.Time.Before(plan.To) || seen[p.Time.Unix()] {
				continue
			}
			seen[p.Time.Unix()] = true
			out.points = append(out.points, upstream.Point{Time: p.Time, Bandwidth: p.Bandwidth, Flux: p.Flux})
		}
	}
	slices.SortFunc(out.points, func(a, b upstream.Point) int { return a.Time.Compare(b.Time) })
	return out
}

// describeBilling is the query inspector's account of what was asked.
func describeBilling(q models.Query, plan planner.BillPlan) string {
	domain := orAll(q.Domain, "(all domains)")
	if q.Service != "" {
		domain += " service=" + q.Service
	}
	if len(plan.Windows) == 0 {
		return fmt.Sprintf("%s (Cloud API 3.0) domain=%s: nothing to fetch", cloudapi.ActionBill, domain)
	}
	return fmt.Sprintf("%s (Cloud API 3.0) domain=%s granularity=%d minutes from %s to %s Beijing time: %s of at most %s",
		cloudapi.ActionBill, domain, plan.Granularity, plan.From.In(cloudapi.Beijing).Format(time.DateTime), plan.To.In(cloudapi.Beijing).Format(time.DateTime),
		requestCount(len(plan.Windows)), spanName(planner.BillSpanOf(plan.Granularity)))
}

// requestCount says how many requests, for the query inspector.
func requestCount(n int) string {
	if n == 1 {
		return "1 request"
	}
	return fmt.Sprintf("%d requests", n)
}

func spanName(d time.Duration) string {
	if days := int(d / (24 * time.Hour)); days > 1 {
		return fmt.Sprintf("%d days", days)
	}
	return "a day"
}

// billingQuery answers the billing points of the range as a time series:
// billable bandwidth (Mbps; an hour's or a day's point is the peak of its
// 5-minute points) and traffic (MB).
func (d *Datasource) billingQuery(ctx context.Context, q models.Query, dq backend.DataQuery, _ bool) backend.DataResponse {
	b, err := offered[biller](d, q)
	if err != nil {
		return badRequest(err)
	}
	g := q.Granularity
	if g == 0 {
		g = planner.BillGranularityFor(dq.TimeRange.To.Sub(dq.TimeRange.From), dq.MaxDataPoints, dq.Interval)
	}
	plan, err := planner.BuildBill(dq.TimeRange.From, dq.TimeRange.To, d.now(), g)
	if err != nil {
		return badRequest(err)
	}
	defer d.memory.Reserve(int64(plan.To.Sub(plan.From)/(time.Duration(plan.Granularity)*time.Minute)) * memory.PerRow)()
	got := d.fetchBilling(ctx, b, q, plan)
	if got.allFailed() {
		return errorResponse(got.firstErr)
	}
	meta := &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1},
		ExecutedQueryString: describeBilling(q, plan), Notices: got.unread.notices(plan.Notices, "billing points")}
	labels := data.Labels{}
	if q.Domain != "" {
		labels["domain"] = q.Domain
	}
	if q.Service != "" {
		labels["service"] = q.Service
	}
	times := timeField(got.points, time.Duration(plan.Granularity)*time.Minute)
	var resp backend.DataResponse
	for _, metric := range q.Metrics {
		value := valueField(metric, got.points)
		value.Labels = labels
		value.Config = &data.FieldConfig{Unit: metricUnits[metric], Decimals: ptr(uint16(3)),
			DisplayNameFromDS: "Billing " + metric}
		f := data.NewFrame(metric, times, value)
		f.Meta = meta
		resp.Frames = append(resp.Frames, f)
	}
	got.flag(&resp, "billing")
	return resp
}

// billingTotalsQuery answers the figures Tencent bills the range by. A
// range one request covers gets Tencent's own figures; a longer one is
// computed from all its 5-minute points the way Tencent computes them, and
// says so. Totals need every point: a failed request fails the query.
func (d *Datasource) billingTotalsQuery(ctx context.Context, q models.Query, dq backend.DataQuery, _ bool) backend.DataResponse {
	b, err := offered[biller](d, q)
	if err != nil {
		return badRequest(err)
	}
	now := d.now()
	plan, err := planner.BuildBill(dq.TimeRange.From, dq.TimeRange.To, now, planner.BillFine)
	if err != nil {
		return badRequest(err)
	}
	one := len(plan.Windows) > 1 && plan.To.Sub(plan.From) <= planner.BillSpan
	if one {
		// Tencent's totals are of the span asked, whatever the points'
		// width: one request at hours covers up to 31 days.
		plan.Granularity = planner.BillHourly
		plan.Windows = []planner.Window{{Start: plan.From, End: plan.Windows[len(plan.Windows)-1].End}}
	}
	defer d.memory.Reserve(int64(plan.To.Sub(plan.From)/(5*time.Minute)) * memory.PerRow)()
	got := d.fetchBilling(ctx, b, q, plan)
	if got.failed > 0 {
		return errorResponse(fmt.Errorf("%d of %d billing requests failed, and billing totals need every point: %w", got.failed, len(plan.Windows), got.firstErr))
	}
	meta := &data.FrameMeta{Type: data.FrameTypeNumericLong, TypeVersion: data.FrameTypeVersion{0, 1},
		ExecutedQueryString: describeBilling(q, plan), Notices: got.unread.notices(plan.Notices, "billing points")}
	var t billTotals
	switch len(got.answers) {
	case 0:
	case 1:
		a := got.answers[0]
		t = billTotals{peak: a.Peak, peakTime: a.PeakTime, p95: a.P95, p95Time: a.P95Time, flux: a.SumFlux}
	default:
		t = totalsOf(got.points)
		meta.Notices = append(meta.Notices, data.Notice{Severity: data.NoticeSeverityInfo, Text: fmt.Sprintf(
			"The range is longer than one request of Tencent's billing data covers (%s), so the totals are computed here from its %d five-minute points, as Tencent computes them: the peak, the 95th percentile (of the points sorted, the one at rank ⌈0.95 n⌉) and the sum of traffic.",
			spanName(planner.BillSpan), len(got.points))})
	}
	return backend.DataResponse{Frames: data.Frames{t.frame(q, meta)}}
}

type billTotals struct {
	peak, p95, flux   upstream.Num
	peakTime, p95Time time.Time
}

// totalsOf computes Tencent's totals from 5-minute points: the peak (the
// first point of it), the 95th percentile (the earliest point of that
// value) and the traffic.
func totalsOf(points []upstream.Point) billTotals {
	var t billTotals
	var bws []upstream.Point
	for _, p := range points {
		if p.Flux.Valid {
			t.flux = upstream.Num{Value: t.flux.Value + p.Flux.Value, Valid: true}
		}
		if p.Bandwidth.Valid {
			bws = append(bws, p)
			if !t.peak.Valid || p.Bandwidth.Value > t.peak.Value {
				t.peak, t.peakTime = p.Bandwidth, p.Time
			}
		}
	}
	if len(bws) == 0 {
		return t
	}
	t.flux.Value = roundTo3(t.flux.Value)
	// By value, then time: among points of the p95's value, the first is
	// the earliest.
	slices.SortFunc(bws, func(a, b upstream.Point) int {
		return cmp.Or(cmp.Compare(a.Bandwidth.Value, b.Bandwidth.Value), a.Time.Compare(b.Time))
	})
	p := bws[max((95*len(bws)+99)/100, 1)-1]
	i := slices.IndexFunc(bws, func(x upstream.Point) bool { return x.Bandwidth.Value == p.Bandwidth.Value })
	t.p95, t.p95Time = p.Bandwidth, bws[i].Time
	return t
}

func roundTo3(v float64) float64 { return math.Round(v*1000) / 1000 }

// frame is the totals as one numeric-long row: the times are numbers
// (milliseconds, shown as dates), so that alerting reads every column but
// the labels as a value.
func (t billTotals) frame(q models.Query, meta *data.FrameMeta) *data.Frame {
	when := func(at time.Time) *float64 {
		if at.IsZero() {
			return nil
		}
		return ptr(float64(at.UnixMilli()))
	}
	num := func(name, unit string, v *float64) *data.Field {
		f := data.NewField(name, nil, []*float64{v})
		f.Config = &data.FieldConfig{Unit: unit}
		if unit != "dateTimeAsIso" {
			f.Config.Decimals = ptr(uint16(3))
		}
		return f
	}
	f := data.NewFrame("billingTotals",
		data.NewField("domain", nil, []string{q.Domain}),
		num("peak_bandwidth", UnitBandwidth, numPtr(t.peak)),
		num("peak_bandwidth_time", "dateTimeAsIso", when(t.peakTime)),
		num("p95_bandwidth", UnitBandwidth, numPtr(t.p95)),
		num("p95_bandwidth_time", "dateTimeAsIso", when(t.p95Time)),
		num("sum_flux", UnitFlux, numPtr(t.flux)),
	)
	if q.Service != "" {
		f.Fields = slices.Insert(f.Fields, 1, data.NewField("service", nil, []string{q.Service}))
	}
	f.Meta = meta
	return f
}
