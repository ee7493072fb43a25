package plugin

import (
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
)

// Six hours by province and ISP in at most three requests: every pair a
// series labelled as Tencent names it, equal to the API's minute by
// minute, the busiest first.
func TestRegionsAreTencents(t *testing.T) {
	e := newCloudEnv(t, nil)
	from, to := testNow.Add(-6*time.Hour), testNow
	r := e.query(t, dq("A", from, to, map[string]any{"queryType": "regions", "domain": testDomain, "metrics": []string{"bandwidth"}})).Responses["A"]
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	if calls := e.sim.Calls(); calls > 3 {
		t.Fatalf("six hours cost %d requests", calls)
	}
	pairs := len(simulator.Provinces) * len(simulator.ISPs)
	if len(r.Frames) != pairs {
		t.Fatalf("%d series, want %d province and ISP pairs", len(r.Frames), pairs)
	}
	first := from.Truncate(time.Minute).Add(time.Minute)
	var last float64 = -1
	for _, f := range r.Frames {
		l := f.Fields[1].Labels
		want := e.sim.ExpectedRegion(l["province"], l["isp"], first, to.Truncate(time.Minute).Add(time.Minute))
		if f.Rows() != len(want) || len(want) < 350 {
			t.Fatalf("%s %s: %d minutes, the simulator has %d", l["province"], l["isp"], f.Rows(), len(want))
		}
		var sum float64
		for i, w := range want {
			got := f.Fields[1].At(i).(float64)
			if !f.Fields[0].At(i).(time.Time).Equal(w.Time) || got != w.Bandwidth {
				t.Fatalf("%s %s minute %d: %v, want %+v", l["province"], l["isp"], i, got, w)
			}
			sum += got
		}
		if last >= 0 && sum > last {
			t.Fatalf("%s %s is busier than the series before it", l["province"], l["isp"])
		}
		last = sum
	}

	// Narrowed, the busiest two, as a table.
	r = e.query(t, dq("B", from, to, map[string]any{"queryType": "regions", "isps": []string{"电信"}, "top": 2, "format": "table"})).Responses["B"]
	if r.Error != nil || len(r.Frames) != 1 {
		t.Fatalf("%v, %d frames", r.Error, len(r.Frames))
	}
	f := r.Frames[0]
	isp, _ := f.FieldByName("isp")
	bw, _ := f.FieldByName("peak_bandwidth")
	if f.Rows() != 2 || isp.At(0) != "电信" || isp.At(1) != "电信" || f.Meta.Type != data.FrameTypeNumericLong || *bw.At(0).(*float64) < *bw.At(1).(*float64) {
		t.Fatalf("table: %d rows, %v", f.Rows(), f.Fields)
	}
}

func TestRegionsAreRefusedWhereTheyCannotApply(t *testing.T) {
	legacy := newEnv(t, nil)
	r := legacy.query(t, dq("A", testNow.Add(-time.Hour), testNow, map[string]any{"queryType": "regions"})).Responses["A"]
	if r.Status != backend.StatusBadRequest || r.Error == nil || !strings.Contains(r.Error.Error(), "Cloud API 3.0") {
		t.Fatalf("legacy: status %d, %v", r.Status, r.Error)
	}
	cloud := newCloudEnv(t, nil)
	for _, model := range []map[string]any{
		{"queryType": "regions", "format": "map"},
		{"queryType": "regions", "top": 0},
		{"queryType": "regions", "streamId": "live_1"},
		{"queryType": "timeseries", "provinces": []string{"广东省"}},
	} {
		r := cloud.query(t, dq("A", testNow.Add(-time.Hour), testNow, model)).Responses["A"]
		if r.Status != backend.StatusBadRequest || r.Error == nil {
			t.Fatalf("%v: status %d, %v", model, r.Status, r.Error)
		}
	}
}

func TestProvincesAreFoundWithOrWithoutTheirSuffix(t *testing.T) {
	for name, want := range map[string]string{"广东省": "Guangdong", "广东": "Guangdong", "北京市": "Beijing",
		"广西壮族自治区": "Guangxi", "新疆维吾尔自治区": "Xinjiang", "香港特别行政区": "Hong Kong", "内蒙古自治区": "Inner Mongolia"} {
		if p, ok := placeOf(name); !ok || p.english != want || p.lat < 18 || p.lat > 54 || p.lon < 73 || p.lon > 135 {
			t.Errorf("%s: %+v, %v; want %s, in China", name, p, ok, want)
		}
	}
	for _, name := range []string{"", "省", "火星省", "海外"} {
		if _, ok := placeOf(name); ok {
			t.Errorf("%q was found", name)
		}
	}
}
