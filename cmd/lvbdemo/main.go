// Command lvbdemo shows the plugin at work without a Grafana server: it
// starts the endpoint simulator, launches the built plugin binary over the
// plugin protocol as Grafana would, runs "Save & test" and a six-hour query
// for a demo stream, and prints the answers as tables.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/pluginhost"
	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/cloudapi"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/plugin"
)

const (
	demoCmd = "1250000000"
	domain  = "play.example.com"
)

func main() {
	bin := flag.String("plugin", "", "the plugin binary, as the SDK's build writes it into dist/")
	stream := flag.String("stream", "demo_stream", "the stream to query")
	hours := flag.Int("hours", 6, "how many hours back to query")
	every := flag.Int("every", 10, "print every n-th minute of the time series")
	logs := flag.Bool("logs", false, "print what the plugin logs")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "usage: lvbdemo -plugin dist/gpx_lvbstat_<os>_<arch>")
		os.Exit(2)
	}
	if err := run(*bin, *stream, *hours, *every, *logs); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}

func run(bin, stream string, hours, every int, showLogs bool) error {
	// A fresh random key each run: the demo has no secret worth keeping.
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	key := hex.EncodeToString(raw)

	sim := simulator.New(demoCmd, key, domain, "demo_stream", "live_1", "live_2")
	srv := httptest.NewServer(sim)
	defer srv.Close()
	url := srv.URL + "/common_access"
	fmt.Printf("Simulator of Get_LivePlayStatHistory at %s (APPID %s, domain %s)\n", url, demoCmd, domain)

	logOut := &strings.Builder{}
	p, err := pluginhost.Start(bin, plugin.PluginID, logOut, os.Environ()...)
	if err != nil {
		return err
	}
	defer p.Close()
	fmt.Printf("Plugin %s started over the plugin protocol\n\n", bin)

	jd, _ := json.Marshal(map[string]any{"apiUrl": url, "cmd": demoCmd, "timezone": "Asia/Shanghai"})
	settings := backend.DataSourceInstanceSettings{
		ID: 1, UID: "demo", Name: "Tencent LVB (demo)", Type: plugin.PluginID, JSONData: jd,
		DecryptedSecureJSONData: map[string]string{"apiKey": key}, Updated: time.Now(),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	health, err := p.CheckHealth(ctx, settings)
	if err != nil {
		return fmt.Errorf("health check: %w", err)
	}
	fmt.Printf("Save & test: %s: %s\n\n", health.Status, health.Message)

	to := time.Now()
	from := to.Add(-time.Duration(hours) * time.Hour)
	model := func(queryType string) []byte {
		b, _ := json.Marshal(map[string]any{"queryType": queryType, "domain": domain, "streamId": stream})
		return b
	}
	sim.Reset()
	resp, err := p.QueryData(ctx, settings,
		backend.DataQuery{RefID: "A", QueryType: "timeseries", JSON: model("timeseries"), TimeRange: backend.TimeRange{From: from, To: to}},
		backend.DataQuery{RefID: "B", QueryType: "summary", JSON: model("summary"), TimeRange: backend.TimeRange{From: from, To: to}},
	)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	calls := sim.Calls()
	for _, ref := range []string{"A", "B"} {
		if r := resp.Responses[ref]; r.Error != nil {
			return fmt.Errorf("query %s: %w", ref, r.Error)
		}
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	ts := resp.Responses["A"].Frames
	if len(ts) == 0 {
		return fmt.Errorf("the time series query answered no frames")
	}
	fmt.Printf("Time series of %s, %s to %s (Beijing time), %d minutes, %s:\n",
		stream, from.In(loc).Format("01-02 15:04"), to.In(loc).Format("01-02 15:04"), ts[0].Rows(), shown(every))
	printSeries(ts, loc, every)
	fmt.Printf("\nSummary of the same range:\n")
	printTable(resp.Responses["B"].Frames[0])
	fmt.Printf("\n%d upstream calls for the two queries, each cut into windows of at most two hours.\n", calls)
	if len(ts[0].Meta.Notices) > 0 {
		for _, n := range ts[0].Meta.Notices {
			fmt.Printf("Notice: %s\n", n.Text)
		}
	}

	// Stream discovery: what a dashboard variable and the "Live now" query see.
	sim.Reset()
	live, err := p.QueryData(ctx, settings,
		backend.DataQuery{RefID: "L", JSON: []byte(fmt.Sprintf(`{"queryType":"live","domain":%q}`, domain)), TimeRange: backend.TimeRange{From: from, To: to}},
		backend.DataQuery{RefID: "V", JSON: []byte(fmt.Sprintf(`{"queryType":"streams","domain":%q,"orderBy":"viewers"}`, domain)), TimeRange: backend.TimeRange{From: from, To: to}},
	)
	if err != nil {
		return fmt.Errorf("live query: %w", err)
	}
	for _, ref := range []string{"L", "V"} {
		if r := live.Responses[ref]; r.Error != nil {
			return fmt.Errorf("query %s: %w", ref, r.Error)
		}
	}
	fmt.Printf("\nStreams playing now (the Live now query):\n")
	printTable(live.Responses["L"].Frames[0])
	var names []string
	v := live.Responses["V"].Frames[0]
	for i := range v.Rows() {
		names = append(names, fmt.Sprint(v.Fields[0].At(i)))
	}
	fmt.Printf("A stream variable ordered by viewers offers: %s (%d upstream call for both).\n", strings.Join(names, ", "), sim.Calls())
	if err := runCloudAPI(ctx, p, stream, from, to, loc, every); err != nil {
		return err
	}
	if showLogs {
		fmt.Printf("\nPlugin log:\n%s", logOut.String())
	}
	return nil
}

// runCloudAPI does the same over the second upstream, Tencent Cloud API 3.0,
// against its simulator, which checks the TC3 signature itself.
func runCloudAPI(ctx context.Context, p *pluginhost.Plugin, stream string, from, to time.Time, loc *time.Location, every int) error {
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	id, secret := "AKIDdemo"+hex.EncodeToString(raw[:8]), hex.EncodeToString(raw)
	sim := simulator.NewCloudAPI(id, secret, domain, "demo_stream", "live_1", "live_2")
	srv := httptest.NewServer(sim)
	defer srv.Close()
	fmt.Printf("\n--- The same over Tencent Cloud API 3.0 ---\nSimulator of DescribeStreamPlayInfoList at %s\n", srv.URL)
	jd, _ := json.Marshal(map[string]any{"upstream": "cloudapi", "cloudApiUrl": srv.URL, "secretId": id})
	settings := backend.DataSourceInstanceSettings{
		ID: 2, UID: "demo-cloudapi", Name: "Tencent Cloud Live (API 3.0, demo)", Type: plugin.PluginID, JSONData: jd,
		DecryptedSecureJSONData: map[string]string{"secretKey": secret}, Updated: time.Now(),
	}
	health, err := p.CheckHealth(ctx, settings)
	if err != nil {
		return fmt.Errorf("health check: %w", err)
	}
	fmt.Printf("Save & test: %s: %s\n\n", health.Status, health.Message)
	model, _ := json.Marshal(map[string]any{"domain": domain, "streamId": stream})
	resp, err := p.QueryData(ctx, settings, backend.DataQuery{RefID: "A", JSON: model, TimeRange: backend.TimeRange{From: from, To: to}, MaxDataPoints: 2000})
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	r := resp.Responses["A"]
	if r.Error != nil {
		return fmt.Errorf("query: %w", r.Error)
	}
	if len(r.Frames) == 0 {
		return fmt.Errorf("the Cloud API query answered no frames")
	}
	fmt.Printf("Time series of %s, %d minutes (the newest ~5 are not yet in the API), %s, requests included:\n",
		stream, r.Frames[0].Rows(), shown(every))
	printSeries(r.Frames, loc, every)
	listings, minutes := 0, 0
	for _, req := range sim.Requests() {
		if req.Action == cloudapi.ActionAllPlay {
			listings++ // only Save & test lists the streams here
		} else {
			minutes++
		}
	}
	checks, query := listings+1, minutes-1 // Save & test asks for minutes once too
	fmt.Printf("\n%d upstream calls: Save & test %s, the query %s (the Cloud API answers up to a day a request, so %d hours take %s).\n",
		sim.Calls(), plural(checks, "call"), plural(query, "call"), int(to.Sub(from).Hours()), plural(int((to.Sub(from)+23*time.Hour)/(24*time.Hour))+1, "request")+" at most")
	return nil
}

// shown says which minutes the table prints.
func shown(every int) string {
	switch every {
	case 1:
		return "every minute shown"
	case 2:
		return "every second minute shown"
	case 3:
		return "every third minute shown"
	}
	return fmt.Sprintf("one minute in %d shown", every)
}

// plural is n things, in words a reader expects: 1 call, 2 calls.
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// printSeries lines up the metric frames of one stream by time.
func printSeries(frames data.Frames, loc *time.Location, every int) {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "time\t"
	for _, f := range frames {
		header += f.Fields[1].Name + unitSuffix(f.Fields[1]) + "\t"
	}
	fmt.Fprintln(w, header)
	for i := 0; i < frames[0].Rows(); i += max(every, 1) {
		line := frames[0].Fields[0].At(i).(time.Time).In(loc).Format("01-02 15:04") + "\t"
		for _, f := range frames {
			line += format(f.Fields[1].At(i)) + "\t"
		}
		fmt.Fprintln(w, line)
	}
	w.Flush()
}

func printTable(f *data.Frame) {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	var header []string
	for _, fld := range f.Fields {
		header = append(header, fld.Name+unitSuffix(fld))
	}
	fmt.Fprintln(w, strings.Join(header, "\t")+"\t")
	for i := range f.Rows() {
		var row []string
		for _, fld := range f.Fields {
			row = append(row, format(fld.At(i)))
		}
		fmt.Fprintln(w, strings.Join(row, "\t")+"\t")
	}
	w.Flush()
}

// unitSuffix names a field's Grafana unit the way a reader would.
func unitSuffix(f *data.Field) string {
	if f.Config == nil {
		return ""
	}
	switch f.Config.Unit {
	case "Mbits":
		return " (Mbps)"
	case "decmbytes":
		return " (MB)"
	}
	return ""
}

func format(v any) string {
	switch x := v.(type) {
	case float64:
		return fmt.Sprintf("%.3f", x)
	case *float64:
		if x == nil {
			return "—"
		}
		return fmt.Sprintf("%.3f", *x)
	case *int64:
		if x == nil {
			return "—"
		}
		return fmt.Sprint(*x)
	case string:
		if x == "" {
			return "(all)"
		}
		return x
	}
	return fmt.Sprint(v)
}
