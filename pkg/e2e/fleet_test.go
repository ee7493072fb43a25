package e2e

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/pluginhost"
	"github.com/lvbstat/lvbstat-tencent-datasource/internal/redistest"
	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/fleet"
)

const storePassword = "redis-password-never-shown-0042"

// replica starts one plugin process of a fleet sharing srv, with the
// password in its own variable (not in the URL), as an admin would.
func replica(t *testing.T, srv *redistest.Server) (*pluginhost.Plugin, *pluginhost.Logs) {
	t.Helper()
	return launch(t, []string{key, storePassword, "sign="}, fleet.EnvURL+"=redis://"+srv.Addr+"/0", fleet.EnvPassword+"="+srv.Password)
}

func noneOf(t *testing.T, v any, secrets ...string) {
	t.Helper()
	raw, _ := json.Marshal(v)
	for _, s := range secrets {
		if strings.Contains(string(raw), s) {
			t.Fatalf("an answer carries a secret: %.300s", raw)
		}
	}
}

// Three plugin processes on one Redis open the same 24-hour panel at once:
// the upstream sees one replica's requests. A replica started later starts
// warm. Redis stopped in the middle: every query still answers whole, and
// Save & test says the store is unreachable without failing.
func TestAFleetOfReplicasOverThePluginProtocol(t *testing.T) {
	srv := redistest.Start(t, storePassword)
	sim := simulator.New(cmd, key, domain, "live_1", "live_2")
	up := httptest.NewServer(sim)
	t.Cleanup(up.Close)
	settings := (&harness{url: up.URL + "/common_access"}).settings(cmd, key, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	to := time.Now()
	day := q("A", to.Add(-24*time.Hour), to, `{"streamId":"live_1"}`)
	ask := func(p *pluginhost.Plugin) *backend.DataResponse {
		resp, err := p.QueryData(ctx, settings, day)
		if err != nil {
			t.Error(err)
			return nil
		}
		noneOf(t, resp, key, storePassword)
		r := resp.Responses["A"]
		if r.Error != nil || len(r.Frames) == 0 || r.Frames[0].Rows() < 24*60-2 {
			t.Errorf("a replica's day: %v", r.Error)
		}
		return &r
	}

	replicas := make([]*pluginhost.Plugin, 3)
	for i := range replicas {
		replicas[i], _ = replica(t, srv)
	}
	var wg sync.WaitGroup
	for _, p := range replicas {
		wg.Go(func() { ask(p) })
	}
	wg.Wait()
	calls := sim.Calls()
	if calls > 13 {
		t.Fatalf("three replicas at once made %d upstream calls; one replica makes 13", calls)
	}
	sim.Reset()
	late, _ := replica(t, srv)
	ask(late)
	if c := sim.Calls(); c > 1 {
		t.Fatalf("a replica started later made %d upstream calls, want at most 1", c)
	}
	res, err := late.CheckHealth(ctx, settings)
	if err != nil || res.Status != backend.HealthStatusOk || !strings.Contains(res.Message, "reachable") || strings.Contains(res.Message, storePassword) {
		t.Fatalf("Save & test with the store up: %v %+v", err, res)
	}

	// Redis goes away: answers stay whole, from each replica's memory and
	// the upstream, and Save & test says what happened.
	srv.Stop()
	other := q("B", to.Add(-6*time.Hour), to, `{"streamId":"live_2"}`)
	for _, p := range append(replicas, late) {
		resp, err := p.QueryData(ctx, settings, other)
		if err != nil {
			t.Fatal(err)
		}
		if r := resp.Responses["B"]; r.Error != nil || r.Frames[0].Rows() < 6*60-2 {
			t.Fatalf("with Redis stopped: %v", r.Error)
		}
	}
	res, err = late.CheckHealth(ctx, settings)
	if err != nil || res.Status != backend.HealthStatusOk || !strings.Contains(res.Message, "unreachable") || !strings.Contains(res.Message, "own memory") {
		t.Fatalf("Save & test with the store down: %v %+v", err, res)
	}
	noneOf(t, res, key, storePassword)
	t.Logf("three replicas: %d calls (one alone: 13); a late replica: ≤ 1", calls)
}

// A wrong store password is no reason to fail: the replica works alone
// and Save & test says why, without the password.
func TestAWrongStorePasswordOverThePluginProtocol(t *testing.T) {
	srv := redistest.Start(t, storePassword)
	sim := simulator.New(cmd, key, domain, "live_1")
	up := httptest.NewServer(sim)
	t.Cleanup(up.Close)
	settings := (&harness{url: up.URL + "/common_access"}).settings(cmd, key, nil)
	wrong := *srv
	wrong.Password = "not-the-" + storePassword
	p, _ := replica(t, &wrong)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := p.CheckHealth(ctx, settings)
	if err != nil || res.Status != backend.HealthStatusOk || !strings.Contains(res.Message, "refused AUTH") || !strings.Contains(res.Message, "works alone") {
		t.Fatalf("%v %+v", err, res)
	}
	noneOf(t, res, storePassword, key)
	to := time.Now()
	resp, err := p.QueryData(ctx, settings, q("A", to.Add(-2*time.Hour), to, `{"streamId":"live_1"}`))
	if err != nil || resp.Responses["A"].Error != nil {
		t.Fatalf("%v %v", err, resp.Responses["A"].Error)
	}
}
