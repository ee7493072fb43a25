// Command genlimits writes src/limits.json, the settings limits the config
// page reads, from the Go code that enforces them. Run it through
// `go generate ./pkg/models`; a test fails while the file is out of date.
package main

import (
	"flag"
	"log"
	"os"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
)

func main() {
	out := flag.String("o", "src/limits.json", "where to write")
	flag.Parse()
	if err := os.WriteFile(*out, models.LimitsJSON(), 0o644); err != nil {
		log.Fatal(err)
	}
}
