package legacy

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// The fast decimal reader gives exactly what strconv.ParseFloat gives,
// or declines.
func TestSimpleDecimalAgreesWithParseFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := []string{"0", "-0", "1", "12.5", "0.001", "123456789012345", "1234567890123456", "1.", ".5", "-", "", "1e3", "00012.300", "999999.999999999"}
	for range 20000 {
		v := rng.Float64() * math.Pow(10, float64(rng.IntN(12)))
		inputs = append(inputs, strconv.FormatFloat(v, 'f', rng.IntN(9), 64))
	}
	for _, in := range inputs {
		got, ok := simpleDecimal([]byte(in))
		want, err := strconv.ParseFloat(in, 64)
		if ok && (err != nil || got != want) {
			t.Fatalf("%q: %v, strconv says %v (%v)", in, got, want, err)
		}
	}
	if _, ok := simpleDecimal([]byte("12.5")); !ok {
		t.Fatal("a plain decimal was declined")
	}
}

// FuzzScannerAgreesWithEncodingJSON builds answers of consecutive minutes,
// in zones with daylight saving (Lord Howe's moves by half an hour), with
// numbers written in every way the API may write them, and checks that the
// fast path reads exactly what encoding/json and time.ParseInLocation read.
func FuzzScannerAgreesWithEncodingJSON(f *testing.F) {
	f.Add(int64(29_000_000), uint8(120), uint64(1), uint8(0))
	f.Add(int64(29_326_430), uint8(200), uint64(7), uint8(1)) // Lord Howe moves to +11 at 02:00, 2025-10-05
	f.Add(int64(29_064_320), uint8(200), uint64(8), uint8(1)) // and back to +10:30 at 02:00, 2025-04-06
	f.Add(int64(29_367_620), uint8(200), uint64(9), uint8(2)) // New York's 01:00 repeats, 2025-11-02
	f.Add(int64(0), uint8(3), uint64(3), uint8(2))
	zones := []string{"Asia/Shanghai", "Australia/Lord_Howe", "America/New_York", "UTC"}
	f.Fuzz(func(t *testing.T, startMinute int64, n uint8, seed uint64, zone uint8) {
		loc, err := time.LoadLocation(zones[int(zone)%len(zones)])
		if err != nil {
			t.Skip(err)
		}
		if startMinute < 0 || startMinute > 40_000_000 {
			t.Skip()
		}
		rng := rand.New(rand.NewPCG(seed, seed>>3))
		num := func() string {
			switch rng.IntN(9) {
			case 0:
				return "null"
			case 1:
				return `""`
			case 2:
				return strconv.Itoa(rng.IntN(100000))
			case 3:
				return `"` + strconv.FormatFloat(rng.Float64()*1000, 'f', rng.IntN(6), 64) + `"`
			case 4:
				return strconv.FormatFloat(-rng.Float64()*10, 'f', 3, 64)
			case 5:
				return strconv.FormatFloat(rng.Float64()*1e6, 'e', 4, 64)
			case 6:
				return "12345678901234567"
			default:
				return strconv.FormatFloat(rng.Float64()*1000, 'f', rng.IntN(4), 64)
			}
		}
		var body strings.Builder
		body.WriteString(`{"ret":0,"message":"ok","output":{"stat_info":[`)
		for i := range int(n) {
			if i > 0 {
				body.WriteString(",")
			}
			ts := time.Unix((startMinute+int64(i))*60, 0).In(loc).Format(TimeLayout)
			fmt.Fprintf(&body, `{"time":%q,"bandwidth":%s,"online":%s,"flux":%s}`, ts, num(), num(), num())
		}
		body.WriteString(`],"sum_info":{"sum_flux":1.5}}}`)

		res, err := ParseResponse([]byte(body.String()), loc)
		if err != nil {
			t.Fatal(err)
		}
		var ref struct {
			Output struct {
				StatInfo []struct {
					Time                    string
					Bandwidth, Online, Flux flexNum
				} `json:"stat_info"`
			} `json:"output"`
		}
		if err := json.Unmarshal([]byte(body.String()), &ref); err != nil {
			t.Fatal(err)
		}
		if len(res.Points) != len(ref.Output.StatInfo) {
			t.Fatalf("%d points, encoding/json reads %d", len(res.Points), len(ref.Output.StatInfo))
		}
		for i, r := range ref.Output.StatInfo {
			want, err := time.ParseInLocation(TimeLayout, r.Time, loc)
			if err != nil {
				t.Fatal(err)
			}
			p := res.Points[i]
			if !p.Time.Equal(want) {
				t.Fatalf("row %d: %q read as %v, time.ParseInLocation says %v", i, r.Time, p.Time, want)
			}
			for _, pair := range [][2]upstream.Num{{p.Bandwidth, upstream.Num(r.Bandwidth)}, {p.Online, upstream.Num(r.Online)}, {p.Flux, upstream.Num(r.Flux)}} {
				if pair[0] != pair[1] {
					t.Fatalf("row %d: %+v, encoding/json reads %+v", i, pair[0], pair[1])
				}
			}
		}
	})
}
