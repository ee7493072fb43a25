package installcheck

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/cloudapi"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/fleet"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/memory"
)

// processSettings are the grafana.ini keys the plugin reads, from the
// variables Grafana passes them as (GF_PLUGIN_<KEY>).
func processSettings() []string {
	var keys []string
	for _, env := range []string{fleet.EnvURL, fleet.EnvPassword, fleet.EnvPasswordFile, fleet.EnvTimeout,
		fleet.EnvCAFile, fleet.EnvCertFile, fleet.EnvKeyFile, memory.Env} {
		keys = append(keys, strings.ToLower(strings.TrimPrefix(env, "GF_PLUGIN_")))
	}
	return keys
}

var iniKey = regexp.MustCompile(`(?m)(?:^|[;\s])([a-z_]+) = `)

// The grafana.ini block of the README names exactly the keys the plugin
// reads, and the memory section states the allowance the code uses.
func TestTheGrafanaIniSettingsAreTheOnesRead(t *testing.T) {
	ha := section(t, "## High availability: several Grafana replicas")
	start := strings.Index(ha, "```ini\n")
	end := strings.Index(ha[start+1:], "```")
	if start < 0 || end < 0 {
		t.Fatal("the High availability section has no ini block")
	}
	block := ha[start : start+1+end]
	var shown []string
	for _, m := range iniKey.FindAllStringSubmatch(block, -1) {
		if !slices.Contains(shown, m[1]) {
			shown = append(shown, m[1])
		}
	}
	read := processSettings()
	for _, k := range read {
		if !slices.Contains(shown, k) {
			t.Errorf("the ini block does not show %s", k)
		}
	}
	for _, k := range shown {
		if !slices.Contains(read, k) {
			t.Errorf("the ini block shows %s, which the plugin does not read", k)
		}
	}
	mem := section(t, "## Memory")
	for _, want := range []string{fmt.Sprintf("%d MiB for the work in flight", memory.Allowance>>20), fmt.Sprintf("%d MiB above what was live", memory.Headroom>>20),
		fmt.Sprintf("at least %d MiB", memory.MinLimit>>20), "memory_limit = auto", "memory_limit = off", "GOMEMLIMIT",
		fmt.Sprintf("%d bytes for each stream-minute", memory.PerRow)} {
		if !strings.Contains(strings.Join(strings.Fields(mem), " "), want) {
			t.Errorf("the Memory section does not say %q", want)
		}
	}
}

// The README gives the ACL the fleet's tests prove enough, and the rates
// the code keeps to by default.
func TestTheHighAvailabilitySectionSaysWhatTheCodeDoes(t *testing.T) {
	ha := strings.Join(strings.Fields(section(t, "## High availability: several Grafana replicas")), " ")
	if !strings.Contains(ha, fleet.ACL) {
		t.Errorf("the High availability section does not give the ACL the code needs:\n%s", fleet.ACL)
	}
	for action, rate := range cloudapi.DefaultRates {
		if want := fmt.Sprintf("%g a second for `%s`", rate, action); !strings.Contains(ha, want) && !strings.Contains(ha, fmt.Sprintf("%g for `%s`", rate, action)) {
			t.Errorf("the High availability section does not say %q", want)
		}
	}
	for _, want := range []string{"skip_verify", "maxConcurrency", "maxRequestsPerSecond", "forward_host_env_vars", "$__file{", "$__env{"} {
		if !strings.Contains(ha, want) {
			t.Errorf("the High availability section does not mention %s", want)
		}
	}
}
