// Command lvbsim serves the Get_LivePlayStatHistory simulator for manual
// use, for example as the API URL of a data source in a local Grafana.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/simulator"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8099", "listen address")
	cmd := flag.String("cmd", "1250000000", "the APPID (cmd) it accepts")
	domain := flag.String("domain", "play.example.com", "the playback domain that has data")
	streams := flag.String("streams", "demo_stream,live_1,live_2", "comma-separated streams that have data")
	latency := flag.Duration("latency", 0, "added to every answer")
	rateLimit := flag.Int("rate-limit", 0, "answer ret 1202 past this many requests a second (0: off)")
	strs := flag.Bool("numbers-as-strings", false, "write numbers as strings")
	flag.Parse()

	// The key comes from the environment so that it stays out of shell
	// history and process listings.
	key := os.Getenv("LVBSIM_KEY")
	if key == "" {
		log.Fatal("set LVBSIM_KEY to the API key the simulator should accept")
	}
	sim := simulator.New(*cmd, key, *domain, strings.Split(*streams, ",")...)
	sim.SetFaults(simulator.Faults{Latency: *latency, RateLimit: *rateLimit, NumbersAsStrings: *strs})
	mux := http.NewServeMux()
	mux.Handle("/common_access", sim)
	fmt.Printf("Simulating http://%s/common_access for APPID %s, domain %s, streams %s\n", *addr, *cmd, *domain, *streams)
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
