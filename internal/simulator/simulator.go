// Package simulator is a stand-in for Tencent's common_access endpoint,
// answering Get_LivePlayStatHistory the way the contract in
// docs/api.md describes:
// signature and expiry checks, the APPID check, the two-hour and 15-day
// limits, ret codes, and deterministic per-minute data in Beijing time.
//
// Tests start it in-process with httptest; cmd/lvbsim serves it for manual use.
package simulator

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Beijing is the zone of the times the endpoint answers with.
var Beijing = time.FixedZone("CST", 8*3600)

const (
	maxSpan   = 2 * time.Hour
	retention = 15 * 24 * time.Hour
)

// TimeFormat is how stat_info.time is written.
type TimeFormat int

const (
	TimeBeijing TimeFormat = iota // "2006-01-02 15:04:05" in UTC+8, as Tencent's examples
	TimeUnix                      // Unix seconds as a JSON number
	TimeRFC3339                   // RFC 3339 with offset
)

// Faults are the switches that make the simulator misbehave. The zero value
// is a well-behaved endpoint.
type Faults struct {
	Latency          time.Duration // added to every answer
	HTTPStatus       int           // answer this HTTP status (with an HTML body) ...
	HTTPFailures     int           // ... for this many requests; -1 for all of them
	Malformed        bool          // answer a body that is not JSON
	NumbersAsStrings bool          // write every number of stat_info and sum_info as a string
	SumInfoAsArray   bool          // write sum_info as a one-element array, as documented
	OmitSumInfo      bool          // leave sum_info out
	Time             TimeFormat
	RateLimit        int // answer ret 1202 past this many requests a second; 0 for no limit
	Ret              int // answer this ret (with a fitting message) ...
	RetFailures      int // ... for this many requests; -1 for all of them
	// RetBefore, when set, limits Ret to windows that start before it, so
	// that one window fails whatever order requests come in.
	RetBefore time.Time

	// What a real upstream or the way to it may also do.
	RefusalStatus int            // HTTP status of the JSON front-door refusals (cmd, sign, expiry); 200 when 0
	RedirectTo    string         // answer 302 to this base URL with the request's query (signature included)
	TruncateEvery int            // cut the first answer to the 1st, (N+1)th, … distinct request in half, once each; -1: cut every answer
	OutputAsArray bool           // write output as a one-element array, as the seed's table calls it
	NullEvery     int            // every Nth minute has null bandwidth, online and flux
	MissingEvery  int            // every Nth minute leaves bandwidth, online and flux out
	BadRowEvery   int            // every Nth minute's time is unreadable
	Zone          *time.Location // write times in this zone instead of Beijing time
	Outside       int            // add this many minutes before the window's start and after its end
	Duplicates    bool           // repeat every minute, the repeat with other values
	Unsorted      bool           // write the minutes newest first
}

// Request is what the simulator saw of one call (never the key or sign).
type Request struct {
	Interface  string // empty for Get_LivePlayStatHistory
	Start, End time.Time
	Domain     string
	StreamID   string
	Page, Size int // Get_LivePlayStat's page, as asked
	Ret        int
}

// Simulator is an http.Handler for the endpoint.
type Simulator struct {
	Cmd     string   // the APPID it accepts
	Key     string   // the API key it checks signatures with
	Domain  string   // the playback domain that has data
	Streams []string // the streams that have data; any other answers 10003
	// Live lists the streams Get_LivePlayStat says play now; all of
	// Streams when nil.
	Live []string
	// Now is the simulator's clock; time.Now when nil.
	Now func() time.Time
	// Shape, when set, changes each minute answered for the total or a
	// stream, or leaves it out (false: not arrived, or nothing played):
	// the series an alert rule is tried on.
	Shape func(m time.Time, v Value) (Value, bool)

	mu       sync.Mutex
	faults   Faults
	requests []Request
	calls    int
	inFlight int
	peak     int
	distinct map[Request]bool // requests answered before, by window, stream and domain
	second   int64
	inSecond int
}

// New returns a simulator with the given credentials and data.
func New(cmd, key, domain string, streams ...string) *Simulator {
	return &Simulator{Cmd: cmd, Key: key, Domain: domain, Streams: streams}
}

// SetFaults replaces the fault switches (and forgets which requests
// TruncateEvery has seen).
func (s *Simulator) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.distinct = nil
}

// Calls is how many requests reached the simulator, refused ones included.
func (s *Simulator) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// Requests lists the well-formed, correctly signed calls it served.
func (s *Simulator) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Reset forgets the counted calls.
func (s *Simulator) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls, s.distinct, s.requests, s.peak = 0, nil, nil, s.inFlight
}

func (s *Simulator) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

type answer struct {
	Ret     int    `json:"ret"`
	Message string `json:"message"`
	Output  any    `json:"output"`
}

// Peak is the most requests the simulator has held at once since Reset.
func (s *Simulator) Peak() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.inFlight++
	s.peak = max(s.peak, s.inFlight)
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	s.calls++
	f := s.faults
	if f.HTTPFailures != 0 {
		if f.HTTPFailures > 0 {
			s.faults.HTTPFailures--
		}
	} else {
		f.HTTPStatus = 0
	}
	if f.RetFailures != 0 {
		if f.RetFailures > 0 {
			s.faults.RetFailures--
		}
	} else {
		f.Ret = 0
	}
	limited := false
	if f.RateLimit > 0 {
		sec := s.now().Unix()
		if sec != s.second {
			s.second, s.inSecond = sec, 0
		}
		s.inSecond++
		limited = s.inSecond > f.RateLimit
	}
	s.mu.Unlock()

	if f.Latency > 0 {
		select {
		case <-time.After(f.Latency):
		case <-r.Context().Done():
			return
		}
	}
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if f.HTTPStatus != 0 {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.HTTPStatus)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>", f.HTTPStatus, http.StatusText(f.HTTPStatus))
		return
	}
	if f.Malformed {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body>upstream gateway error</body></html>")
		return
	}
	if f.RedirectTo != "" {
		http.Redirect(w, r, f.RedirectTo+"?"+r.URL.RawQuery, http.StatusFound)
		return
	}

	q := r.URL.Query()
	req, refusal := s.check(q)
	if refusal != nil {
		if f.RefusalStatus != 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(f.RefusalStatus)
			_ = json.NewEncoder(w).Encode(refusal)
			return
		}
		s.write(w, *refusal)
		return
	}
	switch {
	case limited:
		s.record(req, 1202)
		s.write(w, answer{Ret: 1202, Message: "invalid request/request frequency exceeds limit"})
		return
	case f.Ret != 0 && (f.RetBefore.IsZero() || req.Start.Before(f.RetBefore)):
		s.record(req, f.Ret)
		s.write(w, answer{Ret: f.Ret, Message: retMessage(f.Ret)})
		return
	}

	if req.Interface == LiveInterface {
		a := s.live(req)
		s.record(req, a.Ret)
		if f.OutputAsArray && a.Ret == 0 {
			a.Output = []any{a.Output}
		}
		s.write(w, a)
		return
	}
	points := s.points(req)
	if len(points) == 0 {
		s.record(req, 10003)
		s.write(w, answer{Ret: 10003, Message: "query data is empty", Output: []any{}})
		return
	}
	s.record(req, 0)
	a := answer{Ret: 0, Message: "query data successfully", Output: s.output(req, points, f)}
	if f.OutputAsArray {
		a.Output = []any{a.Output}
	}
	// A cut depends on which request it is, not on the order requests
	// arrive in, so that a retry, whenever it comes, gets a whole answer.
	s.mu.Lock()
	if s.distinct == nil {
		s.distinct = map[Request]bool{}
	}
	k := Request{Start: req.Start, End: req.End, Domain: req.Domain, StreamID: req.StreamID}
	seen := s.distinct[k]
	s.distinct[k] = true
	cut := f.TruncateEvery < 0 || (f.TruncateEvery > 0 && !seen && (len(s.distinct)-1)%f.TruncateEvery == 0)
	s.mu.Unlock()
	if cut {
		body, _ := json.Marshal(a)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body[:len(body)/2])
		return
	}
	s.write(w, a)
}

func (s *Simulator) record(req Request, ret int) {
	req.Ret = ret
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()
}

// check applies the front door's and the interface's checks in the order a
// real gateway would: who is calling, then whether the signature holds, then
// what is asked.
func (s *Simulator) check(q map[string][]string) (Request, *answer) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if get("cmd") != s.Cmd {
		return Request{}, &answer{Ret: -1, Message: "cmd is invalid"}
	}
	t, err := strconv.ParseInt(get("t"), 10, 64)
	if err != nil {
		return Request{}, &answer{Ret: -2, Message: "sign invalid"}
	}
	sum := md5.Sum([]byte(s.Key + get("t")))
	if get("sign") != hex.EncodeToString(sum[:]) {
		return Request{}, &answer{Ret: -2, Message: "sign invalid"}
	}
	now := s.now()
	if now.Unix() > t {
		return Request{}, &answer{Ret: -3, Message: "time expired"}
	}
	switch get("interface") {
	case "Get_LivePlayStatHistory":
	case LiveInterface:
		return checkLive(get)
	default:
		return Request{}, &answer{Ret: 1204, Message: "invalid input param: interface"}
	}
	start, err1 := strconv.ParseInt(get("Param.n.start_time"), 10, 64)
	end, err2 := strconv.ParseInt(get("Param.n.end_time"), 10, 64)
	if err1 != nil || err2 != nil {
		return Request{}, &answer{Ret: 1204, Message: "invalid input param: start_time/end_time"}
	}
	req := Request{Start: time.Unix(start, 0), End: time.Unix(end, 0),
		Domain: get("Param.s.domain"), StreamID: get("Param.s.stream_id")}
	switch {
	case end < start:
		return req, &answer{Ret: 1204, Message: "invalid input param: end_time before start_time"}
	case req.End.Sub(req.Start) > maxSpan:
		return req, &answer{Ret: 1204, Message: "invalid input param: time span exceeds 2 hours"}
	case req.Start.Before(now.Add(-retention)):
		return req, &answer{Ret: 1204, Message: "invalid input param: start_time older than 15 days"}
	}
	return req, nil
}

// points returns the minutes in [Start, End] (inclusive at both ends, the
// harder case for a caller) up to now, for the stream and domain asked.
func (s *Simulator) points(req Request) []Value {
	if req.Domain != "" && req.Domain != s.Domain {
		return nil
	}
	streams := s.Streams
	if req.StreamID != "" {
		if !slices.Contains(s.Streams, req.StreamID) {
			return nil
		}
		streams = []string{req.StreamID}
	}
	last := req.End
	if now := s.now(); last.After(now) {
		last = now
	}
	first := req.Start.Truncate(time.Minute)
	if first.Before(req.Start) {
		first = first.Add(time.Minute)
	}
	var out []Value
	for m := first; !m.After(last); m = m.Add(time.Minute) {
		if v, ok := shape(s.Shape, m, Total(streams, m)); ok {
			out = append(out, v)
		}
	}
	return out
}

func shape(f func(time.Time, Value) (Value, bool), m time.Time, v Value) (Value, bool) {
	if f == nil {
		return v, true
	}
	return f(m, v)
}

// Total is the minute at m of several streams together, as an upstream
// answers a domain or an account without a stream.
func Total(streams []string, m time.Time) Value {
	v := Value{Time: m}
	for _, st := range streams {
		x := Minute(st, m)
		v.Bandwidth += x.Bandwidth
		v.Online += x.Online
		v.Requests += x.Requests
		v.Flux += x.Flux
	}
	v.Bandwidth, v.Flux = round3(v.Bandwidth), round3(v.Flux)
	return v
}

// withOutside adds n minutes of data before the window's start and after
// its end, as an upstream that ignores the window's edges would.
func (s *Simulator) withOutside(req Request, points []Value, n int) []Value {
	stream := req.StreamID
	out := make([]Value, 0, len(points)+2*n)
	first := req.Start.Truncate(time.Minute)
	if first.Before(req.Start) {
		first = first.Add(time.Minute)
	}
	for i := n; i >= 1; i-- {
		out = append(out, Minute(stream, first.Add(-time.Duration(i)*time.Minute)))
	}
	out = append(out, points...)
	last := req.End.Truncate(time.Minute)
	for i := 1; i <= n; i++ {
		out = append(out, Minute(stream, last.Add(time.Duration(i)*time.Minute)))
	}
	return out
}

// Value is the simulator's statistic for one minute.
type Value struct {
	Time      time.Time
	Bandwidth float64 // Mbps
	Online    int64
	Flux      float64 // MB
	Requests  int64   // playback requests (Cloud API 3.0 only)
}

// Minute is the deterministic statistic of a stream for the minute at m:
// a daily wave with a per-stream scale and a per-minute wobble, so that
// every minute differs and a shifted time zone shows up as wrong values.
func Minute(stream string, m time.Time) Value {
	h := fnv.New64a()
	_, _ = h.Write([]byte(stream)) // a hash never fails to write
	seed := h.Sum64()
	scale := 20 + float64(seed%80)
	minuteOfDay := float64(m.In(Beijing).Hour()*60 + m.In(Beijing).Minute())
	wave := 1 + 0.6*math.Sin(2*math.Pi*(minuteOfDay-600)/1440)
	// Minutes before 1970 all share one wobble; the checked conversion
	// keeps a negative time from wrapping around (gosec G115).
	var minute uint64
	if n := m.Unix() / 60; n > 0 {
		minute = uint64(n)
	}
	mix := minute*0x9E3779B97F4A7C15 ^ seed
	mix ^= mix >> 29
	wobble := 0.9 + 0.2*float64(mix%1000)/1000
	bw := round3(scale * wave * wobble)
	return Value{
		Time:      m,
		Bandwidth: bw,
		Online:    int64(bw * 12),
		Requests:  int64(math.Round(bw * 3.2)),
		Flux:      round3(bw * 60 / 8), // Mbps over a minute, in MB
	}
}

// Expected is what a correct client should show for stream over [from, to):
// one value a minute, summed over all streams when stream is empty.
func (s *Simulator) Expected(stream string, from, to time.Time) []Value {
	req := Request{Start: from, End: to.Add(-time.Second), StreamID: stream}
	return s.points(req)
}

func (s *Simulator) output(req Request, points []Value, f Faults) map[string]any {
	num := func(v float64) any {
		if f.NumbersAsStrings {
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
		return v
	}
	zone := Beijing
	if f.Zone != nil {
		zone = f.Zone
	}
	if f.Outside > 0 {
		points = s.withOutside(req, points, f.Outside)
	}
	stat := make([]map[string]any, 0, len(points))
	var sum float64
	for i, p := range points {
		var t any
		switch {
		case f.BadRowEvery > 0 && (i+1)%f.BadRowEvery == 0:
			t = "not a time"
		case f.Time == TimeUnix:
			t = p.Time.Unix()
		case f.Time == TimeRFC3339:
			t = p.Time.In(zone).Format(time.RFC3339)
		default:
			t = p.Time.In(zone).Format("2006-01-02 15:04:05")
		}
		row := map[string]any{
			"time":      t,
			"bandwidth": num(p.Bandwidth),
			"online":    num(float64(p.Online)),
			"flux":      num(p.Flux),
		}
		switch {
		case f.NullEvery > 0 && (i+1)%f.NullEvery == 0:
			row["bandwidth"], row["online"], row["flux"] = nil, nil, nil
		case f.MissingEvery > 0 && (i+1)%f.MissingEvery == 0:
			delete(row, "bandwidth")
			delete(row, "online")
			delete(row, "flux")
		default:
			sum += p.Flux
		}
		stat = append(stat, row)
		if f.Duplicates {
			again := map[string]any{"time": t, "bandwidth": num(p.Bandwidth + 1), "online": num(float64(p.Online + 1)), "flux": num(p.Flux + 1)}
			stat = append(stat, again)
		}
	}
	if f.Unsorted {
		slices.Reverse(stat)
	}
	out := map[string]any{"stat_info": stat}
	sumInfo := map[string]any{"sum_flux": num(round3(sum))}
	switch {
	case f.OmitSumInfo:
	case f.SumInfoAsArray:
		out["sum_info"] = []any{sumInfo}
	default:
		out["sum_info"] = sumInfo
	}
	if req.Domain != "" {
		out["domain"] = req.Domain
	}
	if req.StreamID != "" {
		out["stream_id"] = req.StreamID
	}
	return out
}

func (s *Simulator) write(w http.ResponseWriter, a answer) {
	if a.Output == nil {
		a.Output = []any{}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(a)
}

func retMessage(ret int) string {
	switch ret {
	case 1000:
		return "user is not registered for statapi"
	case 1001:
		return "user service for statapi was stopped"
	case 1201:
		return "internal/system error"
	case 1202:
		return "invalid request/request frequency exceeds limit"
	case 1204:
		return "invalid input param"
	case 10003:
		return "query data is empty"
	}
	return "error " + strconv.Itoa(ret)
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
