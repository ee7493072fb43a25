package pluginzip

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const id = "lvbstat-tencent-datasource"

func manifest() map[string]any {
	return map[string]any{
		"type": "datasource", "name": "Tencent Cloud Live", "id": id, "backend": true, "executable": "gpx_lvbstat",
		"info": map[string]any{
			"description": "Playback statistics", "keywords": []string{"tencent"}, "version": "1.2.3", "updated": "2026-11-30",
			"logos":       map[string]string{"small": "img/logo.svg", "large": "img/logo.svg"},
			"links":       []map[string]string{{"name": "Documentation", "url": "https://example.com/docs"}},
			"screenshots": []map[string]string{{"name": "Query editor", "path": "img/screenshots/query.png"}},
		},
		"includes":     []map[string]string{{"type": "dashboard", "name": "Overview", "path": "dashboards/overview.json"}},
		"dependencies": map[string]any{"grafanaDependency": ">=11.0.0"},
	}
}

// dist writes a built plugin as the frontend and backend builds leave it;
// change alters it first.
func dist(t *testing.T, change func(dir string, m map[string]any)) string {
	t.Helper()
	dir := t.TempDir()
	write := func(rel, content string, mode os.FileMode) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"module.js", "README.md", "CHANGELOG.md", "LICENSE", "go_plugin_build_manifest"} {
		write(f, "content of "+f, 0o644)
	}
	write("img/logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>", 0o644)
	write("img/screenshots/query.png", "\x89PNG\r\n\x1a\nrest", 0o644)
	write("dashboards/overview.json", `{"title":"Overview","panels":[]}`, 0o644)
	for _, p := range Platforms {
		write("gpx_lvbstat_"+p, "binary", 0o755)
	}
	m := manifest()
	if change != nil {
		change(dir, m)
	}
	b, _ := json.Marshal(m)
	write("plugin.json", string(b), 0o644)
	return dir
}

func TestWriteMakesAValidZipAndItsChecksum(t *testing.T) {
	dir := dist(t, nil)
	// A zip of an earlier run is not packed into the next one.
	if err := os.WriteFile(filepath.Join(dir, "old-0.0.1.zip"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(out) != id+"-1.2.3.zip" {
		t.Fatalf("zip named %s", out)
	}
	problems, err := Validate(out)
	if err != nil || len(problems) != 0 {
		t.Fatalf("%v %v", err, problems)
	}
	raw, _ := os.ReadFile(out)
	sum := sha256.Sum256(raw)
	want := hex.EncodeToString(sum[:]) + "  " + filepath.Base(out) + "\n"
	if got, _ := os.ReadFile(out + ".sha256"); string(got) != want {
		t.Fatalf("checksum file %q, want %q", got, want)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, id+"/") || strings.HasSuffix(f.Name, ".zip") {
			t.Fatalf("entry %s", f.Name)
		}
	}
	// The same dist gives the same bytes.
	again, err := Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(again); string(b) != string(raw) {
		t.Fatal("packing the same dist twice gave different zips")
	}
}

// Each fault the validator would report is reported, and says what it is.
func TestValidateFindsEachFault(t *testing.T) {
	info := func(m map[string]any) map[string]any { return m["info"].(map[string]any) }
	cases := []struct {
		name   string
		change func(dir string, m map[string]any)
		want   string
	}{
		{"unbuilt version", func(_ string, m map[string]any) { info(m)["version"] = "%VERSION%" }, "Write"},
		{"bad date", func(_ string, m map[string]any) { info(m)["updated"] = "%TODAY%" }, "info.updated"},
		{"id against type", func(_ string, m map[string]any) { m["type"] = "panel" }, "does not end with its type"},
		{"no executable bit", func(d string, _ map[string]any) { _ = os.Chmod(filepath.Join(d, "gpx_lvbstat_linux_arm64"), 0o644) }, "linux_arm64 is not executable"},
		{"a platform missing", func(d string, _ map[string]any) { _ = os.Remove(filepath.Join(d, "gpx_lvbstat_darwin_arm64")) }, "no executable for darwin_arm64"},
		{"no manifest", func(d string, _ map[string]any) { _ = os.Remove(filepath.Join(d, "go_plugin_build_manifest")) }, "go_plugin_build_manifest"},
		{"no license", func(d string, _ map[string]any) { _ = os.Remove(filepath.Join(d, "LICENSE")) }, "LICENSE is missing"},
		{"no module", func(d string, _ map[string]any) { _ = os.Remove(filepath.Join(d, "module.js")) }, "module.js is missing"},
		{"standalone", func(d string, _ map[string]any) { _ = os.WriteFile(filepath.Join(d, "standalone.txt"), nil, 0o644) }, "standalone.txt"},
		{"missing logo", func(_ string, m map[string]any) {
			info(m)["logos"] = map[string]string{"small": "img/nope.svg", "large": "img/logo.svg"}
		}, "img/nope.svg"},
		{"no screenshots", func(_ string, m map[string]any) { info(m)["screenshots"] = []any{} }, "no screenshots"},
		{"screenshot not an image", func(d string, _ map[string]any) {
			_ = os.WriteFile(filepath.Join(d, "img/screenshots/query.png"), []byte("text"), 0o644)
		}, "not a PNG"},
		{"no links", func(_ string, m map[string]any) { info(m)["links"] = []any{} }, "no links"},
		{"relative link", func(_ string, m map[string]any) {
			info(m)["links"] = []map[string]string{{"name": "Docs", "url": "docs/"}}
		}, "not an absolute URL"},
		{"dashboard missing", func(d string, _ map[string]any) { _ = os.Remove(filepath.Join(d, "dashboards/overview.json")) }, "included dashboard"},
		{"test data", func(d string, _ map[string]any) {
			_ = os.MkdirAll(filepath.Join(d, "testdata"), 0o755)
			_ = os.WriteFile(filepath.Join(d, "testdata", "x.json"), nil, 0o644)
		}, "does not belong"},
		{"bad dependency", func(_ string, m map[string]any) { m["dependencies"] = map[string]any{"grafanaDependency": "eleven"} }, "grafanaDependency"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Write(dist(t, tc.change))
			if err != nil {
				if strings.Contains(tc.want, "Write") {
					return // refused before a zip was made
				}
				t.Fatal(err)
			}
			problems, err := Validate(out)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(problems, "\n"), tc.want) {
				t.Fatalf("problems %q, want one about %q", problems, tc.want)
			}
		})
	}
}

// A zip whose top folder is not the id, or that has two, is refused.
func TestValidateFolderLayout(t *testing.T) {
	for name, entries := range map[string][]string{
		"wrong folder": {"other/plugin.json"},
		"two folders":  {id + "/plugin.json", "extra/file"},
	} {
		p := filepath.Join(t.TempDir(), "x.zip")
		f, _ := os.Create(p)
		zw := zip.NewWriter(f)
		for _, e := range entries {
			w, _ := zw.Create(e)
			b, _ := json.Marshal(manifest())
			_, _ = w.Write(b)
		}
		_ = zw.Close()
		_ = f.Close()
		problems, err := Validate(p)
		if err != nil || len(problems) == 0 {
			t.Fatalf("%s: %v %v", name, problems, err)
		}
		t.Logf("%s: %s", name, problems[0])
	}
}
