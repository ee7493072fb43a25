package e2e

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// badAnswers are the ways a gateway, a proxy or an overloaded service ends
// an answer badly, one after the other.
var badAnswers = []func(w http.ResponseWriter, r *http.Request){
	func(w http.ResponseWriter, r *http.Request) { // cut short
		conn, buf, _ := w.(http.Hijacker).Hijack()
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9000\r\n\r\n{\"Response\":{")
		_ = buf.Flush()
		_ = conn.Close()
	},
	func(w http.ResponseWriter, r *http.Request) { // still arriving at the timeout
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"Response":{"DataInfoList":[`)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	},
	func(w http.ResponseWriter, r *http.Request) { // gzip that is not
		w.Header().Set("Content-Encoding", "gzip")
		fmt.Fprint(w, `{"Response":{"DataInfoList":[]}}`)
	},
	func(w http.ResponseWriter, r *http.Request) { // brotli, never asked for
		w.Header().Set("Content-Encoding", "br")
		fmt.Fprint(w, "\x1b\x03\x00\xf8")
	},
	func(w http.ResponseWriter, r *http.Request) { // an event stream that never ends
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: x\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	},
	func(w http.ResponseWriter, r *http.Request) { // a gateway's page
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html><h1>502 Bad Gateway</h1></html>")
	},
}

// Answers that end badly, twice as many as the data source has slots:
// Save & test says what happened each time, never "network error", and the
// data source recovers by itself, without new settings or a restart; a day
// then comes back whole.
func TestCloudAPIBadAnswersNeverWedgeTheDataSource(t *testing.T) {
	h := startCloud(t)
	const bad = 16
	h.sim.Faults.Replace = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n > bad {
			return false
		}
		badAnswers[(n-1)%len(badAnswers)](w, r)
		return true
	}
	s := h.settingsWith(secretID, secretKey, map[string]any{"maxConcurrency": 2, "timeoutSeconds": 1})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var failures []string
	healthy := false
	for range 12 {
		res, err := h.plugin.CheckHealth(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		noSecret(t, res)
		if res.Status == backend.HealthStatusOk {
			healthy = true
			break
		}
		failures = append(failures, res.Message)
	}
	if !healthy || h.sim.Calls() < bad {
		t.Fatalf("not healthy after %d calls; messages:\n%s", h.sim.Calls(), strings.Join(failures, "\n"))
	}
	for _, m := range failures {
		if strings.Contains(m, "network error") || !strings.ContainsAny(m, "0123456789") && !strings.Contains(m, "Content-Encoding") && !strings.Contains(m, "event-stream") {
			t.Errorf("a failure that does not say what happened: %s", m)
		}
	}
	now := time.Now()
	resp, err := h.plugin.QueryData(ctx, s, backend.DataQuery{RefID: "A", JSON: []byte(`{"streamId":"live_1"}`),
		TimeRange: backend.TimeRange{From: now.Add(-24 * time.Hour), To: now}, Interval: time.Minute, MaxDataPoints: 5000})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.Responses["A"]
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	h.wholeSeries(t, r.Frames[0], "live_1", 24*60-10)
}

// An upstream that allows two requests in flight against Max concurrency
// 8: the data source slows down to what it allows, and a week of two
// streams completes, every minute of it, with no window lost.
func TestCloudAPIAdaptsToAnUpstreamThatAllowsTwoInFlight(t *testing.T) {
	h := startCloud(t)
	streams := []string{"live_1", "live_2", "live_3", "live_4", "live_5", "live_6"}
	h.sim.Streams = streams
	h.sim.Faults.MaxInFlight = 2
	h.sim.SetLatency(200 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	now := time.Now()
	resp, err := h.plugin.QueryData(ctx, h.settingsWith(secretID, secretKey, map[string]any{"maxConcurrency": 8}),
		backend.DataQuery{RefID: "A", JSON: []byte(`{"streamId":"` + strings.Join(streams, ",") + `","metrics":["bandwidth"]}`),
			TimeRange: backend.TimeRange{From: now.Add(-7 * 24 * time.Hour), To: now}, Interval: time.Minute, MaxDataPoints: 20000})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.Responses["A"]
	throttled := 0
	for _, req := range h.sim.Requests() {
		if req.Code == "RequestLimitExceeded" {
			throttled++
		}
	}
	if r.Error != nil || len(r.Frames) != len(streams) {
		t.Fatalf("%v, %d frames (%d calls, %d throttled)", r.Error, len(r.Frames), h.sim.Calls(), throttled)
	}
	for i, f := range r.Frames {
		if f.Meta != nil && len(f.Meta.Notices) > 0 {
			t.Fatalf("frame %d: %+v", i, f.Meta.Notices)
		}
		h.wholeSeries(t, f, streams[i], 7*24*60-10)
	}
	if throttled == 0 {
		t.Fatal("the upstream never throttled: the test did not test adapting")
	}
	t.Logf("%d calls, %d throttled, all minutes kept", h.sim.Calls(), throttled)
}

// NaN and infinities in the upstream's rows never reach an alert rule: the
// rows are left out and announced, and the summary's peak stays a number.
func TestCloudAPINonFiniteFiguresNeverReachAnAlert(t *testing.T) {
	h := startCloud(t)
	h.sim.Faults.Rows = func(resp map[string]any) {
		rows, _ := resp["DataInfoList"].([]map[string]any)
		for i := 3; i < len(rows); i += 50 {
			rows[i]["Bandwidth"] = []string{"NaN", "Infinity", "-Inf"}[i%3]
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	now := time.Now()
	resp, err := h.plugin.QueryData(ctx, h.settings(secretID, secretKey), backend.DataQuery{RefID: "S",
		JSON:      []byte(`{"queryType":"summary","streamId":"live_1"}`),
		TimeRange: backend.TimeRange{From: now.Add(-6 * time.Hour), To: now}})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.Responses["S"]
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	f := r.Frames[0]
	for _, name := range []string{"peak_bandwidth", "p95_bandwidth"} {
		for _, fl := range f.Fields {
			if fl.Name != name {
				continue
			}
			v, ok := fl.ConcreteAt(0)
			x, isFloat := v.(float64)
			if !ok || !isFloat || math.IsInf(x, 0) || math.IsNaN(x) {
				t.Fatalf("%s = %v", name, v)
			}
		}
	}
	notices := fmt.Sprint(f.Meta.Notices)
	if !strings.Contains(notices, "could not be read") || !strings.Contains(notices, "Bandwidth") {
		t.Fatalf("notices %s", notices)
	}
}

// Two Cloud API data sources on one plugin process: one with the right
// key, one with a wrong one. The wrong one never gets the other's minutes,
// although they sit in memory for the same stream and range, and its
// failures do not touch the other.
func TestCloudAPIDataSourcesAreIsolated(t *testing.T) {
	h := startCloud(t)
	good := h.settings(secretID, secretKey)
	bad := h.settings(secretID, "another-key-of-the-same-length-0000")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	now := time.Now()
	day := backend.DataQuery{RefID: "A", JSON: []byte(`{"streamId":"live_1"}`),
		TimeRange: backend.TimeRange{From: now.Add(-24 * time.Hour), To: now}, Interval: time.Minute, MaxDataPoints: 5000}
	for i, s := range []backend.DataSourceInstanceSettings{good, bad, good} {
		resp, err := h.plugin.QueryData(ctx, s, day)
		if err != nil {
			t.Fatal(err)
		}
		noSecret(t, resp)
		r := resp.Responses["A"]
		if s.UID == bad.UID {
			if r.Error == nil || r.Status != backend.StatusUnauthorized || !strings.Contains(r.Error.Error(), "SecretKey is wrong") {
				t.Fatalf("the wrong key got %v (status %d)", r.Error, r.Status)
			}
			for _, f := range r.Frames {
				if f.Rows() > 0 {
					t.Fatalf("the wrong key was served %d minutes", f.Rows())
				}
			}
			continue
		}
		if r.Error != nil {
			t.Fatalf("query %d with the right key: %v", i, r.Error)
		}
		h.wholeSeries(t, r.Frames[0], "live_1", 24*60-10)
	}
}

// A thousand queries abandoned at every stage (before they start, while
// waiting for a slot, with requests in flight) leave the data source as
// they found it: never more requests in flight than Max concurrency, no
// slot kept, and the next query whole.
func TestCloudAPIThousandCancelledQueries(t *testing.T) {
	h := startCloud(t)
	h.sim.SetLatency(5 * time.Millisecond)
	s := h.settingsWith(secretID, secretKey, map[string]any{"maxConcurrency": 4})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	now := time.Now()
	const total, together = 1000, 50
	sem := make(chan struct{}, together)
	done := make(chan error, total)
	for i := range total {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			qctx, qcancel := context.WithCancel(ctx)
			// Cancelled at once, or after up to ~10 ms: before, while
			// waiting and in flight.
			stop := time.AfterFunc(time.Duration(i%11)*time.Millisecond, qcancel)
			defer stop.Stop()
			defer qcancel()
			// A different range each, so that few are answered by another's request.
			from := now.Add(-time.Duration(2+i%40) * 24 * time.Hour / 2)
			_, err := h.plugin.QueryData(qctx, s, backend.DataQuery{RefID: "A",
				JSON:      []byte(fmt.Sprintf(`{"streamId":"live_%d"}`, 1+i%2)),
				TimeRange: backend.TimeRange{From: from, To: from.Add(6 * time.Hour)}, Interval: time.Minute, MaxDataPoints: 5000})
			done <- err
		}()
	}
	for range total {
		if err := <-done; err != nil && ctx.Err() != nil {
			t.Fatalf("the test ran out of time: %v", err)
		}
	}
	if peak := h.sim.Peak(); peak > 4 {
		t.Fatalf("the upstream saw %d requests at once, above Max concurrency 4", peak)
	}
	// No slot was kept: Save & test and a whole day still go through.
	res, err := h.plugin.CheckHealth(ctx, s)
	if err != nil || res.Status != backend.HealthStatusOk {
		t.Fatalf("Save & test after the cancellations: %v %v", err, res)
	}
	resp, err := h.plugin.QueryData(ctx, s, backend.DataQuery{RefID: "A", JSON: []byte(`{"streamId":"live_1"}`),
		TimeRange: backend.TimeRange{From: now.Add(-24 * time.Hour), To: now}, Interval: time.Minute, MaxDataPoints: 5000})
	if err != nil || resp.Responses["A"].Error != nil {
		t.Fatalf("a day after the cancellations: %v %v", err, resp.Responses["A"].Error)
	}
	h.wholeSeries(t, resp.Responses["A"].Frames[0], "live_1", 24*60-10)
	t.Logf("%d upstream calls for %d cancelled queries, at most %d at once", h.sim.Calls(), total, h.sim.Peak())
}
