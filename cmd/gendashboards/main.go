// Command gendashboards writes the dashboards the plugin ships, as
// internal/dashboards builds them: go generate ./internal/dashboards.
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/dashboards"
)

func main() {
	dir := flag.String("o", "src/dashboards", "directory to write to")
	flag.Parse()
	b, err := dashboards.OverviewJSON()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*dir, dashboards.OverviewFile), b, 0o644); err != nil {
		log.Fatal(err)
	}
}
