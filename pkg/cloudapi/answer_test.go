package cloudapi_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/budget"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/cloudapi"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// hijack writes raw bytes on the connection and closes it: an answer cut
// short, whatever its headers promised.
func hijack(w http.ResponseWriter, raw string) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	_, _ = buf.WriteString(raw)
	_ = buf.Flush()
	_ = conn.Close()
}

// stall sends headers and the start of a body, then nothing until the
// client leaves.
func stall(w http.ResponseWriter, r *http.Request, ctype string) {
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "data: {\"Response\":")
	w.(http.Flusher).Flush()
	<-r.Context().Done()
}

// Every way an answer can end badly, as gateways, proxies and overloaded
// services do it: each is classified and said as what it is, a passing one
// is tried again and then answers, and none keeps a slot of a budget of
// one: the next request always goes through.
func TestAnswersThatEndBadlyNeverKeepASlot(t *testing.T) {
	inner := simulator.NewCloudAPI(secretID, secretKey, domain, "live_1")
	for _, tc := range []struct {
		name    string
		every   bool // every call misbehaves, not only the first
		replace func(w http.ResponseWriter, r *http.Request)
		kind    upstream.Kind
		says    string
	}{
		{"body cut short", false, func(w http.ResponseWriter, r *http.Request) {
			hijack(w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"Response\":{\"DataInfoList\":[")
		}, upstream.KindBadResponse, "cut short after"},
		{"body still arriving at the timeout", false, func(w http.ResponseWriter, r *http.Request) {
			stall(w, r, "application/json")
		}, upstream.KindTimeout, "still arriving when the timeout (1s) ended"},
		{"gzip that is not", true, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			fmt.Fprint(w, `{"Response":{"DataInfoList":[]}}`)
		}, upstream.KindBadResponse, "gzip"},
		{"brotli", true, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "br")
			fmt.Fprint(w, "\x1b\x03\x00\xf8")
		}, upstream.KindBadResponse, `Content-Encoding "br"`},
		{"event stream", true, func(w http.ResponseWriter, r *http.Request) {
			stall(w, r, "text/event-stream")
		}, upstream.KindBadResponse, "text/event-stream"},
		{"a gateway's HTML 502", false, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
		}, upstream.KindUpstreamFault, "HTTP 502 Bad Gateway with an HTML page"},
		{"an HTML page with 200", true, func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "<html>captive portal</html>")
		}, upstream.KindBadResponse, "an HTML page"},
		{"300 MB", true, func(w http.ResponseWriter, r *http.Request) {
			chunk := bytes.Repeat([]byte(" "), 1<<20)
			for range 300 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, upstream.KindBadResponse, "larger than 16 MiB"},
		{"deflate on success", true, func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			inner.ServeHTTP(rec, r)
			var z bytes.Buffer
			zw := zlib.NewWriter(&z)
			_, _ = zw.Write(rec.Body.Bytes())
			_ = zw.Close()
			w.Header().Set("Content-Encoding", "deflate")
			_, _ = w.Write(z.Bytes())
		}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := simulator.NewCloudAPI(secretID, secretKey, domain, "live_1")
			sim.Faults.Replace = func(w http.ResponseWriter, r *http.Request, n int) bool {
				if n == 1 || tc.every {
					tc.replace(w, r)
					return true
				}
				return false
			}
			srv := httptest.NewServer(sim)
			defer srv.Close()
			b := budget.New(1, 0)
			c, err := cloudapi.New(cloudapi.Config{Endpoint: srv.URL, SecretID: secretID, SecretKey: secretKey, Timeout: time.Second,
				Transport: b.Transport(http.DefaultTransport), Retry: upstream.Retry{Attempts: 2, BaseDelay: time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			end := time.Now().Add(-10 * time.Minute).Truncate(time.Minute)
			q := upstream.Query{Start: end.Add(-time.Hour), End: end.Add(-time.Second), Domain: domain, StreamID: "live_1"}
			res, err := c.PlayStatHistory(context.Background(), q)
			if s := b.Stats(); s.InFlight != 0 {
				t.Fatalf("%d slots still held after the call returned", s.InFlight)
			}
			want := len(sim.Expected("live_1", q.Start, end))
			switch {
			case tc.kind == 0 || !tc.every:
				// Fine at once, or after one more try.
				if err != nil || len(res.Points) != want {
					t.Fatalf("%v; %d points, want %d", err, len(res.Points), want)
				}
				if tries := sim.Calls(); (tc.kind == 0 && tries != 1) || (tc.kind != 0 && tries != 2) {
					t.Fatalf("%d tries", tries)
				}
				if tc.kind == 0 {
					break
				}
				// Once more, failing every time: the message says what went wrong.
				tc.every = true
				sim.Reset()
				_, err = c.PlayStatHistory(context.Background(), q)
				fallthrough
			default:
				if upstream.KindOf(err) != tc.kind || !strings.Contains(err.Error(), tc.says) || strings.Contains(err.Error(), secretKey) {
					t.Fatalf("kind %v: %v", upstream.KindOf(err), err)
				}
				if strings.Contains(err.Error(), "network error") {
					t.Fatalf("blamed on the network: %v", err)
				}
			}
			// The budget of one is free: a plain request goes through.
			sim.Faults.Replace = nil
			if _, err := c.PlayStatHistory(context.Background(), q); err != nil {
				t.Fatalf("after the bad answers: %v", err)
			}
		})
	}
}

// Rows that carry NaN, an infinity or a time that is a number are counted
// and their first example kept; the other rows stay. An answer without
// DataInfoList, or with null, is an error, never "no data".
func TestBadRowsAreRefusedOneByOne(t *testing.T) {
	sim, url := start(t)
	c := client(t, url, secretID, secretKey)
	end := time.Now().Add(-10 * time.Minute).Truncate(time.Minute)
	q := upstream.Query{Start: end.Add(-time.Hour), End: end.Add(-time.Second), Domain: domain, StreamID: "live_1"}
	sim.Faults.Rows = func(resp map[string]any) {
		rows := resp["DataInfoList"].([]map[string]any)
		rows[2]["Bandwidth"] = "NaN"
		rows[3]["Online"] = "Infinity"
		rows[4]["Flux"] = "-Inf"
		rows[5]["Time"] = 1700000000
		rows[6]["Request"] = map[string]any{}
	}
	res, err := c.PlayStatHistory(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	want := len(sim.Expected("live_1", q.Start, end))
	if res.Rejected != 5 || len(res.Points) != want-5 || !strings.Contains(res.RejectedExample, "DataInfoList[2].Bandwidth") {
		t.Fatalf("%d rejected (%s), %d points of %d", res.Rejected, res.RejectedExample, len(res.Points), want)
	}
	for _, p := range res.Points {
		for _, v := range []upstream.Num{p.Bandwidth, p.Online, p.Flux, p.Requests} {
			if v.Valid && (v.Value != v.Value || v.Value > 1e300 || v.Value < -1e300) {
				t.Fatalf("a non-finite figure got through: %+v", p)
			}
		}
	}
	for name, edit := range map[string]func(map[string]any){
		"no DataInfoList":   func(r map[string]any) { delete(r, "DataInfoList") },
		"null DataInfoList": func(r map[string]any) { r["DataInfoList"] = nil },
	} {
		sim.Faults.Rows = edit
		if _, err := c.PlayStatHistory(context.Background(), q); upstream.KindOf(err) != upstream.KindBadResponse || !strings.Contains(err.Error(), "without DataInfoList") {
			t.Fatalf("%s: %v", name, err)
		}
	}
	sim.Faults.Rows = func(r map[string]any) { r["DataInfoList"] = []any{} }
	if res, err := c.PlayStatHistory(context.Background(), q); err != nil || !res.Empty {
		t.Fatalf("an empty list is no data: %v %+v", err, res)
	}
}
