package installcheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// go.mod and go.sum are what Grafana's validator scans for vulnerabilities:
// they list the plugin and its tests, not the tools that check them. The
// only tool in go.mod is Mage (the build itself); gosec has its own
// modfile, which still pins its version.
func TestGoModHoldsTheProductOnly(t *testing.T) {
	mod := readModfile(t, "go.mod")
	for _, tool := range mod.Tool {
		if tool.Path != "github.com/magefile/mage" {
			t.Errorf("go.mod carries the tool %s; give it a modfile of its own under tools/", tool.Path)
		}
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for _, toolOnly := range []string{"github.com/securego/gosec", "github.com/anthropics", "github.com/openai", "google.golang.org/genai"} {
		for _, r := range mod.Require {
			if strings.HasPrefix(r.Mod.Path, toolOnly) {
				t.Errorf("go.mod requires %s, which only a tool needs", r.Mod.Path)
			}
		}
		if strings.Contains(string(sum), toolOnly+" ") || strings.Contains(string(sum), toolOnly+"/") {
			t.Errorf("go.sum lists %s, which only a tool needs", toolOnly)
		}
	}
	tools := readModfile(t, "tools/gosec.mod")
	pinned := false
	for _, r := range tools.Require {
		pinned = pinned || (r.Mod.Path == "github.com/securego/gosec/v2" && r.Mod.Version != "")
	}
	if len(tools.Tool) != 1 || tools.Tool[0].Path != "github.com/securego/gosec/v2/cmd/gosec" || !pinned {
		t.Fatalf("tools/gosec.mod does not pin gosec: tools %v", tools.Tool)
	}
}

// README names the Grafana releases the compatibility check uses: the
// grafanaDependency floor and Magefile's NewestGrafana.
func TestCompatibilityVersionsAreNamedOnce(t *testing.T) {
	magefile, err := os.ReadFile(filepath.Join(root, "Magefile.go"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(magefile), `const NewestGrafana = "`)
	if !ok {
		t.Fatal("Magefile.go has no NewestGrafana")
	}
	newest, _, _ := strings.Cut(after, `"`)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	floor := grafanaDependencyFloor(t)
	text := strings.Join(strings.Fields(string(readme)), " ")
	for _, want := range []string{"of " + floor + " (the `grafanaDependency` floor)", "of " + newest + " (the newest release checked"} {
		if !strings.Contains(text, want) {
			t.Errorf("README does not say %q", want)
		}
	}
}
