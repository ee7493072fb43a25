package installcheck

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"golang.org/x/mod/modfile"
	"gopkg.in/yaml.v3"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/dashboards"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
)

// root is the repository's top directory.
var root = filepath.Join("..", "..")

func readYAML(t *testing.T, rel string, into any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, into); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
}

func exists(t *testing.T, rel string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(root, rel)); err != nil {
		t.Fatalf("%s names %s, which does not exist", t.Name(), rel)
	}
}

// checkSettings fails unless every key is one the plugin reads.
func checkSettings(t *testing.T, where string, jsonData, secure []string) {
	t.Helper()
	for _, k := range jsonData {
		if !slices.Contains(models.SettingKeys(), k) {
			t.Errorf("%s: jsonData key %q is not a setting of the plugin (%v)", where, k, models.SettingKeys())
		}
	}
	for _, k := range secure {
		if !slices.Contains(models.SecureSettingKeys(), k) {
			t.Errorf("%s: secure key %q is not one the plugin reads (%v)", where, k, models.SecureSettingKeys())
		}
	}
}

// checkQuery fails unless the backend accepts model as a query.
func checkQuery(t *testing.T, where string, model any) models.Query {
	t.Helper()
	raw, err := json.Marshal(model)
	if err != nil {
		t.Fatal(err)
	}
	// A query type only Cloud API 3.0 answers is checked as its data
	// source reads it.
	upstream := models.UpstreamLegacy
	var m struct{ QueryType string }
	if json.Unmarshal(raw, &m) == nil && slices.Contains(models.CloudAPIQueryTypes, m.QueryType) {
		upstream = models.UpstreamCloudAPI
	}
	q, err := models.ParseQueryFor(backend.DataQuery{RefID: "A", JSON: raw,
		TimeRange: backend.TimeRange{From: time.Now().Add(-time.Hour), To: time.Now()}}, models.DefaultMaxStreams, upstream)
	if err != nil {
		t.Fatalf("%s: the plugin refuses the query: %v", where, err)
	}
	return q
}

const pluginID = dashboards.PluginID

// pluginDir is where Grafana's image installs plugins.
const pluginDir = "/var/lib/grafana/plugins/" + pluginID

// readModfile parses a go.mod-format file of the repository.
func readModfile(t *testing.T, rel string) *modfile.File {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := modfile.Parse(rel, raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	return mod
}

// workflow is what the tests read of a GitHub Actions workflow.
type workflow struct {
	On struct {
		Push struct {
			Tags []string `yaml:"tags"`
		} `yaml:"push"`
	} `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Jobs        map[string]struct {
		Steps []struct {
			Name string            `yaml:"name"`
			Run  string            `yaml:"run"`
			Uses string            `yaml:"uses"`
			Env  map[string]string `yaml:"env"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}
