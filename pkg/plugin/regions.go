package plugin

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/cloudapi"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/stats"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// regionCounter is an upstream with playback by province and ISP (Cloud
// API 3.0).
type regionCounter interface {
	regions(ctx context.Context, q cloudapi.RegionQuery) (*cloudapi.Regions, error)
}

// region is one province and ISP's points over the range, and its total
// bandwidth, by which the busiest come first.
type region struct {
	province, isp string
	points        []upstream.Point
	weight        float64
}

// regionsQuery answers playback by province and ISP: a series per pair and
// metric, labelled province and isp as Tencent names them, the busiest
// pairs first (top keeps the first); or, as a table, a row per pair with
// its peaks and totals over the range.
func (d *Datasource) regionsQuery(ctx context.Context, q models.Query, dq backend.DataQuery, _ bool) backend.DataResponse {
	rc, err := offered[regionCounter](d, q)
	if err != nil {
		return badRequest(err)
	}
	plan, err := planner.Regions.Build(dq.TimeRange.From, dq.TimeRange.To, d.now())
	if err != nil {
		return badRequest(err)
	}
	got := fetchAll(ctx, d.settings.MaxConcurrency, len(plan.Windows), func(ctx context.Context, i int) (*cloudapi.Regions, error) {
		w := plan.Windows[i]
		return rc.regions(ctx, cloudapi.RegionQuery{Start: w.Start, End: w.End, Domain: q.Domain, Provinces: q.Provinces, ISPs: q.ISPs})
	})
	if got.allFailed() {
		return errorResponse(got.firstErr)
	}
	byPair := map[[2]string]*region{}
	var bad unread
	for i, a := range got.answers {
		if got.errs[i] != nil {
			continue
		}
		bad.add(a.Rejected, a.RejectedExample)
		for _, s := range a.Series {
			key := [2]string{s.Province, s.ISP}
			r := byPair[key]
			if r == nil {
				r = &region{province: s.Province, isp: s.ISP}
				byPair[key] = r
			}
			for _, p := range s.Points {
				if !p.Time.Before(plan.From) && p.Time.Before(plan.To) {
					r.points = append(r.points, p)
				}
			}
		}
	}
	list := make([]*region, 0, len(byPair))
	for _, r := range byPair {
		slices.SortFunc(r.points, func(a, b upstream.Point) int { return a.Time.Compare(b.Time) })
		r.points = slices.CompactFunc(r.points, func(a, b upstream.Point) bool { return a.Time.Equal(b.Time) })
		for _, p := range r.points {
			if p.Bandwidth.Valid {
				r.weight += p.Bandwidth.Value
			}
		}
		list = append(list, r)
	}
	slices.SortFunc(list, func(a, b *region) int {
		return cmp.Or(cmp.Compare(b.weight, a.weight), cmp.Compare(a.province, b.province), cmp.Compare(a.isp, b.isp))
	})
	meta := &data.FrameMeta{ExecutedQueryString: describeRegions(q, plan), Notices: bad.notices(plan.Notices, "province and ISP values")}
	if q.Top > 0 && len(list) > q.Top {
		meta.Notices = append(meta.Notices, data.Notice{Severity: data.NoticeSeverityInfo,
			Text: fmt.Sprintf("The %d busiest of %d province and ISP pairs are shown (top).", q.Top, len(list))})
		list = list[:q.Top]
	}

	var resp backend.DataResponse
	if q.Format == models.FormatTable {
		resp.Frames = data.Frames{regionsTable(q, list, meta)}
	} else {
		meta.Type, meta.TypeVersion = data.FrameTypeTimeSeriesMulti, data.FrameTypeVersion{0, 1}
		for _, r := range list {
			times := timeField(r.points, time.Minute)
			for _, metric := range q.Metrics {
				value := valueField(metric, r.points)
				value.Labels = data.Labels{"province": r.province, "isp": r.isp}
				if q.Domain != "" {
					value.Labels["domain"] = q.Domain
				}
				value.Config = &data.FieldConfig{Unit: metricUnits[metric], DisplayNameFromDS: r.province + " " + r.isp + " " + metric}
				if metric == models.MetricBandwidth || metric == models.MetricFlux {
					value.Config.Decimals = ptr(uint16(3))
				}
				f := data.NewFrame(metric, times, value)
				f.Meta = meta
				resp.Frames = append(resp.Frames, f)
			}
		}
	}
	got.flag(&resp, "province and ISP")
	return resp
}

// regionsTable is a numeric-long row per province and ISP, the busiest
// first: the peaks of bandwidth and viewers over the range and its totals
// of traffic and requests, for a bar gauge or a table, with the English
// names and where the province is (latitude and longitude of its capital,
// empty when unknown) for a Geomap.
func regionsTable(q models.Query, list []*region, meta *data.FrameMeta) *data.Frame {
	n := len(list)
	province, isp := make([]string, n), make([]string, n)
	provinceEN, ispEN := make([]string, n), make([]string, n)
	lat, lon := make([]*float64, n), make([]*float64, n)
	peakBW, peakOnline, sumFlux, sumReq := make([]*float64, n), make([]*int64, n), make([]*float64, n), make([]*int64, n)
	for i, r := range list {
		province[i], isp[i] = r.province, r.isp
		provinceEN[i], ispEN[i] = r.province, english(r.isp, isps)
		if p, ok := placeOf(r.province); ok {
			provinceEN[i], lat[i], lon[i] = p.english, ptr(p.lat), ptr(p.lon)
		}
		s := stats.Summarize(r.points)
		var rq upstream.Num
		for _, p := range r.points {
			if p.Requests.Valid {
				rq = upstream.Num{Value: rq.Value + p.Requests.Value, Valid: true}
			}
		}
		peakBW[i] = numPtr(s.PeakBandwidth)
		if s.Flux.Valid {
			sumFlux[i] = ptr(roundTo3(s.Flux.Value))
		}
		if s.PeakOnline.Valid {
			peakOnline[i] = ptr(int64(math.Round(s.PeakOnline.Value)))
		}
		if rq.Valid {
			sumReq[i] = ptr(int64(math.Round(rq.Value)))
		}
	}
	field := func(name, unit string, values any) *data.Field {
		f := data.NewField(name, nil, values)
		f.Config = &data.FieldConfig{Unit: unit}
		return f
	}
	f := data.NewFrame("regions",
		data.NewField("province", nil, province), data.NewField("isp", nil, isp),
		field(models.StatPeakBandwidth, UnitBandwidth, peakBW),
		field(models.StatPeakOnline, UnitOnline, peakOnline),
		field(models.StatSumFlux, UnitFlux, sumFlux),
		field("sum_requests", UnitOnline, sumReq),
		data.NewField("province_en", nil, provinceEN), data.NewField("isp_en", nil, ispEN),
		field("latitude", "", lat), field("longitude", "", lon))
	if q.Domain != "" {
		domain := make([]string, n)
		for i := range domain {
			domain[i] = q.Domain
		}
		f.Fields = slices.Insert(f.Fields, 0, data.NewField("domain", nil, domain))
	}
	meta.Type, meta.TypeVersion = data.FrameTypeNumericLong, data.FrameTypeVersion{0, 1}
	f.Meta = meta
	return f
}

func describeRegions(q models.Query, plan planner.Plan) string {
	domain := orAll(q.Domain, "(all domains)")
	where := ""
	if len(q.Provinces) > 0 {
		where += " provinces=" + strings.Join(q.Provinces, ",")
	}
	if len(q.ISPs) > 0 {
		where += " isps=" + strings.Join(q.ISPs, ",")
	}
	if len(plan.Windows) == 0 {
		return fmt.Sprintf("%s (Cloud API 3.0) domain=%s%s: nothing to fetch", cloudapi.ActionRegions, domain, where)
	}
	return fmt.Sprintf("%s (Cloud API 3.0) domain=%s%s from %s to %s Beijing time: %s of at most three hours",
		cloudapi.ActionRegions, domain, where, plan.From.In(cloudapi.Beijing).Format(time.DateTime),
		plan.To.In(cloudapi.Beijing).Format(time.DateTime), requestCount(len(plan.Windows)))
}
