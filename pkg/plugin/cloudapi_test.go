package plugin

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

const (
	testSecretID  = "AKIDplugintest000000000000000000000"
	testSecretKey = "plugin-test-secret-key-0123456789abcdef"
)

type cloudEnv struct {
	sim *simulator.CloudAPI
	url string
	now atomic.Int64
	ds  *Datasource
}

// newCloudEnv runs a data source on Cloud API 3.0 against the simulator,
// with a clock the test moves (the data's; request signatures carry the
// real time, which the simulator's gateway checks).
func newCloudEnv(t *testing.T, extra map[string]any) *cloudEnv {
	t.Helper()
	e := &cloudEnv{}
	e.now.Store(testNow.Unix())
	clock := func() time.Time { return time.Unix(e.now.Load(), 0) }
	e.sim = simulator.NewCloudAPI(testSecretID, testSecretKey, testDomain, "live_1", "live_2", "live_3")
	e.sim.Now = clock
	srv := httptest.NewServer(e.sim)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	e.ds = e.open(t, testSecretID, testSecretKey, extra)
	return e
}

func (e *cloudEnv) open(t *testing.T, id, key string, extra map[string]any) *Datasource {
	t.Helper()
	jd := map[string]any{"upstream": "cloudapi", "cloudApiUrl": e.url, "secretId": id}
	for k, v := range extra {
		jd[k] = v
	}
	raw, _ := json.Marshal(jd)
	ds, err := New(context.Background(), backend.DataSourceInstanceSettings{UID: "cloud", JSONData: raw,
		DecryptedSecureJSONData: map[string]string{"secretKey": key}},
		Options{Now: func() time.Time { return time.Unix(e.now.Load(), 0) }, Retry: &upstream.Retry{Attempts: 2, BaseDelay: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ds.Dispose)
	return ds
}

func (e *cloudEnv) query(t *testing.T, qs ...backend.DataQuery) *backend.QueryDataResponse {
	t.Helper()
	resp, err := e.ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: qs})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(resp)
	if strings.Contains(string(raw), testSecretKey) {
		t.Fatal("a response carries the SecretKey")
	}
	return resp
}

// A day and a week of one stream: every minute the simulator has, with
// its four figures, in one request per day of two-hour cells.
func TestCloudAPIDayAndWeek(t *testing.T) {
	for _, tc := range []struct {
		name     string
		span     time.Duration
		maxCalls int
	}{{"24h", 24 * time.Hour, 2}, {"7d", 7 * 24 * time.Hour, 8}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newCloudEnv(t, nil)
			q := dq("A", testNow.Add(-tc.span), testNow, map[string]any{"streamId": "live_2", "domain": testDomain})
			q.MaxDataPoints = 20000
			r := e.query(t, q).Responses["A"]
			if r.Error != nil {
				t.Fatal(r.Error)
			}
			if len(r.Frames) != 4 || r.Frames[3].Fields[1].Name != models.MetricRequests {
				t.Fatalf("%d frames, want bandwidth, online, flux and requests", len(r.Frames))
			}
			from := testNow.Add(-tc.span).Truncate(time.Minute).Add(time.Minute)
			want := e.sim.Expected("live_2", from, testNow.Truncate(time.Minute).Add(time.Minute))
			bw, req := r.Frames[0], r.Frames[3]
			if bw.Rows() != len(want) || len(want) < int(tc.span/time.Minute)-10 {
				t.Fatalf("%d minutes, the simulator has %d", bw.Rows(), len(want))
			}
			for i, w := range want {
				if !bw.Fields[0].At(i).(time.Time).Equal(w.Time) || bw.Fields[1].At(i).(float64) != w.Bandwidth || req.Fields[1].At(i).(int64) != w.Requests {
					t.Fatalf("minute %d: %v %v %v, want %+v", i, bw.Fields[0].At(i), bw.Fields[1].At(i), req.Fields[1].At(i), w)
				}
			}
			calls := e.sim.Calls()
			if calls > tc.maxCalls {
				t.Fatalf("%d calls for %s, want at most %d (a day a request)", calls, tc.name, tc.maxCalls)
			}
			for _, rq := range e.sim.Requests() {
				if rq.End.Sub(rq.Start) >= 24*time.Hour {
					t.Fatalf("a request of %v", rq.End.Sub(rq.Start))
				}
			}
			// A minute later, the refresh asks for the unsettled tail only.
			e.now.Add(60)
			e.sim.Reset()
			q = dq("A", testNow.Add(-tc.span+time.Minute), testNow.Add(time.Minute), map[string]any{"streamId": "live_2", "domain": testDomain})
			q.MaxDataPoints = 20000
			if r := e.query(t, q).Responses["A"]; r.Error != nil {
				t.Fatal(r.Error)
			}
			if e.sim.Calls() != 1 {
				t.Fatalf("the refresh a minute later made %d calls", e.sim.Calls())
			}
		})
	}
}

// Save & test names what is wrong, differently for each fault.
func TestCloudAPIHealth(t *testing.T) {
	e := newCloudEnv(t, nil)
	ok, _ := e.ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if ok.Status != backend.HealthStatusOk || !strings.Contains(ok.Message, "Cloud API 3.0") || strings.Contains(ok.Message, testSecretID) {
		t.Fatalf("%v: %s", ok.Status, ok.Message)
	}
	if strings.Contains(ok.Message, "Settle time") {
		t.Fatalf("a settle note with the default settle time: %s", ok.Message)
	}
	// A settle time below the API's delay is raised, and Save & test says so.
	short, _ := newCloudEnv(t, map[string]any{"settleMinutes": 2}).ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if short.Status != backend.HealthStatusOk || !strings.Contains(short.Message, "Settle time 2 minutes") || !strings.Contains(short.Message, "6 minutes are used") {
		t.Fatalf("%v: %s", short.Status, short.Message)
	}
	cases := []struct {
		name  string
		setup func(*simulator.CloudAPI)
		id    string
		key   string
		says  string
	}{
		{"unknown SecretId", nil, "AKIDnotknown", testSecretKey, "SecretId is not known"},
		{"wrong SecretKey", nil, testSecretID, "wrong-key", "SecretKey is wrong"},
		{"clock", func(s *simulator.CloudAPI) { s.Clock = func() time.Time { return time.Now().Add(-8 * time.Minute) } }, testSecretID, testSecretKey, "clock"},
		{"CAM", func(s *simulator.CloudAPI) { s.Deny("DescribeStreamPlayInfoList") }, testSecretID, testSecretKey, "CAM policy"},
		{"CAM, listing only", func(s *simulator.CloudAPI) { s.Deny("DescribeAllStreamPlayInfoList") }, testSecretID, testSecretKey, "may not call DescribeAllStreamPlayInfoList"},
		{"not enabled", func(s *simulator.CloudAPI) { s.Disable() }, testSecretID, testSecretKey, "not enabled"},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newCloudEnv(t, nil)
			if tc.setup != nil {
				tc.setup(e.sim)
			}
			res, _ := e.open(t, tc.id, tc.key, nil).CheckHealth(context.Background(), &backend.CheckHealthRequest{})
			if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, tc.says) {
				t.Fatalf("%v: %s", res.Status, res.Message)
			}
			if strings.Contains(res.Message, testSecretKey) || strings.Contains(res.Message, tc.key) {
				t.Fatal("the health message carries the key")
			}
			if seen[res.Message] {
				t.Fatal("two faults, one message")
			}
			seen[res.Message] = true
		})
	}
}

// The streams playing now and a stream variable come from
// DescribeAllStreamPlayInfoList at the newest minute.
func TestCloudAPILiveAndVariables(t *testing.T) {
	e := newCloudEnv(t, nil)
	e.sim.Live = []string{"live_3", "live_1"}
	resp := e.query(t,
		dq("L", testNow, testNow, map[string]any{"queryType": "live", "domain": testDomain}),
		dq("V", testNow, testNow, map[string]any{"queryType": "streams", "domain": testDomain}))
	l, v := resp.Responses["L"], resp.Responses["V"]
	if l.Error != nil || v.Error != nil {
		t.Fatalf("%v %v", l.Error, v.Error)
	}
	if l.Frames[0].Meta.Type != data.FrameTypeNumericLong || l.Frames[0].Rows() != 2 || v.Frames[0].Rows() != 2 {
		t.Fatalf("live %d rows, variable %d", l.Frames[0].Rows(), v.Frames[0].Rows())
	}
	if got := v.Frames[0].Fields[0].At(0); got != "live_1" {
		t.Fatalf("variable starts with %v", got)
	}
	if e.sim.Calls() != 1 {
		t.Fatalf("%d listings", e.sim.Calls())
	}
}

// Settings of the chosen upstream are checked; the other's are not needed.
func TestCloudAPISettings(t *testing.T) {
	raw, _ := json.Marshal(map[string]any{"upstream": "cloudapi", "cloudApiUrl": "ftp://x"})
	_, err := models.ParseSettings(backend.DataSourceInstanceSettings{JSONData: raw})
	for _, want := range []string{"SecretId is missing", "SecretKey is missing", "Cloud API URL"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("%v does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "APPID") {
		t.Fatal("the legacy APPID is asked for on Cloud API 3.0")
	}
	raw, _ = json.Marshal(map[string]any{"upstream": "cloudapi", "secretId": testSecretID})
	s, err := models.ParseSettings(backend.DataSourceInstanceSettings{JSONData: raw, DecryptedSecureJSONData: map[string]string{"secretKey": "k"}})
	if err != nil || s.CloudAPIURL != "https://live.tencentcloudapi.com" {
		t.Fatalf("%+v %v", s, err)
	}
	raw, _ = json.Marshal(map[string]any{"upstream": "v4"})
	if _, err := models.ParseSettings(backend.DataSourceInstanceSettings{JSONData: raw}); err == nil || !strings.Contains(err.Error(), "cloudapi") {
		t.Fatalf("%v", err)
	}
	// The requests metric belongs to Cloud API 3.0.
	legacy := newEnv(t, nil)
	r := legacy.query(t, dq("A", testNow.Add(-time.Hour), testNow, map[string]any{"metrics": []string{"requests"}})).Responses["A"]
	if r.Status != backend.StatusBadRequest || !strings.Contains(r.Error.Error(), "Cloud API 3.0") {
		t.Fatalf("%v", r.Error)
	}
}
