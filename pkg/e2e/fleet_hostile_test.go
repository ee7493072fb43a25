package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/pluginhost"
	"github.com/lvbstat/lvbstat-tencent-datasource/internal/redistest"
	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/fleet"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/plugin"
)

// cloudFleet is a Cloud API simulator behind a handler that tells when a
// request arrives, and replicas sharing one Redis.
type cloudFleet struct {
	*cloudHarness
	redis   *redistest.Server
	arrived chan struct{}
}

func newCloudFleet(t *testing.T, streams ...string) *cloudFleet {
	t.Helper()
	sim := simulator.NewCloudAPI(secretID, secretKey, domain, streams...)
	f := &cloudFleet{redis: redistest.Start(t, storePassword), arrived: make(chan struct{}, 1000)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case f.arrived <- struct{}{}:
		default:
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f.cloudHarness = &cloudHarness{sim: sim, url: srv.URL}
	return f
}

func (f *cloudFleet) env() []string {
	return []string{fleet.EnvURL + "=redis://" + f.redis.Addr + "/0", fleet.EnvPassword + "=" + storePassword}
}

// replica starts one plugin process of the fleet.
func (f *cloudFleet) replica(t *testing.T) (*pluginhost.Plugin, *pluginhost.Logs) {
	t.Helper()
	return launch(t, []string{secretKey, storePassword}, f.env()...)
}

// doomed starts a replica the test will kill.
func (f *cloudFleet) doomed(t *testing.T) *pluginhost.Plugin {
	t.Helper()
	p, err := pluginhost.Start(binary, plugin.PluginID, &pluginhost.Logs{}, append(os.Environ(), f.env()...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func (f *cloudFleet) settingsFor(extra map[string]any) backend.DataSourceInstanceSettings {
	s := f.settingsWith(secretID, secretKey, extra)
	s.UID, s.ID = "cloud-fleet", 1 // the same data source on every replica
	return s
}

func streamsQuery(from, to time.Time, streams ...string) backend.DataQuery {
	return backend.DataQuery{RefID: "A", JSON: []byte(`{"streamId":"` + strings.Join(streams, ",") + `","metrics":["bandwidth"]}`),
		TimeRange: backend.TimeRange{From: from, To: to}, Interval: time.Minute, MaxDataPoints: 100000}
}

// whole fails unless r holds every minute of every stream, with no error
// and no notice.
func (f *cloudFleet) whole(t *testing.T, r backend.DataResponse, least int, streams ...string) {
	t.Helper()
	if r.Error != nil || len(r.Frames) != len(streams) {
		t.Fatalf("%v, %d frames", r.Error, len(r.Frames))
	}
	for i, fr := range r.Frames {
		if fr.Meta != nil && len(fr.Meta.Notices) > 0 {
			t.Fatalf("frame %d: %+v", i, fr.Meta.Notices)
		}
		f.wholeSeries(t, fr, streams[i], least)
	}
}

// A replica killed (SIGKILL, as an OOM kill or a rolling restart's last
// resort) while it fetches a slow request: another replica asking the
// same range answers whole within an alert rule's 30 s, whatever the
// data source's timeout, and says in its log who it waited for.
func TestAKilledReplicaIsTakenOverWithinSeconds(t *testing.T) {
	for _, timeout := range []int{30, 300} {
		t.Run("timeoutSeconds="+strconv.Itoa(timeout), func(t *testing.T) {
			f := newCloudFleet(t, "live_1")
			f.sim.SetLatency(8 * time.Second)
			settings := f.settingsFor(map[string]any{"timeoutSeconds": timeout})
			to := time.Now()
			query := streamsQuery(to.Add(-2*time.Hour), to, "live_1")
			dying := f.doomed(t)
			go func() { _, _ = dying.QueryData(context.Background(), settings, query) }()
			<-f.arrived
			if err := syscall.Kill(dying.Pid(), syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			heir, logs := f.replica(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			resp, err := heir.QueryData(ctx, settings, query)
			if err != nil {
				t.Fatal(err)
			}
			f.whole(t, resp.Responses["A"], 2*60-10, "live_1")
			if !strings.Contains(logs.String(), "Waiting for another replica's fetch") {
				t.Errorf("nothing in the log says what the replica waited for:\n%s", logs.String())
			}
		})
	}
}

// Redis paused for a few seconds while three replicas open a panel: the
// answers are whole, and nothing is left behind that outlives a lease: a
// replica opening the same panel afterwards answers whole too.
func TestAStalledRedisLeavesNothingBehind(t *testing.T) {
	f := newCloudFleet(t, "live_1", "live_2", "live_3")
	f.sim.SetLatency(300 * time.Millisecond)
	settings := f.settingsFor(nil)
	to := time.Now()
	query := streamsQuery(to.Add(-3*24*time.Hour), to, "live_1", "live_2", "live_3")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for range 3 {
		p, _ := f.replica(t)
		wg.Go(func() {
			resp, err := p.QueryData(ctx, settings, query)
			if err != nil {
				t.Error(err)
				return
			}
			if r := resp.Responses["A"]; r.Error != nil || len(r.Frames) != 3 {
				t.Errorf("a replica's answer during the stall: %v", r.Error)
			}
		})
	}
	<-f.arrived
	if r := f.redis.Do("CLIENT", "PAUSE", "3000", "ALL"); r != "+OK" {
		t.Fatalf("CLIENT PAUSE: %s", r)
	}
	wg.Wait()
	// After the pause: nothing outlives a lease, or the few seconds a
	// lease given back says the answer is there.
	for _, k := range f.redis.Keys("lvbstat:*:lease:*") {
		ttl, _ := strconv.Atoi(strings.TrimPrefix(f.redis.Do("PTTL", k), ":"))
		if ttl < 0 || ttl > int(max(fleet.LeaseTTL, fleet.DoneTTL)/time.Millisecond) {
			t.Errorf("lease %s lives %d ms more", k, ttl)
		}
	}
	late, _ := f.replica(t)
	ctx30, cancel30 := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel30()
	resp, err := late.QueryData(ctx30, settings, query)
	if err != nil {
		t.Fatal(err)
	}
	f.whole(t, resp.Responses["A"], 3*24*60-10, "live_1", "live_2", "live_3")
}

// Three replicas with maxConcurrency 8 each against an upstream that
// allows four requests in flight: the fleet keeps to what the upstream
// allows together, and the panel every replica opens is whole, within
// an alert rule's 30 s.
func TestAFleetSharesAThrottledUpstream(t *testing.T) {
	streams := []string{"live_1", "live_2", "live_3", "live_4", "live_5", "live_6"}
	f := newCloudFleet(t, streams...)
	f.sim.Faults.MaxInFlight = 4
	f.sim.SetLatency(200 * time.Millisecond)
	settings := f.settingsFor(map[string]any{"maxConcurrency": 8})
	to := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range 3 {
		p, _ := f.replica(t)
		// Each replica its own stretch of three days: nothing to share
		// but the upstream's limit.
		end := to.Add(-time.Duration(i) * 3 * 24 * time.Hour)
		wg.Go(func() {
			resp, err := p.QueryData(ctx, settings, streamsQuery(end.Add(-3*24*time.Hour), end, streams...))
			if err != nil {
				t.Error(err)
				return
			}
			f.whole(t, resp.Responses["A"], 3*24*60-10, streams...)
		})
	}
	wg.Wait()
	throttled := 0
	for _, req := range f.sim.Requests() {
		if req.Code == "RequestLimitExceeded" {
			throttled++
		}
	}
	t.Logf("%d calls, %d throttled, peak %d in flight", f.sim.Calls(), throttled, f.sim.Peak())
	if f.sim.Peak() > 8 {
		t.Fatalf("the fleet had %d requests in flight at once; maxConcurrency, the fleet's bound, is 8", f.sim.Peak())
	}
}

// One 20-stream, 24-hour panel opened by three replicas at once: the
// upstream sees one replica's calls, and Redis a few commands for each.
func TestAFleetsRedisTrafficIsModest(t *testing.T) {
	srv := redistest.Start(t, storePassword)
	streams := make([]string, 20)
	for i := range streams {
		streams[i] = "live_" + strconv.Itoa(i+1)
	}
	sim := simulator.New(cmd, key, domain, streams...)
	sim.SetFaults(simulator.Faults{Latency: 100 * time.Millisecond})
	up := httptest.NewServer(sim)
	t.Cleanup(up.Close)
	settings := (&harness{url: up.URL + "/common_access"}).settings(cmd, key, map[string]any{"maxStreams": 20})
	proxy := srv.NewProxy()
	through := *srv
	through.Addr = proxy.Addr
	replicas := make([]*pluginhost.Plugin, 3)
	for i := range replicas {
		replicas[i], _ = replica(t, &through)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	to := time.Now()
	query := q("A", to.Add(-24*time.Hour), to, `{"streamId":"`+strings.Join(streams, ",")+`"}`)
	var wg sync.WaitGroup
	for _, p := range replicas {
		wg.Go(func() {
			resp, err := p.QueryData(ctx, settings, query)
			if err != nil {
				t.Error(err)
				return
			}
			if r := resp.Responses["A"]; r.Error != nil || len(r.Frames) < 20 {
				t.Errorf("a replica's panel: %v, %d frames", r.Error, len(r.Frames))
			}
		})
	}
	wg.Wait()
	commands := proxy.Commands()
	t.Logf("%d upstream calls, %d Redis commands: %v", sim.Calls(), commands, proxy.ByName())
	if sim.Calls() > 20*13 {
		t.Errorf("three replicas made %d upstream calls; one makes %d", sim.Calls(), 20*13)
	}
	if commands > 3000 {
		t.Errorf("the fleet sent Redis %d commands for one panel", commands)
	}
}

// A Redis user without scripting, and Redis over TLS with a private CA and
// client certificates, as an operator sets them in grafana.ini: Save &
// test says what is true, and queries answer whole either way.
func TestStoreRefusalsAndTLSOverThePluginProtocol(t *testing.T) {
	sim := simulator.New(cmd, key, domain, "live_1")
	up := httptest.NewServer(sim)
	t.Cleanup(up.Close)
	settings := (&harness{url: up.URL + "/common_access"}).settings(cmd, key, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	to := time.Now()
	check := func(p *pluginhost.Plugin, want string) {
		t.Helper()
		res, err := p.CheckHealth(ctx, settings)
		if err != nil || res.Status != backend.HealthStatusOk || !strings.Contains(res.Message, want) {
			t.Fatalf("Save & test: %v %+v; want %q", err, res, want)
		}
		noneOf(t, res, storePassword, key)
		resp, err := p.QueryData(ctx, settings, q("A", to.Add(-2*time.Hour), to, `{"streamId":"live_1"}`))
		if err != nil || resp.Responses["A"].Error != nil || resp.Responses["A"].Frames[0].Rows() < 110 {
			t.Fatalf("%v %v", err, resp.Responses["A"].Error)
		}
	}

	plain := redistest.Start(t, "")
	plain.Do("ACL", "SETUSER", "grafana", "on", ">"+storePassword, "~*", "&*", "+@all", "-@scripting")
	p, logs := launch(t, []string{key, storePassword}, fleet.EnvURL+"=redis://grafana@"+plain.Addr+"/0", fleet.EnvPassword+"="+storePassword)
	check(p, "refused EVALSHA")
	if !strings.Contains(logs.String(), "refused a command") {
		t.Errorf("the refusal was not logged:\n%s", logs.String())
	}

	files := redistest.NewCA(t, true)
	tlsSrv := redistest.StartWith(t, redistest.Options{Password: storePassword, TLS: files})
	tlsEnv := []string{fleet.EnvURL + "=rediss://" + tlsSrv.Addr + "/0", fleet.EnvPassword + "=" + storePassword, fleet.EnvCAFile + "=" + files.CA}
	p, _ = launch(t, []string{key, storePassword}, append(tlsEnv, fleet.EnvCertFile+"="+files.ClientCert, fleet.EnvKeyFile+"="+files.ClientKey)...)
	check(p, "every command the fleet uses works")
	p, _ = launch(t, []string{key, storePassword}, tlsEnv...)
	check(p, "certificate")
}
