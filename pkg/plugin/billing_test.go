package plugin

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/cloudapi"
)

// beijingDay is the Beijing midnight days before testNow's.
func beijingDay(days int) time.Time {
	b := testNow.In(cloudapi.Beijing)
	return time.Date(b.Year(), b.Month(), b.Day()-days, 0, 0, 0, 0, cloudapi.Beijing)
}

// Billing points equal the API's, to the thousandth, at each granularity,
// over a day, 40 days and 400 days, in the fewest requests the spans allow.
func TestBillingPointsAreTencents(t *testing.T) {
	for _, tc := range []struct {
		name        string
		days, gran  int
		wantCalls   int
		granularity any
	}{
		{"day at 5 minutes", 1, 5, 1, nil},
		{"day at an hour", 1, 60, 1, 60},
		{"40 days at 5 minutes", 40, 5, 40, 5},
		{"40 days at an hour", 40, 60, 2, nil},
		{"40 days at a day", 40, 1440, 2, "1440"},
		{"400 days at a day", 400, 1440, 13, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newCloudEnv(t, nil)
			from, to := beijingDay(tc.days+1), beijingDay(1)
			model := map[string]any{"queryType": "billing", "domain": testDomain}
			if tc.granularity != nil {
				model["granularity"] = tc.granularity
			}
			r := e.query(t, dq("A", from, to, model)).Responses["A"]
			if r.Error != nil {
				t.Fatal(r.Error)
			}
			want, _ := e.sim.Bill("", from, to.Add(-time.Second), tc.gran)
			if len(r.Frames) != 2 || len(want) != tc.days*1440/tc.gran {
				t.Fatalf("%d frames; the simulator has %d points", len(r.Frames), len(want))
			}
			bw, flux := r.Frames[0], r.Frames[1]
			if bw.Rows() != len(want) {
				t.Fatalf("%d points, want %d", bw.Rows(), len(want))
			}
			for i, w := range want {
				if !bw.Fields[0].At(i).(time.Time).Equal(w.Time) || bw.Fields[1].At(i).(float64) != w.Bandwidth || flux.Fields[1].At(i).(float64) != w.Flux {
					t.Fatalf("point %d: %v %v %v, want %+v", i, bw.Fields[0].At(i), bw.Fields[1].At(i), flux.Fields[1].At(i), w)
				}
			}
			if got := e.sim.Calls(); got != tc.wantCalls {
				t.Fatalf("%d requests, want %d", got, tc.wantCalls)
			}
			if bw.Fields[0].Config.Interval != float64(tc.gran*60000) || bw.Fields[1].Config.Unit != UnitBandwidth || flux.Fields[1].Config.Unit != UnitFlux {
				t.Fatalf("interval %v, units %q %q", bw.Fields[0].Config.Interval, bw.Fields[1].Config.Unit, flux.Fields[1].Config.Unit)
			}
		})
	}
}

// Totals are Tencent's own over a range one request covers, and computed
// from the 5-minute points, as Tencent does, over a longer one, which a
// notice says.
func TestBillingTotalsAreTencents(t *testing.T) {
	for _, tc := range []struct {
		days      int
		wantCalls int
		computed  bool
	}{{1, 1, false}, {20, 1, false}, {40, 40, true}, {400, 400, true}} {
		t.Run(time.Duration(tc.days*24*int(time.Hour)).String(), func(t *testing.T) {
			e := newCloudEnv(t, nil)
			from, to := beijingDay(tc.days+1), beijingDay(1)
			r := e.query(t, dq("A", from, to, map[string]any{"queryType": "billingTotals", "serviceName": "LEB"})).Responses["A"]
			if r.Error != nil {
				t.Fatal(r.Error)
			}
			_, want := e.sim.Bill(simulator.ServiceLEB, from, to.Add(-time.Second), 5)
			f := r.Frames[0]
			get := func(name string) float64 {
				fl, _ := f.FieldByName(name)
				if fl == nil || fl.Len() != 1 || fl.At(0).(*float64) == nil {
					t.Fatalf("no %s in %v", name, f.Fields)
				}
				return *fl.At(0).(*float64)
			}
			for _, c := range []struct {
				name      string
				got, want float64
			}{
				{"peak_bandwidth", get("peak_bandwidth"), want.Peak},
				{"p95_bandwidth", get("p95_bandwidth"), want.P95},
				{"sum_flux", get("sum_flux"), want.SumFlux},
				{"peak_bandwidth_time", get("peak_bandwidth_time"), float64(want.PeakTime.UnixMilli())},
				{"p95_bandwidth_time", get("p95_bandwidth_time"), float64(want.P95Time.UnixMilli())},
			} {
				if math.Abs(c.got-c.want) > 0.0005 {
					t.Errorf("%s = %v, Tencent's is %v", c.name, c.got, c.want)
				}
			}
			if s, _ := f.FieldByName("service"); s == nil || s.At(0) != "LEB" {
				t.Errorf("no service column")
			}
			said := false
			for _, n := range f.Meta.Notices {
				said = said || strings.Contains(n.Text, "computed here")
			}
			if said != tc.computed {
				t.Errorf("computed %v, notice says so: %v", tc.computed, said)
			}
			if got := e.sim.Calls(); got != tc.wantCalls {
				t.Errorf("%d requests, want %d", got, tc.wantCalls)
			}
			if f.Meta.Type != data.FrameTypeNumericLong {
				t.Errorf("frame type %q", f.Meta.Type)
			}
		})
	}
}

func TestBillingIsRefusedOnTheStatisticsInterface(t *testing.T) {
	legacy := newEnv(t, nil)
	for _, typ := range []string{"billing", "billingTotals"} {
		r := legacy.query(t, dq("A", testNow.Add(-time.Hour), testNow, map[string]any{"queryType": typ})).Responses["A"]
		if r.Status != backend.StatusBadRequest || r.Error == nil || !strings.Contains(r.Error.Error(), "Cloud API 3.0") {
			t.Fatalf("%s: status %d, %v", typ, r.Status, r.Error)
		}
	}
	cloud := newCloudEnv(t, nil)
	for _, model := range []map[string]any{
		{"queryType": "billing", "granularity": 15},
		{"queryType": "billing", "streamId": "live_1"},
		{"queryType": "billing", "metrics": []string{"online"}},
		{"queryType": "timeseries", "granularity": 60},
	} {
		r := cloud.query(t, dq("A", testNow.Add(-time.Hour), testNow, model)).Responses["A"]
		if r.Status != backend.StatusBadRequest || r.Error == nil {
			t.Fatalf("%v: status %d, %v", model, r.Status, r.Error)
		}
	}
}

// Billing points settle as minutes do: asked again, settled spans are
// served from memory, and only the span that reaches now is asked afresh.
func TestSettledBillingIsNotAskedTwice(t *testing.T) {
	e := newCloudEnv(t, nil)
	model := map[string]any{"queryType": "billing", "granularity": 5}
	past := dq("A", beijingDay(10), beijingDay(1), model)
	first := e.query(t, past).Responses["A"]
	if first.Error != nil || e.sim.Calls() != 9 {
		t.Fatalf("%d calls, %v", e.sim.Calls(), first.Error)
	}
	e.sim.Reset()
	again := e.query(t, past).Responses["A"]
	if again.Error != nil || e.sim.Calls() != 0 || again.Frames[0].Rows() != first.Frames[0].Rows() {
		t.Fatalf("asked again: %d calls, %d points (first %d), %v", e.sim.Calls(), again.Frames[0].Rows(), first.Frames[0].Rows(), again.Error)
	}
	// Up to now: the nine days are in memory; yesterday is asked once,
	// and kept; today, which has not settled, is asked every time.
	for i, want := range []int{2, 1} {
		e.sim.Reset()
		if r := e.query(t, dq("A", beijingDay(10), testNow, model)).Responses["A"]; r.Error != nil {
			t.Fatal(r.Error)
		}
		if got := e.sim.Calls(); got != want {
			t.Fatalf("a range up to now, time %d: %d requests, want %d", i+1, got, want)
		}
	}
}
