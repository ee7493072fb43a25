// Package dashboards builds the dashboard the plugin ships (src/dashboards),
// with Grafana's foundation SDK, so that a panel or variable that does not
// fit Grafana's schema fails to build instead of failing in a browser.
//
// go generate ./internal/dashboards rewrites the JSON; a test fails while
// the committed file differs from what this code builds.
package dashboards

//go:generate go run ../../cmd/gendashboards -o ../../src/dashboards

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// PluginID is the data source's plugin id (src/plugin.json).
const PluginID = "lvbstat-tencent-datasource"

// OverviewFile is the bundled dashboard's file name under src/dashboards.
const OverviewFile = "overview.json"

// OverviewUID is the bundled dashboard's uid, which provisioning and
// Terraform refer to.
const OverviewUID = "lvbstat-overview"

// Query is the data source's query model (pkg/plugin/query.go's
// queryModel), as panels store it.
type Query struct {
	RefID       string   `json:"refId"`
	QueryType   string   `json:"queryType"`
	Domain      string   `json:"domain"`
	StreamID    string   `json:"streamId,omitempty"`
	Metrics     []string `json:"metrics,omitempty"`
	Aggregation string   `json:"aggregation,omitempty"`
	Statistic   string   `json:"statistic,omitempty"`
	OrderBy     string   `json:"orderBy,omitempty"`
	Limit       int      `json:"limit,omitempty"`
	Granularity int      `json:"granularity,omitempty"`
	Codes       []string `json:"codes,omitempty"`
	Top         int      `json:"top,omitempty"`
	Format      string   `json:"format,omitempty"`
	// Total asks for the domain's (or account's) total rather than the
	// selected streams; it is not part of the query model.
	Total bool `json:"-"`
}

// ImplementsDataqueryVariant tells the SDK that Query is a panel target.
func (Query) ImplementsDataqueryVariant() {}

// DataqueryType is the plugin the query belongs to.
func (Query) DataqueryType() string { return PluginID }

// Equals compares two targets, as the SDK's own query types do.
func (q Query) Equals(other variants.Dataquery) bool {
	o, ok := other.(Query)
	return ok && reflect.DeepEqual(q, o)
}

// Validate refuses a target without a query type; what the backend makes
// of the rest is checked by this package's test, through ParseQuery.
func (q Query) Validate() error {
	if q.QueryType == "" || q.RefID == "" {
		return fmt.Errorf("a target needs a refId and a queryType: %+v", q)
	}
	return nil
}

type queryBuilder struct{ q Query }

var _ cog.Builder[variants.Dataquery] = queryBuilder{}

func (b queryBuilder) Build() (variants.Dataquery, error) { return b.q, nil }

// The panels follow the dashboard's variables: the data source, the domain
// and the streams (several at once, a series or row each).
var ds = common.DataSourceRef{Type: ptr(PluginID), Uid: ptr("${datasource}")}

func target(q Query) queryBuilder {
	q.Domain = "$domain"
	if q.QueryType != "live" && !q.Total && !slices.Contains(cloudOnly, q.QueryType) {
		q.StreamID = "$streams"
	}
	return queryBuilder{q}
}

// BillingTypes are the query types of Tencent's billing data, which only
// Cloud API 3.0 data sources answer (the Bill row says so).
var BillingTypes = []string{"billing", "billingTotals"}

// cloudOnly are the query types only Cloud API 3.0 data sources answer,
// and that are per domain, never per stream.
var cloudOnly = append(slices.Clone(BillingTypes), "errors", "regions", "events")

// TopStreams is how many of the busiest streams the streams variable's
// All selects.
const TopStreams = 5

// Overview is the bundled dashboard: it opens on the domain's (or the
// account's) totals, what Tencent bills on, then the busiest streams one by
// one, then what plays now.
func Overview() (dashboard.Dashboard, error) {
	// number is a stat panel of one field of q's answer.
	number := func(q Query, field, unit, calc, title, help string) *stat.PanelBuilder {
		return stat.NewPanelBuilder().Title(title).Description(help).Datasource(ds).
			WithTarget(target(q)).
			Unit(unit).Height(4).
			ColorMode(common.BigValueColorModeNone).GraphMode(common.BigValueGraphModeNone).
			ReduceOptions(common.NewReduceDataOptionsBuilder().Values(false).Calcs([]string{calc}).Fields("/^" + field + "$/")).
			Orientation(common.VizOrientationAuto)
	}
	total := func(title, statistic, unit, calc, help string) *stat.PanelBuilder {
		return number(Query{RefID: "A", QueryType: "summary", Statistic: statistic, Total: true}, statistic, unit, calc, title, help).Span(6)
	}
	series := func(title, metric, unit string, style common.GraphDrawStyle, total bool, help string) *timeseries.PanelBuilder {
		return timeseries.NewPanelBuilder().Title(title).Description(help).Datasource(ds).
			WithTarget(target(Query{RefID: "A", QueryType: "timeseries", Metrics: []string{metric}, Aggregation: "max", Total: total})).
			Unit(unit).Min(0).DrawStyle(style).FillOpacity(10).Height(8)
	}
	billTotal := func(title, field, unit, help string) *stat.PanelBuilder {
		return number(Query{RefID: "A", QueryType: "billingTotals"}, field, unit, "lastNotNull", title, help).Span(8).TimeFrom("now/M")
	}
	const billNote = " Tencent's billing data (DescribeBillBandwidthAndFluxList), which is what the invoice says; Cloud API 3.0 data sources only (the statistics interface answers 400)."
	bill := dashboard.NewRowBuilder("Bill (Cloud API 3.0)").Collapsed(true).
		WithPanel(billTotal("Billing p95 this month", "p95_bandwidth", "Mbits",
			"The 95th percentile of the month's 5-minute billing points so far: the figure 95th-percentile billing charges."+billNote)).
		WithPanel(billTotal("Billing peak this month", "peak_bandwidth", "Mbits",
			"The month's highest 5-minute billing point so far."+billNote)).
		WithPanel(billTotal("Traffic this month", "sum_flux", "decmbytes",
			"The month's billable traffic so far."+billNote)).
		WithPanel(timeseries.NewPanelBuilder().Title("Daily billing bandwidth, last 90 days").
			Description("Each Beijing day's billing bandwidth: the peak of its 5-minute points, as Tencent bills it." + billNote).
			Datasource(ds).
			WithTarget(target(Query{RefID: "A", QueryType: "billing", Granularity: 1440, Metrics: []string{"bandwidth"}})).
			TimeFrom("90d").
			Unit("Mbits").Min(0).DrawStyle(common.GraphDrawStyleBars).FillOpacity(60).Height(8).Span(24))

	all := "$__all"
	streams := dashboard.NewQueryVariableBuilder("streams").Label("Streams").
		Description(fmt.Sprintf("The %d streams with the most viewers playing now on the domain (All), or the ones you pick: a series each in the per-stream row.", TopStreams)).
		Datasource(ds).
		Query(dashboard.StringOrMap{Map: map[string]any{"refId": "streams", "domain": "$domain", "orderBy": "viewers", "limit": TopStreams}}).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Multi(true).IncludeAll(true).
		Current(dashboard.VariableOption{Selected: ptr(true), Text: dashboard.StringOrArrayOfString{ArrayOfString: []string{"All"}},
			Value: dashboard.StringOrArrayOfString{ArrayOfString: []string{all}}})

	return dashboard.NewDashboardBuilder("Tencent Cloud Live: playback").
		Uid(OverviewUID).
		Description("Playback bandwidth, viewers and flux of a Tencent Cloud Live domain or account: its totals and billing 95th percentile, its busiest streams, and what plays now.").
		Tags([]string{"tencent", "live", "lvbstat"}).
		Editable().
		Time("now-24h", "now").
		Refresh("1m").
		Timezone(common.TimeZoneBrowser).
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").Label("Data source").Type(PluginID)).
		WithVariable(dashboard.NewTextBoxVariableBuilder("domain").Label("Domain").
			Description("The playback domain (not its CNAME target). Empty: every domain of the account.").
			DefaultValue(dashboard.StringOrMap{String: ptr("")})).
		WithVariable(streams).
		// The streams' push sessions as annotations; off by default, since
		// only Cloud API 3.0 data sources have them.
		Annotation(dashboard.NewAnnotationQueryBuilder().Name("Push events (Cloud API 3.0)").
			Datasource(ds).Enable(false).IconColor("orange").
			Target(queryBuilder{Query{RefID: "Anno", QueryType: "events", StreamID: "$streams"}})).
		WithRow(dashboard.NewRowBuilder("Domain total over the range")).
		WithPanel(total("Total flux", "sum_flux", "decmbytes", "sum",
			"Traffic of every stream of the domain (or account) over the range, from Tencent's own window totals where a window is whole.")).
		WithPanel(total("P95 bandwidth (billing)", "p95_bandwidth", "Mbits", "max",
			"The 95th percentile of the total's 5-minute peaks over the range, as 95th-percentile billing counts it (monitoring data: Tencent's bill is the reference).")).
		WithPanel(total("Peak bandwidth", "peak_bandwidth", "Mbits", "max",
			"The highest minute of the total.")).
		WithPanel(total("Peak viewers", "peak_online", "none", "max",
			"The most viewers of the total in a minute.")).
		WithPanel(series("Total bandwidth", "bandwidth", "Mbits", common.GraphDrawStyleLine, true,
			"Playback bandwidth of every stream together. Long ranges show the peak of each bucket.").Span(24)).
		WithPanel(series("Total viewers", "online", "none", common.GraphDrawStyleLine, true,
			"Viewers of every stream together. Long ranges show the peak of each bucket.").Span(12)).
		WithPanel(series("Total flux", "flux", "decmbytes", common.GraphDrawStyleBars, true,
			"Traffic of every stream together, per minute (or bucket: summed).").Span(12)).
		WithRow(dashboard.NewRowBuilder("Streams: ${streams}")).
		WithPanel(series("Bandwidth by stream", "bandwidth", "Mbits", common.GraphDrawStyleLine, false,
			"Playback bandwidth per selected stream. Long ranges show the peak of each bucket.").Span(24)).
		WithPanel(series("Viewers by stream", "online", "none", common.GraphDrawStyleLine, false,
			"Viewers per selected stream. Long ranges show the peak of each bucket.").Span(12)).
		WithPanel(series("Flux by stream", "flux", "decmbytes", common.GraphDrawStyleBars, false,
			"Traffic per selected stream and minute (or bucket: summed).").Span(12)).
		WithRow(bill).
		WithRow(dashboard.NewRowBuilder("Quality (Cloud API 3.0)").Collapsed(true).
			WithPanel(timeseries.NewPanelBuilder().Title("Playback errors per minute").
				Description("Playback requests answered 4xx and 5xx on the domain, per minute (DescribePlayErrorCodeDetailInfoList). Tencent keeps the last day; a longer range is shortened, with a notice. Cloud API 3.0 data sources only (the statistics interface answers 400).").
				Datasource(ds).
				WithTarget(target(Query{RefID: "A", QueryType: "errors", Codes: []string{"4xx", "5xx"}})).
				Unit("short").Min(0).DrawStyle(common.GraphDrawStyleLine).FillOpacity(10).Height(8).Span(12)).
			WithPanel(bargauge.NewPanelBuilder().Title("Busiest provinces and ISPs").
				Description("Peak playback bandwidth over the range by province and ISP (DescribeGroupProIspPlayInfoList), the busiest ten. Cloud API 3.0 data sources only.").
				Datasource(ds).
				WithTarget(target(Query{RefID: "A", QueryType: "regions", Top: 10, Format: "table"})).
				Unit("Mbits").Min(0).Height(8).Span(12).
				Orientation(common.VizOrientationHorizontal).
				DisplayMode(common.BarGaugeDisplayModeGradient).
				ReduceOptions(common.NewReduceDataOptionsBuilder().Values(true).Limit(10).Calcs([]string{"lastNotNull"}).Fields("/^peak_bandwidth$/")))).
		WithRow(dashboard.NewRowBuilder("Now")).
		WithPanel(bargauge.NewPanelBuilder().Title("Top streams now").
			Description("Every stream playing on the domain at this minute, the busiest first, refreshed once a minute.").
			Datasource(ds).
			WithTarget(target(Query{RefID: "A", QueryType: "live"})).
			Unit("Mbits").Min(0).Height(10).Span(24).
			Orientation(common.VizOrientationHorizontal).
			DisplayMode(common.BarGaugeDisplayModeGradient).
			ReduceOptions(common.NewReduceDataOptionsBuilder().Values(true).Limit(20).Calcs([]string{"lastNotNull"}).Fields("/^bandwidth$/"))).
		Build()
}

// OverviewJSON is the content of src/dashboards/overview.json.
func OverviewJSON() ([]byte, error) {
	d, err := Overview()
	if err != nil {
		return nil, fmt.Errorf("build the overview dashboard: %w", err)
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func ptr[T any](v T) *T { return &v }
