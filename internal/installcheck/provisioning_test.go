package installcheck

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/dashboards"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
)

type provisionedDataSources struct {
	APIVersion  int `yaml:"apiVersion"`
	Datasources []struct {
		Name           string            `yaml:"name"`
		Type           string            `yaml:"type"`
		UID            string            `yaml:"uid"`
		Access         string            `yaml:"access"`
		Editable       *bool             `yaml:"editable"`
		JSONData       map[string]any    `yaml:"jsonData"`
		SecureJSONData map[string]string `yaml:"secureJsonData"`
	} `yaml:"datasources"`
}

// One data source for each interface, each taking its account and key
// from the environment, writing only settings the plugin knows, not
// editable in the UI (a change there would be lost at the next start).
func TestProvisionedDataSource(t *testing.T) {
	var f provisionedDataSources
	readYAML(t, "provisioning/datasources/lvbstat.yaml", &f)
	if f.APIVersion != 1 || len(f.Datasources) != 2 {
		t.Fatalf("apiVersion %d, %d data sources", f.APIVersion, len(f.Datasources))
	}
	want := map[string]struct{ upstream, account, accountEnv, secret, secretEnv string }{
		"lvbstat":          {"", "cmd", "${LVBSTAT_APPID}", "apiKey", "${LVBSTAT_API_KEY}"},
		"lvbstat-cloudapi": {"cloudapi", "secretId", "${TENCENTCLOUD_SECRET_ID}", "secretKey", "${TENCENTCLOUD_SECRET_KEY}"},
	}
	for _, d := range f.Datasources {
		w, ok := want[d.UID]
		if !ok || d.Type != pluginID || d.Access != "proxy" || d.Editable == nil || *d.Editable {
			t.Fatalf("type %q, uid %q, access %q, editable %v", d.Type, d.UID, d.Access, d.Editable)
		}
		delete(want, d.UID)
		var keys, secure []string
		for k := range d.JSONData {
			keys = append(keys, k)
		}
		for k, v := range d.SecureJSONData {
			secure = append(secure, k)
			if !strings.HasPrefix(v, "$") {
				t.Errorf("secure %s is written in the file, not read from the environment", k)
			}
		}
		checkSettings(t, "provisioning/datasources", keys, secure)
		if fmt.Sprint(d.JSONData["upstream"]) != w.upstream && !(w.upstream == "" && d.JSONData["upstream"] == nil) {
			t.Errorf("%s: upstream %v", d.UID, d.JSONData["upstream"])
		}
		if d.JSONData[w.account] != w.accountEnv || d.SecureJSONData[w.secret] != w.secretEnv {
			t.Errorf("%s: the account and key must come from %s and %s: %v %v", d.UID, w.accountEnv, w.secretEnv, d.JSONData, d.SecureJSONData)
		}
	}
}

// The dashboard provider points at the dashboards of the installed plugin.
func TestProvisionedDashboards(t *testing.T) {
	var f struct {
		Providers []struct {
			Type    string `yaml:"type"`
			Options struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	readYAML(t, "provisioning/dashboards/lvbstat.yaml", &f)
	if len(f.Providers) != 1 || f.Providers[0].Type != "file" {
		t.Fatalf("%+v", f.Providers)
	}
	if p := f.Providers[0].Options.Path; p != path.Join(pluginDir, "dashboards") {
		t.Fatalf("provider path %q, want the installed plugin's dashboards", p)
	}
	exists(t, "src/dashboards/"+dashboards.OverviewFile)
}

type alertQuery struct {
	RefID             string         `yaml:"refId"`
	DatasourceUID     string         `yaml:"datasourceUid"`
	RelativeTimeRange map[string]int `yaml:"relativeTimeRange"`
	Model             map[string]any `yaml:"model"`
}

// provisionedRules is provisioning/alerting/lvbstat.yaml, as far as the
// tests read it.
type provisionedRules struct {
	Groups []struct {
		Folder   string `yaml:"folder"`
		Interval string `yaml:"interval"`
		Rules    []struct {
			UID       string       `yaml:"uid"`
			Title     string       `yaml:"title"`
			Condition string       `yaml:"condition"`
			For       string       `yaml:"for"`
			Data      []alertQuery `yaml:"data"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// Each alert rule's data source query is one the plugin accepts, its
// expressions refer to queries that exist, and its condition is one of them.
func TestProvisionedAlertRules(t *testing.T) {
	var ds provisionedDataSources
	readYAML(t, "provisioning/datasources/lvbstat.yaml", &ds)
	var f provisionedRules
	readYAML(t, "provisioning/alerting/lvbstat.yaml", &f)
	uids := map[string]bool{}
	for _, d := range ds.Datasources {
		uids[d.UID] = true
	}
	var types []string
	for _, g := range f.Groups {
		if g.Folder == "" || g.Interval == "" {
			t.Fatalf("group without folder or interval: %+v", g)
		}
		for _, r := range g.Rules {
			refs := map[string]bool{}
			for _, d := range r.Data {
				refs[d.RefID] = true
				switch d.DatasourceUID {
				case "__expr__":
					if e, _ := d.Model["expression"].(string); !refs[e] {
						t.Errorf("%s: expression %s refers to %q, not an earlier query", r.Title, d.RefID, e)
					}
				case "":
					t.Errorf("%s: query %s names no data source", r.Title, d.RefID)
				default:
					if !uids[d.DatasourceUID] {
						t.Errorf("%s: query %s uses data source %q, which is not provisioned", r.Title, d.RefID, d.DatasourceUID)
					}
					if d.RelativeTimeRange["from"] <= 0 {
						t.Errorf("%s: query %s has no time range", r.Title, d.RefID)
					}
					types = append(types, checkQuery(t, r.Title, d.Model).Type)
				}
			}
			if !refs[r.Condition] || r.UID == "" {
				t.Errorf("%s: condition %q is not one of its queries (or no uid)", r.Title, r.Condition)
			}
		}
	}
	// Summaries are numbers, which a threshold judges without a reduce
	// step; error counts are time series, reduced first (the harness of
	// alerting_test.go evaluates both).
	if len(types) < 3 || slices.ContainsFunc(types, func(typ string) bool {
		return typ != models.QueryTypeSummary && typ != models.QueryTypeErrors
	}) {
		t.Fatalf("rules query %v; want summaries and error counts", types)
	}
}
