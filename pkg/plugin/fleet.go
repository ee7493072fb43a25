package plugin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/budget"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/cloudapi"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/fleet"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
)

// identity names what a data source's minutes depend on: the upstream, its
// address, the account, a digest of the key (so that minutes fetched
// under a revoked key are not read with a new one), and for the legacy
// interface the zone its times are read in. Only its hash reaches Redis.
func identity(s models.Settings) string {
	digest := func(secret string) string {
		sum := sha256.Sum256([]byte("lvbstat/key\x00" + secret))
		return hex.EncodeToString(sum[:])
	}
	if s.Upstream == models.UpstreamCloudAPI {
		return strings.Join([]string{models.UpstreamCloudAPI, s.CloudAPIURL, s.SecretID, digest(s.SecretKey)}, "\x00")
	}
	return strings.Join([]string{models.UpstreamLegacy, s.APIURL, s.Cmd, digest(s.APIKey), s.Location.String()}, "\x00")
}

// longestFetch is the longest a fetch can take with its retries: how long
// a replica waits for another's fetch that it keeps renewing before it
// fetches too (a holder that dies stops renewing, and is taken over
// within a lease).
func longestFetch(timeout time.Duration, attempts int) time.Duration {
	return time.Duration(max(attempts, 1))*(timeout+10*time.Second) + 10*time.Second
}

// fleetBounds are the fleet's bounds of a data source's requests: at most
// maxConcurrency in flight across the fleet, and maxRequestsPerSecond a
// second, or when that is not set, for Cloud API 3.0, each action's
// documented default rate.
func fleetBounds(sp *fleet.Space, s models.Settings) (func(*http.Request) budget.Shared, []budget.Pacer) {
	rate := func(action string) float64 {
		if s.MaxRequestsPerSecond > 0 {
			return float64(s.MaxRequestsPerSecond)
		}
		return cloudapi.DefaultRates[action]
	}
	if s.Upstream != models.UpstreamCloudAPI {
		l := sp.Limiter(models.UpstreamLegacy, s.MaxConcurrency, float64(s.MaxRequestsPerSecond))
		return func(*http.Request) budget.Shared { return l }, []budget.Pacer{l}
	}
	play := sp.Limiter(cloudapi.ActionPlayInfo, s.MaxConcurrency, rate(cloudapi.ActionPlayInfo))
	all := sp.Limiter(cloudapi.ActionAllPlay, s.MaxConcurrency, rate(cloudapi.ActionAllPlay))
	return func(r *http.Request) budget.Shared {
		if cloudapi.ActionOf(r) == cloudapi.ActionAllPlay {
			return all
		}
		return play
	}, []budget.Pacer{play, all}
}

// storeState is the shared store as Save & test's details give it.
type storeState struct {
	State   string `json:"state"` // none, misconfigured, shared, or failing
	Message string `json:"message"`
}

func (d *Datasource) storeState(ctx context.Context) storeState {
	switch {
	case d.fleetErr != nil:
		return storeState{"misconfigured", "Shared store: " + d.fleetErr.Error() + "; this replica uses its own memory."}
	case d.fleet == nil:
		return storeState{"none", "Shared store: none. store_url is not set in grafana.ini's [plugin." + PluginID + "] section, so this replica fetches for itself (README, High availability)."}
	}
	ok, msg := d.fleet.Health(ctx)
	if !ok {
		return storeState{"failing", msg}
	}
	return storeState{"shared", msg}
}
