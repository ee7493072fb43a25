//go:build mage

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/magefile/mage/mg"
	"github.com/magefile/mage/sh"

	// mage:import
	build "github.com/grafana/grafana-plugin-sdk-go/build"
	"github.com/grafana/grafana-plugin-sdk-go/build/buildinfo"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/pluginzip"
)

// Default builds the backend for every platform Grafana runs on.
var Default = build.BuildAll

// executable is the name the SDK's build gives this machine's binary in dist/.
func executable() (string, error) {
	name := fmt.Sprintf("dist/gpx_lvbstat_%s_%s", runtime.GOOS, runtime.GOARCH)
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	return filepath.Abs(name)
}

// NpmInstall installs the frontend's packages when node_modules is missing or
// older than package-lock.json.
func NpmInstall() error {
	lock, err := os.Stat("package-lock.json")
	if err != nil {
		return err
	}
	if installed, err := os.Stat("node_modules/.package-lock.json"); err == nil && !installed.ModTime().Before(lock.ModTime()) {
		return nil
	}
	return sh.RunV("npm", "ci", "--no-audit", "--no-fund")
}

// Frontend builds the frontend into dist/ (module.js, plugin.json, logo, README).
func Frontend() error {
	mg.Deps(NpmInstall)
	return sh.RunV("npm", "run", "build")
}

// Check runs every test of the project: gofmt, go vet, gosec's
// high-severity findings, the TypeScript type check, lint and Jest tests,
// the browser test of the editors, the release zip (built for every
// platform and checked as Grafana's validator would), and the Go tests with
// the race detector, whose end-to-end tests run the binary the SDK's build
// produced for this machine.
func Check() error {
	mg.Deps(NpmInstall)
	out, err := sh.Output("gofmt", "-l", "pkg", "cmd", "internal", "Magefile.go")
	if err != nil {
		return err
	}
	if out != "" {
		return fmt.Errorf("gofmt would change:\n%s", out)
	}
	for _, step := range [][]string{
		{"go", "vet", "./cmd/...", "./internal/...", "./pkg/..."},
		// What Grafana's plugin validator reports as a security error.
		// gosec has its own modfile, so that its dependencies are not the plugin's.
		{"go", "tool", "-modfile=tools/gosec.mod", "gosec", "-quiet", "-severity", "high", "./..."},
		{"npm", "run", "typecheck"},
		{"npm", "run", "lint"},
		{"npm", "run", "test:ci"},
	} {
		if err := sh.RunV(step[0], step[1:]...); err != nil {
			return err
		}
	}
	if err := browserTest(); err != nil {
		return err
	}
	if err := Compatibility(); err != nil {
		return err
	}
	// The release zip, built twice and compared byte for byte, and checked
	// as Grafana's validator would; the end-to-end tests then run this
	// machine's binary from it.
	mg.Deps(Reproducible)
	bin, err := executable()
	if err != nil {
		return err
	}
	env := map[string]string{"LVBSTAT_PLUGIN_BINARY": bin}
	return sh.RunWithV(env, "go", "test", "-race", "-count=1", "./cmd/...", "./internal/...", "./pkg/...")
}

// NewestGrafana is the newest Grafana release the frontend is checked
// against (README's "Grafana versions" names it; a test holds them to the
// same); the oldest is src/plugin.json's grafanaDependency.
const NewestGrafana = "13.2.3"

// Compatibility checks with @grafana/levitate, at a pinned version, that
// every @grafana/* export the frontend uses exists in the oldest Grafana
// the plugin claims and in the newest one named here.
func Compatibility() error {
	m, err := pluginzip.ReadManifest("src")
	if err != nil {
		return err
	}
	oldest := strings.TrimPrefix(strings.TrimSpace(m.Dependencies.GrafanaDependency), ">=")
	for _, version := range []string{oldest, NewestGrafana} {
		fmt.Printf("Checking the frontend against Grafana %s's packages…\n", version)
		var targets []string
		for _, pkg := range []string{"@grafana/data", "@grafana/ui", "@grafana/runtime"} {
			targets = append(targets, pkg+"@"+version)
		}
		if err := sh.RunV("npx", "--yes", "@grafana/levitate@0.17.2", "is-compatible", "--path", "src/module.ts", "--target", strings.Join(targets, ",")); err != nil {
			return fmt.Errorf("the frontend uses @grafana/* exports that Grafana %s lacks: %w", version, err)
		}
	}
	return nil
}

// Package builds the frontend and the backend for every platform Grafana
// runs on, signs dist/ when GRAFANA_ACCESS_POLICY_TOKEN is set (for the
// Grafana URLs in GRAFANA_ROOT_URLS, when set: a private signature), and
// writes dist/<id>-<version>.zip (one top folder named by the plugin id, as
// Grafana installs it, MANIFEST.txt included when signed) and its .sha256.
// The same commit gives the same zip, byte for byte: the build time is the
// commit's (or SOURCE_DATE_EPOCH), paths are trimmed, and the zip's order,
// times and modes are fixed. The zip is checked as Grafana's plugin
// validator checks it offline; a fault fails the build.
func Package() error {
	_, err := buildPackage()
	return err
}

// Reproducible builds the release zip twice, the second time from an
// emptied dist/, and fails unless the two are the same bytes.
func Reproducible() error {
	first, err := buildPackage()
	if err != nil {
		return err
	}
	a, err := os.ReadFile(first)
	if err != nil {
		return err
	}
	fmt.Println("Building the zip a second time, to compare…")
	if err := os.RemoveAll("dist"); err != nil {
		return err
	}
	second, err := buildPackage()
	if err != nil {
		return err
	}
	b, err := os.ReadFile(second)
	if err != nil {
		return err
	}
	if !bytes.Equal(a, b) {
		return fmt.Errorf("two builds of this checkout gave different zips (%d and %d bytes): the release would not be reproducible", len(a), len(b))
	}
	fmt.Printf("Reproducible: both builds gave the same %s (%d bytes)\n", second, len(b))
	return nil
}

// signer is Grafana's signing tool, at a pinned version.
var signer = []string{"npx", "--yes", "@grafana/sign-plugin@3.3.3"}

func buildPackage() (string, error) {
	epoch, err := sourceDateEpoch()
	if err != nil {
		return "", err
	}
	// Read by webpack for plugin.json's "updated", and by the backend's
	// build info below.
	if err := os.Setenv("SOURCE_DATE_EPOCH", epoch); err != nil {
		return "", err
	}
	fmt.Println("Building the frontend…")
	if err := Frontend(); err != nil {
		return "", err
	}
	if err := build.SetBeforeBuildCallback(reproducibleBackend(epoch)); err != nil {
		return "", err
	}
	// One platform after another (the SDK's BuildAll runs them once per
	// mage run, all at once): a second build really builds again, and the
	// progress reads in order.
	b := build.Build{}
	platforms := []struct {
		name  string
		build func() error
	}{{"linux/amd64", b.Linux}, {"linux/arm64", b.LinuxARM64}, {"linux/arm", b.LinuxARM},
		{"darwin/amd64", b.Darwin}, {"darwin/arm64", b.DarwinARM64}, {"windows/amd64", b.Windows}}
	for i, p := range platforms {
		fmt.Printf("Building the backend for %s (%d of %d)…\n", p.name, i+1, len(platforms))
		if err := p.build(); err != nil {
			return "", err
		}
	}
	if os.Getenv("GRAFANA_ACCESS_POLICY_TOKEN") != "" {
		fmt.Println("Signing dist/ with Grafana's signer…")
		if err := pluginzip.Sign("dist", signer, os.Getenv("GRAFANA_ROOT_URLS"), os.Environ()); err != nil {
			return "", err
		}
	} else {
		fmt.Println("GRAFANA_ACCESS_POLICY_TOKEN is not set: the zip is not signed (Grafana loads it only when allow_loading_unsigned_plugins names it).")
	}
	zip, err := pluginzip.Write("dist")
	if err != nil {
		return "", err
	}
	problems, err := pluginzip.Validate(zip)
	if err != nil {
		return "", err
	}
	if len(problems) > 0 {
		return "", fmt.Errorf("%s is not a valid plugin zip:\n  %s", zip, strings.Join(problems, "\n  "))
	}
	fmt.Printf("Wrote %s and %s.sha256\n", zip, zip)
	return zip, nil
}

// sourceDateEpoch is the build's time: SOURCE_DATE_EPOCH when set, else
// the commit's time.
func sourceDateEpoch() (string, error) {
	if e := os.Getenv("SOURCE_DATE_EPOCH"); e != "" {
		return e, nil
	}
	out, err := sh.Output("git", "log", "-1", "--format=%ct")
	if err != nil || strings.TrimSpace(out) == "" {
		return "", fmt.Errorf("no commit to take the build time from (%v): build from a git checkout, or set SOURCE_DATE_EPOCH", err)
	}
	return strings.TrimSpace(out), nil
}

// reproducibleBackend makes the SDK's build of each platform stamp the
// commit's time instead of the clock's, trim the builder's paths and leave
// out version-control stamps.
func reproducibleBackend(epoch string) build.BeforeBuildCallback {
	return func(cfg build.Config) (build.Config, error) {
		secs, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil {
			return cfg, fmt.Errorf("SOURCE_DATE_EPOCH %q is not Unix seconds", epoch)
		}
		m, err := pluginzip.ReadManifest("src")
		if err != nil {
			return cfg, err
		}
		var pkg struct{ Version string }
		if raw, err := os.ReadFile("package.json"); err == nil {
			_ = json.Unmarshal(raw, &pkg)
		}
		if cfg.CustomVars == nil {
			cfg.CustomVars = map[string]string{}
		}
		buildinfo.Info{Time: secs * 1000, PluginID: m.ID, Version: pkg.Version}.AppendFlags(cfg.CustomVars)
		if cfg.Env == nil {
			cfg.Env = map[string]string{}
		}
		cfg.Env["GOFLAGS"] = strings.TrimSpace(os.Getenv("GOFLAGS") + " -trimpath -buildvcs=false")
		return cfg, nil
	}
}

// screenshots are the browser test's pictures the plugin's catalogue page
// shows (src/plugin.json's info.screenshots).
var screenshots = []string{"config-editor.png", "query-editor.png", "panel-bandwidth.png"}

// Screenshots runs the browser test and copies its pictures of the editors
// and of a panel into src/img/screenshots. The test never writes there
// itself: a committed picture changes only when someone asks for it.
func Screenshots() error {
	if err := browserTest(); err != nil {
		return err
	}
	if err := os.MkdirAll("src/img/screenshots", 0o755); err != nil {
		return err
	}
	for _, name := range screenshots {
		if err := sh.Copy(filepath.Join("src/img/screenshots", name), filepath.Join("test-results/screenshots", name)); err != nil {
			return err
		}
	}
	return nil
}

// browserTest runs the editors in Chromium. Without a Chromium it fails on
// CI and, elsewhere, says loudly that it did not run.
func browserTest() error {
	chromium := os.Getenv("CHROMIUM_PATH")
	if chromium == "" {
		chromium, _ = exec.LookPath("chromium")
	}
	if chromium == "" {
		msg := "no Chromium found: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH"
		if os.Getenv("CI") != "" {
			return fmt.Errorf("browser test: %s", msg)
		}
		fmt.Printf("\n*** SKIPPED the browser test of the editors: %s ***\n\n", msg)
		return nil
	}
	return sh.RunWithV(map[string]string{"CHROMIUM_PATH": chromium}, "npm", "run", "test:browser")
}

// Demo builds the plugin, starts the simulator, runs the plugin over the
// plugin protocol as Grafana would, and prints a health check and a
// six-hour query.
func Demo() error {
	mg.Deps(build.Build.Backend)
	bin, err := executable()
	if err != nil {
		return err
	}
	args := append([]string{"run", "./cmd/lvbdemo", "-plugin", bin}, strings.Fields(os.Getenv("DEMO_ARGS"))...)
	return sh.RunV("go", args...)
}

// Bench measures the plugin from outside, over the plugin protocol, against
// the simulator with 50 ms latency (cmd/lvbbench: upstream calls, wall time
// against the lower bound, points, peak memory), then runs the Go
// benchmarks of parsing and frame building. BENCH_BASELINE=<git revision>
// builds that revision's plugin too and measures both in the same run;
// BENCH_ARGS passes flags to lvbbench (e.g. -skip-slide).
func Bench() error {
	mg.Deps(build.Build.Backend)
	bin, err := executable()
	if err != nil {
		return err
	}
	args := []string{"run", "./cmd/lvbbench", "-plugin", bin}
	if rev := os.Getenv("BENCH_BASELINE"); rev != "" {
		base, err := buildRevision(rev)
		if err != nil {
			return err
		}
		args = append(args, "-baseline", base)
	}
	if err := sh.RunV("go", append(args, strings.Fields(os.Getenv("BENCH_ARGS"))...)...); err != nil {
		return err
	}
	fmt.Println()
	return sh.RunV("go", "test", "-run", "^$", "-bench", ".", "-benchmem", "./pkg/...")
}

// buildRevision builds the plugin binary of a git revision in a temporary
// worktree and returns its path.
func buildRevision(rev string) (string, error) {
	dir, err := os.MkdirTemp("", "lvbstat-baseline")
	if err != nil {
		return "", err
	}
	tree := filepath.Join(dir, "tree")
	if err := sh.RunV("git", "worktree", "add", "--detach", tree, rev); err != nil {
		return "", err
	}
	defer sh.Run("git", "worktree", "remove", "--force", tree)
	bin := filepath.Join(dir, "gpx_lvbstat_baseline")
	cmd := exec.Command("go", "build", "-tags", "arrow_json_stdlib", "-o", bin, "./pkg")
	cmd.Dir, cmd.Stdout, cmd.Stderr = tree, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building %s: %w", rev, err)
	}
	return bin, nil
}

// Simulator serves the endpoint simulator on 127.0.0.1:8099 for manual use;
// set LVBSIM_KEY to the API key it should accept, SIM_ARGS for its flags.
func Simulator() error {
	return sh.RunV("go", append([]string{"run", "./cmd/lvbsim"}, strings.Fields(os.Getenv("SIM_ARGS"))...)...)
}
