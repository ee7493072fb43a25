// Package grafanaenv computes the environment a Grafana server gives a
// backend plugin's process, from the ini files it loads and its own
// environment, by the rules Grafana follows (docs/grafana-settings.md says
// them in words). No Grafana server runs where the tests run: this is how
// the tests hand the plugin exactly what Grafana would for each recipe the
// project documents, and how a recipe that Grafana would not pass on fails
// a test instead of a deployment. It reads ini text with gopkg.in/ini.v1,
// the parser Grafana uses, so comments and quotes behave as they will in
// production.
package grafanaenv

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/ini.v1"
)

// Defaults is the part of Grafana's defaults.ini these rules depend on:
// an override applies only to a key that a loaded file has.
const Defaults = `
[plugins]
forward_host_env_vars =
`

// Grafana is one Grafana server as a plugin sees it.
type Grafana struct {
	// Inis are the texts of the ini files Grafana loads after Defaults,
	// in order (conf/custom.ini or the file --config names; the Docker
	// image's /etc/grafana/grafana.ini).
	Inis []string
	// Env is Grafana's own environment.
	Env map[string]string
}

// proxyVars reach every plugin, forwarded or not.
var proxyVars = []string{"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"}

// PluginEnv is the environment of plugin pluginID's process, as NAME=value.
func (g Grafana) PluginEnv(pluginID string) ([]string, error) {
	cfg, err := g.Config()
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	if sec, err := cfg.GetSection("plugin." + pluginID); err == nil {
		for _, k := range sec.Keys() {
			name := "GF_PLUGIN_" + strings.ToUpper(k.Name())
			env[name] = k.Value()
			// Grafana's own variable of that name wins, for a key present.
			if v, ok := g.Env[name]; ok && v != "" {
				env[name] = v
			}
		}
	}
	for _, v := range proxyVars {
		if val, ok := g.Env[v]; ok {
			env[v] = val
		}
	}
	forwarded := strings.FieldsFunc(cfg.Section("plugins").Key("forward_host_env_vars").String(), func(r rune) bool { return r == ',' || r == ' ' })
	if slices.Contains(forwarded, pluginID) {
		for k, v := range g.Env {
			if _, set := env[k]; !set {
				env[k] = v
			}
		}
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out, nil
}

// Config is what Grafana makes of its files and environment: Defaults and
// Inis merged in order, then GF_<SECTION>_<KEY> variables applied to the
// keys present, then $__env{} and $__file{} expanded.
func (g Grafana) Config() (*ini.File, error) {
	cfg, err := ini.Load([]byte(Defaults))
	if err != nil {
		return nil, err
	}
	for i, text := range g.Inis {
		f, err := ini.Load([]byte(text))
		if err != nil {
			return nil, fmt.Errorf("ini file %d: %w", i+1, err)
		}
		for _, sec := range f.Sections() {
			dst := cfg.Section(sec.Name())
			for _, k := range sec.Keys() {
				dst.Key(k.Name()).SetValue(k.Value())
			}
		}
	}
	for _, sec := range cfg.Sections() {
		for _, k := range sec.Keys() {
			if v := g.Env[EnvKey(sec.Name(), k.Name())]; v != "" {
				k.SetValue(v)
			}
		}
	}
	for _, sec := range cfg.Sections() {
		for _, k := range sec.Keys() {
			v, err := g.expand(k.Value())
			if err != nil {
				return nil, fmt.Errorf("[%s] %s: %w", sec.Name(), k.Name(), err)
			}
			k.SetValue(v)
		}
	}
	return cfg, nil
}

// EnvKey is the variable that overrides key of section: GF_<SECTION>_<KEY>,
// upper case, with "." and "-" as "_".
func EnvKey(section, key string) string {
	r := strings.NewReplacer(".", "_", "-", "_")
	return "GF_" + strings.ToUpper(r.Replace(section)) + "_" + strings.ToUpper(r.Replace(key))
}

var expansion = regexp.MustCompile(`\$__(env|file)\{([^}]*)\}`)

// expand replaces $__env{NAME} with Grafana's variable NAME and
// $__file{path} with that file's text, trimmed.
func (g Grafana) expand(v string) (string, error) {
	var failed error
	out := expansion.ReplaceAllStringFunc(v, func(m string) string {
		parts := expansion.FindStringSubmatch(m)
		if parts[1] == "env" {
			return g.Env[parts[2]]
		}
		b, err := os.ReadFile(parts[2]) // #nosec G304 -- a test's own file
		if err != nil {
			failed = err
			return ""
		}
		return strings.TrimSpace(string(b))
	})
	return out, failed
}
