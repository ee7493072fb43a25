package release

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func checkout(t *testing.T, version, changelog string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"x","version":"`+version+`"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "CHANGELOG.md"), []byte(changelog), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

const changelog = `# Changelog

## 1.3.0 (unreleased)

- Next things.

## 1.2.3 (2026-12-01)

- A fix.
- Another.

## 1.2.2 (2026-11-20)

- Older.
`

func TestNotesOfAConsistentTag(t *testing.T) {
	notes, err := Notes(checkout(t, "1.2.3", changelog), "v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	if notes != "- A fix.\n- Another.\n" {
		t.Fatalf("notes %q", notes)
	}
}

func TestTagsThatMustNotBeReleased(t *testing.T) {
	for name, tc := range map[string]struct{ version, tag, says string }{
		"not a version tag":       {"1.2.3", "1.2.3", "not v followed by a version"},
		"package.json differs":    {"1.2.2", "v1.2.3", "package.json's version is 1.2.2"},
		"unreleased in the log":   {"1.3.0", "v1.3.0", "marks 1.3.0 as unreleased"},
		"no heading for it":       {"1.4.0", "v1.4.0", `no heading "## 1.4.0"`},
		"a tag with a path in it": {"1.2.3", "v1.2.3/../x", "not v followed"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Notes(checkout(t, tc.version, changelog), tc.tag); err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("%v", err)
			}
		})
	}
}

// This checkout: package.json's version has a CHANGELOG heading, so that
// tagging it is one step (dating the heading) away.
func TestThisCheckoutNamesItsVersion(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "CHANGELOG.md"))
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := os.ReadFile(filepath.Join("..", "..", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, _ := strings.Cut(string(pkg), `"version": "`)
	version, _, _ := strings.Cut(after, `"`)
	if !strings.Contains(string(raw), "\n## "+version+" ") {
		t.Fatalf("CHANGELOG.md has no heading for package.json's version %s", version)
	}
}
