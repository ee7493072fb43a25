package plugin

import (
	"context"
	"net/http"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/budget"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/collect"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/fleet"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// service is one upstream as the Grafana layer uses it. newService is the
// one place that asks which upstream a data source reads; everything else
// asks the service (service_legacy.go, service_cloudapi.go).
type service interface {
	// source is what the store and the listing fetch from.
	source() client
	// limits are the upstream's spans, retention and delay.
	limits() planner.Limits
	// identity names what a data source's minutes depend on (see
	// identityOf); only its hash reaches Redis.
	identity() string
	// bounds are the fleet's bounds of this upstream's requests.
	bounds(sp *fleet.Space) (func(*http.Request) budget.Shared, []budget.Pacer)
	// rates are this process's bounds of the upstream's documented rates,
	// when no fleet shares them (nil: none documented).
	rates() func(*http.Request) budget.Shared
	// zoneRead says the upstream's times carry no zone, so they are read
	// in the data source's time zone and checked for a shift.
	zoneRead() bool
	// describe names, for the query inspector, what is asked of whom, the
	// zone its times are shown in and how a range is cut into requests.
	describe() (who string, loc *time.Location, windows string)
	// describeLive does the same for the listing of streams playing now.
	describeLive(domain string) string
	// checkHealth is Save & test's call, and what its answer means.
	checkHealth(ctx context.Context, now time.Time) *backend.CheckHealthResult
}

// client is what the collector needs of either upstream's client.
type client interface {
	collect.Source
	collect.LiveSource
}

// newService builds the client of the upstream s chooses, sending through
// an HTTP client made from opts with the budget and, where the upstream
// wants it, request signing among its middlewares.
func newService(s models.Settings, opts httpclient.Options, b *budget.Budget, retry upstream.Retry, now func() time.Time) (service, *http.Client, error) {
	if s.Upstream == models.UpstreamCloudAPI {
		return newCloudService(s, opts, b, retry, now)
	}
	return newLegacyService(s, opts, b, retry, now)
}

func budgetMiddleware(b *budget.Budget) httpclient.Middleware {
	return httpclient.NamedMiddlewareFunc("lvb-budget", func(_ httpclient.Options, next http.RoundTripper) http.RoundTripper {
		return b.Transport(next)
	})
}
