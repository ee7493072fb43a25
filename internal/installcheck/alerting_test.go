package installcheck

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/zclconf/go-cty/cty"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/simulator"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/plugin"
)

// bandwidthRule is the bandwidth alert rule as Grafana evaluates it: the
// query (its model and relative range) and the threshold on its value.
type bandwidthRule struct {
	From, To  int // seconds before the evaluation
	Model     map[string]any
	Reduce    string // the reducer between query and threshold; "" for none (numbers)
	Op        string
	Threshold float64
	For       string
	NoData    string
}

// provisionedRule is one rule of provisioning/alerting/lvbstat.yaml.
type provisionedRule struct {
	UID         string       `yaml:"uid"`
	Condition   string       `yaml:"condition"`
	For         string       `yaml:"for"`
	NoDataState string       `yaml:"noDataState"`
	Data        []alertQuery `yaml:"data"`
}

// provisionedAlertRules reads every rule, as Grafana evaluates it.
func provisionedAlertRules(t *testing.T) map[string]bandwidthRule {
	t.Helper()
	var f struct {
		Groups []struct {
			Rules []provisionedRule `yaml:"rules"`
		} `yaml:"groups"`
	}
	readYAML(t, "provisioning/alerting/lvbstat.yaml", &f)
	out := map[string]bandwidthRule{}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			out[r.UID] = ruleOf(t, r.Condition, r.For, r.NoDataState, func(ref string) (map[string]any, map[string]int) {
				for _, d := range r.Data {
					if d.RefID == ref {
						return d.Model, d.RelativeTimeRange
					}
				}
				t.Fatalf("%s: no data %s", r.UID, ref)
				return nil, nil
			})
		}
	}
	return out
}

func provisionedBandwidthRule(t *testing.T) bandwidthRule {
	t.Helper()
	r, ok := provisionedAlertRules(t)["lvbstat-bandwidth-high"]
	if !ok {
		t.Fatal("no rule lvbstat-bandwidth-high")
	}
	return r
}

// ruleOf reads the rule from its condition (a threshold), on either a
// query or a reduce step of a query.
func ruleOf(t *testing.T, condition, pending, noData string, data func(ref string) (map[string]any, map[string]int)) bandwidthRule {
	t.Helper()
	c, _ := data(condition)
	on, _ := c["expression"].(string)
	if c["type"] != "threshold" || on == "" {
		t.Fatalf("the condition %s is not a threshold: %v", condition, c)
	}
	var reduce string
	if r, _ := data(on); r["type"] == "reduce" {
		reduce, _ = r["reducer"].(string)
		on, _ = r["expression"].(string)
	}
	a, rng := data(on)
	conds, _ := c["conditions"].([]any)
	if len(conds) != 1 {
		t.Fatalf("threshold conditions %v", c["conditions"])
	}
	ev := conds[0].(map[string]any)["evaluator"].(map[string]any)
	params := ev["params"].([]any)
	var threshold float64
	if _, err := fmt.Sscan(fmt.Sprint(params[0]), &threshold); err != nil {
		t.Fatalf("threshold %v: %v", params[0], err)
	}
	// As JSON, whatever file it came from: 5 is 5 in YAML and in HCL.
	model := map[string]any{}
	raw, _ := json.Marshal(a)
	_ = json.Unmarshal(raw, &model)
	delete(model, "refId")
	return bandwidthRule{From: rng["from"], To: rng["to"], Model: model, Reduce: reduce, Op: fmt.Sprint(ev["type"]), Threshold: threshold, For: pending, NoData: noData}
}

func terraformBandwidthRule(t *testing.T) bandwidthRule {
	t.Helper()
	body, vars := parseTerraform(t)
	content, _, _ := body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "resource", LabelNames: []string{"type", "name"}}}})
	ctx := evalContext(vars, map[string]cty.Value{
		"grafana_data_source": cty.ObjectVal(map[string]cty.Value{"lvb": cty.ObjectVal(map[string]cty.Value{"uid": cty.StringVal("lvbstat")})}),
	})
	for _, res := range content.Blocks {
		if res.Labels[0] != "grafana_rule_group" {
			continue
		}
		rg, _, _ := res.Body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "rule"}}})
		for _, rule := range rg.Blocks {
			rc, _, diags := rule.Body.PartialContent(&hcl.BodySchema{
				Attributes: []hcl.AttributeSchema{{Name: "for"}, {Name: "no_data_state"}},
				Blocks:     []hcl.BlockHeaderSchema{{Type: "data"}},
			})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			models := map[string]map[string]any{}
			ranges := map[string]map[string]int{}
			for _, d := range rc.Blocks {
				da, _, _ := d.Body.PartialContent(&hcl.BodySchema{
					Attributes: []hcl.AttributeSchema{{Name: "ref_id"}, {Name: "model"}},
					Blocks:     []hcl.BlockHeaderSchema{{Type: "relative_time_range"}},
				})
				var ref string
				_ = gohcl.DecodeExpression(da.Attributes["ref_id"].Expr, ctx, &ref)
				models[ref] = decodeJSONAttr(t, da.Attributes["model"], ctx)
				ranges[ref] = map[string]int{}
				for _, rr := range da.Blocks {
					attrs, _ := rr.Body.JustAttributes()
					for _, k := range []string{"from", "to"} {
						var n int
						_ = gohcl.DecodeExpression(attrs[k].Expr, ctx, &n)
						ranges[ref][k] = n
					}
				}
			}
			var pending, noData string
			if a, ok := rc.Attributes["for"]; ok {
				_ = gohcl.DecodeExpression(a.Expr, ctx, &pending)
			}
			if a, ok := rc.Attributes["no_data_state"]; ok {
				_ = gohcl.DecodeExpression(a.Expr, ctx, &noData)
			}
			return ruleOf(t, "B", pending, noData, func(ref string) (map[string]any, map[string]int) { return models[ref], ranges[ref] })
		}
	}
	t.Fatal("no rule in the Terraform example")
	return bandwidthRule{}
}

// upstreamUnderTest is one of Tencent's interfaces, simulated, whose
// per-minute bandwidth a test shapes, and a data source of it.
type upstreamUnderTest struct {
	name     string
	settings func(uid string) backend.DataSourceInstanceSettings
	shape    func(f func(time.Time, simulator.Value) (simulator.Value, bool))
	// shapeErrors sets every minute's error counts; nil where the
	// upstream has none.
	shapeErrors func(n int64)
}

func upstreamsUnderTest(t *testing.T, clock *time.Time) []upstreamUnderTest {
	t.Helper()
	now := func() time.Time { return *clock }
	const cmd, key, id, secret = "1250000000", "c4ca4238a0b923820dcc509a6f75849b", "AKIDalertrule", "alert-rule-secret"
	legacy := simulator.New(cmd, key, "play.example.com", "live_1")
	legacy.Now = now
	lsrv := httptest.NewServer(legacy)
	t.Cleanup(lsrv.Close)
	cloud := simulator.NewCloudAPI(id, secret, "play.example.com", "live_1")
	cloud.Now = now
	csrv := httptest.NewServer(cloud)
	t.Cleanup(csrv.Close)
	settings := func(jd map[string]any, secure map[string]string) func(string) backend.DataSourceInstanceSettings {
		raw, _ := json.Marshal(jd)
		return func(uid string) backend.DataSourceInstanceSettings {
			return backend.DataSourceInstanceSettings{UID: uid, Type: pluginID, JSONData: raw, DecryptedSecureJSONData: secure, Updated: time.Now()}
		}
	}
	return []upstreamUnderTest{
		{
			name:     "the statistics interface",
			settings: settings(map[string]any{"apiUrl": lsrv.URL + "/common_access", "cmd": cmd}, map[string]string{"apiKey": key}),
			shape: func(f func(time.Time, simulator.Value) (simulator.Value, bool)) {
				// Its newest minute comes about a minute late.
				legacy.Shape = func(m time.Time, v simulator.Value) (simulator.Value, bool) {
					if !m.Before(now().Truncate(time.Minute).Add(-time.Minute)) {
						return v, false
					}
					return f(m, v)
				}
			},
		},
		{
			name:     "Cloud API 3.0",
			settings: settings(map[string]any{"upstream": "cloudapi", "cloudApiUrl": csrv.URL, "secretId": id}, map[string]string{"secretKey": secret}),
			shape:    func(f func(time.Time, simulator.Value) (simulator.Value, bool)) { cloud.Shape = f },
			shapeErrors: func(n int64) {
				cloud.ErrorShape = func(string, time.Time, int64) int64 { return n }
			},
		},
	}
}

// state is what the rule says at the moment *clock, as Grafana evaluates
// it: Alerting, Normal, NoData or Error.
func (r bandwidthRule) state(t *testing.T, ds *plugin.Datasource, at time.Time) string {
	t.Helper()
	raw, _ := json.Marshal(r.Model)
	resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{
		Headers: map[string]string{"FromAlert": "true"},
		Queries: []backend.DataQuery{{RefID: "A", JSON: raw, Interval: time.Minute, MaxDataPoints: 43200,
			TimeRange: backend.TimeRange{From: at.Add(-time.Duration(r.From) * time.Second), To: at.Add(-time.Duration(r.To) * time.Second)}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	res := resp.Responses["A"]
	if res.Error != nil {
		return "Error: " + res.Error.Error()
	}
	if r.Reduce != "" {
		return r.judge(t, reduce(t, r.Reduce, res.Frames))
	}
	statistic := fmt.Sprint(r.Model["statistic"])
	var values []float64
	for _, f := range res.Frames {
		if f.Meta == nil || f.Meta.Type != data.FrameTypeNumericLong {
			t.Fatalf("the rule's query answers a frame of type %v, not numbers", f.Meta)
		}
		field, _ := f.FieldByName(statistic)
		for i := 0; field != nil && i < field.Len(); i++ {
			if v, ok := field.ConcreteAt(i); ok {
				values = append(values, v.(float64))
			}
		}
	}
	if len(values) > 1 {
		t.Fatalf("the account's total answered %d values", len(values))
	}
	return r.judge(t, values)
}

// reduce is Grafana's reduce step on a time series: one number of its
// values (none when it has no value).
func reduce(t *testing.T, reducer string, frames data.Frames) []float64 {
	t.Helper()
	if len(frames) != 1 {
		t.Fatalf("the rule's query answers %d series; the total is one", len(frames))
	}
	var values []float64
	for _, f := range frames[0].Fields {
		if f.Type().Time() {
			continue
		}
		for i := range f.Len() {
			if v, ok := f.NullableFloatAt(i); ok == nil && v != nil {
				values = append(values, *v)
			}
		}
	}
	if len(values) == 0 {
		return nil
	}
	out := values[0]
	for _, v := range values[1:] {
		switch reducer {
		case "min":
			out = min(out, v)
		case "max":
			out = max(out, v)
		default:
			t.Fatalf("reducer %s", reducer)
		}
	}
	return []float64{out}
}

// judge is the threshold step: Alerting, Normal or NoData.
func (r bandwidthRule) judge(t *testing.T, values []float64) string {
	t.Helper()
	if len(values) == 0 {
		return "NoData"
	}
	switch r.Op {
	case "gt":
		if values[0] > r.Threshold {
			return "Alerting"
		}
	case "lt":
		if values[0] < r.Threshold {
			return "Alerting"
		}
	default:
		t.Fatalf("op %s", r.Op)
	}
	return "Normal"
}

// The bandwidth rule means what it says, "above the threshold for 5
// minutes", on both of Tencent's interfaces whatever their delay, and
// says the same in provisioning, Terraform and the README. Evaluated every
// minute by the plugin itself against each simulator: one spike, or four
// minutes above, never fire it; a rise of twenty minutes fires it for the
// sixteen evaluations whose newest five arrived minutes are all above;
// when the API goes silent the rule says No Data, not OK.
func TestBandwidthAlertRuleMeansWhatItSays(t *testing.T) {
	prov, tf := provisionedBandwidthRule(t), terraformBandwidthRule(t)
	if !reflect.DeepEqual(prov, tf) {
		t.Fatalf("provisioning and Terraform differ:\n%+v\n%+v", prov, tf)
	}
	r := prov
	if r.For != "0s" || r.NoData != "NoData" {
		t.Fatalf("pending period %q, no-data state %q", r.For, r.NoData)
	}
	t0 := time.Now().Truncate(time.Hour).Add(-6 * time.Hour)
	clock := t0
	above, below := r.Threshold+100, r.Threshold-300
	series := map[string]func(m int) (float64, bool){
		"spike": func(m int) (float64, bool) { return pick(m == 40, above, below), true },
		"four":  func(m int) (float64, bool) { return pick(m >= 40 && m < 44, above, below), true },
		"rise":  func(m int) (float64, bool) { return pick(m >= 40 && m < 60, above, below), true },
		"quiet": func(m int) (float64, bool) { return below, m < 80 },
	}
	uid := 0
	for _, up := range upstreamsUnderTest(t, &clock) {
		for name, values := range series {
			up.shape(func(m time.Time, v simulator.Value) (simulator.Value, bool) {
				b, ok := values(int(m.Sub(t0) / time.Minute))
				v.Bandwidth = b
				return v, ok
			})
			uid++
			clock = t0
			ds, err := plugin.New(context.Background(), up.settings(fmt.Sprintf("alert-%d", uid)), plugin.Options{Now: func() time.Time { return clock }})
			if err != nil {
				t.Fatal(err)
			}
			var firing []int
			var states []string
			for e := 10; e < 130; e++ {
				clock = t0.Add(time.Duration(e)*time.Minute + 30*time.Second)
				s := r.state(t, ds, clock)
				states = append(states, s)
				if strings.HasPrefix(s, "Error") {
					t.Fatalf("%s, %s, minute %d: %s", up.name, name, e, s)
				}
				if s == "Alerting" {
					firing = append(firing, e)
				}
			}
			ds.Dispose()
			switch name {
			case "spike", "four":
				if len(firing) > 0 {
					t.Errorf("%s: %s fired the rule at minutes %v", up.name, name, firing)
				}
			case "rise":
				// Minutes 44 to 59 are the newest of five above: sixteen
				// evaluations in a row, as late as the API is.
				if len(firing) != 16 || firing[15]-firing[0] != 15 || firing[0] < 44 || firing[0] > 44+6 {
					t.Errorf("%s: a rise from minute 40 to 59 fired at %v", up.name, firing)
				}
			case "quiet":
				// No minute after 79: once fewer than five arrived in the range,
				// No Data, never OK.
				if states[len(states)-1] != "NoData" || slices.Contains(states[80+r.From/60-10:], "Normal") {
					t.Errorf("%s: an API silent from minute 80 gave %v", up.name, states[70:])
				}
			}
		}
	}

	// The README says the same.
	raw, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	words := strings.Join(strings.Fields(string(raw)), " ")
	for _, want := range []string{
		fmt.Sprintf("*Newest minutes* %v", r.Model["newest"]),
		fmt.Sprintf("*Statistic* **%s**", r.Model["statistic"]),
		fmt.Sprintf("*Is above* %g", r.Threshold),
		fmt.Sprintf("the last %d minutes", r.From/60),
		"No Data",
	} {
		if !strings.Contains(words, want) {
			t.Errorf("README's Alerting does not say %q", want)
		}
	}
}

func pick(cond bool, a, b float64) float64 {
	if cond {
		return a
	}
	return b
}

// Every provisioned rule, run by the plugin itself against each
// interface's simulator, judges a value: no error, no No Data while the
// API answers, and a verdict that follows the data (a total held above the
// threshold fires it, one below does not).
func TestEveryProvisionedRuleJudgesBothUpstreams(t *testing.T) {
	t0 := time.Now().Truncate(time.Hour).Add(-3 * time.Hour)
	clock := t0
	uid := 0
	for name, r := range provisionedAlertRules(t) {
		errorsRule := r.Model["queryType"] == "errors"
		for _, up := range upstreamsUnderTest(t, &clock) {
			if errorsRule && up.shapeErrors == nil {
				continue // the rule is on the Cloud API 3.0 data source
			}
			for _, level := range []float64{r.Threshold + 100, max(r.Threshold-100, 0)} {
				if errorsRule {
					up.shapeErrors(int64(level))
				} else {
					up.shape(func(m time.Time, v simulator.Value) (simulator.Value, bool) {
						v.Bandwidth = level
						return v, true
					})
				}
				uid++
				ds, err := plugin.New(context.Background(), up.settings(fmt.Sprintf("rule-%d", uid)), plugin.Options{Now: func() time.Time { return clock }})
				if err != nil {
					t.Fatal(err)
				}
				got := r.state(t, ds, clock)
				ds.Dispose()
				if (got == "Alerting") != (level > r.Threshold) || (got != "Alerting" && got != "Normal") {
					t.Errorf("%s on %s with every minute at %g Mbps: %s", name, up.name, level, got)
				}
			}
		}
	}
}
