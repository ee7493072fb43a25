package simulator

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"
)

const (
	cmd = "1234"
	key = "5d41402abc4b2a76b9719d911017c592"
)

var now = time.Date(2026, 11, 29, 10, 37, 23, 0, time.UTC)

type reply struct {
	Ret     int             `json:"ret"`
	Message string          `json:"message"`
	Output  json.RawMessage `json:"output"`
}

// call builds the request by hand, independently of the plugin's client.
func call(t *testing.T, srv *httptest.Server, params map[string]string) (reply, int) {
	t.Helper()
	v := url.Values{}
	for k, val := range params {
		v.Set(k, val)
	}
	resp, err := http.Get(srv.URL + "/common_access?" + v.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r reply
	if resp.StatusCode == 200 {
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			t.Fatal(err)
		}
	}
	return r, resp.StatusCode
}

func signed(start, end time.Time, extra map[string]string) map[string]string {
	tt := strconv.FormatInt(now.Add(time.Minute).Unix(), 10)
	sum := md5.Sum([]byte(key + tt))
	p := map[string]string{
		"cmd": cmd, "interface": "Get_LivePlayStatHistory", "t": tt, "sign": hex.EncodeToString(sum[:]),
		"Param.n.start_time": strconv.FormatInt(start.Unix(), 10),
		"Param.n.end_time":   strconv.FormatInt(end.Unix(), 10),
	}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

func start(t *testing.T) (*Simulator, *httptest.Server) {
	sim := New(cmd, key, "www.123test.com", "1234_xxx", "1234_yyy")
	sim.Now = func() time.Time { return now }
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv
}

func TestFrontDoorAndLimits(t *testing.T) {
	sim, srv := start(t)
	hourAgo := now.Add(-time.Hour)
	expired := signed(hourAgo, now, nil)
	expired["t"] = strconv.FormatInt(now.Add(-time.Second).Unix(), 10)
	sum := md5.Sum([]byte(key + expired["t"]))
	expired["sign"] = hex.EncodeToString(sum[:])
	cases := []struct {
		name   string
		params map[string]string
		ret    int
		msg    string
	}{
		{"ok", signed(hourAgo, now, nil), 0, "query data successfully"},
		{"unknown cmd", signed(hourAgo, now, map[string]string{"cmd": "999"}), -1, "cmd is invalid"},
		{"wrong sign", signed(hourAgo, now, map[string]string{"sign": "b17971b51ba0fe5916ddcd96692e9fb3"}), -2, "sign invalid"},
		{"expired", expired, -3, "time expired"},
		{"over two hours", signed(now.Add(-2*time.Hour-time.Second), now, nil), 1204, "invalid input param: time span exceeds 2 hours"},
		{"exactly two hours", signed(now.Add(-2*time.Hour), now, nil), 0, "query data successfully"},
		{"over 15 days", signed(now.Add(-15*24*time.Hour-time.Second), now.Add(-15*24*time.Hour+time.Hour), nil), 1204, "invalid input param: start_time older than 15 days"},
		{"no data", signed(hourAgo, now, map[string]string{"Param.s.stream_id": "1234_zzz"}), 10003, "query data is empty"},
		{"other domain", signed(hourAgo, now, map[string]string{"Param.s.domain": "cname.example.com"}), 10003, "query data is empty"},
	}
	for _, tc := range cases {
		r, status := call(t, srv, tc.params)
		if status != 200 || r.Ret != tc.ret || r.Message != tc.msg {
			t.Errorf("%s: %d ret=%d %q", tc.name, status, r.Ret, r.Message)
		}
	}
	if sim.Calls() != len(cases) {
		t.Fatalf("counted %d calls, want %d", sim.Calls(), len(cases))
	}
}

func TestSeedExampleSignatureIsAccepted(t *testing.T) {
	// The seed's example: cmd 1234, key as above, t=1471850187, sign b179….
	sim := New(cmd, key, "www.123test.com", "1234_xxx")
	sim.Now = func() time.Time { return time.Unix(1453279835+60, 0) }
	srv := httptest.NewServer(sim)
	defer srv.Close()
	r, _ := call(t, srv, map[string]string{
		"cmd": "1234", "interface": "Get_LivePlayStatHistory",
		"Param.n.start_time": "1453279831", "Param.n.end_time": "1453279835",
		"Param.s.stream_id": "1234_xxx", "Param.s.domain": "www.123test.com",
		"t": "1471850187", "sign": "b17971b51ba0fe5916ddcd96692e9fb3",
	})
	if r.Ret != 10003 && r.Ret != 0 {
		t.Fatalf("the seed's example was refused: %d %q", r.Ret, r.Message)
	}
}

func TestPerMinuteDataInBeijingTime(t *testing.T) {
	sim, srv := start(t)
	from := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	r, _ := call(t, srv, signed(from, from.Add(30*time.Minute), map[string]string{"Param.s.stream_id": "1234_xxx"}))
	var out struct {
		StatInfo []struct {
			Time      string  `json:"time"`
			Bandwidth float64 `json:"bandwidth"`
			Online    int64   `json:"online"`
			Flux      float64 `json:"flux"`
		} `json:"stat_info"`
		SumInfo struct {
			SumFlux float64 `json:"sum_flux"`
		} `json:"sum_info"`
		StreamID string `json:"stream_id"`
	}
	if err := json.Unmarshal(r.Output, &out); err != nil {
		t.Fatal(err)
	}
	// Both ends are included: 08:00 to 08:30 is 31 minutes.
	if len(out.StatInfo) != 31 || out.StreamID != "1234_xxx" {
		t.Fatalf("%d points, stream %q", len(out.StatInfo), out.StreamID)
	}
	if out.StatInfo[0].Time != "2026-11-29 16:00:00" || out.StatInfo[30].Time != "2026-11-29 16:30:00" {
		t.Fatalf("times %q … %q, want Beijing time", out.StatInfo[0].Time, out.StatInfo[30].Time)
	}
	var sum float64
	distinct := map[float64]bool{}
	for i, p := range out.StatInfo {
		want := Minute("1234_xxx", from.Add(time.Duration(i)*time.Minute))
		if p.Bandwidth != want.Bandwidth || p.Online != want.Online || p.Flux != want.Flux || p.Bandwidth <= 0 {
			t.Fatalf("point %d = %+v, want %+v", i, p, want)
		}
		sum += p.Flux
		distinct[p.Bandwidth] = true
	}
	if len(distinct) < 25 {
		t.Fatalf("only %d distinct values in 31 minutes: the data would hide a shifted minute", len(distinct))
	}
	if fmt.Sprintf("%.3f", sum) != fmt.Sprintf("%.3f", out.SumInfo.SumFlux) {
		t.Fatalf("sum_flux %v, points add to %v", out.SumInfo.SumFlux, sum)
	}
	// No data after now.
	r, _ = call(t, srv, signed(now.Add(-time.Minute), now.Add(30*time.Minute), map[string]string{"Param.s.stream_id": "1234_xxx"}))
	_ = json.Unmarshal(r.Output, &out)
	if len(out.StatInfo) != 1 || sim.Requests()[1].End.Sub(sim.Requests()[1].Start) != 31*time.Minute {
		t.Fatalf("%d points up to now", len(out.StatInfo))
	}
}

func TestFaultSwitches(t *testing.T) {
	sim, srv := start(t)
	p := signed(now.Add(-10*time.Minute), now, nil)

	sim.SetFaults(Faults{HTTPStatus: 503, HTTPFailures: 1})
	if _, status := call(t, srv, p); status != 503 {
		t.Fatalf("status %d", status)
	}
	if r, status := call(t, srv, p); status != 200 || r.Ret != 0 {
		t.Fatalf("HTTP failure did not end after one: %d %d", status, r.Ret)
	}

	sim.SetFaults(Faults{RateLimit: 2})
	rets := []int{}
	for range 4 {
		r, _ := call(t, srv, p)
		rets = append(rets, r.Ret)
	}
	if fmt.Sprint(rets) != "[0 0 1202 1202]" {
		t.Fatalf("rate limit rets %v", rets)
	}

	sim.SetFaults(Faults{NumbersAsStrings: true, SumInfoAsArray: true})
	r, _ := call(t, srv, p)
	var out struct {
		StatInfo []map[string]any `json:"stat_info"`
		SumInfo  []map[string]any `json:"sum_info"`
	}
	if err := json.Unmarshal(r.Output, &out); err != nil {
		t.Fatal(err)
	}
	if _, ok := out.StatInfo[0]["bandwidth"].(string); !ok || len(out.SumInfo) != 1 {
		t.Fatalf("numbers-as-strings output %v", out)
	}

	sim.SetFaults(Faults{Malformed: true})
	resp, err := http.Get(srv.URL + "/common_access")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Content-Type") != "text/html" {
		t.Fatalf("malformed answer is %s", resp.Header.Get("Content-Type"))
	}

	sim.SetFaults(Faults{Ret: 1001, RetFailures: -1})
	for range 2 {
		if r, _ := call(t, srv, p); r.Ret != 1001 || r.Message != "user service for statapi was stopped" {
			t.Fatalf("forced ret: %d %q", r.Ret, r.Message)
		}
	}
}

// raw calls the simulator without following redirects and returns the body.
func raw(t *testing.T, srv *httptest.Server, params map[string]string) (*http.Response, []byte) {
	t.Helper()
	v := url.Values{}
	for k, val := range params {
		v.Set(k, val)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(srv.URL + "/common_access?" + v.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp, buf.Bytes()
}

func TestUpstreamQuirkSwitches(t *testing.T) {
	sim, srv := start(t)
	from := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	p := signed(from, from.Add(9*time.Minute), map[string]string{"Param.s.stream_id": "1234_xxx"}) // 10 minutes
	rows := func(f Faults) []map[string]any {
		t.Helper()
		sim.SetFaults(f)
		_, body := raw(t, srv, p)
		var r struct {
			Output json.RawMessage `json:"output"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatalf("%+v: %v in %s", f, err, body)
		}
		var out struct {
			StatInfo []map[string]any `json:"stat_info"`
		}
		if f.OutputAsArray {
			var arr []json.RawMessage
			if err := json.Unmarshal(r.Output, &arr); err != nil || len(arr) != 1 {
				t.Fatalf("output is not a one-element array: %s", r.Output)
			}
			r.Output = arr[0]
		}
		if err := json.Unmarshal(r.Output, &out); err != nil {
			t.Fatal(err)
		}
		return out.StatInfo
	}
	if got := rows(Faults{}); len(got) != 10 || got[0]["time"] != "2026-11-29 16:00:00" {
		t.Fatalf("plain: %d rows, first %v", len(got), got[0])
	}
	if got := rows(Faults{Zone: time.UTC}); got[0]["time"] != "2026-11-29 08:00:00" {
		t.Fatalf("zone: first %v", got[0]["time"])
	}
	if got := rows(Faults{OutputAsArray: true}); len(got) != 10 {
		t.Fatalf("array: %d rows", len(got))
	}
	got := rows(Faults{NullEvery: 3, MissingEvery: 5})
	if got[2]["bandwidth"] != nil || got[1]["bandwidth"] == nil {
		t.Fatalf("nulls: %v", got)
	}
	if _, ok := got[4]["flux"]; ok {
		t.Fatalf("missing: %v", got[4])
	}
	if got := rows(Faults{Outside: 2}); len(got) != 14 || got[0]["time"] != "2026-11-29 15:58:00" || got[13]["time"] != "2026-11-29 16:11:00" {
		t.Fatalf("outside: %d rows, %v … %v", len(got), got[0]["time"], got[len(got)-1]["time"])
	}
	if got := rows(Faults{Duplicates: true}); len(got) != 20 || got[0]["time"] != got[1]["time"] || got[0]["flux"] == got[1]["flux"] {
		t.Fatalf("duplicates: %v", got[:2])
	}
	if got := rows(Faults{Unsorted: true}); got[0]["time"] != "2026-11-29 16:09:00" {
		t.Fatalf("unsorted: first %v", got[0]["time"])
	}
	if got := rows(Faults{BadRowEvery: 4}); got[3]["time"] != "not a time" || got[2]["time"] == "not a time" {
		t.Fatalf("bad rows: %v", got[:4])
	}

	sim.SetFaults(Faults{TruncateEvery: 2})
	_, first := raw(t, srv, p)
	_, second := raw(t, srv, p)
	if json.Valid(first) || !json.Valid(second) || len(first) >= len(second) {
		t.Fatalf("truncate every 2nd: %d bytes valid=%v, %d bytes valid=%v", len(first), json.Valid(first), len(second), json.Valid(second))
	}

	sim.SetFaults(Faults{RedirectTo: "http://elsewhere.example/common_access"})
	resp, _ := raw(t, srv, p)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Host != "elsewhere.example" || loc.Query().Get("sign") != p["sign"] {
		t.Fatalf("redirect: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}

	sim.SetFaults(Faults{RefusalStatus: http.StatusForbidden})
	bad := signed(from, from.Add(time.Minute), map[string]string{"sign": "0123456789abcdef0123456789abcdef"})
	resp, body := raw(t, srv, bad)
	if resp.StatusCode != http.StatusForbidden || !bytes.Contains(body, []byte("sign invalid")) {
		t.Fatalf("refusal: %d %s", resp.StatusCode, body)
	}
}
