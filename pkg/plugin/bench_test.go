package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/collect"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

func benchEnv(b *testing.B) (*simulator.Simulator, string) {
	sim := simulator.New(testCmd, testKey, testDomain, "live_1", "live_2", "live_3", "live_4")
	sim.Now = func() time.Time { return testNow }
	srv := httptest.NewServer(sim)
	b.Cleanup(srv.Close)
	return sim, srv.URL + "/common_access"
}

func benchQuery(b *testing.B, ds *Datasource, streams string, span time.Duration) {
	raw, _ := json.Marshal(map[string]any{"streamId": streams})
	resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{
		RefID: "A", JSON: raw, TimeRange: backend.TimeRange{From: testNow.Add(-span), To: testNow},
	}}})
	if err != nil || resp.Responses["A"].Error != nil {
		b.Fatal(err, resp.Responses["A"].Error)
	}
}

// BenchmarkQueryDay is a 24-hour query of one stream through the whole
// backend against the in-process simulator: "cold" with a new data source
// instance each time (every window fetched), "refresh" on one instance
// (settled windows from memory), as a dashboard refresh would run.
func BenchmarkQueryDay(b *testing.B) {
	_, url := benchEnv(b)
	open := func() *Datasource {
		ds, err := New(context.Background(), settingsFor(url, testCmd, testKey, nil), Options{Now: func() time.Time { return testNow }})
		if err != nil {
			b.Fatal(err)
		}
		return ds
	}
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ds := open()
			benchQuery(b, ds, "live_1", 24*time.Hour)
			ds.Dispose()
		}
	})
	b.Run("refresh", func(b *testing.B) {
		ds := open()
		defer ds.Dispose()
		benchQuery(b, ds, "live_1", 24*time.Hour)
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			benchQuery(b, ds, "live_1", 24*time.Hour)
		}
	})
}

// BenchmarkFrames builds the frames of the largest query the defaults
// allow: 15 days of 20 streams, three metrics.
func BenchmarkFrames(b *testing.B) {
	start := testNow.Add(-15 * 24 * time.Hour).Truncate(time.Minute)
	series := make([]collect.Series, 20)
	for s := range series {
		points := make([]upstream.Point, 15*24*60)
		for i := range points {
			v := simulator.Minute(fmt.Sprint("live_", s), start.Add(time.Duration(i)*time.Minute))
			points[i] = upstream.Point{Time: v.Time, Bandwidth: upstream.Num{Value: v.Bandwidth, Valid: true},
				Online: upstream.Num{Value: float64(v.Online), Valid: true}, Flux: upstream.Num{Value: v.Flux, Valid: true}}
		}
		series[s] = collect.Series{StreamID: fmt.Sprint("live_", s), Points: points}
	}
	q := models.Query{Type: models.QueryTypeTimeSeries, Metrics: models.AllMetrics}
	b.Run("timeseries/15d/20streams", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if f := timeSeriesFrames(q, series, func() *data.FrameMeta { return &data.FrameMeta{} }, 0); len(f) != 60 {
				b.Fatal(len(f))
			}
		}
	})
	b.Run("summary/15d/20streams", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sums := make([]summary, len(series))
			for i := range series {
				sums[i] = summarize(series[i].Points, 0)
			}
			if f := summaryFrame(series, sums, "", 0, &data.FrameMeta{}); f.Rows() != 20 {
				b.Fatal(f.Rows())
			}
		}
	})
}
