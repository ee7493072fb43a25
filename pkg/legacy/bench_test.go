package legacy

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"
)

// body writes a two-hour answer the way the upstream does.
func body(asStrings bool) []byte {
	start := time.Date(2026, 11, 29, 8, 0, 0, 0, beijing)
	stat := make([]map[string]any, 120)
	num := func(v float64) any {
		if asStrings {
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
		return v
	}
	for i := range stat {
		bw := 10 + float64(i%17)*1.25
		stat[i] = map[string]any{
			"time":      start.Add(time.Duration(i) * time.Minute).Format(TimeLayout),
			"bandwidth": num(bw), "online": num(float64(i * 3)), "flux": num(bw * 7.5),
		}
	}
	b, _ := json.Marshal(map[string]any{"ret": 0, "message": "query data successfully",
		"output": map[string]any{"stat_info": stat, "sum_info": map[string]any{"sum_flux": num(1234.5)}}})
	return b
}

func BenchmarkParseResponse(b *testing.B) {
	for _, asStrings := range []bool{false, true} {
		raw := body(asStrings)
		b.Run(fmt.Sprintf("window=2h/strings=%v", asStrings), func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				res, err := ParseResponse(raw, beijing)
				if err != nil || len(res.Points) != 120 {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/120, "ns/point")
		})
	}
}
