package legacy_test

import (
	"cmp"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/legacy"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

const (
	testCmd = "1250000000"
	testKey = "5d41402abc4b2a76b9719d911017c592"
)

var testNow = time.Date(2026, 11, 29, 10, 37, 23, 0, time.UTC)

func TestSignMatchesSeedExample(t *testing.T) {
	// The seed's example: key and t give this signature.
	if got := legacy.Sign(testKey, 1471850187); got != "b17971b51ba0fe5916ddcd96692e9fb3" {
		t.Fatalf("Sign = %s", got)
	}
}

type captured struct{ urls []*url.URL }

func (c *captured) RoundTrip(r *http.Request) (*http.Response, error) {
	c.urls = append(c.urls, r.URL)
	return &http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
}

func TestSigningTransportAddsShortLivedSignature(t *testing.T) {
	c := &captured{}
	tr := &legacy.SigningTransport{Key: testKey, Now: func() time.Time { return testNow }, Next: c}
	req, _ := http.NewRequest(http.MethodGet, "http://x/common_access?cmd=1", nil)
	if _, err := tr.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	q := c.urls[0].Query()
	wantT := testNow.Unix() + 300 // five minutes
	if q.Get("t") != strconv.FormatInt(wantT, 10) {
		t.Fatalf("t = %s, want %d", q.Get("t"), wantT)
	}
	if q.Get("sign") != legacy.Sign(testKey, wantT) || q.Get("cmd") != "1" {
		t.Fatalf("query = %v", q)
	}
	if req.URL.Query().Get("sign") != "" {
		t.Fatal("the caller's request was modified")
	}
}

func newClient(t *testing.T, endpoint, key string) *legacy.Client {
	t.Helper()
	c, err := legacy.New(legacy.Config{
		Endpoint: endpoint,
		Cmd:      testCmd,
		Location: simulator.Beijing,
		HTTPClient: &http.Client{Transport: &legacy.SigningTransport{
			Key: key, Now: func() time.Time { return testNow },
		}},
		Retry: upstream.Retry{Attempts: 3, BaseDelay: time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestURLEncodesAndOmitsUnsetParameters(t *testing.T) {
	c := newClient(t, "http://example.invalid/common_access", testKey)
	q := upstream.Query{Start: testNow.Add(-time.Hour), End: testNow.Add(time.Second)}
	u, _ := url.Parse(c.URL(q))
	if u.Query().Has("Param.s.stream_id") || u.Query().Has("Param.s.domain") {
		t.Fatalf("unset optional parameters were sent: %s", u)
	}
	q.StreamID, q.Domain = "a b&c=d", "play.example.com"
	raw := c.URL(q)
	u, _ = url.Parse(raw)
	if u.Query().Get("Param.s.stream_id") != "a b&c=d" || strings.Contains(raw, " ") {
		t.Fatalf("stream id not encoded: %s", raw)
	}
	for k, want := range map[string]string{
		"cmd": testCmd, "interface": "Get_LivePlayStatHistory",
		"Param.n.start_time": strconv.FormatInt(testNow.Unix()-3600, 10),
		"Param.n.end_time":   strconv.FormatInt(testNow.Unix(), 10),
	} {
		if got := u.Query().Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if u.Query().Has("sign") || u.Query().Has("t") {
		t.Fatal("URL() must not carry a credential")
	}
}

func TestConfigValidation(t *testing.T) {
	for _, ep := range []string{"ftp://x/y", "not a url", "http:///nohost", "http://x/common_access?cmd=1"} {
		if _, err := legacy.ParseEndpoint(ep); err == nil {
			t.Errorf("ParseEndpoint(%q) accepted", ep)
		}
	}
	for _, cmd := range []string{"", "abc", "-5", "0", "12.5"} {
		if _, err := legacy.ParseCmd(cmd); err == nil {
			t.Errorf("ParseCmd(%q) accepted", cmd)
		}
	}
	if got, err := legacy.ParseCmd("01250000000"); err != nil || got != testCmd {
		t.Errorf("ParseCmd = %q, %v", got, err)
	}
}

func startSim(t *testing.T) (*simulator.Simulator, string) {
	t.Helper()
	sim := simulator.New(testCmd, testKey, "play.example.com", "live_1", "live_2")
	sim.Now = func() time.Time { return testNow }
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv.URL + "/common_access"
}

func TestClientAgainstSimulator(t *testing.T) {
	sim, ep := startSim(t)
	c := newClient(t, ep, testKey)
	start := testNow.Add(-2 * time.Hour).Truncate(time.Hour)
	q := upstream.Query{Start: start, End: start.Add(time.Hour), StreamID: "live_1"}
	for _, f := range []simulator.Faults{
		{},
		{NumbersAsStrings: true},
		{SumInfoAsArray: true},
		{Time: simulator.TimeUnix},
		{Time: simulator.TimeRFC3339, NumbersAsStrings: true},
	} {
		sim.SetFaults(f)
		res, err := c.PlayStatHistory(context.Background(), q)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		want := sim.Expected("live_1", q.Start, q.End)
		if len(res.Points) != 60 || len(want) != 60 {
			t.Fatalf("%+v: %d points, want 60", f, len(res.Points))
		}
		var sum float64
		for i, p := range res.Points {
			w := want[i]
			if !p.Time.Equal(w.Time) || p.Bandwidth.Value != w.Bandwidth || p.Online.Value != float64(w.Online) || p.Flux.Value != w.Flux {
				t.Fatalf("%+v: point %d = %+v, want %+v", f, i, p, w)
			}
			sum += w.Flux
		}
		if !res.SumFlux.Valid || abs(res.SumFlux.Value-sum) > 1e-6 {
			t.Fatalf("%+v: sum_flux %+v, want %v", f, res.SumFlux, sum)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestEmptyStreamIsNotAnError(t *testing.T) {
	_, ep := startSim(t)
	c := newClient(t, ep, testKey)
	res, err := c.PlayStatHistory(context.Background(), upstream.Query{Start: testNow.Add(-time.Hour), End: testNow, StreamID: "nobody"})
	if err != nil || !res.Empty || len(res.Points) != 0 {
		t.Fatalf("res=%+v err=%v", res, err)
	}
}

func TestErrorsAreTypedAndCarryNoSecret(t *testing.T) {
	sim, ep := startSim(t)
	q := upstream.Query{Start: testNow.Add(-time.Hour), End: testNow.Add(time.Second)}
	cases := []struct {
		name   string
		key    string
		cmd    string
		faults simulator.Faults
		q      *upstream.Query
		kind   upstream.Kind
		calls  int
	}{
		{name: "wrong key", key: "0123456789abcdef0123456789abcdef", kind: upstream.KindCredentials, calls: 1},
		{name: "wrong cmd", cmd: "1250000001", kind: upstream.KindCredentials, calls: 1},
		{name: "not registered", faults: simulator.Faults{Ret: 1000, RetFailures: -1}, kind: upstream.KindNotEnabled, calls: 1},
		{name: "stopped", faults: simulator.Faults{Ret: 1001, RetFailures: -1}, kind: upstream.KindNotEnabled, calls: 1},
		{name: "internal persists", faults: simulator.Faults{Ret: 1201, RetFailures: -1}, kind: upstream.KindUpstreamFault, calls: 3},
		{name: "rate limited", faults: simulator.Faults{Ret: 1202, RetFailures: -1}, kind: upstream.KindRateLimited, calls: 3},
		{name: "over two hours", q: &upstream.Query{Start: testNow.Add(-3 * time.Hour), End: testNow}, kind: upstream.KindInvalidParameter, calls: 1},
		{name: "over 15 days", q: &upstream.Query{Start: testNow.Add(-16 * 24 * time.Hour), End: testNow.Add(-16*24*time.Hour + time.Hour)}, kind: upstream.KindInvalidParameter, calls: 1},
		{name: "http 500", faults: simulator.Faults{HTTPStatus: 500, HTTPFailures: -1}, kind: upstream.KindHTTPStatus, calls: 3},
		{name: "http 404", faults: simulator.Faults{HTTPStatus: 404, HTTPFailures: -1}, kind: upstream.KindHTTPStatus, calls: 1},
		{name: "not json, retried", faults: simulator.Faults{Malformed: true}, kind: upstream.KindBadResponse, calls: 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim.Reset()
			sim.SetFaults(tc.faults)
			key := cmp.Or(tc.key, testKey)
			c := newClient(t, ep, key)
			if tc.cmd != "" {
				var err error
				c, err = legacy.New(legacy.Config{Endpoint: ep, Cmd: tc.cmd, Location: time.UTC,
					HTTPClient: &http.Client{Transport: &legacy.SigningTransport{Key: key, Now: func() time.Time { return testNow }}}})
				if err != nil {
					t.Fatal(err)
				}
			}
			qq := q
			if tc.q != nil {
				qq = *tc.q
			}
			_, err := c.PlayStatHistory(context.Background(), qq)
			if got := upstream.KindOf(err); got != tc.kind {
				t.Fatalf("kind = %v, want %v (err: %v)", got, tc.kind, err)
			}
			if sim.Calls() != tc.calls {
				t.Errorf("calls = %d, want %d", sim.Calls(), tc.calls)
			}
			msg := err.Error()
			if strings.Contains(msg, key) || strings.Contains(msg, "sign=") {
				t.Fatalf("error leaks a credential: %s", msg)
			}
			if !strings.Contains(msg, ". ") && tc.kind != upstream.KindUnknown {
				t.Errorf("error says nothing about what to do: %s", msg)
			}
		})
	}
}

func TestRetryRecoversFromTransientFaults(t *testing.T) {
	sim, ep := startSim(t)
	c := newClient(t, ep, testKey)
	q := upstream.Query{Start: testNow.Add(-time.Hour), End: testNow.Add(time.Second)}
	for _, f := range []simulator.Faults{
		{Ret: 1201, RetFailures: 2},
		{Ret: 1202, RetFailures: 1},
		{HTTPStatus: 502, HTTPFailures: 2},
	} {
		sim.Reset()
		sim.SetFaults(f)
		res, err := c.PlayStatHistory(context.Background(), q)
		if err != nil || len(res.Points) == 0 {
			t.Fatalf("%+v: res=%v err=%v", f, res, err)
		}
		if want := f.RetFailures + f.HTTPFailures + 1; sim.Calls() != want {
			t.Fatalf("%+v: calls = %d, want %d", f, sim.Calls(), want)
		}
	}
}

func TestUnreachableSaysSoWithoutTheURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	ep := srv.URL + "/common_access"
	srv.Close()
	c := newClient(t, ep, testKey)
	_, err := c.PlayStatHistory(context.Background(), upstream.Query{Start: testNow.Add(-time.Hour), End: testNow, Domain: "secretish.example.com"})
	var e *legacy.Error
	if !errors.As(err, &e) || e.Kind != upstream.KindUnreachable {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "common_access?") || strings.Contains(err.Error(), testKey) {
		t.Fatalf("error repeats the request: %v", err)
	}
	if !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("error does not say what happened: %v", err)
	}
}

// answerThenCancel answers every request with a retryable failure from
// memory and cancels the caller's context as it returns, so that the client
// is in its backoff, not in a request, when the cancellation lands.
type answerThenCancel struct {
	cancel context.CancelFunc
	calls  int
}

func (a *answerThenCancel) RoundTrip(r *http.Request) (*http.Response, error) {
	a.calls++
	defer a.cancel()
	return &http.Response{StatusCode: 200, Header: http.Header{}, Request: r,
		Body: io.NopCloser(strings.NewReader(`{"ret":1201,"message":"internal/system error"}`))}, nil
}

func TestCancellationDuringBackoffStopsRetrying(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	tr := &answerThenCancel{cancel: cancel}
	c, err := legacy.New(legacy.Config{Endpoint: "http://upstream.invalid/common_access", Cmd: testCmd, Location: time.UTC,
		HTTPClient: &http.Client{Transport: tr},
		// Were the wait not cut short by the cancellation, the test would
		// hang for an hour and fail on the failsafe below.
		Retry: upstream.Retry{Attempts: 5, BaseDelay: time.Hour, MaxDelay: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.PlayStatHistory(ctx, upstream.Query{Start: testNow.Add(-time.Hour), End: testNow})
		done <- err
	}()
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		t.Fatal("the backoff did not stop when the context was cancelled")
	}
	if upstream.KindOf(err) != upstream.KindUpstreamFault || tr.calls != 1 {
		t.Fatalf("err=%v after %d calls; want the upstream's fault after 1", err, tr.calls)
	}
}

func TestNoRetryThatWouldOutliveTheDeadline(t *testing.T) {
	sim, ep := startSim(t)
	sim.SetFaults(simulator.Faults{Ret: 1201, RetFailures: -1})
	c, _ := legacy.New(legacy.Config{Endpoint: ep, Cmd: testCmd, Location: time.UTC,
		HTTPClient: &http.Client{Transport: &legacy.SigningTransport{Key: testKey, Now: func() time.Time { return testNow }}},
		Retry:      upstream.Retry{Attempts: 5, BaseDelay: time.Hour, MaxDelay: time.Hour}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.PlayStatHistory(ctx, upstream.Query{Start: testNow.Add(-time.Hour), End: testNow})
	// The next wait (at least half an hour) ends past the deadline, so the
	// client gives up at once: the context is still alive when it returns.
	if upstream.KindOf(err) != upstream.KindUpstreamFault || sim.Calls() != 1 || ctx.Err() != nil {
		t.Fatalf("err=%v calls=%d ctx=%v", err, sim.Calls(), ctx.Err())
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	// Ten failures in a row, each wait recorded by the time between calls
	// would depend on the clock; instead read the waits the policy hands out.
	waits := upstream.Retry{Attempts: 6, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}.Waits(5)
	distinct := map[time.Duration]bool{}
	for i, w := range waits {
		base := min(100*time.Millisecond<<i, time.Second)
		if w < base/2 || w > base*3/2 {
			t.Fatalf("wait %d = %v, want within ±50%% of %v", i, w, base)
		}
		distinct[w] = true
	}
	if len(distinct) < 2 {
		t.Fatalf("waits %v have no jitter", waits)
	}
}

func TestTransientFaultsAreRetriedPermanentOnesAreNot(t *testing.T) {
	sim, ep := startSim(t)
	q := upstream.Query{Start: testNow.Add(-time.Hour), End: testNow, StreamID: "live_1"}
	cases := []struct {
		name   string
		faults simulator.Faults
		key    string
		calls  int
		ok     bool
	}{
		{name: "truncated body", faults: simulator.Faults{TruncateEvery: -1}, calls: 3},
		{name: "one truncated body", faults: simulator.Faults{TruncateEvery: 2}, calls: 2, ok: true},
		{name: "HTTP 429", faults: simulator.Faults{HTTPStatus: 429, HTTPFailures: 2}, calls: 3, ok: true},
		{name: "HTTP 503", faults: simulator.Faults{HTTPStatus: 503, HTTPFailures: -1}, calls: 3},
		{name: "HTTP 403", faults: simulator.Faults{HTTPStatus: 403, HTTPFailures: -1}, calls: 1},
		{name: "HTTP 400", faults: simulator.Faults{HTTPStatus: 400, HTTPFailures: -1}, calls: 1},
		{name: "sign refused with 403", faults: simulator.Faults{RefusalStatus: 403}, key: "0123456789abcdef0123456789abcdef", calls: 1},
		{name: "ret 1204", faults: simulator.Faults{Ret: 1204, RetFailures: -1}, calls: 1},
		{name: "ret 1000", faults: simulator.Faults{Ret: 1000, RetFailures: -1}, calls: 1},
		{name: "ret 1001", faults: simulator.Faults{Ret: 1001, RetFailures: -1}, calls: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim.Reset()
			sim.SetFaults(tc.faults)
			key := cmp.Or(tc.key, testKey)
			res, err := newClient(t, ep, key).PlayStatHistory(context.Background(), q)
			if tc.ok != (err == nil) || sim.Calls() != tc.calls {
				t.Fatalf("err=%v after %d calls; want ok=%v after %d", err, sim.Calls(), tc.ok, tc.calls)
			}
			if tc.ok && len(res.Points) != 60 {
				t.Fatalf("%d points after the retry, want 60", len(res.Points))
			}
		})
	}
}

func TestRedirects(t *testing.T) {
	sim := simulator.New(testCmd, testKey, "play.example.com", "live_1")
	sim.Now = func() time.Time { return testNow }
	// Another host, which must never see a request.
	var elsewhere int
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere++
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(other.Close)
	mux := http.NewServeMux()
	mux.Handle("/common_access", sim)
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		// A redirect that echoes the signed query, as proxies do.
		http.Redirect(w, r, "/common_access?"+r.URL.RawQuery, http.StatusMovedPermanently)
	})
	mux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/common_access?"+r.URL.RawQuery, http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	signedAt := testNow
	hc := &http.Client{Transport: &legacy.SigningTransport{Key: testKey, Now: func() time.Time { signedAt = signedAt.Add(time.Second); return signedAt }}}
	q := upstream.Query{Start: testNow.Add(-time.Hour), End: testNow, StreamID: "live_1"}

	c, _ := legacy.New(legacy.Config{Endpoint: srv.URL + "/moved", Cmd: testCmd, Location: simulator.Beijing, HTTPClient: hc})
	res, err := c.PlayStatHistory(context.Background(), q)
	if err != nil || len(res.Points) != 60 || len(sim.Requests()) != 1 {
		t.Fatalf("same-host redirect: err=%v, %d requests served", err, len(sim.Requests()))
	}

	c, _ = legacy.New(legacy.Config{Endpoint: srv.URL + "/away", Cmd: testCmd, Location: simulator.Beijing, HTTPClient: hc})
	_, err = c.PlayStatHistory(context.Background(), q)
	var e *legacy.Error
	if !errors.As(err, &e) || e.Kind != upstream.KindRedirect || e.Status != http.StatusFound || elsewhere != 0 {
		t.Fatalf("cross-host redirect: err=%v, the other host saw %d requests", err, elsewhere)
	}
	otherHost := strings.TrimPrefix(other.URL, "http://")
	if msg := err.Error(); !strings.Contains(msg, "302") || !strings.Contains(msg, otherHost) || !strings.Contains(msg, "API URL") || strings.Contains(msg, "sign") && strings.Contains(msg, "sign=") {
		t.Fatalf("message does not name status, host and fix, or carries the signature: %s", msg)
	}
	if hc.CheckRedirect != nil {
		t.Fatal("the caller's http.Client was changed")
	}
}

func TestUnreadableRowsAreCountedNotFatal(t *testing.T) {
	sim, ep := startSim(t)
	sim.SetFaults(simulator.Faults{BadRowEvery: 10})
	res, err := newClient(t, ep, testKey).PlayStatHistory(context.Background(),
		upstream.Query{Start: testNow.Add(-time.Hour), End: testNow, StreamID: "live_1"})
	if err != nil || len(res.Points) != 54 || res.Rejected != 6 || !strings.Contains(res.RejectedExample, "stat_info[9]") {
		t.Fatalf("err=%v points=%d rejected=%d (%s)", err, len(res.Points), res.Rejected, res.RejectedExample)
	}
}
