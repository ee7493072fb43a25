// Package layering checks the package graph the code's layout promises:
// only the Grafana-facing layer (pkg/plugin, pkg/models and the entry
// point) imports Grafana's SDK, and no package below plugin imports it.
package layering

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/lvbstat/lvbstat-tencent-datasource/"

// grafanaFacing may import the SDK; everything else under pkg/ is free of it.
var grafanaFacing = map[string]bool{"pkg": true, "pkg/plugin": true, "pkg/models": true, "pkg/e2e": true}

type pkgInfo struct {
	ImportPath string
	Imports    []string
}

func listPackages(t *testing.T) []pkgInfo {
	t.Helper()
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", module+"pkg/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkgInfo
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkgInfo
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages under pkg/; the layout changed without this test", len(pkgs))
	}
	return pkgs
}

func TestOnlyTheGrafanaLayerImportsTheSDK(t *testing.T) {
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(p.ImportPath, module)
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "github.com/grafana/") && !grafanaFacing[rel] {
				t.Errorf("%s imports %s: only %v speak Grafana's types", rel, imp, []string{"pkg/plugin", "pkg/models"})
			}
			// Nothing below the Grafana layer reaches up into it.
			if !grafanaFacing[rel] && (imp == module+"pkg/plugin" || imp == module+"pkg/models") {
				t.Errorf("%s imports %s: a back arrow into the Grafana layer", rel, imp)
			}
		}
	}
}
