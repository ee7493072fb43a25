// Package release checks that a tag may be released from a checkout: the
// tag, package.json's version and a CHANGELOG heading name the same
// version, and that version is not marked unreleased. It returns that
// version's CHANGELOG section, which becomes the release's notes.
package release

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

var semver = regexp.MustCompile(`^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`)

// Notes checks tag (such as v1.2.3) against the checkout at root and
// returns the CHANGELOG section of its version, without the heading.
func Notes(root, tag string) (string, error) {
	version, ok := strings.CutPrefix(tag, "v")
	if !ok || !semver.MatchString(version) {
		return "", fmt.Errorf("tag %q is not v followed by a version such as v1.2.3", tag)
	}
	raw, err := os.ReadFile(filepath.Join(root, "package.json"))
	if err != nil {
		return "", err
	}
	var pkg struct{ Version string }
	if err := json.Unmarshal(raw, &pkg); err != nil {
		return "", fmt.Errorf("package.json: %w", err)
	}
	if pkg.Version != version {
		return "", fmt.Errorf("tag %s, but package.json's version is %s: set the version (npm version %s --no-git-tag-version) and tag again", tag, pkg.Version, version)
	}
	raw, err = os.ReadFile(filepath.Join(root, "CHANGELOG.md"))
	if err != nil {
		return "", err
	}
	var section []string
	in, found := false, false
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "## ") {
			if in {
				break
			}
			heading := strings.TrimSpace(strings.TrimPrefix(line, "## "))
			if v, rest, _ := strings.Cut(heading, " "); v == version {
				if strings.Contains(strings.ToLower(rest), "unreleased") {
					return "", fmt.Errorf("CHANGELOG.md marks %s as unreleased: write its date in the heading (## %s (YYYY-MM-DD)) before tagging", version, version)
				}
				in, found = true, true
				continue
			}
		}
		if in {
			section = append(section, line)
		}
	}
	notes := strings.TrimSpace(strings.Join(section, "\n"))
	switch {
	case !found:
		return "", fmt.Errorf("CHANGELOG.md has no heading \"## %s\": say what the release brings", version)
	case notes == "":
		return "", fmt.Errorf("CHANGELOG.md's section for %s is empty", version)
	}
	return notes + "\n", nil
}
