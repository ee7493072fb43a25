// Command lvbbench measures what a dashboard costs the upstream and how long
// it waits, from outside the plugin: it launches built plugin binaries over
// the plugin protocol, as Grafana does, against the simulator with a fixed
// latency, runs the same scenarios on each, and prints one table. Given a
// baseline binary (say, one built from an older commit), it prints both in
// the same run, so that the ratios compare like with like.
//
// go tool mage bench runs it; go run ./cmd/lvbbench -h lists its flags.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/pluginhost"
	"github.com/lvbstat/lvbstat-tencent-datasource/internal/redistest"
	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/fleet"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/legacy"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/memory"
)

const (
	pluginID = "lvbstat-tencent-datasource"
	cmd      = "1250000000"
	key      = "bench-key-0123456789abcdef"
	domain   = "play.bench.example.com"
)

var streams = func() []string {
	out := make([]string, 20)
	for i := range out {
		out[i] = "live_" + strconv.Itoa(i+1)
	}
	return out
}()

type row struct {
	scenario string
	target   string
	cells    []string // one per binary
}

func main() {
	current := flag.String("plugin", "", "the plugin binary to measure")
	baseline := flag.String("baseline", "", "a second binary measured in the same run, shown first (optional)")
	latency := flag.Duration("latency", 50*time.Millisecond, "the simulator's latency per request")
	skipSlide := flag.Bool("skip-slide", false, "skip the refresh-a-minute-later scenario, which waits for the next wall-clock minute")
	only := flag.String("only", "", "run only these scenario groups, comma-separated: fullres (15 days of 20 and of 60 streams at full resolution), fleet (three replicas on one Redis)")
	flag.Parse()
	if *current == "" {
		log.Fatal("-plugin is required")
	}
	bins := []string{*current}
	names := []string{"now"}
	if *baseline != "" {
		bins = []string{*baseline, *current}
		names = []string{"before", "now"}
	}

	sim := simulator.New(cmd, key, domain, streams...)
	sim.SetFaults(simulator.Faults{Latency: *latency})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	url := srv.URL + "/common_access"
	single := singleCall(url, sim)
	fmt.Printf("Simulator latency %v; one call measured end to end: %v (median of 9)\n\n", *latency, single.Round(time.Millisecond))

	results := make([][]string, len(bins))
	var scenarios [][2]string
	for i, bin := range bins {
		b := bench{bin: bin, sim: sim, url: url, single: single, skipSlide: *skipSlide, latency: *latency}
		var rows []row
		if *only == "" {
			rows = b.run()
		}
		for _, group := range []struct {
			name string
			run  func() []row
		}{{"fullres", b.fullResolution}, {"fleet", b.fleet}} {
			if *only == "" || slices.Contains(strings.Split(*only, ","), group.name) {
				rows = append(rows, group.run()...)
			}
		}
		for _, r := range rows {
			results[i] = append(results[i], r.cells...)
		}
		if i == 0 {
			for _, r := range rows {
				scenarios = append(scenarios, [2]string{r.scenario, r.target})
			}
		}
	}
	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "scenario\t%s\ttarget\n", strings.Join(names, "\t"))
	for j, sc := range scenarios {
		var cells []string
		for i := range bins {
			cells = append(cells, results[i][j])
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", sc[0], strings.Join(cells, "\t"), sc[1])
	}
	tw.Flush()
}

// singleCall times one signed request straight to the simulator.
func singleCall(url string, sim *simulator.Simulator) time.Duration {
	var ds []time.Duration
	for range 9 {
		t := time.Now().Add(time.Minute).Unix()
		q := fmt.Sprintf("%s?cmd=%s&interface=Get_LivePlayStatHistory&t=%d&sign=%s&Param.n.start_time=%d&Param.n.end_time=%d&Param.s.stream_id=live_1",
			url, cmd, t, legacy.Sign(key, t), time.Now().Add(-2*time.Hour+time.Second).Unix(), time.Now().Unix())
		start := time.Now()
		resp, err := http.Get(q)
		if err != nil {
			log.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	sim.Reset()
	return ds[len(ds)/2]
}

type bench struct {
	latency   time.Duration
	bin       string
	sim       *simulator.Simulator
	url       string
	single    time.Duration
	skipSlide bool
	uid       int
}

// fresh returns settings for a new data source instance (a new uid).
func (b *bench) fresh(extra map[string]any) backend.DataSourceInstanceSettings {
	b.uid++
	jd := map[string]any{"apiUrl": b.url, "cmd": cmd, "maxConcurrency": 8}
	for k, v := range extra {
		jd[k] = v
	}
	raw, _ := json.Marshal(jd)
	return backend.DataSourceInstanceSettings{
		ID: int64(b.uid), UID: fmt.Sprintf("bench-%d", b.uid), Name: "bench", Type: pluginID, JSONData: raw,
		DecryptedSecureJSONData: map[string]string{"apiKey": key}, Updated: time.Now(),
	}
}

func query(ref, streamIDs string, span time.Duration, maxPoints int64, extra string) backend.DataQuery {
	to := time.Now()
	model := fmt.Sprintf(`{"domain":%q,"streamId":%q%s}`, domain, streamIDs, extra)
	return backend.DataQuery{RefID: ref, JSON: []byte(model), TimeRange: backend.TimeRange{From: to.Add(-span), To: to},
		Interval: time.Duration(int64(span) / max(maxPoints, 1)), MaxDataPoints: maxPoints}
}

func (b *bench) ratio(wall time.Duration, rounds int) string {
	bound := time.Duration(rounds) * b.single
	return fmt.Sprintf("%.2f× (%v / %v)", float64(wall)/float64(bound), wall.Round(time.Millisecond), bound.Round(time.Millisecond))
}

var elapsedRe = regexp.MustCompile(`elapsedMs=([0-9.]+)`)

// elapsedAfter is the in-plugin time the plugin logged for the first
// request after the first seen ones. Logs arrive over the plugin's stderr,
// after the answer, so it waits for the line, a few seconds at most (a
// binary that does not log it gives "?").
func elapsedAfter(l *pluginhost.Logs, seen int) string {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if !l.Wait(ctx, func(s string) bool { return len(elapsedRe.FindAllStringSubmatch(s, -1)) > seen }) {
		return "?"
	}
	return elapsedRe.FindAllStringSubmatch(l.String(), -1)[seen][1] + " ms"
}

func (b *bench) run() []row {
	pl := &pluginhost.Logs{}
	p, err := pluginhost.Start(b.bin, pluginID, pl, os.Environ()...)
	if err != nil {
		log.Fatal(err)
	}
	// p is replaced for the scenario that needs a process of its own; close whichever is last.
	defer func() { p.Close() }()
	ctx := context.Background()
	var rows []row
	add := func(scenario, target string, cell string) {
		rows = append(rows, row{scenario: scenario, target: target, cells: []string{cell}})
	}
	var requests atomic.Int64 // QueryData calls made, each logged once by the plugin
	do := func(s backend.DataSourceInstanceSettings, qs ...backend.DataQuery) (*backend.QueryDataResponse, time.Duration) {
		requests.Add(1)
		start := time.Now()
		resp, err := p.QueryData(ctx, s, qs...)
		if err != nil {
			log.Fatal(err)
		}
		for ref, r := range resp.Responses {
			if r.Error != nil {
				log.Printf("%s: query %s: %v", b.bin, ref, r.Error)
			}
		}
		return resp, time.Since(start)
	}

	// 1. A day of one stream on a new instance: 13 windows, 2 rounds of 8.
	b.sim.Reset()
	_, wall := do(b.fresh(nil), query("A", "live_1", 24*time.Hour, 1500, ""))
	add("24 h, one stream, new instance, maxConcurrency 8: wall / lower bound", "≤ 1.2×", b.ratio(wall, 2))

	// 2. Three panels on the same day at once.
	b.sim.Reset()
	s := b.fresh(nil)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() { do(s, query(fmt.Sprint("P", i), "live_2", 24*time.Hour, 1500, "")) })
	}
	wg.Wait()
	add("the same 24 h panel loaded by three panels at once: upstream calls", "13", strconv.Itoa(b.sim.Calls()))

	// 3. 200 identical queries at once, 20 streams a day each.
	b.sim.Reset()
	s = b.fresh(map[string]any{"maxStreams": 20})
	all := strings.Join(streams, ",")
	// The answers are checked but not decoded: turning 200 × 60 Arrow frames
	// back into Go values is Grafana's work, and on two cores it would take
	// the CPU the plugin is being measured on.
	var frames, bytes atomic.Int64
	start := time.Now()
	for i := range 200 {
		wg.Go(func() {
			ref := fmt.Sprint("Q", i)
			requests.Add(1)
			resp, err := p.QueryDataWire(ctx, s, query(ref, all, 24*time.Hour, 1500, ""))
			if err != nil {
				log.Fatal(err)
			}
			r := resp.Responses[ref]
			if r == nil || r.Error != "" {
				log.Fatalf("%s: query %s: no answer or %q", b.bin, ref, r.GetError())
			}
			frames.Add(int64(len(r.Frames)))
			for _, f := range r.Frames {
				bytes.Add(int64(len(f)))
			}
		})
	}
	wg.Wait()
	wall = time.Since(start)
	if frames.Load() != 200*60 {
		log.Fatalf("%s: 200 queries answered %d frames, want %d", b.bin, frames.Load(), 200*60)
	}
	calls := b.sim.Calls()
	note := ""
	if !start.Truncate(time.Minute).Equal(time.Now().Truncate(time.Minute)) {
		// The newest minutes are asked for again once a minute, by design.
		note = " (the minute turned during the run)"
	}
	add("200 identical queries at once (20 streams × 24 h): upstream calls", "≤ 260", strconv.Itoa(calls)+note)
	add("  the same: wall / lower bound (260 calls in rounds of 8)", "≤ 1.3×", b.ratio(wall, 33))
	add("  the same: peak RSS of the plugin process; Arrow sent", "", fmt.Sprintf("%s; %d MB", rss(p.Pid()), bytes.Load()>>20))

	// 4. The same panel again within the same minute.
	s = b.fresh(nil)
	panel := func() backend.DataQuery { return query("A", "live_3,live_4,live_5", 24*time.Hour, 1500, "") }
	do(s, panel())
	b.sim.Reset()
	_, wall = do(s, panel())
	// Each request logs one line, in order: this one's is the last so far.
	inPlugin := elapsedAfter(pl, int(requests.Load())-1)
	if time.Now().Truncate(time.Minute) != time.Now().Add(-wall).Truncate(time.Minute) {
		add("the same panel again within the same minute", "0 calls, < 3 ms", "(crossed a minute; run again)")
	} else {
		add("the same panel again within the same minute (3 streams): calls, wall; in the plugin", "0 calls, < 3 ms",
			fmt.Sprintf("%d calls, %v; %s", b.sim.Calls(), wall.Round(100*time.Microsecond), inPlugin))
	}

	// 5. A minute later, the range slid by a minute.
	if b.skipSlide {
		add("the 24 h panel refreshed a minute later: calls per stream", "1", "(skipped)")
	} else {
		next := time.Now().Truncate(time.Minute).Add(time.Minute + 2*time.Second)
		time.Sleep(time.Until(next)) // a benchmark may wait for the clock; a test may not
		b.sim.Reset()
		do(s, panel())
		add("the 24 h panel refreshed a minute later: calls per stream", "1", fmt.Sprintf("%.1f", float64(b.sim.Calls())/3))
	}

	// 6. Fifteen days of 20 streams in a panel of 1000 points, in a
	// process of its own, so that its peak memory is its own.
	p.Close()
	p, err = pluginhost.Start(b.bin, pluginID, io.Discard, os.Environ()...)
	if err != nil {
		log.Fatal(err)
	}
	b.sim.Reset()
	resp, _ := do(b.fresh(map[string]any{"maxStreams": 20}), query("L", all, 15*24*time.Hour-time.Hour, 1000, `,"metrics":["flux"]`))
	most, flux := 0, 0.0
	for _, f := range resp.Responses["L"].Frames {
		most = max(most, f.Rows())
		for i := range f.Rows() {
			if v, ok := f.Fields[1].ConcreteAt(i); ok {
				flux += v.(float64)
			}
		}
	}
	var want float64
	to := time.Now()
	for _, st := range streams {
		for _, v := range b.sim.Expected(st, to.Add(-15*24*time.Hour+time.Hour).Truncate(time.Minute).Add(time.Minute), to.Truncate(time.Minute).Add(time.Minute)) {
			want += v.Flux
		}
	}
	add("15 days, 20 streams, maxDataPoints 1000: points per series, flux total vs minutes", "≤ 1000, equal",
		fmt.Sprintf("%d, %.4f%% off", most, 100*math.Abs(flux-want)/want))
	add("  peak RSS of the plugin process after it", "< 150 MB", rss(p.Pid()))

	// 7. A viewer who leaves while the panel loads.
	b.sim.Reset()
	cctx, cancel := context.WithCancel(ctx)
	go func() {
		for b.sim.Calls() < 4 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, _ = p.QueryData(cctx, b.fresh(nil), query("C", "live_6", 24*time.Hour, 1500, ""))
	cancel()
	// What the upstream sees in the next two latencies, as left-over requests land.
	time.Sleep(4 * b.single)
	add("a cancelled 24 h query, maxConcurrency 8: most requests in flight at the upstream", "≤ 8", strconv.Itoa(b.sim.Peak()))

	// 8. Seven days of one stream over Cloud API 3.0, a day a request.
	add("7 days, one stream, Cloud API 3.0, new instance: upstream calls; wall", "7-8", b.cloudWeek(p))
	return rows
}

// fullResolution asks a process of its own for 15 days of 20 streams at
// full resolution (what an alert rule or a CSV export asks), all three
// metrics, and reports its peak memory, the CPU time it spent and the
// wall: with the automatic memory limit and with none; then the same for
// 60 streams, where the answer needs more than the limit's allowance and
// the collector works harder, to show what that costs.
func (b *bench) fullResolution() []row {
	var rows []row
	defer func(all []string) { b.sim.Streams = all }(b.sim.Streams)
	// 20 and 60 streams in one data source, then 20 streams in each of four
	// data sources at once: what each needs is its own allowance.
	for _, c := range []struct{ streams, sources int }{{20, 1}, {60, 1}, {20, 4}} {
		ids := make([]string, c.streams)
		for i := range ids {
			ids[i] = "live_" + strconv.Itoa(i+1)
		}
		b.sim.Streams = ids
		for _, limit := range []string{"auto", "off"} {
			name := fmt.Sprintf("15 days × %d streams at every minute (maxDataPoints 100 000), memory_limit %s: peak RSS; plugin CPU; wall; Arrow sent", c.streams, limit)
			if c.sources > 1 {
				name = fmt.Sprintf("%d data sources at once, each 15 days × %d streams at every minute, memory_limit %s: peak RSS; plugin CPU; wall; Arrow sent", c.sources, c.streams, limit)
			}
			target := "—"
			if c.streams == 20 && c.sources == 1 && limit == "auto" {
				target = "≤ 100 MB"
			}
			if c.sources > 1 && limit == "auto" {
				target = "CPU ≤ 2 × off's"
			}
			p, err := pluginhost.Start(b.bin, pluginID, io.Discard, append(os.Environ(), memory.Env+"="+limit)...)
			if err != nil {
				log.Fatal(err)
			}
			start := time.Now()
			var mu sync.Mutex
			var wg sync.WaitGroup
			sent := 0
			for range c.sources {
				settings := b.fresh(map[string]any{"maxStreams": c.streams})
				wg.Go(func() {
					resp, err := p.QueryDataWire(context.Background(), settings, query("F", strings.Join(ids, ","), 15*24*time.Hour-time.Hour, 100_000, ""))
					if err != nil {
						log.Fatal(err)
					}
					mu.Lock()
					defer mu.Unlock()
					for _, r := range resp.Responses {
						if r.Error != "" {
							log.Fatalf("full resolution: %s", r.Error)
						}
						for _, f := range r.Frames {
							sent += len(f)
						}
					}
				})
			}
			wg.Wait()
			wall := time.Since(start)
			rows = append(rows, row{scenario: name, target: target,
				cells: []string{fmt.Sprintf("%s; %s; %v; %d MB", rss(p.Pid()), cpu(p.Pid()), wall.Round(time.Millisecond), sent>>20)}})
			p.Close()
		}
	}
	return rows
}

// cpu is the CPU time process pid has used, user and system, from
// /proc/<pid>/stat, in Linux's USER_HZ ticks (100 a second).
func cpu(pid int) string {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "(unknown)"
	}
	// The command name, in parentheses, may hold spaces: count from after it.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
	if len(f) < 13 {
		return "(unknown)"
	}
	user, _ := strconv.Atoi(f[11])
	sys, _ := strconv.Atoi(f[12])
	return (time.Duration(user+sys) * 10 * time.Millisecond).String() + " CPU"
}

// fleet measures three replicas sharing one Redis (redis-server from
// Debian's package, started here) against one replica alone, on the same
// fresh 24-hour panel of one stream: upstream calls and wall; then a
// replica started later.
func (b *bench) fleet() []row {
	tb := &benchT{}
	defer tb.cleanup()
	srv := redistest.Start(tb, "")
	env := append(os.Environ(), fleet.EnvURL+"="+srv.URL())
	startAll := func(n int, env []string) []*pluginhost.Plugin {
		ps := make([]*pluginhost.Plugin, n)
		for i := range ps {
			var err error
			if ps[i], err = pluginhost.Start(b.bin, pluginID, io.Discard, env...); err != nil {
				log.Fatal(err)
			}
		}
		return ps
	}
	panel := func(ps []*pluginhost.Plugin, s backend.DataSourceInstanceSettings, stream string) (int, time.Duration) {
		b.sim.Reset()
		q := query("P", stream, 24*time.Hour, 1500, "")
		start := time.Now()
		var wg sync.WaitGroup
		for _, p := range ps {
			wg.Go(func() {
				resp, err := p.QueryData(context.Background(), s, q)
				if err != nil || resp.Responses["P"].Error != nil {
					log.Fatalf("fleet panel: %v %v", err, resp.Responses["P"].Error)
				}
			})
		}
		wg.Wait()
		return b.sim.Calls(), time.Since(start)
	}
	alone := startAll(1, os.Environ())
	defer alone[0].Close()
	calls1, wall1 := panel(alone, b.fresh(nil), "live_11")
	fleetPs := startAll(3, env)
	defer func() {
		for _, p := range fleetPs {
			p.Close()
		}
	}()
	s := b.fresh(nil)
	calls3, wall3 := panel(fleetPs, s, "live_12")
	late := startAll(1, env)
	defer late[0].Close()
	callsLate, _ := panel(late, s, "live_12")
	return []row{
		{scenario: "one replica alone, a fresh 24 h panel: upstream calls; wall", target: "", cells: []string{fmt.Sprintf("%d; %v", calls1, wall1.Round(time.Millisecond))}},
		{scenario: "three replicas on one Redis open it at once: upstream calls; wall", target: "≤ 13", cells: []string{fmt.Sprintf("%d; %v", calls3, wall3.Round(time.Millisecond))}},
		{scenario: "  a replica started later opens it: upstream calls", target: "≤ 1", cells: []string{strconv.Itoa(callsLate)}},
	}
}

// benchT is what redistest needs of a test, for a command: failures end
// the run.
type benchT struct{ cleanups []func() }

func (t *benchT) Helper()                      {}
func (t *benchT) Fatal(args ...any)            { log.Fatal(args...) }
func (t *benchT) Fatalf(f string, args ...any) { log.Fatalf(f, args...) }
func (t *benchT) Skip(args ...any)             { log.Fatal(args...) }
func (t *benchT) Cleanup(f func())             { t.cleanups = append(t.cleanups, f) }
func (t *benchT) TempDir() string {
	dir, err := os.MkdirTemp("", "lvbbench-redis")
	if err != nil {
		log.Fatal(err)
	}
	t.cleanups = append(t.cleanups, func() { _ = os.RemoveAll(dir) })
	return dir
}
func (t *benchT) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// cloudWeek asks a binary for a week of one stream over Cloud API 3.0 and
// says how many calls it made, or that it cannot.
func (b *bench) cloudWeek(p *pluginhost.Plugin) string {
	id, secret := "AKIDbench000000000000000000000000000", "bench-secret-key-0123456789"
	cloud := simulator.NewCloudAPI(id, secret, domain, streams...)
	cloud.SetLatency(b.latency)
	srv := httptest.NewServer(cloud)
	defer srv.Close()
	b.uid++
	raw, _ := json.Marshal(map[string]any{"upstream": "cloudapi", "cloudApiUrl": srv.URL, "secretId": id})
	s := backend.DataSourceInstanceSettings{ID: int64(b.uid), UID: fmt.Sprintf("bench-%d", b.uid), Name: "bench", Type: pluginID,
		JSONData: raw, DecryptedSecureJSONData: map[string]string{"secretKey": secret}, Updated: time.Now()}
	start := time.Now()
	resp, err := p.QueryData(context.Background(), s, query("W", "live_7", 7*24*time.Hour, 20000, ""))
	wall := time.Since(start)
	if err != nil {
		return "(failed: " + err.Error() + ")"
	}
	if r := resp.Responses["W"]; r.Error != nil {
		return "(not supported)"
	}
	return fmt.Sprintf("%d; %v", cloud.Calls(), wall.Round(time.Millisecond))
}

// rss reads the peak resident set of a process (Linux).
func rss(pid int) string {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "(unknown)"
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			kb, _ := strconv.Atoi(f[1])
			return fmt.Sprintf("%d MB", kb/1024)
		}
	}
	return "(unknown)"
}
