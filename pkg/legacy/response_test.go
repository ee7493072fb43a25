package legacy

import (
	"strings"
	"testing"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

var beijing = time.FixedZone("CST", 8*3600)

func TestParseResponseShapes(t *testing.T) {
	minute := time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC) // 10:00 in Beijing
	cases := []struct {
		name    string
		body    string
		points  int
		sum     upstream.Num
		bw      upstream.Num
		online  upstream.Num
		isEmpty bool
	}{
		{"numbers", `{"ret":0,"message":"ok","output":{"stat_info":[{"time":"2026-11-29 10:00:00","bandwidth":1.5,"online":3,"flux":11.25}],"sum_info":{"sum_flux":11.25}}}`,
			1, upstream.Num{Value: 11.25, Valid: true}, upstream.Num{Value: 1.5, Valid: true}, upstream.Num{Value: 3, Valid: true}, false},
		{"strings and array sum", `{"ret":"0","output":{"stat_info":[{"time":"2026-11-29 10:00:00","bandwidth":"1.5","online":"3","flux":"11.25"}],"sum_info":[{"sum_flux":"11.25"}]}}`,
			1, upstream.Num{Value: 11.25, Valid: true}, upstream.Num{Value: 1.5, Valid: true}, upstream.Num{Value: 3, Valid: true}, false},
		{"nulls stay gaps", `{"ret":0,"output":{"stat_info":[{"time":1795917600,"bandwidth":null,"online":"","flux":0}]}}`,
			1, upstream.Num{}, upstream.Num{}, upstream.Num{}, false},
		{"unix millis", `{"ret":0,"output":{"stat_info":[{"time":"1795917600000","bandwidth":2,"online":1,"flux":1}],"sum_info":{"sum_flux":1}}}`,
			1, upstream.Num{Value: 1, Valid: true}, upstream.Num{Value: 2, Valid: true}, upstream.Num{Value: 1, Valid: true}, false},
		{"rfc3339", `{"ret":0,"output":{"stat_info":[{"time":"2026-11-29T02:00:00Z","bandwidth":2,"online":1,"flux":1}],"sum_info":{"sum_flux":1}}}`,
			1, upstream.Num{Value: 1, Valid: true}, upstream.Num{Value: 2, Valid: true}, upstream.Num{Value: 1, Valid: true}, false},
		{"10003", `{"ret":10003,"message":"query data is empty","output":[]}`, 0, upstream.Num{}, upstream.Num{}, upstream.Num{}, true},
		{"ok but nothing", `{"ret":0,"message":"ok","output":{"stat_info":[],"sum_info":{"sum_flux":0}}}`, 0, upstream.Num{Value: 0, Valid: true}, upstream.Num{}, upstream.Num{}, true},
		{"output as an array", `{"ret":0,"output":[{"stat_info":[{"time":"2026-11-29 10:00:00","bandwidth":2,"online":1,"flux":1}],"sum_info":{"sum_flux":1}}]}`,
			1, upstream.Num{Value: 1, Valid: true}, upstream.Num{Value: 2, Valid: true}, upstream.Num{Value: 1, Valid: true}, false},
		{"minutes without seconds", `{"ret":0,"output":{"stat_info":[{"time":"2026-11-29 10:00","bandwidth":2,"online":1,"flux":1}],"sum_info":{"sum_flux":1}}}`,
			1, upstream.Num{Value: 1, Valid: true}, upstream.Num{Value: 2, Valid: true}, upstream.Num{Value: 1, Valid: true}, false},
		{"retcode spelling", `{"retcode":0,"errmsg":"","output":{"stat_info":[{"time":"2026-11-29 10:00:00","bandwidth":2,"online":1,"flux":1}]}}`,
			1, upstream.Num{}, upstream.Num{Value: 2, Valid: true}, upstream.Num{Value: 1, Valid: true}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := ParseResponse([]byte(tc.body), beijing)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Points) != tc.points || res.Empty != tc.isEmpty || res.SumFlux != tc.sum {
				t.Fatalf("res = %+v", res)
			}
			if tc.points > 0 {
				p := res.Points[0]
				if !p.Time.Equal(minute) || p.Bandwidth != tc.bw || p.Online != tc.online {
					t.Fatalf("point = %+v (time %s)", p, p.Time.UTC())
				}
			}
		})
	}
}

func TestParseResponseErrors(t *testing.T) {
	cases := []struct {
		body string
		kind upstream.Kind
		says string
	}{
		{`sign invalid`, upstream.KindCredentials, "API key"},
		{`cmd is invalid`, upstream.KindCredentials, "APPID"},
		{`{"ret":-1,"message":"time expired"}`, upstream.KindClock, "clock"},
		{`{"ret":1000,"message":"user is not registered for statapi"}`, upstream.KindNotEnabled, "enable"},
		{`{"ret":1204,"message":"invalid input param"}`, upstream.KindInvalidParameter, "CNAME"},
		{`{"ret":4242,"message":"new thing"}`, upstream.KindOther, "4242"},
		{`<html>502 bad gateway sign=0123456789abcdef0123456789abcdef</html>`, upstream.KindBadResponse, "[redacted]"},
		{``, upstream.KindBadResponse, "empty"},
		{`{"message":"hello"}`, upstream.KindBadResponse, "no ret"},
		{`{"ret":0,"output":{"stat_info":[{"time":"yesterday","bandwidth":1}]}}`, upstream.KindBadResponse, "stat_info[0]: time"},
		{`{"ret":0,"output":{"stat_info":[{"time":"2026-11-29 10:00:00","bandwidth":"fast"}]}}`, upstream.KindBadResponse, "none of the 1"},
		{`{"ret":0,"output":{"stat_info":[{"time":"2026-11-29 10:00:00","bandwidth":1}],"sum_info":[{"sum_flux":1},{"sum_flux":2}]}}`, upstream.KindBadResponse, "one element"},
	}
	for _, tc := range cases {
		_, err := ParseResponse([]byte(tc.body), beijing)
		if upstream.KindOf(err) != tc.kind {
			t.Errorf("%s: kind %v, want %v (%v)", tc.body, upstream.KindOf(err), tc.kind, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %q does not mention %q", tc.body, err, tc.says)
		}
		if strings.Contains(err.Error(), "0123456789abcdef0123456789abcdef") {
			t.Errorf("%s: a signature-like value was echoed: %v", tc.body, err)
		}
	}
}

func TestParseLayoutAgreesWithTimeParse(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no zone database")
	}
	for _, s := range []string{
		"2026-11-29 10:00:00", "2026-02-28 23:59:59", "2024-02-29 00:00:00", "2026-02-29 00:00:00",
		"2026-04-31 12:00:00", "2026-13-01 00:00:00", "2026-11-29 24:00:00", "2026-11-29T10:00:00",
		"2026-1a-29 10:00:00", "1970-01-01 08:00:00", "1991-04-14 02:30:00", // a DST gap in China
	} {
		for _, loc := range []*time.Location{beijing, shanghai, time.UTC} {
			want, werr := time.ParseInLocation(TimeLayout, s, loc)
			got, err := parseTime([]byte(`"`+s+`"`), loc)
			if (werr == nil) != (err == nil) || (err == nil && !got.Equal(want)) {
				t.Errorf("%s in %s: got %v, %v; time.Parse %v, %v", s, loc, got, err, want, werr)
			}
		}
	}
}

// FuzzParseResponse holds the parser to one promise whatever arrives: an
// answer or a typed error, never a panic.
func FuzzParseResponse(f *testing.F) {
	for _, seed := range []string{
		`{"ret":0,"output":{"stat_info":[{"time":"2026-11-29 10:00:00","bandwidth":"1.5","online":3,"flux":1}],"sum_info":[{"sum_flux":1}]}}`,
		`{"ret":0,"output":[{"stat_info":[{"time":1795917600,"bandwidth":null}]}]}`,
		`{"ret":"10003","output":""}`,
		`sign invalid`,
		`{"retcode":1204,"errmsg":"invalid input param"}`,
		`[]`, `null`, `{"ret":0,"output":{"sum_info":7}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := ParseResponse(body, beijing)
		if err == nil && res == nil {
			t.Fatal("no result and no error")
		}
		if err != nil && upstream.KindOf(err) == upstream.KindUnknown {
			t.Fatalf("untyped error %v", err)
		}
	})
}
