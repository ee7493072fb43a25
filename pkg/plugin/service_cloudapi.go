package plugin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/budget"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/cloudapi"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/collect"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/fleet"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// cloudService is Tencent Cloud API 3.0: SecretId and SecretKey, TC3
// signing by Tencent's SDK, times in Beijing time.
type cloudService struct {
	s      models.Settings
	client *cloudapi.Client
	now    func() time.Time
	// bills and errs keep the billing and error-count answers of settled
	// spans.
	bills *collect.Kept[cloudapi.BillQuery, *cloudapi.Bill]
	errs  *collect.Kept[cloudapi.ErrorQuery, *cloudapi.ErrorCounts]
}

// billBytes is what a billing answer holds in memory, about.
func billBytes(b *cloudapi.Bill) int64 { return 256 + int64(len(b.Points))*64 }

func newCloudService(s models.Settings, opts httpclient.Options, b *budget.Budget, retry upstream.Retry, now func() time.Time) (service, *http.Client, error) {
	// The SDK signs with TC3 itself; Grafana's middlewares and the budget
	// wrap the transport it sends with.
	opts.Middlewares = append(httpclient.DefaultMiddlewares(), budgetMiddleware(b))
	hc, err := httpclient.New(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("http client: %w", err)
	}
	c, err := cloudapi.New(cloudapi.Config{
		Endpoint: s.CloudAPIURL, SecretID: s.SecretID, SecretKey: s.SecretKey,
		Transport: hc.Transport, Timeout: s.Timeout, Retry: retry, Now: now,
	})
	if err != nil {
		return nil, nil, err
	}
	if now == nil {
		now = time.Now
	}
	// A quarter of the store's bound: billing answers are few and small
	// beside the minutes of streams.
	return &cloudService{s: s, client: c, now: now,
		bills: collect.NewKept[cloudapi.BillQuery](s.CacheBytes/4, billBytes),
		errs:  collect.NewKept[cloudapi.ErrorQuery](s.CacheBytes/16, errorBytes),
	}, hc, nil
}

func (c *cloudService) source() client         { return c.client }
func (c *cloudService) limits() planner.Limits { return planner.CloudAPI }

// zoneRead is false: the API's times say they are Beijing time.
func (c *cloudService) zoneRead() bool { return false }

func (c *cloudService) identity() string {
	return identityOf(models.UpstreamCloudAPI, c.s.CloudAPIURL, c.s.SecretID, secretDigest(c.s.SecretKey))
}

// bounds: one limiter per action, since Tencent limits each on its own;
// when the data source sets no rate, each action's documented one.
func (c *cloudService) bounds(sp *fleet.Space) (func(*http.Request) budget.Shared, []budget.Pacer) {
	rate := func(action string) float64 {
		if c.s.MaxRequestsPerSecond > 0 {
			return float64(c.s.MaxRequestsPerSecond)
		}
		return cloudapi.DefaultRates[action]
	}
	pacers := make([]budget.Pacer, 0, len(cloudapi.Actions))
	bound := perAction(func(a string) budget.Shared {
		l := sp.Limiter(a, c.s.MaxConcurrency, rate(a))
		pacers = append(pacers, l)
		return l
	})
	return bound, pacers
}

// rates keep each action to its documented default rate in this process
// when the data source sets none (a fleet keeps to them together instead;
// see bounds). Max concurrency bounds bursts.
func (c *cloudService) rates() func(*http.Request) budget.Shared {
	if c.s.MaxRequestsPerSecond > 0 {
		return nil // the budget's own rate
	}
	return perAction(func(a string) budget.Shared { return budget.Rate(cloudapi.DefaultRates[a], c.s.MaxConcurrency) })
}

// perAction makes a bound for each action and returns the one of a
// request's action (the play figures' for a request that names none).
func perAction(bound func(action string) budget.Shared) func(*http.Request) budget.Shared {
	bounds := make(map[string]budget.Shared, len(cloudapi.Actions))
	for _, a := range cloudapi.Actions {
		bounds[a] = bound(a)
	}
	return func(r *http.Request) budget.Shared {
		if b, ok := bounds[cloudapi.ActionOf(r)]; ok {
			return b
		}
		return bounds[cloudapi.ActionPlayInfo]
	}
}

func (c *cloudService) describe() (string, *time.Location, string) {
	return cloudapi.ActionPlayInfo + " (Cloud API 3.0)", cloudapi.Beijing, "requests of at most a day"
}

func (c *cloudService) describeLive(domain string) string {
	return fmt.Sprintf("%s (Cloud API 3.0) domain=%s: every stream at the newest minute the API has, listed at most once a minute",
		cloudapi.ActionAllPlay, domain)
}

// checkHealth asks for the last quarter hour the API has (its newest
// minutes come some minutes late), and then whether the key may list the
// streams, since variables and the live query need that action too.
func (c *cloudService) checkHealth(ctx context.Context, now time.Time) *backend.CheckHealthResult {
	end := now.Add(-cloudapi.Delay).Truncate(time.Minute)
	start := end.Add(-cloudHealthWindow)
	res, err := c.client.PlayStatHistory(ctx, upstream.Query{Start: start, End: end})
	if err != nil {
		log.DefaultLogger.FromContext(ctx).Warn("Health check failed", "error", err)
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: healthMessage(err)}
	}
	msg := fmt.Sprintf("Connected to Tencent Cloud API 3.0 (%s) with SecretId %s: ", cloudapi.ActionPlayInfo, maskID(c.s.SecretID))
	upTo := end.In(cloudapi.Beijing).Format("15:04") + " Beijing time"
	if res.Empty {
		msg += fmt.Sprintf("no playback in the %d minutes up to %s, which is fine if nothing was watched.", int(cloudHealthWindow.Minutes()), upTo)
	} else {
		msg += fmt.Sprintf("%d minutes of playback data in the %d minutes up to %s.", len(res.Points), int(cloudHealthWindow.Minutes()), upTo)
	}
	if _, err := c.client.LivePlayStat(ctx, ""); err != nil {
		if f := upstream.Failure(nil); errors.As(err, &f) && f.Fault().StatusCode() == http.StatusForbidden {
			return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: msg +
				" But the key may not call " + cloudapi.ActionAllPlay + ", which stream variables and the Live now query use: " + err.Error()}
		}
		msg += " Listing the streams playing now failed: " + err.Error()
	}
	return &backend.CheckHealthResult{Status: backend.HealthStatusOk, Message: msg}
}

// bill answers q from memory when its span has settled there (ended a
// settle time ago: Tencent may revise a point until then, as it does
// minutes), and else from the API, once for identical requests meanwhile.
func (c *cloudService) bill(ctx context.Context, q cloudapi.BillQuery) (*cloudapi.Bill, error) {
	settled := !q.End.After(c.now().Add(-collect.SettleFor(c.s.Settle, planner.CloudAPI)))
	b, _, err := c.bills.Get(ctx, q, settled, func(ctx context.Context) (*cloudapi.Bill, error) { return c.client.Bill(ctx, q) })
	return b, err
}

// errorBytes is what an error-count answer holds in memory, about.
func errorBytes(e *cloudapi.ErrorCounts) int64 {
	n := int64(256)
	for _, l := range e.Classes {
		n += int64(len(l)) * 40
	}
	return n
}

// playErrors answers q from memory when its span has settled, as bill.
func (c *cloudService) playErrors(ctx context.Context, q cloudapi.ErrorQuery) (*cloudapi.ErrorCounts, error) {
	settled := !q.End.After(c.now().Add(-collect.SettleFor(c.s.Settle, planner.PlayErrors)))
	e, _, err := c.errs.Get(ctx, q, settled, func(ctx context.Context) (*cloudapi.ErrorCounts, error) { return c.client.PlayErrors(ctx, q) })
	return e, err
}

// regions asks for playback by province and ISP. Fetched fresh: its key
// holds lists, and a panel asks for the last hours, mostly unsettled.
func (c *cloudService) regions(ctx context.Context, q cloudapi.RegionQuery) (*cloudapi.Regions, error) {
	return c.client.Regions(ctx, q)
}

// events lists push sessions, fresh: sessions begin and end.
func (c *cloudService) events(ctx context.Context, q cloudapi.EventQuery) (*cloudapi.Events, error) {
	return c.client.Events(ctx, q)
}

// cloudHealthWindow is how far back "Save & test" looks on Cloud API 3.0.
const cloudHealthWindow = 15 * time.Minute
