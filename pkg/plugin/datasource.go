// Package plugin is the Grafana-facing layer: it reads settings and queries,
// hands the work to the planner, collector and API client, and turns their
// answers into data frames, health results and error sources.
package plugin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/backend/tracing"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"go.opentelemetry.io/otel/attribute"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/budget"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/collect"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/downsample"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/fleet"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/memory"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// PluginID is the id in src/plugin.json.
const PluginID = "lvbstat-tencent-datasource"

var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ backend.CallResourceHandler   = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// Datasource is one configured data source.
type Datasource struct {
	settings models.Settings
	// settingsErr is kept rather than returned by the factory, so that the
	// health check and every query can say what to fix in the settings.
	settingsErr error
	svc         service // the upstream read from
	store       *collect.Store
	live        *collect.Live
	// resourceHandler serves CallResource; see resources.go.
	resourceHandler backend.CallResourceHandler
	httpClient      *http.Client
	budget          *budget.Budget
	answers         answers
	now             func() time.Time
	// The fleet's shared store (nil: none), or what is wrong with its
	// configuration.
	fleet    *fleet.Store
	fleetErr error
	// memory is the process's memory policy, told what the store keeps,
	// and memoryErr a memory_limit it could not read.
	memory    *memory.Policy
	memoryErr error
}

// Options are what New takes besides the settings: the process's shared
// parts, which Factory fills in from Process, and the clock and retry
// policy, which production leaves at their defaults and tests set.
type Options struct {
	Now   func() time.Time
	Retry *upstream.Retry
	// Fleet is the process's shared store (nil: none), and FleetErr what
	// is wrong with its settings; Memory the process's memory policy, and
	// MemoryErr a memory_limit it could not read (see Process).
	Fleet     *fleet.Store
	FleetErr  error
	Memory    *memory.Policy
	MemoryErr error
}

// New builds a data source instance.
func New(ctx context.Context, s backend.DataSourceInstanceSettings, o Options) (*Datasource, error) {
	ds := &Datasource{now: o.Now, fleet: o.Fleet, fleetErr: o.FleetErr, memory: o.Memory, memoryErr: o.MemoryErr}
	if ds.now == nil {
		ds.now = time.Now
	}
	ds.resourceHandler = ds.resources()
	ds.settings, ds.settingsErr = models.ParseSettings(s)
	if ds.settingsErr != nil {
		return ds, nil
	}
	opts, err := s.HTTPClientOptions(ctx)
	if err != nil {
		return nil, fmt.Errorf("http client options: %w", err)
	}
	timeouts := httpclient.DefaultTimeoutOptions
	if opts.Timeouts != nil {
		timeouts = *opts.Timeouts
	}
	timeouts.Timeout = ds.settings.Timeout
	opts.Timeouts = &timeouts
	ds.budget = budget.New(ds.settings.MaxConcurrency, float64(ds.settings.MaxRequestsPerSecond))
	retry := upstream.DefaultRetry
	if o.Retry != nil {
		retry = *o.Retry
	}
	retry.Pacer = ds.budget
	if ds.svc, ds.httpClient, err = newService(ds.settings, opts, ds.budget, retry, o.Now); err != nil {
		return nil, err
	}
	// A new instance, made by Grafana for every settings change, starts
	// with an empty store: no answer for the old settings is ever served.
	ds.live = collect.NewLive(ds.svc.source(), ds.now)
	ds.store = collect.NewStore(ds.svc.source(), ds.svc.limits(), ds.settings.MaxConcurrency, ds.settings.Settle, ds.settings.CacheBytes, ds.now)
	if ds.fleet != nil {
		space := ds.fleet.Space(ds.svc.identity())
		ds.store.ShareWith(space, longestFetch(ds.settings.Timeout, retry.Attempts))
		bound, pacers := ds.svc.bounds(space)
		ds.budget.Share(bound, pacers...)
	} else if rates := ds.svc.rates(); rates != nil {
		ds.budget.Share(rates)
	}
	if ds.memory != nil {
		st := ds.store
		st.Observe(func(bytes int64) { ds.memory.Keep(st, bytes) })
	}
	return ds, nil
}

// CallResource serves the editors' calls (see resources.go).
func (d *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	return d.resourceHandler.CallResource(ctx, req, sender)
}

// Dispose closes idle connections when Grafana replaces the instance after
// a settings change, and takes its minutes out of the memory policy's count
// (the instance, and so its store, is let go).
func (d *Datasource) Dispose() {
	if d.httpClient != nil {
		d.httpClient.CloseIdleConnections()
	}
	if d.store != nil {
		d.memory.Forget(d.store)
	}
}

// QueryData answers every query of the request; one query's failure never
// fails another.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	started := time.Now()
	resp := backend.NewQueryDataResponse()
	var mu sync.Mutex
	var wg sync.WaitGroup
	// Alert rules judge raw minutes, never buckets, whatever they ask for.
	fromAlert := req.Headers["FromAlert"] == "true"
	for _, q := range req.Queries {
		wg.Go(func() {
			r := d.query(ctx, q, fromAlert)
			mu.Lock()
			resp.Responses[q.RefID] = r
			mu.Unlock()
		})
	}
	wg.Wait()
	// The time spent in the plugin, frames included, for operators and for
	// the benchmark, which tells it from the time on the wire.
	log.DefaultLogger.FromContext(ctx).Debug("Queries answered", "queries", len(req.Queries),
		"elapsedMs", float64(time.Since(started).Microseconds())/1000)
	return resp, nil
}

func (d *Datasource) query(ctx context.Context, dq backend.DataQuery, fromAlert bool) backend.DataResponse {
	if d.settingsErr != nil {
		return badRequest(d.settingsErr)
	}
	q, err := models.ParseQueryFor(dq, d.settings.MaxStreams, d.settings.Upstream)
	if err != nil {
		return badRequest(err)
	}
	resp := handlers[q.Type](d, ctx, q, dq, fromAlert)
	if resp.Error != nil {
		log.DefaultLogger.FromContext(ctx).Warn("Query failed", "refId", dq.RefID, "queryType", q.Type, "status", int(resp.Status), "error", resp.Error)
	}
	return resp
}

// rangeQuery answers the per-minute figures of a time range: a time series
// or a summary.
func (d *Datasource) rangeQuery(ctx context.Context, q models.Query, dq backend.DataQuery, fromAlert bool) backend.DataResponse {
	now := d.now()
	plan, err := d.svc.limits().Build(dq.TimeRange.From, dq.TimeRange.To, now)
	if err != nil {
		return badRequest(err)
	}

	ctx, span := tracing.DefaultTracer().Start(ctx, "lvbstat.query")
	defer span.End()
	span.SetAttributes(
		attribute.String("query_type", q.Type),
		attribute.Int("streams", len(q.Streams)),
		attribute.Int("windows", len(plan.Windows)),
	)

	var width time.Duration
	if q.Type == models.QueryTypeTimeSeries && !fromAlert {
		width = downsample.Width(int(dq.MaxDataPoints), dq.Interval, plan.To.Sub(plan.From))
	}
	// Everything the answer depends on, down to the minute the store's
	// freshness follows; %#v keeps every field of Query in it.
	key := fmt.Sprintf("%#v|%d|%d|%d|%d|%d", q, plan.From.Unix(), plan.To.Unix(), width, dq.MaxDataPoints, now.Unix()/60)
	return d.answers.get(ctx, key, func(ctx context.Context) backend.DataResponse {
		return d.answer(ctx, q, plan, width, dq.MaxDataPoints)
	})
}

// answerBytes is what q's answer may hold in flight: a row a stream and
// minute, or bucket.
func answerBytes(q models.Query, plan planner.Plan, width time.Duration) int64 {
	rows := int64(plan.To.Sub(plan.From) / time.Minute)
	if width > time.Minute {
		rows = int64(plan.To.Sub(plan.From)/width) + 1
	}
	return int64(len(q.Streams)) * rows * memory.PerRow
}

// answer fetches what q needs and builds its frames, with notices for what
// was partial, and an error for what failed.
func (d *Datasource) answer(ctx context.Context, q models.Query, plan planner.Plan, width time.Duration, maxPoints int64) backend.DataResponse {
	logger := log.DefaultLogger.FromContext(ctx)
	defer d.memory.Reserve(answerBytes(q, plan, width))()
	framer := newFramer(q, width)
	series := collect.Run(ctx, d.store, collect.Job{
		Domain: q.Domain, Service: q.Service, Streams: q.Streams, From: plan.From, To: plan.To, Windows: plan.Windows,
		Bucket: width, Aggregation: q.Aggregation, BucketZone: d.settings.Location,
		ZoneRead:    d.svc.zoneRead(),
		LikelyShift: likelyShift(d.settings.Location, plan.From),
		Done:        framer.done,
	})

	o := review(series, plan, d.settings.Location, q.Type == models.QueryTypeSummary)
	for _, s := range series {
		if s.Dropped.Any() {
			logger.Warn("Upstream rows left out", "stream", s.StreamID,
				"outside", s.Dropped.Outside, "duplicates", s.Dropped.Duplicates, "unreadable", s.Dropped.Unreadable, "shift", s.Dropped.Shift)
		}
	}
	executed := d.describe(q, plan, width, maxPoints)
	meta := func() *data.FrameMeta {
		return &data.FrameMeta{ExecutedQueryString: executed, Notices: append([]data.Notice(nil), o.notices...)}
	}
	cs := d.store.Stats()
	logger.Debug("Query done", "queryType", q.Type, "streams", len(q.Streams),
		"windows", len(plan.Windows), "failedWindows", o.failed,
		"minutesFromMemory", cs.Served, "upstreamFetches", cs.Fetches, "sharedFetches", cs.Shared,
		"storeBytes", cs.Bytes, "memoryLimit", d.memory.Limit(), "upstreamInFlight", d.budget.Stats().InFlight)

	if o.windows > 0 && o.failed == o.windows {
		return errorResponse(o.firstErr)
	}

	var resp backend.DataResponse
	switch q.Type {
	case models.QueryTypeSummary:
		resp.Frames = data.Frames{summaryFrame(series, framer.sums, q.Statistic, q.Newest, meta())}
	default:
		resp.Frames = framer.timeSeries(meta)
	}
	var e backend.DataResponse
	switch {
	case o.zoneErr != nil:
		// The minutes shown are at the wrong instants, not merely few:
		// an alert rule must not judge them, and the admin must see why.
		e = badRequest(fmt.Errorf("the data source's time zone does not match the API's times, so minutes were misplaced or left out. %w", o.zoneErr))
	case o.failed > 0:
		// Partial data is shown, but flagged as an error too: an alert rule
		// must not judge a stream by the windows that happened to answer.
		e = errorResponse(fmt.Errorf("%d of %d windows failed; the data shown is incomplete: %w", o.failed, o.windows, o.firstErr))
	default:
		return resp
	}
	resp.Error, resp.ErrorSource, resp.Status = e.Error, e.ErrorSource, e.Status
	return resp
}

// badRequest answers a problem with what the user or the admin entered.
func badRequest(err error) backend.DataResponse {
	r := backend.ErrorResponseWithErrorSource(backend.DownstreamError(err))
	r.Status = backend.StatusBadRequest
	return r
}

// describe is what the query inspector shows as the executed query: what
// was asked, never the key or a signature.
func (d *Datasource) describe(q models.Query, plan planner.Plan, width time.Duration, maxPoints int64) string {
	streams := orAll(strings.Join(q.Streams, ","), "(all streams)")
	domain := orAll(q.Domain, "(all domains)")
	// What was asked of whom, never a key or a signature.
	who, loc, windows := d.svc.describe()
	if len(plan.Windows) == 0 {
		return fmt.Sprintf("%s domain=%s stream_id=%s: nothing to fetch", who, domain, streams)
	}
	if q.Service != "" {
		domain += " service=" + q.Service
	}
	s := fmt.Sprintf("%s domain=%s stream_id=%s from %s to %s: %d minutes a stream, in %s",
		who, domain, streams,
		plan.From.In(loc).Format(time.DateTime), plan.To.In(loc).Format(time.DateTime),
		int(plan.To.Sub(plan.From)/time.Minute), windows)
	if width > 0 {
		by := "maximum"
		if q.Aggregation == downsample.Avg {
			by = "average"
		}
		s += fmt.Sprintf("; shown in %s buckets (flux summed, bandwidth and online by %s) for the panel's %d points and its interval",
			downsample.Name(width), by, maxPoints)
	}
	if q.Newest > 0 {
		s += fmt.Sprintf("; summed up over each stream's newest %d minutes that have arrived (meta.custom.newestMinute says which)", q.Newest)
	}
	return s
}

// errorResponse marks upstream and network failures as downstream errors
// and anything else as the plugin's own.
func errorResponse(err error) backend.DataResponse {
	var f upstream.Failure
	var status backend.Status
	switch {
	case errors.As(err, &f):
		status = backend.Status(f.Fault().StatusCode())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		status = backend.StatusTimeout
	default:
		return backend.ErrorResponseWithErrorSource(backend.PluginError(err))
	}
	r := backend.ErrorResponseWithErrorSource(backend.DownstreamError(err))
	r.Status = status
	return r
}
