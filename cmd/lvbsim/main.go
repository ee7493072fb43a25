// Command lvbsim serves the simulator of Get_LivePlayStatHistory and
// Get_LivePlayStat for manual use, for example as the API URL of a data
// source in a local Grafana or in docker-compose.yaml.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8099", "listen address")
	cmd := flag.String("cmd", "1250000000", "the APPID (cmd) it accepts")
	domain := flag.String("domain", "play.example.com", "the playback domain that has data")
	streams := flag.String("streams", "demo_stream,live_1,live_2", "comma-separated streams that have data")
	live := flag.String("live", "", "comma-separated streams Get_LivePlayStat says play now (default: all of -streams; \"-\" for none)")
	latency := flag.Duration("latency", 0, "added to every answer")
	rateLimit := flag.Int("rate-limit", 0, "answer ret 1202 past this many requests a second (0: off)")
	strs := flag.Bool("numbers-as-strings", false, "write numbers as strings")
	httpStatus := flag.Int("http-status", 0, "answer every request with this HTTP status (0: off)")
	malformed := flag.Bool("malformed", false, "answer bodies that are not JSON")
	ret := flag.Int("ret", 0, "answer every request with this ret, e.g. 1000, 1201 (0: off)")
	zone := flag.String("zone", "", "write times in this IANA zone instead of Beijing time, e.g. UTC")
	redirect := flag.String("redirect-to", "", "answer 302 to this base URL, signature included")
	truncate := flag.Int("truncate-every", 0, "cut every Nth answer in half (0: off)")
	outside := flag.Int("outside", 0, "add this many minutes outside each window")
	dups := flag.Bool("duplicates", false, "repeat every minute with other values")
	nullEvery := flag.Int("null-every", 0, "every Nth minute has null values (0: off)")
	cloudAddr := flag.String("cloud-addr", "", "also serve Tencent Cloud API 3.0 (DescribeStreamPlayInfoList) on this address, e.g. 127.0.0.1:8098; it accepts LVBSIM_SECRET_ID and LVBSIM_SECRET_KEY")
	flag.Parse()

	// The key comes from the environment so that it stays out of shell
	// history and process listings.
	key := os.Getenv("LVBSIM_KEY")
	if key == "" {
		log.Fatal("set LVBSIM_KEY to the API key the simulator should accept")
	}
	sim := simulator.New(*cmd, key, *domain, strings.Split(*streams, ",")...)
	switch *live {
	case "":
	case "-":
		sim.Live = []string{}
	default:
		sim.Live = strings.Split(*live, ",")
	}
	f := simulator.Faults{Latency: *latency, RateLimit: *rateLimit, NumbersAsStrings: *strs, Malformed: *malformed,
		RedirectTo: *redirect, TruncateEvery: *truncate, Outside: *outside, Duplicates: *dups, NullEvery: *nullEvery}
	if *zone != "" {
		loc, err := time.LoadLocation(*zone)
		if err != nil {
			log.Fatalf("-zone: %v", err)
		}
		f.Zone = loc
	}
	if *httpStatus != 0 {
		f.HTTPStatus, f.HTTPFailures = *httpStatus, -1
	}
	if *ret != 0 {
		f.Ret, f.RetFailures = *ret, -1
	}
	sim.SetFaults(f)
	mux := http.NewServeMux()
	mux.Handle("/common_access", sim)
	fmt.Printf("Simulating http://%s/common_access for APPID %s, domain %s, streams %s\n", *addr, *cmd, *domain, *streams)
	if *cloudAddr != "" {
		id, secret := os.Getenv("LVBSIM_SECRET_ID"), os.Getenv("LVBSIM_SECRET_KEY")
		if id == "" || secret == "" {
			log.Fatal("-cloud-addr: set LVBSIM_SECRET_ID and LVBSIM_SECRET_KEY to the key pair the Cloud API simulator should accept")
		}
		cloud := simulator.NewCloudAPI(id, secret, *domain, strings.Split(*streams, ",")...)
		cloud.Live = sim.Live
		fmt.Printf("Simulating Tencent Cloud API 3.0 at http://%s for SecretId %s\n", *cloudAddr, id)
		go func() {
			csrv := &http.Server{Addr: *cloudAddr, Handler: cloud, ReadHeaderTimeout: 10 * time.Second}
			log.Fatal(csrv.ListenAndServe())
		}()
	}
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
