package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/legacy"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

const (
	testCmd    = "1250000000"
	testKey    = "8f14e45fceea167a5a36dedd4bea2543"
	testDomain = "play.example.com"
)

var testNow = time.Date(2026, 11, 29, 10, 37, 23, 0, time.UTC)

type env struct {
	sim *simulator.Simulator
	ds  *Datasource
	url string
}

func settingsFor(url, cmd, key string, extra map[string]any) backend.DataSourceInstanceSettings {
	jd := map[string]any{"apiUrl": url, "cmd": cmd}
	for k, v := range extra {
		jd[k] = v
	}
	raw, _ := json.Marshal(jd)
	return backend.DataSourceInstanceSettings{
		UID: "lvb", Name: "LVB", JSONData: raw,
		DecryptedSecureJSONData: map[string]string{"apiKey": key},
	}
}

func newEnv(t *testing.T, extra map[string]any) *env {
	t.Helper()
	sim := simulator.New(testCmd, testKey, testDomain, "live_1", "live_2", "live_3")
	sim.Now = func() time.Time { return testNow }
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	e := &env{sim: sim, url: srv.URL + "/common_access"}
	e.ds = e.open(t, testCmd, testKey, extra)
	return e
}

func (e *env) open(t *testing.T, cmd, key string, extra map[string]any) *Datasource {
	t.Helper()
	ds, err := New(context.Background(), settingsFor(e.url, cmd, key, extra),
		Options{Now: func() time.Time { return testNow }, Retry: &upstream.Retry{Attempts: 2, BaseDelay: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ds.Dispose)
	return ds
}

func dq(refID string, from, to time.Time, model map[string]any) backend.DataQuery {
	raw, _ := json.Marshal(model)
	return backend.DataQuery{RefID: refID, JSON: raw, TimeRange: backend.TimeRange{From: from, To: to},
		Interval: time.Minute, MaxDataPoints: 2000}
}

func (e *env) query(t *testing.T, qs ...backend.DataQuery) *backend.QueryDataResponse {
	t.Helper()
	resp, err := e.ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: qs})
	if err != nil {
		t.Fatal(err)
	}
	// Every answer must survive the wire format Grafana uses, and carry no secret.
	raw, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{testKey, "sign="} {
		if strings.Contains(string(raw), secret) {
			t.Fatalf("response carries %q", secret)
		}
	}
	return resp
}

func field(t *testing.T, f *data.Frame, name string) *data.Field {
	t.Helper()
	fld, idx := f.FieldByName(name)
	if idx < 0 {
		t.Fatalf("frame %q has no field %q", f.Name, name)
	}
	return fld
}

func TestTwentyFourHoursOfOneStream(t *testing.T) {
	e := newEnv(t, nil)
	from := testNow.Add(-24 * time.Hour)
	resp := e.query(t, dq("A", from, testNow, map[string]any{"domain": testDomain, "streamId": "live_1"}))
	r := resp.Responses["A"]
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	if len(r.Frames) != 3 {
		t.Fatalf("%d frames, want one per metric", len(r.Frames))
	}
	want := e.sim.Expected("live_1", from.Truncate(time.Minute).Add(time.Minute), testNow.Truncate(time.Minute).Add(time.Minute))
	if len(want) != 1440 {
		t.Fatalf("simulator expects %d minutes", len(want))
	}
	units := map[string]string{"bandwidth": "Mbits", "online": "none", "flux": "decmbytes"}
	for _, f := range r.Frames {
		if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesMulti {
			t.Fatalf("frame %q meta = %+v", f.Name, f.Meta)
		}
		metric := f.Fields[1].Name
		val := f.Fields[1]
		if val.Config.Unit != units[metric] || val.Labels["stream_id"] != "live_1" || val.Labels["domain"] != testDomain {
			t.Fatalf("%s: config %+v labels %v", metric, val.Config, val.Labels)
		}
		if val.Config.DisplayNameFromDS != "live_1 "+metric {
			t.Fatalf("display name %q", val.Config.DisplayNameFromDS)
		}
		times := field(t, f, "time")
		if times.Len() != 1440 {
			t.Fatalf("%s: %d points, want 1440", metric, times.Len())
		}
		for i := range times.Len() {
			ts := times.At(i).(time.Time)
			if !ts.Equal(want[i].Time) || ts.Second() != 0 {
				t.Fatalf("%s point %d at %s, want %s", metric, i, ts, want[i].Time)
			}
			var got, exp float64
			switch metric {
			case "bandwidth":
				got, exp = val.At(i).(float64), want[i].Bandwidth
			case "online":
				got, exp = float64(val.At(i).(int64)), float64(want[i].Online)
			case "flux":
				got, exp = val.At(i).(float64), want[i].Flux
			}
			if got != exp {
				t.Fatalf("%s at %s = %v, want %v", metric, ts, got, exp)
			}
		}
	}
	reqs := e.sim.Requests()
	if len(reqs) > 13 {
		t.Fatalf("%d upstream calls for 24 hours, want at most 13", len(reqs))
	}
	for _, rq := range reqs {
		if rq.End.Sub(rq.Start) > 2*time.Hour || rq.StreamID != "live_1" || rq.Domain != testDomain {
			t.Fatalf("upstream call %+v", rq)
		}
	}
}

func TestSummaryMatchesUpstreamSums(t *testing.T) {
	e := newEnv(t, nil)
	from := testNow.Add(-7*time.Hour - 13*time.Minute)
	resp := e.query(t, dq("S", from, testNow, map[string]any{"queryType": "summary", "streamId": "live_1, live_2,nobody"}))
	r := resp.Responses["S"]
	if r.Error != nil || len(r.Frames) != 1 {
		t.Fatalf("err %v, %d frames", r.Error, len(r.Frames))
	}
	f := r.Frames[0]
	if f.Rows() != 3 {
		t.Fatalf("%d rows, want one per stream", f.Rows())
	}
	for i := range f.Rows() {
		stream := f.Fields[1].At(i).(string)
		sum := *f.Fields[2].At(i).(*float64)
		want := e.sim.Expected(stream, from.Truncate(time.Minute).Add(time.Minute), testNow.Truncate(time.Minute).Add(time.Minute))
		// The upstream's flux over exactly the range's minutes.
		var flux float64
		for _, v := range want {
			flux += v.Flux
		}
		if math.Abs(sum-flux) > 0.01 {
			t.Fatalf("%s: sum_flux %v, the range's flux %v", stream, sum, flux)
		}
		peak, peakOnline := 0.0, int64(0)
		for _, v := range want {
			peak, peakOnline = math.Max(peak, v.Bandwidth), max(peakOnline, v.Online)
		}
		gotPeak := f.Fields[3].At(i).(*float64)
		if stream == "nobody" {
			if sum != 0 || gotPeak != nil {
				t.Fatalf("empty stream: sum %v peak %v", sum, gotPeak)
			}
			continue
		}
		if gotPeak == nil || *gotPeak != peak || *f.Fields[5].At(i).(*int64) != peakOnline {
			t.Fatalf("%s: peak %v/%v, want %v/%v", stream, gotPeak, f.Fields[5].At(i), peak, peakOnline)
		}
		if p95 := *f.Fields[4].At(i).(*float64); p95 > peak || p95 <= 0 {
			t.Fatalf("%s: p95 %v outside (0, %v]", stream, p95, peak)
		}
	}
	if f.Fields[2].Config.Unit != "decmbytes" || f.Fields[3].Config.Unit != "Mbits" {
		t.Fatal("summary units missing")
	}
}

func TestEmptyStreamIsAnEmptyAnswer(t *testing.T) {
	e := newEnv(t, nil)
	resp := e.query(t, dq("A", testNow.Add(-3*time.Hour), testNow, map[string]any{"streamId": "nobody", "metrics": []string{"online"}}))
	r := resp.Responses["A"]
	if r.Error != nil || len(r.Frames) != 1 || r.Frames[0].Rows() != 0 || r.Frames[0].Fields[1].Name != "online" {
		t.Fatalf("err %v frames %v", r.Error, r.Frames)
	}
}

func TestTotalAndSeveralStreams(t *testing.T) {
	e := newEnv(t, nil)
	resp := e.query(t,
		dq("T", testNow.Add(-time.Hour), testNow, map[string]any{"metrics": []string{"flux", "bandwidth"}}),
		dq("M", testNow.Add(-time.Hour), testNow, map[string]any{"streamId": "{live_1,live_3}", "metrics": "online"}),
	)
	tot := resp.Responses["T"]
	if tot.Error != nil || len(tot.Frames) != 2 || tot.Frames[0].Fields[1].Name != "bandwidth" {
		t.Fatalf("total: %v %v", tot.Error, tot.Frames)
	}
	if _, ok := tot.Frames[0].Fields[1].Labels["stream_id"]; ok {
		t.Fatal("the total has a stream_id label")
	}
	if tot.Frames[0].Fields[1].Config.DisplayNameFromDS != "All streams bandwidth" {
		t.Fatalf("display %q", tot.Frames[0].Fields[1].Config.DisplayNameFromDS)
	}
	want := e.sim.Expected("", testNow.Add(-time.Hour).Truncate(time.Minute).Add(time.Minute), testNow.Truncate(time.Minute).Add(time.Minute))
	if got := tot.Frames[0].Fields[1].At(5).(float64); got != want[5].Bandwidth {
		t.Fatalf("total bandwidth %v, want %v", got, want[5].Bandwidth)
	}
	multi := resp.Responses["M"]
	if multi.Error != nil || len(multi.Frames) != 2 ||
		multi.Frames[0].Fields[1].Labels["stream_id"] != "live_1" || multi.Frames[1].Fields[1].Labels["stream_id"] != "live_3" {
		t.Fatalf("multi: %v %v", multi.Error, multi.Frames)
	}
}

func TestBadQueriesFailAloneWithClearErrors(t *testing.T) {
	e := newEnv(t, map[string]any{"maxStreams": 2})
	h := testNow.Add(-time.Hour)
	resp := e.query(t,
		dq("ok", h, testNow, map[string]any{"streamId": "live_1"}),
		dq("streams", h, testNow, map[string]any{"streamId": "a,b,c"}),
		dq("metric", h, testNow, map[string]any{"metrics": []string{"viewers"}}),
		dq("type", h, testNow, map[string]any{"queryType": "logs"}),
		dq("domain", h, testNow, map[string]any{"domain": "http://play.example.com/"}),
		dq("old", testNow.Add(-40*24*time.Hour), testNow.Add(-30*24*time.Hour), map[string]any{}),
		backend.DataQuery{RefID: "json", JSON: []byte(`{"streamId":`), TimeRange: backend.TimeRange{From: h, To: testNow}},
		dq("newest0", h, testNow, map[string]any{"queryType": "summary", "newest": 0}),
		dq("newest61", h, testNow, map[string]any{"queryType": "summary", "newest": "61"}),
		dq("newestTS", h, testNow, map[string]any{"newest": 5}),
		dq("newestText", h, testNow, map[string]any{"queryType": "summary", "newest": "five"}),
	)
	if r := resp.Responses["ok"]; r.Error != nil || len(r.Frames) != 3 {
		t.Fatalf("good query failed: %v", r.Error)
	}
	for ref, says := range map[string]string{
		"streams": "Max streams", "metric": "bandwidth, online, flux", "type": "summary",
		"domain": "host name", "old": "15 days", "json": "not valid JSON",
		"newest0": "1 to 60", "newest61": "1 to 60", "newestTS": "summary queries only", "newestText": "newest: \"five\" is not a whole number",
	} {
		r := resp.Responses[ref]
		if r.Error == nil || !strings.Contains(r.Error.Error(), says) {
			t.Errorf("%s: error %v should mention %q", ref, r.Error, says)
		}
		if r.ErrorSource != backend.ErrorSourceDownstream {
			t.Errorf("%s: error source %q", ref, r.ErrorSource)
		}
	}
}

func TestRetentionNoticeOnTwentyDays(t *testing.T) {
	e := newEnv(t, map[string]any{"maxConcurrency": 4})
	q := dq("A", testNow.Add(-20*24*time.Hour), testNow, map[string]any{"streamId": "live_2", "metrics": []string{"bandwidth"}})
	q.MaxDataPoints = 100_000 // every minute, not buckets
	resp := e.query(t, q)
	r := resp.Responses["A"]
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	f := r.Frames[0]
	if len(f.Meta.Notices) != 1 || f.Meta.Notices[0].Severity != data.NoticeSeverityWarning || !strings.Contains(f.Meta.Notices[0].Text, "15 days") {
		t.Fatalf("notices = %+v", f.Meta.Notices)
	}
	first := f.Fields[0].At(0).(time.Time)
	if age := testNow.Sub(first); age > 15*24*time.Hour || age < 15*24*time.Hour-5*time.Minute {
		t.Fatalf("data starts %s before now", age)
	}
	if f.Rows() < 15*24*60-5 {
		t.Fatalf("%d rows for 15 days", f.Rows())
	}
	for _, rq := range e.sim.Requests() {
		if rq.Ret != 0 {
			t.Fatalf("upstream refused %+v", rq)
		}
	}
}

func TestPartialFailureIsVisible(t *testing.T) {
	e := newEnv(t, map[string]any{"maxConcurrency": 1})
	// The first window fails every try, the rest answer.
	e.sim.SetFaults(simulator.Faults{Ret: 1201, RetFailures: -1, RetBefore: testNow.Add(-6 * time.Hour).Truncate(2 * time.Hour).Add(2 * time.Hour)})
	resp := e.query(t, dq("A", testNow.Add(-6*time.Hour), testNow, map[string]any{"streamId": "live_1"}))
	r := resp.Responses["A"]
	if r.Error == nil || !strings.Contains(r.Error.Error(), "1 of 4 windows failed") || r.ErrorSource != backend.ErrorSourceDownstream {
		t.Fatalf("error = %v (%s)", r.Error, r.ErrorSource)
	}
	if len(r.Frames) != 3 || r.Frames[0].Rows() == 0 {
		t.Fatalf("partial data missing: %v", r.Frames)
	}
	n := r.Frames[0].Meta.Notices
	if len(n) != 1 || n[0].Severity != data.NoticeSeverityWarning || !strings.Contains(n[0].Text, "gaps") {
		t.Fatalf("notices = %+v", n)
	}
}

func TestWholeFailureIsAnError(t *testing.T) {
	e := newEnv(t, nil)
	e.sim.SetFaults(simulator.Faults{Ret: 1202, RetFailures: -1})
	r := e.query(t, dq("A", testNow.Add(-3*time.Hour), testNow, map[string]any{})).Responses["A"]
	if r.Error == nil || upstream.KindOf(r.Error) != upstream.KindRateLimited || r.Status != backend.StatusTooManyRequests || len(r.Frames) != 0 {
		t.Fatalf("r = %+v", r)
	}
}

func TestHealth(t *testing.T) {
	e := newEnv(t, nil)
	check := func(ds *Datasource) *backend.CheckHealthResult {
		t.Helper()
		res, err := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(res.Message, testKey) || strings.Contains(res.Message, "sign=") {
			t.Fatalf("health message leaks: %s", res.Message)
		}
		return res
	}
	if res := check(e.ds); res.Status != backend.HealthStatusOk || !strings.Contains(res.Message, "10 minutes of playback") ||
		!strings.Contains(res.Message, legacy.PlainHTTPWarning) {
		t.Fatalf("healthy, on a plain http URL: %+v", res)
	}
	if e.sim.Calls() != 1 {
		t.Fatalf("health check made %d calls", e.sim.Calls())
	}
	messages := map[string]string{}
	for name, ds := range map[string]*Datasource{
		"key": e.open(t, testCmd, "0123456789abcdef0123456789abcdef", nil),
		"cmd": e.open(t, "1250000999", testKey, nil),
	} {
		res := check(ds)
		if res.Status != backend.HealthStatusError {
			t.Fatalf("%s: %+v", name, res)
		}
		messages[name] = res.Message
	}
	if !strings.Contains(messages["key"], "API key is wrong") || !strings.Contains(messages["cmd"], "does not recognise the APPID") {
		t.Fatalf("messages = %v", messages)
	}

	e.sim.Reset()
	for name, tc := range map[string]struct {
		cmd, key string
		says     string
	}{
		"no cmd": {"", testKey, "APPID (cmd) is missing"},
		"no key": {testCmd, "", "API key is missing"},
		"bad":    {"12ab", " ", "not a positive integer"},
	} {
		res := check(e.open(t, tc.cmd, tc.key, nil))
		if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, tc.says) {
			t.Fatalf("%s: %+v", name, res)
		}
	}
	if e.sim.Calls() != 0 {
		t.Fatalf("settings errors made %d calls", e.sim.Calls())
	}

	e.sim.SetFaults(simulator.Faults{Malformed: true})
	if res := check(e.ds); !strings.Contains(res.Message, "not JSON") {
		t.Fatalf("malformed: %+v", res)
	}
	e.sim.SetFaults(simulator.Faults{})
	expired := e.open(t, testCmd, testKey, nil)
	e.sim.Now = func() time.Time { return testNow.Add(time.Hour) }
	if res := check(expired); !strings.Contains(res.Message, "clock") {
		t.Fatalf("expired: %+v", res)
	}
}

func TestUnreachableHealth(t *testing.T) {
	srv := httptest.NewServer(nil)
	url := srv.URL + "/common_access"
	srv.Close()
	ds, err := New(context.Background(), settingsFor(url, testCmd, testKey, map[string]any{"timeoutSeconds": "2"}),
		Options{Retry: &upstream.Retry{Attempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	res, _ := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "could not reach the API") {
		t.Fatalf("%+v", res)
	}
}

func TestSettings(t *testing.T) {
	s, err := models.ParseSettings(settingsFor("", "", testKey, map[string]any{"cmd": 1250000000}))
	if err != nil {
		t.Fatal(err)
	}
	if s.Cmd != testCmd || s.APIURL != legacy.DefaultEndpoint || s.Location.String() != "Asia/Shanghai" ||
		s.MaxConcurrency != 8 || s.MaxStreams != 20 || s.Timeout != 30*time.Second {
		t.Fatalf("defaults: %+v", s)
	}
	_, err = models.ParseSettings(settingsFor("ftp://x", "1", testKey, map[string]any{
		"timezone": "Mars/Olympus", "maxConcurrency": 0, "maxStreams": "many", "timeoutSeconds": 9999,
	}))
	for _, says := range []string{"ftp://x", "Mars/Olympus", "maxConcurrency is 0", "many", "timeoutSeconds is 9999"} {
		if err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("settings error %v should mention %q", err, says)
		}
	}
}

func TestSplitStreams(t *testing.T) {
	for in, want := range map[string]string{
		"":                "[]",
		"a":               "[a]",
		" a , b,,a ":      "[a b]",
		"{live_1,live_2}": "[live_1 live_2]",
		"live_{1}":        "[live_{1}]",
	} {
		if got := fmt.Sprint(models.SplitStreams(in)); got != want {
			t.Errorf("SplitStreams(%q) = %s, want %s", in, got, want)
		}
	}
}

// clockEnv is an env whose plugin and simulator share a clock the test moves.
func clockEnv(t *testing.T, start time.Time) (*env, *time.Time) {
	t.Helper()
	clock := start
	now := func() time.Time { return clock }
	sim := simulator.New(testCmd, testKey, testDomain, "live_1", "live_2", "live_3")
	sim.Now = now
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	e := &env{sim: sim, url: srv.URL + "/common_access"}
	ds, err := New(context.Background(), settingsFor(e.url, testCmd, testKey, nil),
		Options{Now: now, Retry: &upstream.Retry{Attempts: 2, BaseDelay: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ds.Dispose)
	e.ds = ds
	return e, &clock
}

func TestRefreshAsksOnlyForWhatCanHaveChanged(t *testing.T) {
	e, clock := clockEnv(t, testNow)
	day := func(ref string, model map[string]any) backend.DataResponse {
		return e.query(t, dq(ref, clock.Add(-24*time.Hour), *clock, model)).Responses[ref]
	}
	first := day("A", map[string]any{"streamId": "live_1,live_2"})
	if got := e.sim.Calls(); got != 2*13 {
		t.Fatalf("the first load made %d upstream calls, want 13 a stream", got)
	}
	// A second panel, or a second viewer, within the same minute: nothing new to ask.
	e.sim.Reset()
	again := day("B", map[string]any{"streamId": "live_1,live_2"})
	if got := e.sim.Calls(); got != 0 {
		t.Fatalf("the same minute made %d upstream calls, want 0", got)
	}
	for i := range first.Frames {
		a, b := first.Frames[i], again.Frames[i]
		if a.Rows() != 1440 || a.Rows() != b.Rows() || a.Fields[1].At(700) != b.Fields[1].At(700) {
			t.Fatalf("the answer from memory differs in frame %d", i)
		}
	}
	// A minute later, the range slid by a minute: one call a stream.
	*clock = clock.Add(time.Minute)
	e.sim.Reset()
	slid := day("C", map[string]any{"streamId": "live_1,live_2"})
	if got := e.sim.Calls(); got != 2 {
		t.Fatalf("the refresh a minute later made %d upstream calls, want 1 a stream", got)
	}
	want := e.sim.Expected("live_1", clock.Add(-24*time.Hour).Truncate(time.Minute).Add(time.Minute), clock.Truncate(time.Minute).Add(time.Minute))
	f := slid.Frames[0]
	if f.Rows() != len(want) || !f.Fields[0].At(0).(time.Time).Equal(want[0].Time) || f.Fields[1].At(f.Rows()-1).(float64) != want[len(want)-1].Bandwidth {
		t.Fatalf("the slid range has %d rows from %v", f.Rows(), f.Fields[0].At(0))
	}
}

// At any time of day, the refresh a minute later is one call a stream: also
// in the first settle minutes of a cell, when the unsettled tail spans two
// cells, and at the edge of a cell.
func TestSlidingRefreshIsOneCallAtAnyTimeOfDay(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	starts := []time.Time{
		testNow.Truncate(2 * time.Hour),                                  // on a cell boundary
		testNow.Truncate(2 * time.Hour).Add(-time.Second),                // a second before one
		testNow.Truncate(2 * time.Hour).Add(7*time.Minute + time.Second), // inside the settle time of the new cell
	}
	for range 12 {
		starts = append(starts, testNow.Add(time.Duration(rng.Int64N(int64(24*time.Hour)))).Truncate(time.Second))
	}
	for _, start := range starts {
		e, clock := clockEnv(t, start)
		for step := range 4 {
			e.sim.Reset()
			resp := e.query(t, dq("A", clock.Add(-24*time.Hour), *clock, map[string]any{"streamId": "live_3"}))
			if r := resp.Responses["A"]; r.Error != nil || r.Frames[0].Rows() != 1440 {
				t.Fatalf("at %s: %v, %d rows", clock.Format(time.TimeOnly), r.Error, r.Frames[0].Rows())
			}
			if got := e.sim.Calls(); step > 0 && got != 1 {
				t.Fatalf("refresh at %s made %d upstream calls, want 1 (requests %+v)", clock.Format(time.TimeOnly), got, e.sim.Requests())
			}
			*clock = clock.Add(time.Minute)
		}
	}
}

// Changing a data source's settings makes Grafana create a new instance:
// it starts with nothing remembered, so no answer of the old settings shows.
func TestANewInstanceRemembersNothing(t *testing.T) {
	e := newEnv(t, nil)
	e.query(t, dq("A", testNow.Add(-6*time.Hour), testNow, map[string]any{"streamId": "live_1"}))
	e.sim.Reset()
	other := e.open(t, testCmd, testKey, map[string]any{"timezone": "Asia/Shanghai", "maxStreams": 5})
	resp, err := other.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
		dq("A", testNow.Add(-6*time.Hour), testNow, map[string]any{"streamId": "live_1"}),
	}})
	if err != nil || resp.Responses["A"].Error != nil {
		t.Fatal(err, resp.Responses["A"].Error)
	}
	if e.sim.Calls() != 4 {
		t.Fatalf("the new instance made %d upstream calls, want all 4", e.sim.Calls())
	}
}
