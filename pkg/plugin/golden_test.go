package plugin

import (
	"flag"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/experimental"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
)

// updateGolden rewrites the golden files instead of checking against them:
// go test ./pkg/plugin -run Golden -update-golden. A missing file fails
// the test otherwise; nothing is created behind anyone's back.
var updateGolden = flag.Bool("update-golden", false, "rewrite pkg/plugin/testdata/golden/*.jsonc")

// TestGoldenFrames pins the exact frames Grafana receives: field names,
// types, units, labels, display names, the time field's interval, meta
// and notices. A change to any of them shows as a diff to review.
func TestGoldenFrames(t *testing.T) {
	cases := []struct {
		name   string
		faults simulator.Faults
		from   time.Duration
		model  map[string]any
	}{
		{"timeseries", simulator.Faults{}, 2 * time.Hour,
			map[string]any{"queryType": "timeseries", "domain": testDomain, "streamId": "live_1"}},
		{"timeseries-gaps", simulator.Faults{NullEvery: 4, Outside: 1}, 30 * time.Minute,
			map[string]any{"streamId": "live_2", "metrics": []string{"online", "flux"}}},
		{"summary", simulator.Faults{}, 6 * time.Hour,
			map[string]any{"queryType": "summary", "domain": testDomain, "streamId": "live_1,live_2,nobody"}},
		{"summary-statistic", simulator.Faults{}, 24 * time.Hour,
			map[string]any{"queryType": "summary", "streamId": "live_1,live_3", "statistic": "p95_bandwidth"}},
		// An alert rule's "every minute of the newest five above": the
		// stream that played is judged, the one that has no minute is No
		// Data, with a notice.
		{"summary-newest", simulator.Faults{}, 30 * time.Minute,
			map[string]any{"queryType": "summary", "streamId": "live_1,nobody", "statistic": "min_bandwidth", "newest": 5}},
		{"live", simulator.Faults{}, time.Hour,
			map[string]any{"queryType": "live", "domain": testDomain}},
		{"streams", simulator.Faults{}, time.Hour,
			map[string]any{"queryType": "streams", "domain": testDomain, "orderBy": "viewers"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.sim.SetFaults(tc.faults)
			resp := e.query(t, dq("A", testNow.Add(-tc.from), testNow, tc.model))
			r := resp.Responses["A"]
			experimental.CheckGoldenJSONResponse(t, "testdata/golden", tc.name, &r, *updateGolden)
		})
	}
}
