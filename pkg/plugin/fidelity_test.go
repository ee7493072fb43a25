package plugin

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
)

func health(t *testing.T, ds *Datasource) *backend.CheckHealthResult {
	t.Helper()
	res, err := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func noticeTexts(f *data.Frame) string {
	var b strings.Builder
	for _, n := range f.Meta.Notices {
		b.WriteString(n.Text + "\n")
	}
	return b.String()
}

func TestWrongTimeZoneIsAnErrorWithAdvice(t *testing.T) {
	cases := []struct {
		tz, says string
	}{
		{"UTC", "set Time zone to Asia/Shanghai"},
		{"Asia/Tokyo", "set Time zone to Asia/Shanghai"},
		{"America/New_York", "set Time zone to Asia/Shanghai"},
	}
	for _, tc := range cases {
		t.Run(tc.tz, func(t *testing.T) {
			e := newEnv(t, map[string]any{"timezone": tc.tz})
			r := e.query(t, dq("A", testNow.Add(-24*time.Hour), testNow, map[string]any{"streamId": "live_1"})).Responses["A"]
			if r.Error == nil || !strings.Contains(r.Error.Error(), tc.says) || r.Status != backend.StatusBadRequest {
				t.Fatalf("error %v (status %d), want one that says %q", r.Error, r.Status, tc.says)
			}
			if len(r.Frames) != 3 || !strings.Contains(noticeTexts(r.Frames[0]), "outside the window") {
				t.Fatalf("frames %d, notices %q", len(r.Frames), noticeTexts(r.Frames[0]))
			}
			res := health(t, e.ds)
			if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, tc.says) || !strings.Contains(res.Message, "UTC+8") {
				t.Fatalf("health %v %q", res.Status, res.Message)
			}
		})
	}
	// And an upstream that writes UTC, read in the default Beijing time.
	e := newEnv(t, nil)
	e.sim.SetFaults(simulator.Faults{Zone: time.UTC})
	if res := health(t, e.ds); res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "look like UTC+0") || !strings.Contains(res.Message, "set Time zone to UTC") {
		t.Fatalf("health %v %q", res.Status, res.Message)
	}
}

func TestStrayRowsAreAnnouncedNotSilent(t *testing.T) {
	e := newEnv(t, nil)
	e.sim.SetFaults(simulator.Faults{Outside: 3, Duplicates: true, BadRowEvery: 50})
	r := e.query(t, dq("A", testNow.Add(-6*time.Hour), testNow, map[string]any{"streamId": "live_1", "metrics": []string{"flux"}})).Responses["A"]
	if r.Error != nil {
		t.Fatalf("stray rows alone are not an error: %v", r.Error)
	}
	text := noticeTexts(r.Frames[0])
	for _, says := range []string{"outside the window", "came back twice", "could not be read", "check the API URL"} {
		if !strings.Contains(text, says) {
			t.Errorf("notice %q does not say %q", text, says)
		}
	}
	if res := health(t, e.ds); res.Status != backend.HealthStatusOk || !strings.Contains(res.Message, "outside the window") {
		t.Fatalf("health %v %q", res.Status, res.Message)
	}
}

func TestSummaryOfAStreamWithNoAnswerIsNullNotZero(t *testing.T) {
	e := newEnv(t, map[string]any{"maxConcurrency": 1})
	// live_3's windows are refused, live_1's answered: the 1204 depends on the stream.
	e.sim.SetFaults(simulator.Faults{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("Param.s.stream_id") == "live_3" {
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return
		}
		e.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e.url = srv.URL + "/common_access"
	ds := e.open(t, testCmd, testKey, nil)
	resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
		dq("S", testNow.Add(-6*time.Hour), testNow, map[string]any{"queryType": "summary", "streamId": "live_1,live_3"}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.Responses["S"]
	if r.Error == nil || r.Status != backend.StatusBadGateway || len(r.Frames) != 1 {
		t.Fatalf("error %v status %d frames %d", r.Error, r.Status, len(r.Frames))
	}
	f := r.Frames[0]
	sum := field(t, f, "sum_flux")
	if sum.At(0).(*float64) == nil || *sum.At(0).(*float64) <= 0 {
		t.Fatalf("live_1 sum_flux %v", sum.At(0))
	}
	for _, name := range []string{"sum_flux", "peak_bandwidth", "p95_bandwidth", "avg_online"} {
		if v := field(t, f, name).At(1).(*float64); v != nil {
			t.Errorf("live_3 %s = %v, want null", name, *v)
		}
	}
	if !strings.Contains(noticeTexts(f), "totals are empty rather than zero") {
		t.Fatalf("notices %q", noticeTexts(f))
	}
}

func TestPartialSummarySaysWhatItsTotalsCover(t *testing.T) {
	e := newEnv(t, map[string]any{"maxConcurrency": 1})
	// The first window fails every try.
	e.sim.SetFaults(simulator.Faults{Ret: 1201, RetFailures: -1, RetBefore: testNow.Add(-6 * time.Hour).Truncate(2 * time.Hour).Add(2 * time.Hour)})
	r := e.query(t, dq("S", testNow.Add(-6*time.Hour), testNow, map[string]any{"queryType": "summary", "streamId": "live_1"})).Responses["S"]
	if r.Error == nil || len(r.Frames) != 1 {
		t.Fatalf("error %v, %d frames", r.Error, len(r.Frames))
	}
	if text := noticeTexts(r.Frames[0]); !strings.Contains(text, "cover only the windows that answered") {
		t.Fatalf("notices %q", text)
	}
}

func TestInputLimitsAndStatuses(t *testing.T) {
	e := newEnv(t, nil)
	h := testNow.Add(-time.Hour)
	long := strings.Repeat("a", 100_000)
	resp := e.query(t,
		dq("longStream", h, testNow, map[string]any{"streamId": long}),
		dq("longDomain", h, testNow, map[string]any{"domain": strings.Repeat("a.", 130) + "com"}),
		dq("label", h, testNow, map[string]any{"domain": strings.Repeat("a", 64) + ".com"}),
		dq("nul", h, testNow, map[string]any{"streamId": "live\x00_1"}),
		dq("crlf", h, testNow, map[string]any{"streamId": "live_1\r\nX-Injected: 1"}),
		dq("domainCtl", h, testNow, map[string]any{"domain": "play.example.com\r\nHost: evil.example"}),
		dq("domainType", h, testNow, map[string]any{"domain": 5}),
		dq("streamType", h, testNow, map[string]any{"streamId": []string{"a"}}),
		dq("metricsType", h, testNow, map[string]any{"metrics": 7}),
		backend.DataQuery{RefID: "json", JSON: []byte(`{"streamId":`), TimeRange: backend.TimeRange{From: h, To: testNow}},
		dq("idn", h, testNow, map[string]any{"domain": "直播.例子.com", "streamId": "live_1"}),
		dq("stream256", h, testNow, map[string]any{"streamId": strings.Repeat("s", 256)}),
	)
	for ref, says := range map[string]string{
		"longStream": "the limit is 256", "longDomain": "at most 253", "label": "not a host name",
		"nul": "control character", "crlf": "control character", "domainCtl": "not a host name",
		"domainType": `field "domain" must be a string`, "streamType": `field "streamId" must be a string`,
		"metricsType": `field "metrics"`, "json": "not valid JSON",
	} {
		r := resp.Responses[ref]
		if r.Error == nil || !strings.Contains(r.Error.Error(), says) {
			t.Errorf("%s: error %v should say %q", ref, r.Error, says)
			continue
		}
		if r.Status != backend.StatusBadRequest || r.ErrorSource != backend.ErrorSourceDownstream {
			t.Errorf("%s: status %d source %q, want 400 downstream", ref, r.Status, r.ErrorSource)
		}
		if len(r.Error.Error()) > 400 {
			t.Errorf("%s: a %d-character message", ref, len(r.Error.Error()))
		}
	}
	// An internationalised domain goes out as punycode; 256 characters are allowed.
	for _, ref := range []string{"idn", "stream256"} {
		if r := resp.Responses[ref]; r.Error != nil {
			t.Errorf("%s: %v", ref, r.Error)
		}
	}
	sentPunycode := false
	for _, rq := range e.sim.Requests() {
		// As Python's idna codec writes it: '直播.例子.com'.encode('idna').
		if rq.Domain == "xn--z6ut02b.xn--fsqu00a.com" {
			sentPunycode = true
		}
	}
	if !sentPunycode {
		t.Errorf("the IDN domain was not sent as punycode: %+v", e.sim.Requests())
	}
}

func TestUpstreamStatuses(t *testing.T) {
	cases := []struct {
		name   string
		faults simulator.Faults
		key    string
		status backend.Status
	}{
		{"wrong key", simulator.Faults{}, "0123456789abcdef0123456789abcdef", backend.StatusUnauthorized},
		{"not registered", simulator.Faults{Ret: 1000, RetFailures: -1}, "", backend.StatusForbidden},
		{"rate limited", simulator.Faults{Ret: 1202, RetFailures: -1}, "", backend.StatusTooManyRequests},
		{"internal", simulator.Faults{Ret: 1201, RetFailures: -1}, "", backend.StatusBadGateway},
		{"HTTP 404", simulator.Faults{HTTPStatus: 404, HTTPFailures: -1}, "", backend.StatusBadGateway},
		{"HTTP 403", simulator.Faults{HTTPStatus: 403, HTTPFailures: -1}, "", backend.StatusForbidden},
		{"truncated", simulator.Faults{TruncateEvery: -1}, "", backend.StatusBadGateway},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.sim.SetFaults(tc.faults)
			ds := e.ds
			if tc.key != "" {
				ds = e.open(t, testCmd, tc.key, nil)
			}
			resp, _ := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
				dq("A", testNow.Add(-time.Hour), testNow, map[string]any{"streamId": "live_1"}),
			}})
			if r := resp.Responses["A"]; r.Error == nil || r.Status != tc.status {
				t.Fatalf("status %d (%v), want %d", r.Status, r.Error, tc.status)
			}
		})
	}
}

func TestTruncatedBodiesRecoverAfterRetries(t *testing.T) {
	e := newEnv(t, map[string]any{"maxConcurrency": 1})
	e.sim.SetFaults(simulator.Faults{TruncateEvery: 7}) // the first answer of one window in seven
	r := e.query(t, dq("A", testNow.Add(-24*time.Hour), testNow, map[string]any{"streamId": "live_1", "metrics": []string{"bandwidth"}})).Responses["A"]
	if r.Error != nil || r.Frames[0].Rows() != 1440 {
		t.Fatalf("error %v, %d rows", r.Error, r.Frames[0].Rows())
	}
}

func TestRedirectToAnotherHostIsRefused(t *testing.T) {
	var arrived []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived = append(arrived, r.URL.RawQuery)
	}))
	t.Cleanup(other.Close)
	e := newEnv(t, nil)
	e.sim.SetFaults(simulator.Faults{RedirectTo: other.URL + "/common_access"})
	res := health(t, e.ds)
	host := strings.TrimPrefix(other.URL, "http://")
	if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "302") || !strings.Contains(res.Message, host) {
		t.Fatalf("health %v %q", res.Status, res.Message)
	}
	r := e.query(t, dq("A", testNow.Add(-6*time.Hour), testNow, map[string]any{"streamId": "live_1"})).Responses["A"]
	if r.Error == nil || !strings.Contains(r.Error.Error(), "API URL") || r.Status != backend.StatusBadGateway {
		t.Fatalf("query: %v (%d)", r.Error, r.Status)
	}
	if len(arrived) != 0 {
		t.Fatalf("the other host received %d requests, the first %q", len(arrived), arrived[0])
	}
}
