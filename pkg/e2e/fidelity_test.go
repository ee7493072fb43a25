package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
)

// The failures a careless admin or a hostile upstream causes, seen through
// the plugin protocol as Grafana sees them.

func TestWrongTimeZoneIsNeverSilent(t *testing.T) {
	h := start(t)
	s := h.settings(cmd, key, map[string]any{"timezone": "UTC"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := h.plugin.CheckHealth(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "set Time zone to Asia/Shanghai") {
		t.Fatalf("Save & test: %v %q", res.Status, res.Message)
	}
	to := time.Now()
	r := h.query(t, s, q("A", to.Add(-24*time.Hour), to, `{"streamId":"live_1"}`)).Responses["A"]
	if r.Error == nil || !strings.Contains(r.Error.Error(), "set Time zone to Asia/Shanghai") || r.Status != backend.StatusBadRequest {
		t.Fatalf("query: %v (status %d)", r.Error, r.Status)
	}
	if len(r.Frames) == 0 || r.Frames[0].Meta == nil || len(r.Frames[0].Meta.Notices) == 0 {
		t.Fatal("no notice on the frames")
	}
}

func TestRedirectElsewhereCarriesNoSignature(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.RawQuery)
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(elsewhere.Close)
	h := start(t)
	h.sim.SetFaults(simulator.Faults{RedirectTo: elsewhere.URL + "/common_access"})
	s := h.settings(cmd, key, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := h.plugin.CheckHealth(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "redirect") || !strings.Contains(res.Message, strings.TrimPrefix(elsewhere.URL, "http://")) {
		t.Fatalf("Save & test: %v %q", res.Status, res.Message)
	}
	to := time.Now()
	r := h.query(t, s, q("A", to.Add(-24*time.Hour), to, `{"streamId":"live_1"}`)).Responses["A"]
	if r.Error == nil || r.Status != backend.StatusBadGateway {
		t.Fatalf("query: %v (status %d)", r.Error, r.Status)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 0 {
		t.Fatalf("the other host received %d requests, such as %q", len(seen), seen[0])
	}
}

func TestTruncatedBodiesAndWholeFailures(t *testing.T) {
	h := start(t)
	s := h.settings(cmd, key, nil)
	to := time.Now()
	from := to.Add(-24 * time.Hour)
	h.sim.SetFaults(simulator.Faults{TruncateEvery: 7})
	r := h.query(t, s, q("A", from, to, `{"streamId":"live_1","metrics":["flux"]}`)).Responses["A"]
	if r.Error != nil || len(r.Frames) != 1 || r.Frames[0].Rows() != 1440 {
		t.Fatalf("after retries: %v, frames %d", r.Error, len(r.Frames))
	}

	// live_2's every window fails; live_1's answer: live_2's totals are null.
	h.sim.SetFaults(simulator.Faults{})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("Param.s.stream_id") == "live_2" {
			http.Error(w, "upstream down", http.StatusServiceUnavailable)
			return
		}
		h.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	s2 := h.settings(cmd, key, map[string]any{"apiUrl": front.URL + "/common_access"})
	sr := h.query(t, s2, q("S", to.Add(-6*time.Hour), to, `{"queryType":"summary","streamId":"live_1,live_2"}`)).Responses["S"]
	if sr.Error == nil || len(sr.Frames) != 1 {
		t.Fatalf("summary: %v, %d frames", sr.Error, len(sr.Frames))
	}
	f := sr.Frames[0]
	sum, _ := f.FieldByName("sum_flux")
	if v := sum.At(0).(*float64); v == nil || *v <= 0 {
		t.Fatalf("live_1 sum_flux %v", v)
	}
	if v := sum.At(1).(*float64); v != nil {
		t.Fatalf("live_2 sum_flux %v, want null", *v)
	}
}

func TestBadInputsAreShortClearBadRequests(t *testing.T) {
	h := start(t)
	s := h.settings(cmd, key, nil)
	to := time.Now()
	long := strings.Repeat("x", 100_000)
	model := func(m map[string]any) string { b, _ := json.Marshal(m); return string(b) }
	resp := h.query(t, s,
		q("long", to.Add(-time.Hour), to, model(map[string]any{"streamId": long})),
		q("domain", to.Add(-time.Hour), to, model(map[string]any{"domain": long + ".com"})),
		q("ctl", to.Add(-time.Hour), to, model(map[string]any{"streamId": "live_1\r\nX: y"})),
		q("nul", to.Add(-time.Hour), to, model(map[string]any{"domain": "play\u0000.example.com"})),
		q("type", to.Add(-time.Hour), to, `{"domain":["a"]}`),
	)
	for ref, r := range resp.Responses {
		if r.Error == nil || r.Status != backend.StatusBadRequest || len(r.Error.Error()) > 400 {
			t.Errorf("%s: status %d, error %v", ref, r.Status, r.Error)
		}
	}
	if h.sim.Calls() != 0 {
		t.Fatalf("bad inputs reached the upstream %d times", h.sim.Calls())
	}
}

// TestCanaryKeyNeverLeaves runs health checks and queries of every kind,
// failing and succeeding, with a recognisable key, and searches everything
// the plugin returned and logged for it and for any signature.
func TestCanaryKeyNeverLeaves(t *testing.T) {
	const canary = "CANARY-5d41402abc4b2a76b9719d911017c592"
	h := start(t)
	h.sim.Key = canary
	s := h.settings(cmd, canary, nil)
	wrong := h.settings(cmd, canary+"-not", nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var returned []string
	to := time.Now()
	for _, f := range []simulator.Faults{
		{}, {Malformed: true}, {HTTPStatus: 500, HTTPFailures: -1}, {Ret: 1204, RetFailures: -1},
		{RedirectTo: "http://127.0.0.1:1/common_access"}, {RefusalStatus: 403}, {TruncateEvery: 1},
	} {
		h.sim.SetFaults(f)
		for _, ds := range []backend.DataSourceInstanceSettings{s, wrong} {
			res, err := h.plugin.CheckHealth(ctx, ds)
			if err != nil {
				t.Fatal(err)
			}
			returned = append(returned, res.Message)
			resp, err := h.plugin.QueryData(ctx, ds,
				q("A", to.Add(-3*time.Hour), to, `{"streamId":"live_1"}`),
				q("B", to.Add(-3*time.Hour), to, `{"queryType":"summary"}`))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := json.Marshal(resp)
			returned = append(returned, string(raw))
		}
	}
	everything := strings.Join(returned, "\n") + h.logs.String()
	for _, secret := range []string{canary, "sign=", "CANARY"} {
		if strings.Contains(everything, secret) {
			i := strings.Index(everything, secret)
			t.Fatalf("%q left the plugin: …%s…", secret, everything[max(0, i-200):min(len(everything), i+200)])
		}
	}
	if h.sim.Calls() == 0 || len(everything) < 1000 {
		t.Fatal("nothing was exercised")
	}
}
