package plugin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// identityOf names what a data source's minutes depend on: the upstream,
// its address, the account, a digest of the key (so that minutes fetched
// under a revoked key are not read with a new one), and whatever else
// changes how answers read (see each service's identity).
func identityOf(parts ...string) string { return strings.Join(parts, "\x00") }

// secretDigest stands for a key in an identity.
func secretDigest(secret string) string {
	sum := sha256.Sum256([]byte("lvbstat/key\x00" + secret))
	return hex.EncodeToString(sum[:])
}

// longestFetch is the longest a fetch can take with its retries: how long
// a replica waits for another's fetch that it keeps renewing before it
// fetches too (a holder that dies stops renewing, and is taken over
// within a lease).
func longestFetch(timeout time.Duration, attempts int) time.Duration {
	return time.Duration(max(attempts, 1))*(timeout+10*time.Second) + 10*time.Second
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
