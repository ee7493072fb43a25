package plugin

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/legacy"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// snapshotQuery answers the live and streams query types from the listing
// of the streams playing now; the time range plays no part.
func (d *Datasource) snapshotQuery(ctx context.Context, q models.Query, _ backend.DataQuery, _ bool) backend.DataResponse {
	snap, err := d.live.Snapshot(ctx, q.Domain)
	if err != nil {
		log.DefaultLogger.FromContext(ctx).Warn("Listing the streams playing now failed", "queryType", q.Type, "error", err)
		return errorResponse(err)
	}
	streams := pickStreams(snap, q)
	meta := &data.FrameMeta{
		ExecutedQueryString: d.describeLive(q),
		Notices:             snapshotNotices(snap),
	}
	var resp backend.DataResponse
	if q.Type == models.QueryTypeStreams {
		resp.Frames = data.Frames{streamsFrame(streams, meta)}
	} else {
		resp.Frames = data.Frames{liveFrame(q.Domain, streams, snap, meta)}
	}
	return resp
}

// pickStreams keeps the streams the query names (all when it names none)
// that match its filter, in its order: for the live table the busiest
// first, for a variable by name or by viewers.
func pickStreams(snap *upstream.Snapshot, q models.Query) []upstream.LiveStream {
	var re *regexp.Regexp
	if q.Filter != "" {
		re = regexp.MustCompile(q.Filter) // checked by models.ParseQuery
	}
	named := !slices.Equal(q.Streams, []string{""})
	out := make([]upstream.LiveStream, 0, len(snap.Streams))
	for _, s := range snap.Streams {
		if named && !slices.Contains(q.Streams, s.Name) {
			continue
		}
		if re != nil && !re.MatchString(s.Name) {
			continue
		}
		out = append(out, s)
	}
	byName := func(a, b upstream.LiveStream) int { return cmp.Compare(a.Name, b.Name) }
	desc := func(x, y upstream.Num) int {
		// Highest first; a stream without the figure last.
		if x.Valid != y.Valid {
			if x.Valid {
				return -1
			}
			return 1
		}
		return cmp.Compare(y.Value, x.Value)
	}
	switch {
	case q.Type == models.QueryTypeLive:
		slices.SortStableFunc(out, func(a, b upstream.LiveStream) int {
			return cmp.Or(desc(a.Bandwidth, b.Bandwidth), byName(a, b))
		})
	case q.OrderBy == models.OrderByViewers:
		slices.SortStableFunc(out, func(a, b upstream.LiveStream) int {
			return cmp.Or(desc(a.Online, b.Online), byName(a, b))
		})
	default:
		slices.SortStableFunc(out, byName)
	}
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out
}

func snapshotNotices(snap *upstream.Snapshot) []data.Notice {
	var out []data.Notice
	warn := func(format string, args ...any) {
		out = append(out, data.Notice{Severity: data.NoticeSeverityWarning, Text: fmt.Sprintf(format, args...)})
	}
	if snap.DomainIgnored {
		warn("The API refused the domain as a filter for %s, so this list holds every stream of the APPID playing now, on any domain.", legacy.LiveInterface)
	}
	if snap.Truncated {
		warn("The listing stops at %d streams: %d of the %d streams playing now are shown. Narrow it with a domain or a filter.", upstream.MaxLiveStreams, len(snap.Streams), snap.StreamCount)
	}
	if snap.Repeated > 0 {
		warn("The API repeated %d streams already listed on an earlier page; each stream is shown once (the listing stopped at the first page that brought nothing new).", snap.Repeated)
	}
	if snap.Rejected > 0 {
		warn("%d rows of the API's answer had no stream name or a figure that is not a number, and are left out.", snap.Rejected)
	}
	return out
}

// streamsFrame is what a dashboard variable reads: text and value, the
// stream ID; the viewers come along for the editor's preview.
func streamsFrame(streams []upstream.LiveStream, meta *data.FrameMeta) *data.Frame {
	names := make([]string, len(streams))
	for i, s := range streams {
		names[i] = s.Name
	}
	f := data.NewFrame("streams",
		data.NewField("text", nil, names),
		data.NewField("value", nil, slices.Clone(names)),
	)
	f.Meta = meta
	return f
}

// liveFrame is the streams playing now in the numeric-long shape of
// Grafana's data plane contract: the string columns are labels, so an
// alert rule on it judges every stream on its own.
func liveFrame(domain string, streams []upstream.LiveStream, snap *upstream.Snapshot, meta *data.FrameMeta) *data.Frame {
	names := make([]string, len(streams))
	bandwidth := make([]*float64, len(streams))
	online := make([]*int64, len(streams))
	for i, s := range streams {
		names[i] = s.Name
		bandwidth[i] = numPtr(s.Bandwidth)
		if s.Online.Valid {
			online[i] = ptr(int64(math.Round(s.Online.Value)))
		}
	}
	fields := data.Fields{}
	if domain != "" {
		// Each stream is labelled with the domain it plays on: the one
		// the upstream names, else the one asked for, unless the upstream
		// refused that filter, when the stream's domain is unknown.
		domains := make([]string, len(streams))
		for i, s := range streams {
			switch {
			case s.Domain != "":
				domains[i] = s.Domain
			case !snap.DomainIgnored:
				domains[i] = domain
			}
		}
		fields = append(fields, data.NewField("domain", nil, domains))
	}
	bw := data.NewField("bandwidth", nil, bandwidth)
	bw.Config = &data.FieldConfig{Unit: UnitBandwidth, Decimals: ptr(uint16(3))}
	on := data.NewField("online", nil, online)
	on.Config = &data.FieldConfig{Unit: UnitOnline}
	fields = append(fields, data.NewField("stream_id", nil, names), bw, on)
	f := data.NewFrame("live", fields...)
	meta.Type = data.FrameTypeNumericLong
	meta.TypeVersion = data.FrameTypeVersion{0, 1}
	// The account's totals, which count every stream, filtered or not.
	meta.Custom = map[string]any{
		"streamCount":    snap.StreamCount,
		"totalBandwidth": numPtr(snap.TotalBandwidth),
		"totalOnline":    numPtr(snap.TotalOnline),
	}
	f.Meta = meta
	return f
}

func (d *Datasource) describeLive(q models.Query) string {
	domain := orAll(q.Domain, "(all domains)")
	return d.svc.describeLive(domain)
}
