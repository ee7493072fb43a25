//go:build mage

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/magefile/mage/mg"
	"github.com/magefile/mage/sh"

	// mage:import
	build "github.com/grafana/grafana-plugin-sdk-go/build"
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

// Check runs every test of the project: gofmt, go vet, and the Go tests with
// the race detector, the end-to-end tests running the binary the SDK's build
// produced for this machine.
func Check() error {
	out, err := sh.Output("gofmt", "-l", "pkg", "cmd", "Magefile.go")
	if err != nil {
		return err
	}
	if out != "" {
		return fmt.Errorf("gofmt would change:\n%s", out)
	}
	if err := sh.RunV("go", "vet", "./..."); err != nil {
		return err
	}
	mg.Deps(build.Build.Backend)
	bin, err := executable()
	if err != nil {
		return err
	}
	env := map[string]string{"LVBSTAT_PLUGIN_BINARY": bin}
	return sh.RunWithV(env, "go", "test", "-race", "-count=1", "./...")
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

// Bench runs the benchmarks and prints their figures: parsing a window, a
// day's query cold and on refresh, and frames for the largest query.
func Bench() error {
	return sh.RunV("go", "test", "-run", "^$", "-bench", ".", "-benchmem", "./pkg/...")
}

// Simulator serves the endpoint simulator on 127.0.0.1:8099 for manual use;
// set LVBSIM_KEY to the API key it should accept, SIM_ARGS for its flags.
func Simulator() error {
	return sh.RunV("go", append([]string{"run", "./cmd/lvbsim"}, strings.Fields(os.Getenv("SIM_ARGS"))...)...)
}
