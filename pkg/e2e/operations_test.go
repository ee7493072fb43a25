package e2e

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
)

// The live-operations queries through the built binary: billing totals and
// points, error counts, regions and push events, each equal to the API's,
// and each refused with 400 by a data source on the statistics interface.
func TestOperationsQueriesOverThePluginProtocol(t *testing.T) {
	h := startCloud(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	now := time.Now()
	beijing := now.In(simulator.Beijing)
	today := time.Date(beijing.Year(), beijing.Month(), beijing.Day(), 0, 0, 0, 0, simulator.Beijing)
	ask := func(refID string, from, to time.Time, model map[string]any) backend.DataResponse {
		t.Helper()
		raw, _ := json.Marshal(model)
		resp, err := h.plugin.QueryData(ctx, h.settings(secretID, secretKey), backend.DataQuery{RefID: refID, JSON: raw,
			TimeRange: backend.TimeRange{From: from, To: to}, Interval: time.Minute, MaxDataPoints: 2000})
		if err != nil {
			t.Fatal(err)
		}
		noSecret(t, resp)
		r := resp.Responses[refID]
		if r.Error != nil || len(r.Frames) == 0 {
			t.Fatalf("%s: %v, %d frames", refID, r.Error, len(r.Frames))
		}
		return r
	}

	// Billing totals of 40 days: computed from every 5-minute point.
	from, to := today.AddDate(0, 0, -41), today.AddDate(0, 0, -1)
	r := ask("totals", from, to, map[string]any{"queryType": "billingTotals"})
	_, want := h.sim.Bill("", from, to.Add(-time.Second), 5)
	p95, _ := r.Frames[0].FieldByName("p95_bandwidth")
	if got := *p95.At(0).(*float64); math.Abs(got-want.P95) > 0.0005 {
		t.Fatalf("40-day billing p95 %v, Tencent's %v", got, want.P95)
	}

	// Billing points of a day at an hour.
	r = ask("bill", today.AddDate(0, 0, -2), today.AddDate(0, 0, -1), map[string]any{"queryType": "billing", "granularity": 60})
	points, _ := h.sim.Bill("", today.AddDate(0, 0, -2), today.AddDate(0, 0, -1).Add(-time.Second), 60)
	if r.Frames[0].Rows() != 24 || len(points) != 24 || r.Frames[0].Fields[1].At(23).(float64) != points[23].Bandwidth {
		t.Fatalf("a day of hourly billing points: %d rows", r.Frames[0].Rows())
	}

	// 5xx per minute over the last two hours.
	r = ask("errors", now.Add(-2*time.Hour), now, map[string]any{"queryType": "errors", "codes": []string{"5xx"}})
	first := r.Frames[0].Fields[0].At(0).(time.Time)
	errs := h.sim.ExpectedErrors("5xx", first, now.Add(time.Minute))
	if r.Frames[0].Rows() != len(errs) || r.Frames[0].Fields[1].At(len(errs)-1).(int64) != errs[len(errs)-1].Requests {
		t.Fatalf("5xx: %d minutes, the simulator has %d", r.Frames[0].Rows(), len(errs))
	}

	// Six hours by province and ISP, in at most three requests.
	h.sim.Reset()
	r = ask("regions", now.Add(-6*time.Hour), now, map[string]any{"queryType": "regions", "metrics": []string{"bandwidth"}})
	if len(r.Frames) != len(simulator.Provinces)*len(simulator.ISPs) || h.sim.Calls() > 3 {
		t.Fatalf("regions: %d series in %d requests", len(r.Frames), h.sim.Calls())
	}

	// Two days of push sessions as annotations.
	r = ask("events", now.Add(-48*time.Hour), now, map[string]any{"queryType": "events"})
	sessions := h.sim.Sessions(now.Add(-48*time.Hour).Truncate(time.Minute).Add(time.Minute), now.Truncate(time.Minute).Add(time.Minute))
	if r.Frames[0].Rows() != len(sessions) || len(sessions) == 0 {
		t.Fatalf("%d annotations, %d sessions", r.Frames[0].Rows(), len(sessions))
	}
}

// The statistics interface has none of them: each is refused with 400,
// naming Cloud API 3.0, and costs the API nothing.
func TestOperationsQueriesAreRefusedOnTheStatisticsInterface(t *testing.T) {
	h := start(t)
	now := time.Now()
	for _, typ := range []string{"billing", "billingTotals", "errors", "regions", "events"} {
		r := h.query(t, h.settings(cmd, key, nil), q("A", now.Add(-time.Hour), now, `{"queryType":"`+typ+`"}`)).Responses["A"]
		if r.Status != backend.StatusBadRequest || r.Error == nil || !strings.Contains(r.Error.Error(), "Cloud API 3.0") {
			t.Fatalf("%s: status %d, %v", typ, r.Status, r.Error)
		}
	}
	if calls := h.sim.Calls(); calls != 0 {
		t.Fatalf("refused queries cost %d calls", calls)
	}
}
