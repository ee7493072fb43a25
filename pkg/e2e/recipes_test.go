package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"gopkg.in/yaml.v3"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/grafanaenv"
	"github.com/lvbstat/lvbstat-tencent-datasource/internal/pluginhost"
	"github.com/lvbstat/lvbstat-tencent-datasource/internal/redistest"
	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/plugin"
)

const repo = "../.."

func readRepo(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readmeIni is the grafana.ini block of README's High availability section.
func readmeIni(t *testing.T) string {
	t.Helper()
	readme := readRepo(t, "README.md")
	_, ha, ok := strings.Cut(readme, "## High availability")
	_, block, ok2 := strings.Cut(ha, "```ini\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README's High availability section has no ini block")
	}
	return block
}

// composeIni is the grafana.ini every Grafana service of the HA compose
// example mounts, after checking that each mounts it where Grafana reads
// it and gets the secrets it names.
func composeIni(t *testing.T) string {
	t.Helper()
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Volumes     []string          `yaml:"volumes"`
			Secrets     []string          `yaml:"secrets"`
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(readRepo(t, "examples/ha/docker-compose.yaml")), &compose); err != nil {
		t.Fatal(err)
	}
	var grafanas []string
	for name, s := range compose.Services {
		if !strings.HasPrefix(s.Image, "grafana/grafana") {
			continue
		}
		grafanas = append(grafanas, name)
		if !slices.Contains(s.Volumes, "./grafana.ini:/etc/grafana/grafana.ini:ro") || !slices.Contains(s.Secrets, "redis-password") {
			t.Errorf("%s does not mount grafana.ini and the Redis password: %v %v", name, s.Volumes, s.Secrets)
		}
		for k := range s.Environment {
			if strings.HasPrefix(k, "GF_PLUGIN") {
				t.Errorf("%s sets %s, which reaches the plugin only for a key grafana.ini has", name, k)
			}
		}
	}
	if len(grafanas) < 2 {
		t.Fatalf("the HA example has %d Grafana replicas", len(grafanas))
	}
	return readRepo(t, "examples/ha/grafana.ini")
}

// helmIni is grafana.ini as the official chart renders the example
// values' grafana.ini map: a section per map, key = value lines.
func helmIni(t *testing.T) string {
	t.Helper()
	var values map[string]any
	if err := yaml.Unmarshal([]byte(readRepo(t, "examples/helm/values.yaml")), &values); err != nil {
		t.Fatal(err)
	}
	cfg, ok := values["grafana.ini"].(map[string]any)
	if !ok {
		t.Fatal("the Helm values have no grafana.ini map")
	}
	var b strings.Builder
	for _, section := range slices.Sorted(func(yield func(string) bool) {
		for k := range cfg {
			if !yield(k) {
				return
			}
		}
	}) {
		keys, ok := cfg[section].(map[string]any)
		if !ok {
			fmt.Fprintf(&b, "%s = %v\n", section, cfg[section])
			continue
		}
		fmt.Fprintf(&b, "[%s]\n", section)
		for k, v := range keys {
			fmt.Fprintf(&b, "%s = %v\n", k, v)
		}
	}
	return b.String()
}

// Every recipe the project documents for a fleet, handed to the built
// plugin exactly as Grafana would (its ini rules, its environment, none of
// the host's), makes two replicas share: the second asks the upstream
// nothing. The recipe the README gave before, a variable of Grafana's
// environment without an ini key, passes nothing, and the plugin says so.
func TestEveryDocumentedRecipeMakesReplicasShare(t *testing.T) {
	srv := redistest.Start(t, storePassword)
	secret := filepath.Join(t.TempDir(), "redis-password")
	if err := os.WriteFile(secret, []byte(storePassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "postgres-password")
	if err := os.WriteFile(other, []byte("not the plugin's\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// What the containers' names and paths are here: Redis's address, and
	// the secrets' files.
	local := strings.NewReplacer("/run/secrets/postgres-password", other,
		"redis.internal:6379", srv.Addr, "redis:6379", srv.Addr, "lvbstat-redis-master:6379", srv.Addr,
		"/run/secrets/lvbstat-redis", secret, "/run/secrets/redis-password", secret, "/etc/secrets/lvbstat-redis/password", secret)
	for _, recipe := range []struct {
		name string
		ini  string
	}{
		{"README's grafana.ini", readmeIni(t)},
		{"examples/ha", composeIni(t)},
		{"examples/helm", helmIni(t)},
	} {
		t.Run(recipe.name, func(t *testing.T) {
			g := grafanaenv.Grafana{Inis: []string{local.Replace(recipe.ini)}, Env: map[string]string{"HOME": "/usr/share/grafana"}}
			env, err := g.PluginEnv(plugin.PluginID)
			if err != nil {
				t.Fatal(err)
			}
			sim := simulator.New(cmd, key, domain, "live_1")
			up := httptest.NewServer(sim)
			t.Cleanup(up.Close)
			settings := (&harness{url: up.URL + "/common_access"}).settings(cmd, key, nil)
			to := time.Now()
			day := q("A", to.Add(-24*time.Hour), to, `{"streamId":"live_1"}`)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var logs []*pluginhost.Logs
			for i := range 2 {
				l := &pluginhost.Logs{}
				p, err := pluginhost.Start(binary, plugin.PluginID, l, env...)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(p.Close)
				logs = append(logs, l)
				storeIs(t, p, settings, "shared")
				sim.Reset()
				resp, err := p.QueryData(ctx, settings, day)
				if err != nil || resp.Responses["A"].Error != nil {
					t.Fatalf("replica %d: %v %v", i+1, err, resp.Responses["A"].Error)
				}
			}
			if sim.Calls() != 0 {
				t.Errorf("the second replica asked the upstream %d times: the recipe does not make replicas share", sim.Calls())
			}
			for _, l := range logs {
				if !strings.Contains(l.String(), "this replica shares") || strings.Contains(l.String(), storePassword) {
					t.Errorf("the log does not say the store is shared, or shows the password:\n%s", l.String())
				}
			}
		})
	}

	t.Run("a variable of Grafana's environment without an ini key", func(t *testing.T) {
		g := grafanaenv.Grafana{Env: map[string]string{
			"GF_PLUGIN_LVBSTAT_TENCENT_DATASOURCE_STORE_URL": "redis://" + srv.Addr + "/0",
			"GF_PLUGIN_STORE_URL":                            "redis://" + srv.Addr + "/0",
		}}
		env, err := g.PluginEnv(plugin.PluginID)
		if err != nil {
			t.Fatal(err)
		}
		if len(env) != 0 {
			t.Fatalf("Grafana would pass %v", env)
		}
		l := &pluginhost.Logs{}
		p, err := pluginhost.Start(binary, plugin.PluginID, l, env...)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if !l.Wait(ctx, func(s string) bool { return strings.Contains(s, "Shared store: none") }) {
			t.Fatalf("the plugin does not say it has no shared store:\n%s", l.String())
		}
		sim := simulator.New(cmd, key, domain, "live_1")
		up := httptest.NewServer(sim)
		t.Cleanup(up.Close)
		storeIs(t, p, (&harness{url: up.URL + "/common_access"}).settings(cmd, key, nil), "none")
	})
}

// storeIs fails unless Save & test's details give the shared store's
// state as want.
func storeIs(t *testing.T, p *pluginhost.Plugin, settings backend.DataSourceInstanceSettings, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := p.CheckHealth(ctx, settings)
	if err != nil {
		t.Fatal(err)
	}
	var details struct {
		Store   struct{ State, Message string } `json:"store"`
		Verbose string                          `json:"verboseMessage"`
	}
	if err := json.Unmarshal(res.JSONDetails, &details); err != nil || details.Store.State != want || !strings.Contains(details.Verbose, "Shared store") {
		t.Fatalf("Save & test's details: %s (%v); want the store %s", res.JSONDetails, err, want)
	}
}
