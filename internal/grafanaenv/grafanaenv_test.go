package grafanaenv

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func envOf(t *testing.T, g Grafana) map[string]string {
	t.Helper()
	list, err := g.PluginEnv("my-plugin")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, kv := range list {
		k, v, _ := strings.Cut(kv, "=")
		out[k] = v
	}
	return out
}

// The rules, one by one, as Grafana applies them.
func TestGrafanasRules(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(secret, []byte("from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ini := `
[plugin.my-plugin]
url = redis://host:6379/0 ; a comment
hash = abc#def
quoted = """p;w#d"""
from_env = $__env{PW}
from_file = $__file{` + secret + `}
overridden = in the file
`
	env := envOf(t, Grafana{Inis: []string{ini}, Env: map[string]string{
		"PW":                             "from-env",
		"GF_PLUGIN_MY_PLUGIN_OVERRIDDEN": "by Grafana's environment",
		"GF_PLUGIN_MY_PLUGIN_ABSENT":     "never: no such key",
		"GF_PLUGIN_HASH":                 "plugin variable wins",
		"GF_PLUGIN_NEW":                  "never: no such key",
		"HOME":                           "/usr/share/grafana",
		"HTTPS_PROXY":                    "http://proxy:3128",
	}})
	want := map[string]string{
		"GF_PLUGIN_URL":        "redis://host:6379/0",
		"GF_PLUGIN_HASH":       "plugin variable wins",
		"GF_PLUGIN_QUOTED":     "p;w#d",
		"GF_PLUGIN_FROM_ENV":   "from-env",
		"GF_PLUGIN_FROM_FILE":  "from-a-file",
		"GF_PLUGIN_OVERRIDDEN": "by Grafana's environment",
		"HTTPS_PROXY":          "http://proxy:3128",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	for _, k := range []string{"GF_PLUGIN_ABSENT", "GF_PLUGIN_NEW", "HOME", "PW"} {
		if _, ok := env[k]; ok {
			t.Errorf("%s reached the plugin", k)
		}
	}
	if env := envOf(t, Grafana{Inis: []string{"[plugin.my-plugin]\nhash = abc#def\n"}}); env["GF_PLUGIN_HASH"] != "abc" {
		t.Errorf("an unquoted # does not end the value: %q", env["GF_PLUGIN_HASH"])
	}

	// No section: nothing, whatever the environment says.
	none := envOf(t, Grafana{Env: map[string]string{"GF_PLUGIN_MY_PLUGIN_URL": "redis://x", "GF_PLUGIN_URL": "redis://y"}})
	if len(none) != 0 {
		t.Errorf("without an ini section the plugin got %v", none)
	}

	// Forwarded: the host's environment too.
	fwd := envOf(t, Grafana{Inis: []string{"[plugins]\nforward_host_env_vars = other, my-plugin\n"}, Env: map[string]string{"GOMEMLIMIT": "1GiB"}})
	if fwd["GOMEMLIMIT"] != "1GiB" {
		t.Errorf("forward_host_env_vars did not forward: %v", fwd)
	}
	viaEnv := envOf(t, Grafana{Env: map[string]string{"GF_PLUGINS_FORWARD_HOST_ENV_VARS": "my-plugin", "GOMEMLIMIT": "1GiB"}})
	if viaEnv["GOMEMLIMIT"] != "1GiB" {
		t.Errorf("GF_PLUGINS_FORWARD_HOST_ENV_VARS (a key of defaults.ini) did not forward: %v", viaEnv)
	}
	if keys := slices.Sorted(func(yield func(string) bool) {
		for k := range envOf(t, Grafana{Env: map[string]string{"GOMEMLIMIT": "1GiB"}}) {
			if !yield(k) {
				return
			}
		}
	}); len(keys) != 0 {
		t.Errorf("not forwarded, yet the plugin got %v", keys)
	}
}
