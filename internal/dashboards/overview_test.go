package dashboards

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
)

var committed = filepath.Join("..", "..", "src", "dashboards", OverviewFile)

// The committed dashboard is what this package builds.
func TestCommittedDashboardIsGenerated(t *testing.T) {
	want, err := OverviewJSON()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is not what internal/dashboards builds: run go generate ./internal/dashboards", committed)
	}
}

// Grafana's foundation SDK reads the file back as a dashboard whose every
// target, with the variables filled in, is a query the backend accepts.
func TestDashboardQueriesAreValid(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	raw, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard.Dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	// The raw JSON too: the SDK keeps unknown targets as maps.
	type panel struct {
		Type       string             `json:"type"`
		Title      string             `json:"title"`
		Datasource map[string]string  `json:"datasource"`
		Targets    []json.RawMessage  `json:"targets"`
		GridPos    struct{ X, W int } `json:"gridPos"`
		Panels     []panel            `json:"panels"` // a collapsed row's
	}
	var doc struct {
		Annotations struct {
			List []struct {
				Name   string          `json:"name"`
				Target json.RawMessage `json:"target"`
			} `json:"list"`
		} `json:"annotations"`
		Panels     []panel `json:"panels"`
		Templating struct {
			List []struct {
				Name  string          `json:"name"`
				Type  string          `json:"type"`
				Query json.RawMessage `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	fill := strings.NewReplacer("$domain", "play.example.com", "$streams", "live_1,live_2")
	check := func(what string, target []byte) string {
		t.Helper()
		var m map[string]any
		_ = json.Unmarshal(target, &m)
		// Billing panels are for Cloud API 3.0 data sources; the rest
		// answer on either.
		upstream := models.UpstreamLegacy
		if typ, _ := m["queryType"].(string); slices.Contains(cloudOnly, typ) {
			upstream = models.UpstreamCloudAPI
		}
		q, err := models.ParseQueryFor(backend.DataQuery{RefID: "A", JSON: []byte(fill.Replace(string(target))),
			QueryType: "", TimeRange: backend.TimeRange{From: time.Now().Add(-time.Hour), To: time.Now()}}, models.DefaultMaxStreams, upstream)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return q.Type
	}
	var types []string
	for _, a := range doc.Annotations.List {
		types = append(types, check("annotation "+a.Name, a.Target))
	}
	var panels []panel
	for _, p := range doc.Panels {
		panels = append(append(panels, p), p.Panels...)
	}
	for _, p := range panels {
		if p.GridPos.X+p.GridPos.W > 24 {
			t.Fatalf("panel %q runs off the grid", p.Title)
		}
		if p.Type == "row" {
			continue
		}
		if p.Datasource["type"] != PluginID || p.Datasource["uid"] != "${datasource}" {
			t.Fatalf("panel %q uses data source %v, not the dashboard's variable", p.Title, p.Datasource)
		}
		if len(p.Targets) == 0 {
			t.Fatalf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			types = append(types, check("panel "+p.Title, tg))
		}
	}
	for _, want := range []string{models.QueryTypeTimeSeries, models.QueryTypeSummary, models.QueryTypeLive, models.QueryTypeBilling, models.QueryTypeBillingTotals, models.QueryTypeErrors, models.QueryTypeRegions, models.QueryTypeEvents} {
		if !slices.Contains(types, want) {
			t.Fatalf("no panel of query type %s (have %v)", want, types)
		}
	}
	var names []string
	for _, v := range doc.Templating.List {
		names = append(names, v.Name)
		if v.Name == "streams" {
			// The variable's query goes to the backend as a streams query.
			var m map[string]any
			if err := json.Unmarshal(v.Query, &m); err != nil {
				t.Fatalf("the streams variable's query is not an object: %s", v.Query)
			}
			m["queryType"] = models.QueryTypeStreams
			b, _ := json.Marshal(m)
			check("variable streams", b)
		}
	}
	if !slices.Equal(names, []string{"datasource", "domain", "streams"}) {
		t.Fatalf("variables %v", names)
	}
}

// plugin.json lists the dashboard, so that it shows in the data source's
// Dashboards tab.
func TestPluginJSONIncludesTheDashboard(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "src", "plugin.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		ID       string `json:"id"`
		Includes []struct {
			Type, Name, Path string
		} `json:"includes"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	if p.ID != PluginID {
		t.Fatalf("plugin id %q", p.ID)
	}
	for _, inc := range p.Includes {
		if inc.Type == "dashboard" && inc.Path == "dashboards/"+OverviewFile {
			return
		}
	}
	t.Fatalf("src/plugin.json does not include dashboards/%s: %+v", OverviewFile, p.Includes)
}

// The dashboard opens on the domain's total (every stream, what Tencent
// bills on), its billing p95 among the first panels; the per-stream panels
// below follow the streams variable, whose default, All, is the busiest
// streams playing now.
func TestTheDashboardOpensOnTheTotal(t *testing.T) {
	raw, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Panels []struct {
			Type    string `json:"type"`
			Title   string `json:"title"`
			Targets []struct {
				QueryType string `json:"queryType"`
				StreamID  string `json:"streamId"`
				Statistic string `json:"statistic"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				IncludeAll bool   `json:"includeAll"`
				Current    struct {
					Value []string `json:"value"`
				} `json:"current"`
				Query json.RawMessage `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	rows, totals, billing, perStream := 0, 0, false, 0
	for _, p := range doc.Panels {
		if p.Type == "row" {
			rows++
			continue
		}
		for _, tg := range p.Targets {
			switch {
			case tg.QueryType == "live":
			case rows == 1 && tg.StreamID == "":
				totals++
				billing = billing || tg.Statistic == "p95_bandwidth"
			case rows == 2 && tg.StreamID == "$streams":
				perStream++
			default:
				t.Errorf("panel %q (row %d) asks for streams %q", p.Title, rows, tg.StreamID)
			}
		}
	}
	if totals < 5 || !billing || perStream < 3 {
		t.Fatalf("%d panels of the total (billing p95: %v), %d per stream", totals, billing, perStream)
	}
	for _, v := range doc.Templating.List {
		if v.Name != "streams" {
			continue
		}
		var q struct {
			OrderBy string `json:"orderBy"`
			Limit   int    `json:"limit"`
		}
		_ = json.Unmarshal(v.Query, &q)
		if !v.IncludeAll || !slices.Equal(v.Current.Value, []string{"$__all"}) || q.OrderBy != "viewers" || q.Limit != TopStreams {
			t.Fatalf("the streams variable: %+v %s", v, v.Query)
		}
	}
}
