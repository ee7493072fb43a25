package cloudapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/cloudapi"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

const (
	secretID  = "AKIDsimulatorexample0000000000000000"
	secretKey = "sim-secret-key-0123456789abcdefABCDEF"
	domain    = "play.example.com"
)

func start(t *testing.T) (*simulator.CloudAPI, string) {
	t.Helper()
	sim := simulator.NewCloudAPI(secretID, secretKey, domain, "live_1", "live_2")
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

func client(t *testing.T, url, id, key string) *cloudapi.Client {
	t.Helper()
	c, err := cloudapi.New(cloudapi.Config{Endpoint: url, SecretID: id, SecretKey: key, Timeout: 10 * time.Second,
		Retry: upstream.Retry{Attempts: 3, BaseDelay: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A day of one stream in one request, every minute the simulator has, with
// its figures (requests included), signed so that the simulator's own TC3
// check accepts it.
func TestADayOfOneStream(t *testing.T) {
	sim, url := start(t)
	end := time.Now().Truncate(time.Minute)
	from := end.Add(-24 * time.Hour)
	res, err := client(t, url, secretID, secretKey).PlayStatHistory(context.Background(),
		upstream.Query{Start: from, End: end.Add(-time.Second), Domain: domain, StreamID: "live_1"})
	if err != nil {
		t.Fatal(err)
	}
	want := sim.Expected("live_1", from, end)
	if len(res.Points) != len(want) || len(want) < 24*60-10 || !res.NoSumInfo {
		t.Fatalf("%d points, want %d (no sum %v)", len(res.Points), len(want), res.NoSumInfo)
	}
	for i, p := range res.Points {
		w := want[i]
		if !p.Time.Equal(w.Time) || p.Bandwidth.Value != w.Bandwidth || p.Flux.Value != w.Flux ||
			int64(p.Online.Value) != w.Online || int64(p.Requests.Value) != w.Requests || !p.Requests.Valid {
			t.Fatalf("minute %d: %+v, want %+v", i, p, w)
		}
	}
	if reqs := sim.Requests(); len(reqs) != 1 || reqs[0].Stream != "live_1" || reqs[0].Domain != domain {
		t.Fatalf("requests %+v", reqs)
	}
}

// Each kind of refusal is its own error, says what to do, carries no
// secret, and only throttling and internal errors are tried again.
func TestRefusals(t *testing.T) {
	q := upstream.Query{Start: time.Now().Add(-time.Hour), End: time.Now().Add(-10 * time.Minute), Domain: domain}
	cases := []struct {
		name   string
		setup  func(*simulator.CloudAPI)
		id     string
		key    string
		kind   upstream.Kind
		fix    string
		status int
		calls  int
	}{
		{"unknown SecretId", nil, "AKIDnobody", secretKey, upstream.KindCredentials, "SecretId", 401, 1},
		{"wrong SecretKey", nil, secretID, "not-the-key", upstream.KindCredentials, "SecretKey", 401, 1},
		{"clock off", func(s *simulator.CloudAPI) { s.Clock = func() time.Time { return time.Now().Add(7 * time.Minute) } },
			secretID, secretKey, upstream.KindClock, "clock", 401, 1},
		{"no CAM permission", func(s *simulator.CloudAPI) { s.Deny(cloudapi.ActionPlayInfo) },
			secretID, secretKey, upstream.KindPermission, "live:DescribeStreamPlayInfoList", 403, 1},
		{"service not enabled", func(s *simulator.CloudAPI) { s.Disable() },
			secretID, secretKey, upstream.KindNotEnabled, "Activate", 403, 1},
		{"throttled", func(s *simulator.CloudAPI) { s.ThrottleNext(-1) },
			secretID, secretKey, upstream.KindRateLimited, "less often", 429, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, url := start(t)
			if tc.setup != nil {
				tc.setup(sim)
			}
			c := client(t, url, tc.id, tc.key)
			_, err := c.PlayStatHistory(context.Background(), q)
			var e *cloudapi.Error
			if err == nil || upstream.KindOf(err) != tc.kind {
				t.Fatalf("error %v, want kind %d", err, tc.kind)
			}
			e = err.(*cloudapi.Error)
			if !strings.Contains(err.Error(), tc.fix) || e.Fault().StatusCode() != tc.status {
				t.Fatalf("%q (status %d) does not name %q / %d", err, e.Fault().StatusCode(), tc.fix, tc.status)
			}
			if strings.Contains(err.Error(), secretKey) || strings.Contains(err.Error(), tc.key) {
				t.Fatal("the error carries the key")
			}
			// Three tries for throttling, one for the rest.
			if sim.Calls() != tc.calls {
				t.Fatalf("%d calls, want %d", sim.Calls(), tc.calls)
			}
		})
	}
}

// The streams playing now, at the newest minute the API has.
func TestLivePlayStat(t *testing.T) {
	sim, url := start(t)
	snap, err := client(t, url, secretID, secretKey).LivePlayStat(context.Background(), domain)
	if err != nil {
		t.Fatal(err)
	}
	want := sim.LiveNow()
	if len(snap.Streams) != len(want) {
		t.Fatalf("%d streams, want %d", len(snap.Streams), len(want))
	}
	for i, s := range snap.Streams {
		if s.Name != sim.Streams[i] || s.Bandwidth.Value != want[i].Bandwidth || int64(s.Online.Value) != want[i].Online {
			t.Fatalf("stream %d: %+v, want %+v", i, s, want[i])
		}
	}
	snap, err = client(t, url, secretID, secretKey).LivePlayStat(context.Background(), "other.example.com")
	if err != nil || len(snap.Streams) != 0 {
		t.Fatalf("another domain: %+v %v", snap, err)
	}
}

// A redirect is refused before anything reaches the other host.
func TestRedirectIsRefused(t *testing.T) {
	var reached atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }))
	t.Cleanup(other.Close)
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirect.Close)
	_, err := client(t, redirect.URL, secretID, secretKey).PlayStatHistory(context.Background(),
		upstream.Query{Start: time.Now().Add(-time.Hour), End: time.Now()})
	if upstream.KindOf(err) != upstream.KindRedirect || reached.Load() != 0 {
		t.Fatalf("%v; the other host was reached %d times", err, reached.Load())
	}
}
