package plugin

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/cloudapi"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
)

// errorCounter is an upstream that counts playback errors (Cloud API 3.0).
type errorCounter interface {
	playErrors(ctx context.Context, q cloudapi.ErrorQuery) (*cloudapi.ErrorCounts, error)
}

// errorsQuery answers the playback requests answered with an HTTP error,
// per minute and class: a frame per class, labelled with it, which an
// alert rule judges per class ("5xx above 50 a minute for 5 minutes").
// Tencent keeps the last day: an older range is shortened, with a notice.
func (d *Datasource) errorsQuery(ctx context.Context, q models.Query, dq backend.DataQuery, _ bool) backend.DataResponse {
	c, err := offered[errorCounter](d, q)
	if err != nil {
		return badRequest(err)
	}
	plan, err := planner.PlayErrors.Build(dq.TimeRange.From, dq.TimeRange.To, d.now())
	if err != nil {
		return badRequest(err)
	}
	got := fetchAll(ctx, d.settings.MaxConcurrency, len(plan.Windows), func(ctx context.Context, i int) (*cloudapi.ErrorCounts, error) {
		w := plan.Windows[i]
		return c.playErrors(ctx, cloudapi.ErrorQuery{Start: w.Start, End: w.End, Domain: q.Domain, Classes: strings.Join(q.Codes, ",")})
	})
	if got.allFailed() {
		return errorResponse(got.firstErr)
	}
	counts := map[string]map[int64]int64{}
	var bad unread
	for i, a := range got.answers {
		if got.errs[i] != nil {
			continue
		}
		bad.add(a.Rejected, a.RejectedExample)
		for class, list := range a.Classes {
			if counts[class] == nil {
				counts[class] = map[int64]int64{}
			}
			for _, n := range list {
				if n.Time.Before(plan.From) || !n.Time.Before(plan.To) || !n.Number.Valid {
					continue
				}
				counts[class][n.Time.Unix()] = int64(math.Round(n.Number.Value))
			}
		}
	}
	meta := &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1},
		ExecutedQueryString: describeErrors(q, plan), Notices: bad.notices(plan.Notices, "error counts")}
	var resp backend.DataResponse
	for _, class := range q.Codes {
		var times []time.Time
		var values []int64
		for m := plan.From; m.Before(plan.To); m = m.Add(time.Minute) {
			if n, ok := counts[class][m.Unix()]; ok {
				times = append(times, m)
				values = append(values, n)
			}
		}
		tf := data.NewField("time", nil, times)
		tf.Config = &data.FieldConfig{Interval: float64(time.Minute / time.Millisecond)}
		vf := data.NewField("errors", data.Labels{"class": class}, values)
		if q.Domain != "" {
			vf.Labels["domain"] = q.Domain
		}
		vf.Config = &data.FieldConfig{Unit: UnitOnline, DisplayNameFromDS: class + " errors"}
		f := data.NewFrame(class, tf, vf)
		f.Meta = meta
		resp.Frames = append(resp.Frames, f)
	}
	got.flag(&resp, "error-count")
	return resp
}

func describeErrors(q models.Query, plan planner.Plan) string {
	domain := orAll(q.Domain, "(all domains)")
	if len(plan.Windows) == 0 {
		return fmt.Sprintf("%s (Cloud API 3.0) domain=%s: nothing to fetch", cloudapi.ActionPlayErrors, domain)
	}
	return fmt.Sprintf("%s (Cloud API 3.0) domain=%s StatType=%s from %s to %s Beijing time, per minute: %s of at most a day; Tencent keeps the last day",
		cloudapi.ActionPlayErrors, domain, strings.Join(q.Codes, ","), plan.From.In(cloudapi.Beijing).Format(time.DateTime),
		plan.To.In(cloudapi.Beijing).Format(time.DateTime), requestCount(len(plan.Windows)))
}
