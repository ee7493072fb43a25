package installcheck

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/pluginzip"
)

const terraformDir = "examples/terraform"

// parseTerraform reads every .tf file of the example with HCL, as Terraform
// does, and returns the merged body.
func parseTerraform(t *testing.T) (hcl.Body, map[string]cty.Value) {
	t.Helper()
	p := hclparse.NewParser()
	files, err := filepath.Glob(filepath.Join(root, terraformDir, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .tf files in %s", terraformDir)
	}
	var bodies []*hcl.File
	for _, f := range files {
		file, diags := p.ParseHCLFile(f)
		if diags.HasErrors() {
			t.Fatalf("%s", diags.Error())
		}
		bodies = append(bodies, file)
	}
	body := hcl.MergeFiles(bodies)
	// The variables' defaults, and a stand-in for those without one.
	content, _, diags := body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "variable", LabelNames: []string{"name"}}}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	vars := map[string]cty.Value{}
	for _, b := range content.Blocks {
		attrs, _ := b.Body.JustAttributes()
		v := cty.StringVal("example-" + b.Labels[0])
		if d, ok := attrs["default"]; ok {
			if dv, diags := d.Expr.Value(nil); !diags.HasErrors() {
				v = dv
			}
		}
		if _, ok := attrs["description"]; !ok {
			t.Errorf("variable %s has no description", b.Labels[0])
		}
		vars[b.Labels[0]] = v
	}
	return body, vars
}

func evalContext(vars map[string]cty.Value, resources map[string]cty.Value) *hcl.EvalContext {
	vals := map[string]cty.Value{"var": cty.ObjectVal(vars)}
	for k, v := range resources {
		vals[k] = v
	}
	return &hcl.EvalContext{
		Variables: vals,
		Functions: map[string]function.Function{"jsonencode": stdlib.JSONEncodeFunc},
	}
}

// decodeJSONAttr evaluates a jsonencode(...) attribute into a map.
func decodeJSONAttr(t *testing.T, attr *hcl.Attribute, ctx *hcl.EvalContext) map[string]any {
	t.Helper()
	v, diags := attr.Expr.Value(ctx)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", attr.Name, diags.Error())
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(v.AsString()), &m); err != nil {
		t.Fatalf("%s is not a JSON object: %v", attr.Name, err)
	}
	return m
}

// The example's data source writes only settings the plugin knows, its
// dashboard file exists, and its alert rule queries what the plugin accepts.
func TestTerraformExample(t *testing.T) {
	body, vars := parseTerraform(t)
	content, _, diags := body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "resource", LabelNames: []string{"type", "name"}},
		{Type: "terraform"}, {Type: "provider", LabelNames: []string{"name"}},
	}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	resources := map[string]*hcl.Block{}
	for _, b := range content.Blocks {
		if b.Type == "resource" {
			resources[b.Labels[0]] = b
		}
	}
	for _, want := range []string{"grafana_data_source", "grafana_dashboard", "grafana_rule_group"} {
		if resources[want] == nil {
			t.Fatalf("no %s resource", want)
		}
	}

	// The data source.
	attrs, diags := resources["grafana_data_source"].Body.JustAttributes()
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	var typ string
	if diags := gohcl.DecodeExpression(attrs["type"].Expr, evalContext(vars, nil), &typ); diags.HasErrors() || typ != pluginID {
		t.Fatalf("data source type %q, want %q", typ, pluginID)
	}
	// Either interface, as var.upstream chooses.
	for _, upstream := range []string{"cloudapi", "legacy"} {
		vars := maps.Clone(vars)
		vars["upstream"] = cty.StringVal(upstream)
		ctx := evalContext(vars, nil)
		var keys, secure []string
		jd := decodeJSONAttr(t, attrs["json_data_encoded"], ctx)
		for k := range jd {
			keys = append(keys, k)
		}
		for k := range decodeJSONAttr(t, attrs["secure_json_data_encoded"], ctx) {
			secure = append(secure, k)
		}
		if len(keys) == 0 || len(secure) == 0 {
			t.Fatalf("%s: the data source sets no settings or no key", upstream)
		}
		checkSettings(t, terraformDir, keys, secure)
		if got := fmt.Sprint(jd["upstream"]); (upstream == "cloudapi") != (got == "cloudapi") {
			t.Errorf("var.upstream %s gives a data source of upstream %s", upstream, got)
		}
	}
	ctx := evalContext(vars, nil)
	uid := cty.StringVal("lvbstat")
	if a, ok := attrs["uid"]; ok {
		uid, _ = a.Expr.Value(ctx)
	}
	if uid.AsString() == "lvbstat" || uid.AsString() == "lvbstat-cloudapi" {
		t.Errorf("Terraform's data source uid %s is provisioning's", uid.AsString())
	}

	// The dashboard as the release ships it: the zip's folder, then the
	// path plugin.json includes.
	m, err := pluginzip.ReadManifest(filepath.Join(root, "src"))
	if err != nil {
		t.Fatal(err)
	}
	var shipped []string
	for _, inc := range m.Includes {
		if inc.Type == "dashboard" {
			shipped = append(shipped, pluginID+"/"+inc.Path)
		}
	}
	if dash := vars["dashboard_path"].AsString(); !slices.Contains(shipped, dash) {
		t.Fatalf("dashboard_path %s is not the dashboard the release ships (%v)", dash, shipped)
	}

	ctx = evalContext(vars, map[string]cty.Value{
		"grafana_data_source": cty.ObjectVal(map[string]cty.Value{"lvb": cty.ObjectVal(map[string]cty.Value{"uid": uid})}),
	})
	rg, _, diags := resources["grafana_rule_group"].Body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "rule"}}})
	if diags.HasErrors() || len(rg.Blocks) == 0 {
		t.Fatalf("no rule: %s", diags.Error())
	}
	for _, rule := range rg.Blocks {
		rc, _, diags := rule.Body.PartialContent(&hcl.BodySchema{
			Attributes: []hcl.AttributeSchema{{Name: "condition", Required: true}},
			Blocks:     []hcl.BlockHeaderSchema{{Type: "data"}},
		})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		refs := map[string]bool{}
		queried := false
		for _, d := range rc.Blocks {
			da, _, _ := d.Body.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{
				{Name: "ref_id", Required: true}, {Name: "datasource_uid", Required: true}, {Name: "model", Required: true}}})
			var ref, dsUID string
			if diags := gohcl.DecodeExpression(da.Attributes["ref_id"].Expr, ctx, &ref); diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if diags := gohcl.DecodeExpression(da.Attributes["datasource_uid"].Expr, ctx, &dsUID); diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			model := decodeJSONAttr(t, da.Attributes["model"], ctx)
			refs[ref] = true
			switch dsUID {
			case "__expr__":
				if e, _ := model["expression"].(string); !refs[e] {
					t.Errorf("expression %s refers to %q, not an earlier query", ref, e)
				}
			case uid.AsString():
				checkQuery(t, "terraform rule "+ref, model)
				queried = true
			default:
				t.Errorf("data %s uses data source %q", ref, dsUID)
			}
		}
		var cond string
		_ = gohcl.DecodeExpression(rc.Attributes["condition"].Expr, ctx, &cond)
		if !refs[cond] || !queried {
			t.Errorf("condition %q is not one of the rule's data, or the rule never queries the plugin", cond)
		}
	}
}
