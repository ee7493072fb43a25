package plugin

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/cloudapi"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
)

// eventLister is an upstream with push sessions (Cloud API 3.0).
type eventLister interface {
	events(ctx context.Context, q cloudapi.EventQuery) (*cloudapi.Events, error)
}

// eventsQuery answers the push sessions that started in the range, of the
// named streams or all, as an annotation frame: time and timeEnd (empty
// while the push goes on), a text naming the stream, how long it pushed
// and why it stopped, and tags. Fetched fresh: sessions end and begin.
func (d *Datasource) eventsQuery(ctx context.Context, q models.Query, dq backend.DataQuery, _ bool) backend.DataResponse {
	el, err := offered[eventLister](d, q)
	if err != nil {
		return badRequest(err)
	}
	plan, err := planner.Events.Build(dq.TimeRange.From, dq.TimeRange.To, d.now())
	if err != nil {
		return badRequest(err)
	}
	type ask struct {
		stream string
		w      planner.Window
	}
	var asks []ask
	for _, s := range q.Streams {
		for _, w := range plan.Windows {
			asks = append(asks, ask{s, w})
		}
	}
	got := fetchAll(ctx, d.settings.MaxConcurrency, len(asks), func(ctx context.Context, i int) (*cloudapi.Events, error) {
		a := asks[i]
		return el.events(ctx, cloudapi.EventQuery{Start: a.w.Start, End: a.w.End, Domain: q.Domain, Stream: a.stream})
	})
	if got.allFailed() {
		return errorResponse(got.firstErr)
	}
	var list []cloudapi.Event
	var bad unread
	var unreached int
	for i, a := range got.answers {
		if got.errs[i] != nil {
			continue
		}
		bad.add(a.Rejected, a.RejectedExample)
		unreached += max(a.Total-len(a.List)-a.Rejected, 0)
		list = append(list, a.List...)
	}
	slices.SortStableFunc(list, func(a, b cloudapi.Event) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.Stream, b.Stream)
	})
	list = slices.CompactFunc(list, func(a, b cloudapi.Event) bool {
		return a.Start.Equal(b.Start) && a.Stream == b.Stream && a.Domain == b.Domain
	})

	meta := &data.FrameMeta{ExecutedQueryString: describeEvents(q, plan, len(asks)), Notices: bad.notices(plan.Notices, "push sessions")}
	if unreached > 0 {
		meta.Notices = append(meta.Notices, data.Notice{Severity: data.NoticeSeverityWarning,
			Text: fmt.Sprintf("%d push sessions are beyond the %d records Tencent lets a request reach; narrow the range or name the stream", unreached, cloudapi.MaxEventRecords)})
	}
	resp := backend.DataResponse{Frames: data.Frames{eventsFrame(list, d.now(), meta)}}
	got.flag(&resp, "push-session")
	return resp
}

// eventsFrame has the fields Grafana's annotations read by name: time,
// timeEnd, text and tags (comma-separated), and the stream and domain.
func eventsFrame(list []cloudapi.Event, now time.Time, meta *data.FrameMeta) *data.Frame {
	n := len(list)
	start, end := make([]time.Time, n), make([]*time.Time, n)
	text, tags, stream, domain := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, e := range list {
		start[i], stream[i], domain[i] = e.Start, e.Stream, e.Domain
		tags[i] = "push," + e.Stream
		if e.End.IsZero() {
			text[i] = fmt.Sprintf("%s: pushing since %s (%s so far)", e.Stream, e.Start.UTC().Format("15:04 UTC"), roundDuration(now.Sub(e.Start)))
			continue
		}
		end[i] = ptr(e.End)
		reason := e.StopReason
		if reason == "" {
			reason = "no reason given"
		}
		text[i] = fmt.Sprintf("%s: pushed for %s; stopped: %s", e.Stream, roundDuration(e.End.Sub(e.Start)), reason)
		tags[i] += ",stopped"
	}
	f := data.NewFrame("events",
		data.NewField("time", nil, start), data.NewField("timeEnd", nil, end),
		data.NewField("text", nil, text), data.NewField("tags", nil, tags),
		data.NewField("stream_id", nil, stream), data.NewField("domain", nil, domain))
	f.Meta = meta
	return f
}

func roundDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	if d < time.Hour {
		return fmt.Sprintf("%dm", int(d/time.Minute))
	}
	return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

func describeEvents(q models.Query, plan planner.Plan, requests int) string {
	domain, streams := orAll(q.Domain, "(all push domains)"), orAll(strings.Join(q.Streams, ","), "(all streams)")
	if len(plan.Windows) == 0 {
		return fmt.Sprintf("%s (Cloud API 3.0) domain=%s stream=%s: nothing to fetch", cloudapi.ActionEvents, domain, streams)
	}
	return fmt.Sprintf("%s (Cloud API 3.0) domain=%s stream=%s: the push sessions that started from %s to %s UTC, %s (and their pages of %d) of at most 30 days",
		cloudapi.ActionEvents, domain, streams, plan.From.UTC().Format(time.DateTime), plan.To.UTC().Format(time.DateTime), requestCount(requests), cloudapi.EventPageSize)
}
