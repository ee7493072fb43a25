// Command genlimits writes src/limits.json, the settings limits the config
// page reads, from the Go code that enforces them. Run it through
// `go generate ./pkg/plugin`; a test fails while the file is out of date.
package main

import (
	"flag"
	"log"
	"os"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/plugin"
)

func main() {
	out := flag.String("o", "src/limits.json", "where to write")
	flag.Parse()
	if err := os.WriteFile(*out, plugin.LimitsJSON(), 0o644); err != nil {
		log.Fatal(err)
	}
}
