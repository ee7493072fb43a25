package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/pluginhost"
	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/plugin"
)

const (
	secretID  = "AKIDe2e00000000000000000000000000000"
	secretKey = "e2e-secret-key-do-not-print-0123456789"
)

type cloudHarness struct {
	sim    *simulator.CloudAPI
	url    string
	plugin *pluginhost.Plugin
	uid    int
}

func startCloud(t *testing.T) *cloudHarness {
	t.Helper()
	sim := simulator.NewCloudAPI(secretID, secretKey, domain, "live_1", "live_2")
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	p, _ := launch(t, []string{secretKey})
	return &cloudHarness{sim: sim, url: srv.URL, plugin: p}
}

func (h *cloudHarness) settings(id, key string) backend.DataSourceInstanceSettings {
	return h.settingsWith(id, key, nil)
}

func (h *cloudHarness) settingsWith(id, key string, extra map[string]any) backend.DataSourceInstanceSettings {
	h.uid++
	jd := map[string]any{"upstream": "cloudapi", "cloudApiUrl": h.url, "secretId": id}
	for k, v := range extra {
		jd[k] = v
	}
	raw, _ := json.Marshal(jd)
	return backend.DataSourceInstanceSettings{
		ID: int64(h.uid), UID: fmt.Sprintf("cloud-%d", h.uid), Name: "Tencent Cloud Live (API 3.0)", Type: plugin.PluginID, JSONData: raw,
		DecryptedSecureJSONData: map[string]string{"secretKey": key}, Updated: time.Now(),
	}
}

func noSecret(t *testing.T, v any) {
	t.Helper()
	raw, _ := json.Marshal(v)
	if strings.Contains(string(raw), secretKey) {
		t.Fatalf("the plugin returned the SecretKey: %.300s", raw)
	}
}

// wholeSeries fails unless frame f (time, value) holds every minute the
// simulator has for stream between its first and last rows, and no fewer
// than least rows.
func (h *cloudHarness) wholeSeries(t *testing.T, f *data.Frame, stream string, least int) []simulator.Value {
	t.Helper()
	if f.Rows() == 0 {
		t.Fatalf("%s: no rows", stream)
	}
	first, last := f.Fields[0].At(0).(time.Time), f.Fields[0].At(f.Rows()-1).(time.Time)
	want := h.sim.Expected(stream, first, last.Add(time.Minute))
	if f.Rows() != len(want) || f.Rows() < least {
		t.Fatalf("%s: %d minutes from %v to %v; the simulator has %d", stream, f.Rows(), first, last, len(want))
	}
	return want
}

// A day and a week of one stream on Cloud API 3.0 through the binary:
// calls counted, every minute the plugin shows equal to the simulator's,
// none missing.
func TestCloudAPIOverThePluginProtocol(t *testing.T) {
	h := startCloud(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, tc := range []struct {
		span     time.Duration
		maxCalls int
	}{{24 * time.Hour, 2}, {7 * 24 * time.Hour, 8}} {
		h.sim.Reset()
		now := time.Now()
		q := backend.DataQuery{RefID: "A", JSON: []byte(`{"streamId":"live_1","metrics":["bandwidth","requests"]}`),
			TimeRange: backend.TimeRange{From: now.Add(-tc.span), To: now}, Interval: time.Minute, MaxDataPoints: 20000}
		resp, err := h.plugin.QueryData(ctx, h.settings(secretID, secretKey), q)
		if err != nil {
			t.Fatal(err)
		}
		noSecret(t, resp)
		r := resp.Responses["A"]
		if r.Error != nil || len(r.Frames) != 2 {
			t.Fatalf("%v: %v, %d frames", tc.span, r.Error, len(r.Frames))
		}
		bw, req := r.Frames[0], r.Frames[1]
		for i, w := range h.wholeSeries(t, bw, "live_1", int(tc.span/time.Minute)-10) {
			if !bw.Fields[0].At(i).(time.Time).Equal(w.Time) || bw.Fields[1].At(i).(float64) != w.Bandwidth || req.Fields[1].At(i).(int64) != w.Requests {
				t.Fatalf("%v, minute %d: %v %v %v, want %+v", tc.span, i, bw.Fields[0].At(i), bw.Fields[1].At(i), req.Fields[1].At(i), w)
			}
		}
		if calls := h.sim.Calls(); calls > tc.maxCalls {
			t.Fatalf("%v took %d calls, want at most %d", tc.span, calls, tc.maxCalls)
		}
	}
}

// Wrong credentials of each kind, a missing CAM permission and throttling,
// through the binary: distinct messages, none with the key.
func TestCloudAPIRefusalsOverThePluginProtocol(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	messages := map[string]string{}
	for _, tc := range []struct {
		name, id, key, says string
		setup               func(*simulator.CloudAPI)
	}{
		{"SecretId", "AKIDunknown0000", secretKey, "SecretId is not known", nil},
		{"SecretKey", secretID, "wrong-secret-key-000000000000", "SecretKey is wrong", nil},
		{"clock", secretID, secretKey, "clock", func(s *simulator.CloudAPI) {
			s.Clock = func() time.Time { return time.Now().Add(10 * time.Minute) }
		}},
		{"CAM", secretID, secretKey, "CAM policy", func(s *simulator.CloudAPI) { s.Deny("DescribeStreamPlayInfoList") }},
		{"disabled", secretID, secretKey, "not enabled", func(s *simulator.CloudAPI) { s.Disable() }},
		{"throttled", secretID, secretKey, "too frequent", func(s *simulator.CloudAPI) { s.ThrottleNext(-1) }},
	} {
		h := startCloud(t)
		if tc.setup != nil {
			tc.setup(h.sim)
		}
		res, err := h.plugin.CheckHealth(ctx, h.settings(tc.id, tc.key))
		if err != nil {
			t.Fatal(err)
		}
		noSecret(t, res)
		if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, tc.says) || strings.Contains(res.Message, tc.key) {
			t.Fatalf("%s: %v %s", tc.name, res.Status, res.Message)
		}
		for other, msg := range messages {
			if msg == res.Message {
				t.Fatalf("%s and %s give the same message", tc.name, other)
			}
		}
		messages[tc.name] = res.Message
	}
}
