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

// TestGoldenCloudFrames pins the frames of the queries only Cloud API 3.0
// answers, and of a service's time series.
func TestGoldenCloudFrames(t *testing.T) {
	day := beijingDay(1)
	cases := []struct {
		name     string
		from, to time.Time
		model    map[string]any
	}{
		{"timeseries-service", testNow.Add(-20 * time.Minute), testNow,
			map[string]any{"streamId": "live_1", "serviceName": "LEB", "metrics": []string{"bandwidth"}}},
		{"billing", day.AddDate(0, 0, -1), day,
			map[string]any{"queryType": "billing", "domain": testDomain, "granularity": 60}},
		{"billing-totals", day.AddDate(0, 0, -1), day,
			map[string]any{"queryType": "billingTotals", "serviceName": "LVB"}},
		{"errors", testNow.Add(-20 * time.Minute), testNow,
			map[string]any{"queryType": "errors", "domain": testDomain}},
		{"regions", testNow.Add(-15 * time.Minute), testNow,
			map[string]any{"queryType": "regions", "top": 2, "metrics": []string{"bandwidth"}}},
		{"regions-table", testNow.Add(-time.Hour), testNow,
			map[string]any{"queryType": "regions", "isps": []string{"电信"}, "format": "table"}},
		{"events", testNow.Add(-12 * time.Hour), testNow,
			map[string]any{"queryType": "events", "streamId": "live_1,live_2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newCloudEnv(t, nil)
			r := e.query(t, dq("A", tc.from, tc.to, tc.model)).Responses["A"]
			experimental.CheckGoldenJSONResponse(t, "testdata/golden", tc.name, &r, *updateGolden)
		})
	}
}
