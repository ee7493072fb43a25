package installcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/zclconf/go-cty/cty"
)

// bandwidthRule is the shape of the bandwidth alert rule, as Grafana
// evaluates it: the query's relative range, the reducer and its mode, the
// threshold, the pending period.
type bandwidthRule struct {
	From, To  int // seconds before the evaluation
	Reducer   string
	Mode      string
	Op        string
	Threshold float64
	For       string
}

// eval is the rule's verdict at minute e on per-minute values (minute i
// holds values[i]), of which the newest arrived lately minutes late.
func (r bandwidthRule) eval(values []float64, e, lately int) bool {
	var got []float64
	for m := e - r.From/60; m < e-r.To/60; m++ {
		if m >= 0 && m < len(values) && m <= e-lately {
			got = append(got, values[m])
		}
	}
	if len(got) == 0 {
		return false // no data: the rules say OK
	}
	v := got[0]
	for _, x := range got {
		switch r.Reducer {
		case "min":
			v = min(v, x)
		case "max":
			v = max(v, x)
		default:
			panic("reducer " + r.Reducer)
		}
	}
	switch r.Op {
	case "gt":
		return v > r.Threshold
	case "lt":
		return v < r.Threshold
	}
	panic("op " + r.Op)
}

func provisionedBandwidthRule(t *testing.T) bandwidthRule {
	t.Helper()
	var f provisionedRules
	readYAML(t, "provisioning/alerting/lvbstat.yaml", &f)
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.UID == "lvbstat-bandwidth-high" {
				return ruleOf(t, r.For, func(ref string) (map[string]any, map[string]int) {
					for _, d := range r.Data {
						if d.RefID == ref {
							return d.Model, d.RelativeTimeRange
						}
					}
					t.Fatalf("no data %s", ref)
					return nil, nil
				})
			}
		}
	}
	t.Fatal("no rule lvbstat-bandwidth-high")
	return bandwidthRule{}
}

// ruleOf reads the rule from its data A (query), B (reduce), C (threshold).
func ruleOf(t *testing.T, pending string, data func(ref string) (map[string]any, map[string]int)) bandwidthRule {
	t.Helper()
	_, rng := data("A")
	b, _ := data("B")
	c, _ := data("C")
	settings, _ := b["settings"].(map[string]any)
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
	return bandwidthRule{From: rng["from"], To: rng["to"], Reducer: fmt.Sprint(b["reducer"]), Mode: fmt.Sprint(settings["mode"]),
		Op: fmt.Sprint(ev["type"]), Threshold: threshold, For: pending}
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
				Attributes: []hcl.AttributeSchema{{Name: "for"}},
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
			var pending string
			if a, ok := rc.Attributes["for"]; ok {
				_ = gohcl.DecodeExpression(a.Expr, ctx, &pending)
			}
			return ruleOf(t, pending, func(ref string) (map[string]any, map[string]int) { return models[ref], ranges[ref] })
		}
	}
	t.Fatal("no rule in the Terraform example")
	return bandwidthRule{}
}

// The bandwidth rule means what it says, "above the threshold for 5
// minutes", and says the same in provisioning, Terraform and the README:
// evaluated every minute against a series with one spike it never fires;
// against a sustained rise it fires once five minutes have arrived above
// the threshold, and stops when they no longer are.
func TestBandwidthAlertRuleMeansWhatItSays(t *testing.T) {
	prov, tf := provisionedBandwidthRule(t), terraformBandwidthRule(t)
	if prov != tf {
		t.Fatalf("provisioning and Terraform differ:\n%+v\n%+v", prov, tf)
	}
	r := prov
	const lately = 1 // minutes the statistics interface's newest minute is late
	if r.To/60 < lately {
		t.Fatalf("the range ends %d s before the evaluation, but the newest minute comes %d minute late", r.To, lately)
	}
	above, below := r.Threshold+100, r.Threshold-300
	series := func(high func(m int) bool) []float64 {
		v := make([]float64, 120)
		for m := range v {
			v[m] = below
			if high(m) {
				v[m] = above
			}
		}
		return v
	}
	spike := series(func(m int) bool { return m == 40 })
	for e := range 120 {
		if r.eval(spike, e, lately) {
			t.Fatalf("one minute above the threshold fires the rule at minute %d", e)
		}
	}
	// Above from minute 40 to 59.
	rise := series(func(m int) bool { return m >= 40 && m < 60 })
	first, last := -1, -1
	for e := range 120 {
		if r.eval(rise, e, lately) {
			if first < 0 {
				first = e
			}
			last = e
		}
	}
	// It fires once minutes 40–44 are all in the range: five minutes above.
	// (The range holds the minutes [e-From, e-To): its last is e-To-1.)
	if first != 40+r.From/60 || last != 59+r.To/60+1 {
		t.Fatalf("a rise from minute 40 to 59 fired from %d to %d", first, last)
	}
	four := series(func(m int) bool { return m >= 40 && m < 44 })
	for e := range 120 {
		if r.eval(four, e, lately) {
			t.Fatalf("four minutes above fired at %d", e)
		}
	}
	if r.For != "0s" || r.Mode != "dropNN" {
		t.Fatalf("pending period %q, mode %q", r.For, r.Mode)
	}
	// The README says the same.
	raw, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	words := strings.Join(strings.Fields(string(raw)), " ")
	for _, want := range []string{
		fmt.Sprintf("from %d minutes ago to %d minutes ago", r.From/60, r.To/60),
		"*Reduce* A by **" + strings.ToUpper(r.Reducer[:1]) + r.Reducer[1:] + "**",
		fmt.Sprintf("*Is above* %g", r.Threshold),
	} {
		if !strings.Contains(words, want) {
			t.Errorf("README's Alerting does not say %q", want)
		}
	}
}
