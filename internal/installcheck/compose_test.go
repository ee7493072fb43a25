package installcheck

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

type composeService struct {
	Image   string `yaml:"image"`
	Extends struct {
		File    string `yaml:"file"`
		Service string `yaml:"service"`
	} `yaml:"extends"`
	Build struct {
		Context string            `yaml:"context"`
		Args    map[string]string `yaml:"args"`
	} `yaml:"build"`
	Volumes     []string          `yaml:"volumes"`
	Environment map[string]string `yaml:"environment"`
	Command     []string          `yaml:"command"`
	Ports       []string          `yaml:"ports"`
	DependsOn   []string          `yaml:"depends_on"`
}

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
}

var interpolation = regexp.MustCompile(`^\$\{([A-Z_]+):?-([^}]*)\}$`)

// defaultOf is the value compose gives ${VAR:-default} when VAR is unset.
func defaultOf(t *testing.T, v string) string {
	t.Helper()
	m := interpolation.FindStringSubmatch(v)
	if m == nil {
		return v
	}
	return m[2]
}

// docker compose up: Grafana OSS at a pinned version in the supported
// range, this plugin from dist/ allowed unsigned, the provisioning mounted,
// and the simulator where the provisioned data source looks for it.
func TestComposeFile(t *testing.T) {
	var top, base composeFile
	readYAML(t, "docker-compose.yaml", &top)
	g, ok := top.Services["grafana"]
	if !ok || g.Extends.File == "" {
		t.Fatal("docker-compose.yaml has no grafana service extending the scaffold's base")
	}
	readYAML(t, g.Extends.File, &base)
	b, ok := base.Services[g.Extends.Service]
	if !ok {
		t.Fatalf("%s has no service %q", g.Extends.File, g.Extends.Service)
	}
	baseDir := filepath.Dir(g.Extends.File) // the base's relative paths are its own
	exists(t, filepath.Join(baseDir, b.Build.Context, "Dockerfile"))

	if img := defaultOf(t, b.Build.Args["grafana_image"]); img != "grafana" {
		t.Errorf("image %q: Grafana OSS is grafana/grafana", img)
	}
	version := defaultOf(t, b.Build.Args["grafana_version"])
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(version) {
		t.Fatalf("grafana_version %q is not pinned to a release", version)
	}
	if lowest := grafanaDependencyFloor(t); compareVersions(version, lowest) < 0 {
		t.Fatalf("grafana_version %s is below the plugin's grafanaDependency >=%s", version, lowest)
	}

	mounts := map[string]string{}
	for _, v := range b.Volumes {
		host, container, _ := strings.Cut(v, ":")
		mounts[container] = filepath.Join(baseDir, host)
	}
	if mounts[pluginDir] != "dist" {
		t.Errorf("%s is mounted from %q, want dist/ (where the build writes the plugin)", pluginDir, mounts[pluginDir])
	}
	if mounts["/etc/grafana/provisioning"] != "provisioning" {
		t.Errorf("provisioning is mounted from %q", mounts["/etc/grafana/provisioning"])
	}
	exists(t, "provisioning")
	if got := b.Environment["GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS"]; got != pluginID {
		t.Errorf("unsigned plugins allowed: %q, want %q", got, pluginID)
	}

	// The provisioned data source reads these variables; compose sets them
	// to the simulator's address, APPID and key.
	sim, ok := top.Services["simulator"]
	if !ok {
		t.Fatal("no simulator service")
	}
	flags := map[string]string{}
	for _, a := range sim.Command {
		if k, v, ok := strings.Cut(strings.TrimPrefix(a, "-"), "="); ok && strings.HasPrefix(a, "-") {
			flags[k] = v
		}
	}
	if !strings.Contains(strings.Join(sim.Command, " "), "./cmd/lvbsim") {
		t.Fatalf("the simulator service does not run ./cmd/lvbsim: %v", sim.Command)
	}
	exists(t, "cmd/lvbsim/main.go")
	u, err := url.Parse(defaultOf(t, g.Environment["LVBSTAT_API_URL"]))
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := strings.Cut(flags["addr"], ":")
	if u.Hostname() != "simulator" || u.Port() != port || u.Path != "/common_access" {
		t.Errorf("Grafana looks for the API at %s; the simulator listens on %s at /common_access", u, flags["addr"])
	}
	if !strings.HasPrefix(strings.Join(sim.Ports, ","), port+":") {
		t.Errorf("the simulator's port %s is not published: %v", port, sim.Ports)
	}
	if a, s := defaultOf(t, g.Environment["LVBSTAT_APPID"]), defaultOf(t, flags["cmd"]); a != s || a == "" {
		t.Errorf("Grafana's APPID %q, the simulator's %q", a, s)
	}
	if a, s := defaultOf(t, g.Environment["LVBSTAT_API_KEY"]), defaultOf(t, sim.Environment["LVBSIM_KEY"]); a != s || a == "" {
		t.Errorf("Grafana's key %q, the simulator's %q", a, s)
	}
	// Cloud API 3.0's simulator, where the second provisioned data source
	// looks for it, with the same key pair.
	cu, err := url.Parse(defaultOf(t, g.Environment["TENCENTCLOUD_API_URL"]))
	if err != nil {
		t.Fatal(err)
	}
	_, cport, _ := strings.Cut(flags["cloud-addr"], ":")
	if cu.Hostname() != "simulator" || cu.Port() != cport || cport == "" || !strings.Contains(strings.Join(sim.Ports, ","), cport+":") {
		t.Errorf("Grafana looks for Cloud API 3.0 at %s; the simulator serves it on %q, published %v", cu, flags["cloud-addr"], sim.Ports)
	}
	for grafana, simulator := range map[string]string{"TENCENTCLOUD_SECRET_ID": "LVBSIM_SECRET_ID", "TENCENTCLOUD_SECRET_KEY": "LVBSIM_SECRET_KEY"} {
		if a, s := defaultOf(t, g.Environment[grafana]), defaultOf(t, sim.Environment[simulator]); a != s || a == "" {
			t.Errorf("Grafana's %s %q, the simulator's %q", grafana, a, s)
		}
	}
	for _, dep := range g.DependsOn {
		if _, ok := top.Services[dep]; !ok {
			t.Errorf("grafana depends on %q, which is not a service", dep)
		}
	}

	// The simulator's image can build this module.
	mod := readModfile(t, "go.mod")
	tag, ok := strings.CutPrefix(sim.Image, "golang:")
	if !ok || compareVersions(tag, mod.Go.Version) < 0 && !strings.HasPrefix(mod.Go.Version, tag+".") {
		t.Errorf("the simulator's image %s cannot build a module of go %s", sim.Image, mod.Go.Version)
	}
}

// grafanaDependencyFloor is the lowest version src/plugin.json accepts.
func grafanaDependencyFloor(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "src", "plugin.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Dependencies struct {
			GrafanaDependency string `json:"grafanaDependency"`
		} `json:"dependencies"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	floor, ok := strings.CutPrefix(p.Dependencies.GrafanaDependency, ">=")
	if !ok {
		t.Fatalf("grafanaDependency %q is not of the form >=x.y.z", p.Dependencies.GrafanaDependency)
	}
	return strings.TrimSpace(floor)
}

// compareVersions compares dotted numeric versions (missing parts are 0).
func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(pa), len(pb)) {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x - y
		}
	}
	return 0
}
