package plugin

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"golang.org/x/sync/errgroup"

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
	c, ok := d.svc.(errorCounter)
	if !ok {
		return badRequest(fmt.Errorf("query type %s needs Tencent Cloud API 3.0", q.Type))
	}
	plan, err := planner.PlayErrors.Build(dq.TimeRange.From, dq.TimeRange.To, d.now())
	if err != nil {
		return badRequest(err)
	}
	answers := make([]*cloudapi.ErrorCounts, len(plan.Windows))
	errs := make([]error, len(plan.Windows))
	var g errgroup.Group
	g.SetLimit(d.settings.MaxConcurrency)
	for i, w := range plan.Windows {
		g.Go(func() error {
			answers[i], errs[i] = c.playErrors(ctx, cloudapi.ErrorQuery{Start: w.Start, End: w.End, Domain: q.Domain, Classes: strings.Join(q.Codes, ",")})
			return nil
		})
	}
	_ = g.Wait()

	counts := map[string]map[int64]int64{}
	var failed, rejected int
	var firstErr error
	var example string
	for i, a := range answers {
		if errs[i] != nil {
			if failed == 0 {
				firstErr = errs[i]
			}
			failed++
			continue
		}
		if a.Rejected > 0 && rejected == 0 {
			example = a.RejectedExample
		}
		rejected += a.Rejected
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
	if len(plan.Windows) > 0 && failed == len(plan.Windows) {
		return errorResponse(firstErr)
	}

	meta := &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1},
		ExecutedQueryString: describeErrors(q, plan)}
	for _, n := range plan.Notices {
		meta.Notices = append(meta.Notices, data.Notice{Severity: data.NoticeSeverityWarning, Text: n})
	}
	if rejected > 0 {
		meta.Notices = append(meta.Notices, data.Notice{Severity: data.NoticeSeverityWarning,
			Text: fmt.Sprintf("%d error counts could not be read and are left out, such as %s", rejected, example)})
	}
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
	if failed > 0 {
		e := errorResponse(fmt.Errorf("%d of %d error-count requests failed; the data shown is incomplete: %w", failed, len(plan.Windows), firstErr))
		resp.Error, resp.ErrorSource, resp.Status = e.Error, e.ErrorSource, e.Status
	}
	return resp
}

func describeErrors(q models.Query, plan planner.Plan) string {
	domain := q.Domain
	if domain == "" {
		domain = "(all domains)"
	}
	if len(plan.Windows) == 0 {
		return fmt.Sprintf("%s (Cloud API 3.0) domain=%s: nothing to fetch", cloudapi.ActionPlayErrors, domain)
	}
	return fmt.Sprintf("%s (Cloud API 3.0) domain=%s StatType=%s from %s to %s Beijing time, per minute: %s of at most a day; Tencent keeps the last day",
		cloudapi.ActionPlayErrors, domain, strings.Join(q.Codes, ","), plan.From.In(cloudapi.Beijing).Format(time.DateTime),
		plan.To.In(cloudapi.Beijing).Format(time.DateTime), requestCount(len(plan.Windows)))
}
