package plugin

import (
	"context"
	"os"
	"slices"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/fleet"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/memory"
)

// Process is what every data source of the plugin process shares, made
// once by main from grafana.ini's [plugin.lvbstat-tencent-datasource]
// section (which Grafana passes as GF_PLUGIN_<KEY> variables) and handed
// to each instance by the factory.
type Process struct {
	Fleet     *fleet.Store // the shared store; nil: none
	FleetErr  error        // what is wrong with its settings
	Memory    *memory.Policy
	MemoryErr error // a memory_limit that could not be read (the policy stays automatic)
}

// OpenProcess reads the process's settings from getenv, applies the memory
// limit, opens the shared store (lazily: Redis may come up later), and
// logs which settings arrived (names, never values) and what it made of
// them, so that a setting Grafana did not pass shows in the log, not as a
// fleet that quietly does not share.
func OpenProcess(getenv func(string) string, environ []string) *Process {
	var names []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "GF_PLUGIN_") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	log.DefaultLogger.Info("Plugin settings received from grafana.ini", "names", strings.Join(names, ","), "count", len(names))

	p := &Process{}
	mode, n, err := memory.Parse(getenv(memory.Env), getenv("GOMEMLIMIT"))
	p.Memory, p.MemoryErr = memory.New(mode, n, nil, nil), err
	if err != nil {
		log.DefaultLogger.Error("Memory limit not set", "error", err)
	}
	log.DefaultLogger.Info("Memory", "limit", p.Memory.String())

	cfg, err := fleet.FromEnv(getenv)
	cfg.Log = log.DefaultLogger
	if err == nil && cfg.Enabled() {
		p.Fleet, err = fleet.Open(cfg)
	}
	switch {
	case err != nil:
		p.FleetErr = err
		log.DefaultLogger.Error("The shared store is misconfigured; each replica uses its own memory", "error", err)
	case p.Fleet != nil:
		log.DefaultLogger.Info("Shared store: this replica shares fetched minutes, the right to fetch and the upstream's limits with the fleet", "store", cfg.Redacted(), "timeout", cfg.Timeout)
	default:
		log.DefaultLogger.Info("Shared store: none (store_url is not set in grafana.ini's [plugin." + PluginID + "] section): this replica fetches for itself")
	}
	return p
}

// OpenProcessFromEnv is OpenProcess on the process's own environment.
func OpenProcessFromEnv() *Process { return OpenProcess(os.Getenv, os.Environ()) }

// Factory is the instance factory given to datasource.Manage: every
// instance shares p.
func Factory(p *Process) datasource.InstanceFactoryFunc {
	return func(ctx context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
		return New(ctx, s, Options{Fleet: p.Fleet, FleetErr: p.FleetErr, Memory: p.Memory, MemoryErr: p.MemoryErr})
	}
}

// memoryHealth is what Save & test adds about the memory setting: only
// that it could not be read, since it never fails the data source.
func (d *Datasource) memoryHealth() string {
	if d.memoryErr != nil {
		return " Memory: " + d.memoryErr.Error() + "."
	}
	return ""
}

// processHealth is what Save & test adds about the process's settings in
// grafana.ini, which every data source shares.
func (d *Datasource) processHealth(store storeState) string {
	if store.State == "none" {
		return d.memoryHealth()
	}
	return " " + store.Message + d.memoryHealth()
}
