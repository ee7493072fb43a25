package plugin

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
)

func TestLongRangesAreDownsampledWithTotalsKept(t *testing.T) {
	e := newEnv(t, map[string]any{"maxConcurrency": 8})
	from := testNow.Add(-15*24*time.Hour + time.Hour)
	model := map[string]any{"streamId": "live_1,live_2", "aggregation": "max"}
	q := dq("A", from, testNow, model)
	q.MaxDataPoints, q.Interval = 1000, 20*time.Minute
	raw := dq("R", from, testNow, model)
	raw.MaxDataPoints = 100_000
	resp := e.query(t, q, raw)
	a, r := resp.Responses["A"], resp.Responses["R"]
	if a.Error != nil || r.Error != nil || len(a.Frames) != 6 {
		t.Fatalf("%v %v, %d frames", a.Error, r.Error, len(a.Frames))
	}
	for i, f := range a.Frames {
		rf := r.Frames[i]
		if f.Rows() > 1000 || rf.Rows() < 20000 {
			t.Fatalf("frame %d: %d rows (raw %d)", i, f.Rows(), rf.Rows())
		}
		// Grafana's 20 minutes and 15 days in 1000 points (21.6 minutes),
		// rounded up to the next round width.
		if iv := f.Fields[0].Config.Interval; iv != float64(30*time.Minute/time.Millisecond) {
			t.Fatalf("frame %d: time field interval %v ms, want the bucket width", i, iv)
		}
		if !strings.Contains(f.Meta.ExecutedQueryString, "30-minute buckets") {
			t.Fatalf("executed query %q", f.Meta.ExecutedQueryString)
		}
		sum := func(rows int, at func(int) float64) float64 {
			var s float64
			for j := range rows {
				s += at(j)
			}
			return s
		}
		val := func(j int) float64 { return asFloat(f.Fields[1].At(j)) }
		rawVal := func(j int) float64 { return asFloat(rf.Fields[1].At(j)) }
		bucketed := sum(f.Rows(), val)
		minutes := sum(rf.Rows(), rawVal)
		maxOf := func(rows int, at func(int) float64) float64 {
			m := 0.0
			for j := range rows {
				m = math.Max(m, at(j))
			}
			return m
		}
		switch f.Name {
		case models.MetricFlux:
			if math.Abs(bucketed-minutes) > 0.01 {
				t.Fatalf("flux: %v in buckets, %v in minutes", bucketed, minutes)
			}
		case models.MetricBandwidth, models.MetricOnline:
			if maxOf(f.Rows(), val) != maxOf(rf.Rows(), rawVal) {
				t.Fatalf("%s: the peak changed in buckets", f.Name)
			}
		}
	}
	// Alert rules always judge minutes.
	alert, err := e.ds.QueryData(context.Background(), &backend.QueryDataRequest{
		Headers: map[string]string{"FromAlert": "true"}, Queries: []backend.DataQuery{q}})
	if err != nil || alert.Responses["A"].Frames[0].Rows() != r.Frames[0].Rows() {
		t.Fatalf("alert query: %v, %d rows", err, alert.Responses["A"].Frames[0].Rows())
	}
	// The summary never uses buckets either.
	sq := dq("S", from, testNow, map[string]any{"streamId": "live_1", "queryType": "summary"})
	sq.MaxDataPoints = 10
	if s := e.query(t, sq).Responses["S"]; s.Error != nil || strings.Contains(s.Frames[0].Meta.ExecutedQueryString, "buckets") {
		t.Fatalf("summary: %v", s.Error)
	}
}

func asFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case *float64:
		if x != nil {
			return *x
		}
	case int64:
		return float64(x)
	case *int64:
		if x != nil {
			return float64(*x)
		}
	}
	return 0
}
