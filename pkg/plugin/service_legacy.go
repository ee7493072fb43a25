package plugin

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/budget"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/collect"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/fleet"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/legacy"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// legacyService is Get_LivePlayStatHistory and Get_LivePlayStat on
// common_access: APPID and API key, md5 signing, times without a zone.
type legacyService struct {
	s      models.Settings
	client *legacy.Client
}

func newLegacyService(s models.Settings, opts httpclient.Options, b *budget.Budget, retry upstream.Retry, now func() time.Time) (service, *http.Client, error) {
	opts.Middlewares = middlewares(b, s.APIKey, now)
	hc, err := httpclient.New(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("http client: %w", err)
	}
	c, err := legacy.New(legacy.Config{Endpoint: s.APIURL, Cmd: s.Cmd, Location: s.Location, HTTPClient: hc, Retry: retry})
	if err != nil {
		return nil, nil, err
	}
	return &legacyService{s: s, client: c}, hc, nil
}

// middlewares are the SDK's defaults, then the upstream budget, then request
// signing. The budget sits at the transport, where requests are really
// sent, so that it bounds every query, retry and shared request together.
// Signing comes last, so that it is innermost: tracing, metrics and errors
// above it only ever see the unsigned URL, and a request is signed only once
// it has its slot, so a long wait cannot let the signature expire.
func middlewares(b *budget.Budget, key string, now func() time.Time) []httpclient.Middleware {
	return append(httpclient.DefaultMiddlewares(),
		budgetMiddleware(b),
		httpclient.NamedMiddlewareFunc("lvb-sign", func(_ httpclient.Options, next http.RoundTripper) http.RoundTripper {
			return &legacy.SigningTransport{Key: key, Next: next, Now: now}
		}))
}

func (l *legacyService) source() client         { return l.client }
func (l *legacyService) limits() planner.Limits { return planner.Legacy }
func (l *legacyService) zoneRead() bool         { return true }

// identity holds the zone too: the same answers read in another zone are
// other minutes.
func (l *legacyService) identity() string {
	return identityOf(models.UpstreamLegacy, l.s.APIURL, l.s.Cmd, secretDigest(l.s.APIKey), l.s.Location.String())
}

// bounds: one limiter for the interface, at the data source's settings.
func (l *legacyService) bounds(sp *fleet.Space) (func(*http.Request) budget.Shared, []budget.Pacer) {
	lim := sp.Limiter(models.UpstreamLegacy, l.s.MaxConcurrency, float64(l.s.MaxRequestsPerSecond))
	return func(*http.Request) budget.Shared { return lim }, []budget.Pacer{lim}
}

// rates: the statistics interface documents none.
func (l *legacyService) rates() func(*http.Request) budget.Shared { return nil }

func (l *legacyService) describe() (string, *time.Location, string) {
	return fmt.Sprintf("%s cmd=%s", legacy.Interface, l.s.Cmd), l.s.Location, "two-hour windows"
}

func (l *legacyService) describeLive(domain string) string {
	return fmt.Sprintf("%s cmd=%s domain=%s: the streams playing now, pages of %d, listed at most once a minute",
		legacy.LiveInterface, l.s.Cmd, domain, legacy.MaxPageSize)
}

// checkHealth asks for the minutes that started in the last healthWindow,
// and reads them as a query would: a wrong time zone shows here first.
func (l *legacyService) checkHealth(ctx context.Context, now time.Time) *backend.CheckHealthResult {
	w := planner.Window{Start: now.Add(-healthWindow).Truncate(time.Minute).Add(time.Minute), End: now.Truncate(time.Second).Add(time.Second)}
	res, err := l.client.PlayStatHistory(ctx, upstream.Query{Start: w.Start, End: w.End})
	if err != nil {
		log.DefaultLogger.FromContext(ctx).Warn("Health check failed", "error", err)
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: healthMessage(err)}
	}
	s := collect.ReadWindow(w, res, likelyShift(l.s.Location, w.Start))
	if s.Dropped.Shift != 0 {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: fmt.Sprintf(
			"Connected to Tencent Cloud Live statistics for APPID %s, but %d of the %d minutes it answered lie outside the %d minutes asked for. %s",
			l.s.Cmd, s.Dropped.Outside, s.Dropped.Outside+s.Dropped.Duplicates+len(s.Points), int(healthWindow.Minutes()), zoneAdvice(s.Dropped.Shift, l.s.Location, s.Dropped.OutsideExample.Time))}
	}
	msg := fmt.Sprintf("Connected to Tencent Cloud Live statistics for APPID %s: ", l.s.Cmd)
	if res.Empty {
		msg += fmt.Sprintf("no playback in the last %d minutes, which is fine if nothing was watched.", int(healthWindow.Minutes()))
	} else {
		msg += fmt.Sprintf("%d minutes of playback data in the last %d minutes.", len(s.Points), int(healthWindow.Minutes()))
	}
	if n := droppedNotice(&s, l.s.Location); n != nil {
		msg += " But: " + n.Text
	}
	if strings.HasPrefix(strings.ToLower(l.s.APIURL), "http://") {
		msg += " " + legacy.PlainHTTPWarning
	}
	return &backend.CheckHealthResult{Status: backend.HealthStatusOk, Message: msg}
}
