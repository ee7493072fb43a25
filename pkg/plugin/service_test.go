package plugin

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/budget"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/cloudapi"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
)

// A service's figures are that service's only, minute by minute; the two
// services' add up to both, and asking for one never reads the other's
// minutes from memory.
func TestServiceNameNarrowsToOneService(t *testing.T) {
	e := newCloudEnv(t, nil)
	from, to := testNow.Add(-3*time.Hour), testNow
	want := map[string][]simulator.Value{}
	for _, service := range []string{models.ServiceLVB, models.ServiceLEB, ""} {
		calls := e.sim.Calls()
		q := dq("A", from, to, map[string]any{"streamId": "live_1", "domain": testDomain, "serviceName": strings.ToLower(service)})
		r := e.query(t, q).Responses["A"]
		if r.Error != nil {
			t.Fatal(r.Error)
		}
		if e.sim.Calls() == calls {
			t.Fatalf("service %q was read from another service's minutes", service)
		}
		first := from.Truncate(time.Minute).Add(time.Minute)
		want[service] = e.sim.ExpectedService("live_1", service, first, to.Truncate(time.Minute).Add(time.Minute))
		bw := r.Frames[0]
		if bw.Rows() != len(want[service]) || bw.Rows() < 170 {
			t.Fatalf("service %q: %d minutes, the simulator has %d", service, bw.Rows(), len(want[service]))
		}
		for i, w := range want[service] {
			if got := bw.Fields[1].At(i).(float64); got != w.Bandwidth {
				t.Fatalf("service %q minute %d: %v Mbps, want %v", service, i, got, w.Bandwidth)
			}
		}
		if got := bw.Fields[1].Labels["service"]; got != service {
			t.Fatalf("service %q labelled %q", service, got)
		}
		if service != "" && !strings.Contains(bw.Meta.ExecutedQueryString, "service="+service) {
			t.Fatalf("the inspector does not say the service: %s", bw.Meta.ExecutedQueryString)
		}
	}
	for i := range want[""] {
		lvb, leb, both := want[models.ServiceLVB][i], want[models.ServiceLEB][i], want[""][i]
		if lvb.Online+leb.Online != both.Online || lvb.Bandwidth <= leb.Bandwidth || leb.Bandwidth <= 0 {
			t.Fatalf("minute %d: LVB %+v and LEB %+v do not make %+v", i, lvb, leb, both)
		}
	}

	// A summary names its service in a label column, for alert rules.
	q := dq("S", from, to, map[string]any{"queryType": "summary", "streamId": "live_1", "serviceName": "LEB"})
	r := e.query(t, q).Responses["S"]
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	f, _ := r.Frames[0].FieldByName("service")
	if f == nil || f.Len() != 1 || f.At(0) != "LEB" {
		t.Fatalf("the summary has no service column: %v", r.Frames[0].Fields)
	}
}

func TestServiceNameIsRefusedWhereItCannotApply(t *testing.T) {
	cloud := newCloudEnv(t, nil)
	legacy := newEnv(t, nil)
	for _, tc := range []struct {
		name  string
		query func(*testing.T, ...backend.DataQuery) *backend.QueryDataResponse
		model map[string]any
		says  string
	}{
		{"legacy", legacy.query, map[string]any{"serviceName": "LEB"}, "Cloud API 3.0"},
		{"unknown", cloud.query, map[string]any{"serviceName": "WEBRTC"}, "LVB"},
		{"live", cloud.query, map[string]any{"queryType": "live", "serviceName": "LVB"}, "leave it empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.query(t, dq("A", testNow.Add(-time.Hour), testNow, tc.model)).Responses["A"]
			if r.Error == nil || r.Status != backend.StatusBadRequest || !strings.Contains(r.Error.Error(), tc.says) {
				t.Fatalf("status %d, error %v; want 400 saying %q", r.Status, r.Error, tc.says)
			}
			if r.ErrorSource != backend.ErrorSourceDownstream {
				t.Fatalf("error source %q", r.ErrorSource)
			}
		})
	}
}

// Without a fleet, each Cloud API 3.0 action keeps to its documented
// default rate in this process, unless the data source sets its own.
func TestEachActionKeepsToItsRateAlone(t *testing.T) {
	e := newCloudEnv(t, nil)
	rates := e.ds.svc.rates()
	if rates == nil {
		t.Fatal("no rates")
	}
	for action, want := range cloudapi.DefaultRates {
		req, _ := http.NewRequest(http.MethodPost, "https://live.tencentcloudapi.com", nil)
		req.Header.Set("X-TC-Action", action)
		b, ok := rates(req).(*budget.RateBound)
		if !ok || b.PerSecond() != want {
			t.Errorf("%s: %v a second, want %v", action, b, want)
		}
	}
	if own := newCloudEnv(t, map[string]any{"maxRequestsPerSecond": 5}); own.ds.svc.rates() != nil {
		t.Error("a data source's own rate is not the one kept")
	}
	if newEnv(t, nil).ds.svc.rates() != nil {
		t.Error("the statistics interface documents no rate, yet one is kept")
	}
}
