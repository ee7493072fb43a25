// Package e2e runs the built plugin binary the way Grafana does, over
// hashicorp go-plugin with the SDK's handshake and gRPC services, against
// the endpoint simulator.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
	cmd    = "1250000123"
	key    = "c4ca4238a0b923820dcc509a6f75849b"
	domain = "play.e2e.example.com"
)

var binary string

// TestMain uses the binary named by LVBSTAT_PLUGIN_BINARY (the one
// `go tool mage check` built with the SDK's build) or builds one.
func TestMain(m *testing.M) {
	binary = os.Getenv("LVBSTAT_PLUGIN_BINARY")
	var dir string
	if binary == "" {
		var err error
		dir, err = os.MkdirTemp("", "lvbstat-e2e")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		binary = filepath.Join(dir, "gpx_lvbstat_"+runtime.GOOS+"_"+runtime.GOARCH)
		build := exec.Command("go", "build", "-tags", "arrow_json_stdlib", "-o", binary, "../../pkg")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building the plugin:", err)
			os.Exit(1)
		}
	}
	code := m.Run()
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

type harness struct {
	sim    *simulator.Simulator
	url    string
	plugin *pluginhost.Plugin
	logs   *pluginhost.Logs
}

// start launches the plugin against a new simulator, with env added to
// its environment (as grafana.ini's [plugin.lvbstat-tencent-datasource]
// section would pass settings).
func start(t *testing.T, env ...string) *harness {
	t.Helper()
	sim := simulator.New(cmd, key, domain, "live_1", "live_2")
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	p, logs := launch(t, []string{key, "sign="}, env...)
	return &harness{sim: sim, url: srv.URL + "/common_access", plugin: p, logs: logs}
}

// launch starts the built plugin with env added to its environment, and
// at the test's end checks that it is still alive and, whatever happened,
// that none of secrets is in what it logged.
func launch(t *testing.T, secrets []string, env ...string) (*pluginhost.Plugin, *pluginhost.Logs) {
	t.Helper()
	logs := &pluginhost.Logs{}
	p, err := pluginhost.Start(binary, plugin.PluginID, logs, append(os.Environ(), env...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.Exited() {
			t.Errorf("the plugin process died; its log:\n%s", logs.String())
		}
		p.Close()
		for _, secret := range secrets {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("the plugin logged %q:\n%s", secret, logs.String())
			}
		}
	})
	return p, logs
}

func (h *harness) settings(c, k string, extra map[string]any) backend.DataSourceInstanceSettings {
	jd := map[string]any{"apiUrl": h.url, "cmd": c}
	for n, v := range extra {
		jd[n] = v
	}
	raw, _ := json.Marshal(jd)
	return backend.DataSourceInstanceSettings{
		ID: 1, UID: "lvb-" + c + k[:4], Name: "Tencent LVB", Type: plugin.PluginID, JSONData: raw,
		DecryptedSecureJSONData: map[string]string{"apiKey": k}, Updated: time.Now(),
	}
}

func (h *harness) query(t *testing.T, s backend.DataSourceInstanceSettings, qs ...backend.DataQuery) *backend.QueryDataResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	resp, err := h.plugin.QueryData(ctx, s, qs...)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(resp)
	if strings.Contains(string(raw), key) || strings.Contains(string(raw), "sign=") {
		t.Fatalf("the response carries a credential: %s", raw)
	}
	return resp
}

func q(refID string, from, to time.Time, model string) backend.DataQuery {
	return backend.DataQuery{RefID: refID, JSON: []byte(model), TimeRange: backend.TimeRange{From: from, To: to},
		Interval: time.Minute, MaxDataPoints: 1500}
}

func TestHealthOverThePluginProtocol(t *testing.T) {
	h := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cases := []struct {
		name     string
		s        backend.DataSourceInstanceSettings
		status   backend.HealthStatus
		says     string
		upstream int
	}{
		{"ok", h.settings(cmd, key, nil), backend.HealthStatusOk, "Connected", 1},
		{"wrong key", h.settings(cmd, "0123456789abcdef0123456789abcdef", nil), backend.HealthStatusError, "API key is wrong", 1},
		{"wrong cmd", h.settings("1250000999", key, nil), backend.HealthStatusError, "does not recognise the APPID", 1},
		{"no key", h.settings(cmd, "    ", nil), backend.HealthStatusError, "API key is missing", 0},
	}
	for _, tc := range cases {
		h.sim.Reset()
		res, err := h.plugin.CheckHealth(ctx, tc.s)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != tc.status || !strings.Contains(res.Message, tc.says) {
			t.Errorf("%s: %v %q", tc.name, res.Status, res.Message)
		}
		if strings.Contains(res.Message, key) {
			t.Errorf("%s: health message carries the key", tc.name)
		}
		if h.sim.Calls() != tc.upstream {
			t.Errorf("%s: %d upstream calls, want %d", tc.name, h.sim.Calls(), tc.upstream)
		}
	}
}

func TestDayOfOneStreamOverThePluginProtocol(t *testing.T) {
	h := start(t)
	to := time.Now()
	from := to.Add(-24 * time.Hour)
	resp := h.query(t, h.settings(cmd, key, nil),
		q("A", from, to, `{"queryType":"timeseries","domain":"`+domain+`","streamId":"live_1"}`))
	r := resp.Responses["A"]
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	want := h.sim.Expected("live_1", from.Truncate(time.Minute).Add(time.Minute), to.Truncate(time.Minute).Add(time.Minute))
	if len(want) != 1440 || len(r.Frames) != 3 {
		t.Fatalf("%d expected minutes, %d frames", len(want), len(r.Frames))
	}
	for _, f := range r.Frames {
		if f.Meta.Type != data.FrameTypeTimeSeriesMulti || f.Rows() != 1440 {
			t.Fatalf("frame %s: type %s, %d rows", f.Name, f.Meta.Type, f.Rows())
		}
		val := f.Fields[1]
		for i := range f.Rows() {
			ts := f.Fields[0].At(i).(time.Time)
			var got, exp float64
			switch val.Name {
			case "bandwidth":
				got, exp = val.At(i).(float64), want[i].Bandwidth
			case "online":
				got, exp = float64(val.At(i).(int64)), float64(want[i].Online)
			case "flux":
				got, exp = val.At(i).(float64), want[i].Flux
			default:
				t.Fatalf("unexpected field %s", val.Name)
			}
			if !ts.Equal(want[i].Time) || got != exp {
				t.Fatalf("%s[%d] = %v at %s, want %v at %s", val.Name, i, got, ts, exp, want[i].Time)
			}
		}
	}
	reqs := h.sim.Requests()
	if len(reqs) > 13 {
		t.Fatalf("%d upstream calls", len(reqs))
	}
	for _, rq := range reqs {
		if rq.End.Sub(rq.Start) > 2*time.Hour || rq.Ret != 0 {
			t.Fatalf("upstream call %+v", rq)
		}
	}
}

func TestSummaryEmptyAndRetentionOverThePluginProtocol(t *testing.T) {
	h := start(t)
	s := h.settings(cmd, key, map[string]any{"maxConcurrency": "4"})
	to := time.Now()
	sr := h.query(t, s, q("S", to.Add(-5*time.Hour), to, `{"queryType":"summary","streamId":"live_1,live_2"}`)).Responses["S"]
	if sr.Error != nil || len(sr.Frames) != 1 || sr.Frames[0].Rows() != 2 {
		t.Fatalf("summary: %v %v", sr.Error, sr.Frames)
	}
	for i := range 2 {
		stream := sr.Frames[0].Fields[1].At(i).(string)
		got := *sr.Frames[0].Fields[2].At(i).(*float64)
		// The upstream's flux over the range, each minute once.
		var inRange float64
		for _, v := range h.sim.Expected(stream, to.Add(-5*time.Hour).Truncate(time.Minute).Add(time.Minute), to.Truncate(time.Minute).Add(time.Minute)) {
			inRange += v.Flux
		}
		if inRange == 0 || math.Abs(got-inRange) > 0.01 {
			t.Fatalf("%s sum_flux %v, flux of the range %v", stream, got, inRange)
		}
	}

	every := q("R", to.Add(-20*24*time.Hour), to, `{"streamId":"live_2","metrics":["bandwidth"]}`)
	every.MaxDataPoints = 100_000 // every minute, not buckets
	resp := h.query(t, s,
		q("E", to.Add(-5*time.Hour), to, `{"streamId":"no_such_stream"}`),
		every,
		q("X", to.Add(-time.Hour), to, `{"streamId":`),
	)
	er := resp.Responses["E"]
	if er.Error != nil || len(er.Frames) != 3 || er.Frames[0].Rows() != 0 {
		t.Fatalf("empty stream: %v %v", er.Error, er.Frames)
	}

	rr := resp.Responses["R"]
	if rr.Error != nil || len(rr.Frames) != 1 {
		t.Fatalf("20 days: %v", rr.Error)
	}
	f := rr.Frames[0]
	if len(f.Meta.Notices) == 0 || !strings.Contains(f.Meta.Notices[0].Text, "15 days") {
		t.Fatalf("no retention notice: %+v", f.Meta.Notices)
	}
	first := f.Fields[0].At(0).(time.Time)
	if age := to.Sub(first); age > 15*24*time.Hour || age < 15*24*time.Hour-5*time.Minute {
		t.Fatalf("20-day query starts %s back", age)
	}
	if f.Rows() < 15*24*60-5 {
		t.Fatalf("%d rows", f.Rows())
	}

	if xr := resp.Responses["X"]; xr.Error == nil || !strings.Contains(xr.Error.Error(), "not valid JSON") {
		t.Fatalf("broken query: %v", xr.Error)
	}
	if h.plugin.Exited() {
		t.Fatal("the plugin died")
	}
	if !strings.Contains(h.logs.String(), "Query done") {
		t.Fatalf("the plugin's log did not reach the host:\n%s", h.logs.String())
	}
}
