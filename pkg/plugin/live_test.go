package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

func liveEnv(t *testing.T, live ...string) *env {
	t.Helper()
	e := newEnv(t, nil)
	e.sim.Streams = []string{"live_1", "live_2", "live_3", "cam_a", "cam_b"}
	e.sim.Live = live
	return e
}

// The live query is the streams playing now, the busiest first, with the
// upstream's figures, shaped for alerting (numeric-long: strings are labels).
func TestLiveQueryListsTheStreamsPlayingNow(t *testing.T) {
	e := liveEnv(t, "live_1", "live_3", "cam_a", "cam_b")
	r := e.query(t, dq("A", testNow.Add(-time.Hour), testNow, map[string]any{"queryType": "live", "domain": testDomain})).Responses["A"]
	if r.Error != nil || len(r.Frames) != 1 {
		t.Fatalf("%v, %d frames", r.Error, len(r.Frames))
	}
	f := r.Frames[0]
	if f.Meta.Type != data.FrameTypeNumericLong {
		t.Fatalf("frame type %q", f.Meta.Type)
	}
	want := map[string][2]float64{}
	for i, v := range e.sim.LiveNow() {
		want[e.sim.Live[i]] = [2]float64{v.Bandwidth, float64(v.Online)}
	}
	if f.Rows() != len(want) {
		t.Fatalf("%d rows, want %d", f.Rows(), len(want))
	}
	last := 1e18
	for i := range f.Rows() {
		name := field(t, f, "stream_id").At(i).(string)
		bw := *field(t, f, "bandwidth").At(i).(*float64)
		on := *field(t, f, "online").At(i).(*int64)
		if w, ok := want[name]; !ok || w[0] != bw || w[1] != float64(on) {
			t.Fatalf("row %d: %s %v %v, want %v", i, name, bw, on, w)
		}
		if bw > last {
			t.Fatalf("row %d is busier than the one before it", i)
		}
		last = bw
		if field(t, f, "domain").At(i).(string) != testDomain {
			t.Fatal("domain column")
		}
	}
}

// A dashboard variable gets stream IDs, filtered and in the order asked.
func TestStreamsVariable(t *testing.T) {
	e := liveEnv(t)
	names := func(model map[string]any) []string {
		t.Helper()
		model["queryType"] = "streams"
		r := e.query(t, dq("V", testNow.Add(-time.Hour), testNow, model)).Responses["V"]
		if r.Error != nil {
			t.Fatal(r.Error)
		}
		f := r.Frames[0]
		var out []string
		for i := range f.Rows() {
			out = append(out, field(t, f, "text").At(i).(string))
			if field(t, f, "value").At(i) != out[i] {
				t.Fatal("text and value differ")
			}
		}
		return out
	}
	if got := names(map[string]any{}); !slices.Equal(got, []string{"cam_a", "cam_b", "live_1", "live_2", "live_3"}) {
		t.Fatalf("by name: %v", got)
	}
	got := names(map[string]any{"filter": "^live_", "orderBy": "viewers"})
	online := map[string]int64{}
	for i, v := range e.sim.LiveNow() {
		online[e.sim.Streams[i]] = v.Online
	}
	if len(got) != 3 || !slices.IsSortedFunc(got, func(a, b string) int { return int(online[b] - online[a]) }) {
		t.Fatalf("live_ streams by viewers: %v (viewers %v)", got, online)
	}
	// The top two: what a variable's All means on the bundled dashboard.
	if top := names(map[string]any{"filter": "^live_", "orderBy": "viewers", "limit": 2}); !slices.Equal(top, got[:2]) {
		t.Fatalf("the top two: %v, of %v", top, got)
	}
	for _, bad := range []any{0, 201, "x"} {
		r := e.query(t, dq("V", testNow, testNow, map[string]any{"queryType": "streams", "limit": bad})).Responses["V"]
		if r.Error == nil || r.Status != backend.StatusBadRequest || !strings.Contains(r.Error.Error(), "limit") {
			t.Fatalf("limit %v: %v (%d)", bad, r.Error, r.Status)
		}
	}
	r := e.query(t, dq("V", testNow, testNow, map[string]any{"queryType": "streams", "filter": "live_(["})).Responses["V"]
	if r.Error == nil || r.Status != backend.StatusBadRequest || !strings.Contains(r.Error.Error(), "regular expression") {
		t.Fatalf("a broken filter: %v (%d)", r.Error, r.Status)
	}
}

// Variables, the live panel and the editor's suggestions share one listing
// a minute; the next minute lists again.
func TestListingOnceAMinute(t *testing.T) {
	e := liveEnv(t)
	var now atomic.Int64
	now.Store(testNow.Unix())
	clock := func() time.Time { return time.Unix(now.Load(), 0) }
	e.sim.Now = clock
	ds, err := New(context.Background(), settingsFor(e.url, testCmd, testKey, nil), Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ds.Dispose)
	e.ds = ds
	ask := func() {
		t.Helper()
		resp := e.query(t,
			dq("A", testNow, testNow, map[string]any{"queryType": "live", "domain": testDomain}),
			dq("B", testNow, testNow, map[string]any{"queryType": "streams", "domain": testDomain}))
		for _, r := range resp.Responses {
			if r.Error != nil {
				t.Fatal(r.Error)
			}
		}
		if status, _, _ := callResource(t, ds, "streams?domain="+testDomain); status != http.StatusOK {
			t.Fatalf("resource status %d", status)
		}
	}
	ask()
	ask()
	if got := e.sim.Calls(); got != 1 {
		t.Fatalf("%d listings in one minute, want 1", got)
	}
	now.Add(60)
	ask()
	if got := e.sim.Calls(); got != 2 {
		t.Fatalf("%d listings after the minute turned, want 2", got)
	}
}

func callResource(t *testing.T, ds *Datasource, url string) (int, []byte, http.Header) {
	t.Helper()
	path, _, _ := strings.Cut(url, "?")
	var got *backend.CallResourceResponse
	err := ds.CallResource(context.Background(), &backend.CallResourceRequest{Method: http.MethodGet, Path: path, URL: url},
		backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error {
			got = r
			return nil
		}))
	if err != nil || got == nil {
		t.Fatalf("CallResource: %v", err)
	}
	if strings.Contains(string(got.Body), testKey) || strings.Contains(string(got.Body), "sign=") {
		t.Fatal("the resource answer carries a credential")
	}
	return got.Status, got.Body, http.Header(got.Headers)
}

// The editor's suggestions: every stream playing, the most watched first;
// bad input and refused credentials answer a JSON error with the fix.
func TestStreamsResource(t *testing.T) {
	e := liveEnv(t)
	status, body, _ := callResource(t, e.ds, "streams?domain="+testDomain)
	var list []StreamSuggestion
	if err := json.Unmarshal(body, &list); status != http.StatusOK || err != nil {
		t.Fatalf("%d %s", status, body)
	}
	if len(list) != len(e.sim.Streams) {
		t.Fatalf("%d suggestions, want %d", len(list), len(e.sim.Streams))
	}
	for i := 1; i < len(list); i++ {
		if *list[i].Online > *list[i-1].Online {
			t.Fatalf("suggestion %d has more viewers than the one before it", i)
		}
	}
	if status, body, _ := callResource(t, e.ds, "streams?domain=bad%20domain"); status != http.StatusBadRequest || !strings.Contains(string(body), "domain") {
		t.Fatalf("bad domain: %d %s", status, body)
	}
	wrong := e.open(t, testCmd, "0123456789abcdef0123456789abcdef", nil)
	status, body, _ = callResource(t, wrong, "streams")
	if status != http.StatusUnauthorized || !strings.Contains(string(body), "key") {
		t.Fatalf("wrong key: %d %s", status, body)
	}
	if status, _, _ := callResource(t, e.ds, "nothing"); status != http.StatusNotFound {
		t.Fatalf("unknown resource: %d", status)
	}
}

// An upstream that refuses the domain as a filter: the list is the whole
// APPID's, and both the live frame and the resource say so.
func TestListingSaysWhenTheDomainWasNotApplied(t *testing.T) {
	e := liveEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("Param.s.domain") {
			_, _ = w.Write([]byte(`{"ret":1204,"message":"invalid input param"}`))
			return
		}
		e.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e.url = srv.URL
	e.ds = e.open(t, testCmd, testKey, nil)
	r := e.query(t, dq("A", testNow, testNow, map[string]any{"queryType": "live", "domain": testDomain})).Responses["A"]
	if r.Error != nil || r.Frames[0].Rows() != len(e.sim.Streams) || len(r.Frames[0].Meta.Notices) != 1 ||
		!strings.Contains(r.Frames[0].Meta.Notices[0].Text, "every stream of the APPID") {
		t.Fatalf("%v %+v", r.Error, r.Frames[0].Meta)
	}
	// Those streams may play on any domain: none is labelled with the one
	// asked for.
	domains := field(t, r.Frames[0], "domain")
	for i := range domains.Len() {
		if d := domains.At(i).(string); d != "" {
			t.Fatalf("row %d labelled %q though the upstream ignored the domain", i, d)
		}
	}
	_, _, h := callResource(t, e.ds, "streams?domain="+testDomain)
	if !strings.Contains(h.Get("Warning"), "every stream of the APPID") {
		t.Fatalf("Warning header %q", h.Get("Warning"))
	}
}

// The summary is numeric-long (alerting reads each stream as a series), and
// statistic narrows it to one number.
func TestSummaryForAlerting(t *testing.T) {
	e := newEnv(t, nil)
	r := e.query(t, dq("S", testNow.Add(-24*time.Hour), testNow, map[string]any{"queryType": "summary", "streamId": "live_1,live_2", "statistic": "p95_bandwidth"})).Responses["S"]
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	f := r.Frames[0]
	var names []string
	for _, fl := range f.Fields {
		names = append(names, fl.Name)
	}
	if f.Meta.Type != data.FrameTypeNumericLong || !slices.Equal(names, []string{"domain", "stream_id", "p95_bandwidth"}) || f.Rows() != 2 {
		t.Fatalf("type %q, fields %v, %d rows", f.Meta.Type, names, f.Rows())
	}
	all := e.query(t, dq("S", testNow.Add(-24*time.Hour), testNow, map[string]any{"queryType": "summary", "streamId": "live_1,live_2"})).Responses["S"].Frames[0]
	for i := range 2 {
		if *field(t, all, "p95_bandwidth").At(i).(*float64) != *f.Fields[2].At(i).(*float64) {
			t.Fatal("the narrowed summary differs from the full one")
		}
	}
	r = e.query(t, dq("S", testNow.Add(-time.Hour), testNow, map[string]any{"queryType": "summary", "statistic": "median"})).Responses["S"]
	if r.Status != backend.StatusBadRequest || !strings.Contains(r.Error.Error(), "p95_bandwidth") {
		t.Fatalf("unknown statistic: %v", r.Error)
	}
}

// A server that ignores page_no answers its first page again and again: the
// listing stops at the first page that brings nothing new, lists each
// stream once and says so.
func TestListingStopsWhenPagesRepeat(t *testing.T) {
	e := liveEnv(t)
	var calls atomic.Int64
	names := make([]string, 0, 300)
	for i := range 300 {
		names = append(names, fmt.Sprintf("s%03d", i))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		q := r.URL.Query()
		q.Set("Param.n.page_no", "1")
		r.URL.RawQuery = q.Encode()
		e.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e.url = srv.URL
	e.ds = e.open(t, testCmd, testKey, nil)
	// Every page full, and stream_count says more are to come: only the
	// repetition can stop it.
	e.sim.Streams = append(names, "s300", "s301")
	e.sim.Live = e.sim.Streams
	r := e.query(t, dq("V", testNow, testNow, map[string]any{"queryType": "streams"})).Responses["V"]
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	if n := r.Frames[0].Rows(); n != 300 || calls.Load() != 2 {
		t.Fatalf("%d rows after %d calls, want 300 distinct streams after 2", n, calls.Load())
	}
	if len(r.Frames[0].Meta.Notices) != 1 || !strings.Contains(r.Frames[0].Meta.Notices[0].Text, "repeated 300 streams") {
		t.Fatalf("notices %+v", r.Frames[0].Meta.Notices)
	}
}
