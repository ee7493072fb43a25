package pluginzip

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
)

// The forms plugin.json's fields take, as Grafana documents them.
var (
	idPattern         = regexp.MustCompile(`^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource)$`)
	versionPattern    = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$`)
	updatedPattern    = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	dependencyPattern = regexp.MustCompile(`^(<=|>=|<|>|=|~|\^)?\d+(\.[0-9x*]+)(\.[0-9x*]+)?(\s+(<=|>=|<|=>)?\d+(\.[0-9x]+)(\.[0-9x]+))?$`)
)

// Validate lists what is wrong with the plugin zip at path; none is a zip
// Grafana can install. It checks what Grafana's validator checks without
// the network; signing and the source-code review are not among them.
func Validate(zipPath string) ([]string, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	files := map[string]*zip.File{}
	tops := map[string]bool{}
	for _, f := range zr.File {
		name := f.Name
		if strings.HasPrefix(name, "/") || slices.Contains(strings.Split(name, "/"), "..") {
			bad("%s: an absolute or escaping path", name)
			continue
		}
		top, _, _ := strings.Cut(name, "/")
		tops[top] = true
		if !f.FileInfo().IsDir() {
			files[name] = f
		}
	}
	if len(tops) != 1 {
		bad("the zip must hold one top folder, not %d (%v)", len(tops), keys(tops))
		return problems, nil
	}
	var root string
	for t := range tops {
		root = t
	}
	at := func(rel string) *zip.File { return files[path.Join(root, rel)] }

	pj := at("plugin.json")
	if pj == nil {
		bad("no %s/plugin.json", root)
		return problems, nil
	}
	raw, err := read(pj)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		bad("plugin.json is not valid JSON: %v", err)
		return problems, nil
	}
	if root != m.ID {
		bad("the top folder is %q; it must be the plugin id %q", root, m.ID)
	}
	if !idPattern.MatchString(m.ID) {
		bad("id %q is not of the form <org>-<name>-<type>", m.ID)
	}
	if m.Type != "datasource" && m.Type != "app" && m.Type != "panel" {
		bad("type %q is not datasource, app or panel", m.Type)
	} else if !strings.HasSuffix(m.ID, "-"+m.Type) {
		bad("id %q does not end with its type %q", m.ID, m.Type)
	}
	if m.Name == "" || m.Info.Description == "" || len(m.Info.Keywords) == 0 {
		bad("name, info.description and info.keywords are required")
	}
	if !versionPattern.MatchString(m.Info.Version) {
		bad("info.version %q is not a semantic version (was %%VERSION%% replaced by the build?)", m.Info.Version)
	}
	if !updatedPattern.MatchString(m.Info.Updated) {
		bad("info.updated %q is not a date (was %%TODAY%% replaced by the build?)", m.Info.Updated)
	}
	if !dependencyPattern.MatchString(m.Dependencies.GrafanaDependency) {
		bad("dependencies.grafanaDependency %q is not a version range", m.Dependencies.GrafanaDependency)
	}
	for _, logo := range []string{m.Info.Logos.Small, m.Info.Logos.Large} {
		if logo == "" || at(logo) == nil {
			bad("logo %q is not in the zip", logo)
		} else if !strings.HasSuffix(logo, ".svg") {
			bad("logo %q must be an SVG image", logo)
		}
	}
	if len(m.Info.Screenshots) == 0 {
		bad("no screenshots: the catalogue shows a plugin without pictures")
	}
	for _, s := range m.Info.Screenshots {
		f := at(s.Path)
		if s.Name == "" || f == nil {
			bad("screenshot %q (%q) is not in the zip", s.Name, s.Path)
			continue
		}
		head, err := readN(f, 8)
		if err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(head, []byte("\x89PNG")) && !bytes.HasPrefix(head, []byte("\xff\xd8")) && !bytes.HasPrefix(head, []byte("<svg")) {
			bad("screenshot %s is not a PNG, JPEG or SVG image", s.Path)
		}
	}
	if len(m.Info.Links) == 0 {
		bad("no links: give at least the documentation and where to report issues")
	}
	for _, l := range m.Info.Links {
		if u, err := url.Parse(l.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || l.Name == "" {
			bad("link %q: %q is not an absolute URL", l.Name, l.URL)
		}
	}
	for _, inc := range m.Includes {
		if inc.Type == "dashboard" {
			f := at(inc.Path)
			if f == nil {
				bad("included dashboard %q is not in the zip", inc.Path)
				continue
			}
			b, err := read(f)
			if err != nil {
				return nil, err
			}
			var d map[string]any
			if json.Unmarshal(b, &d) != nil || d["panels"] == nil {
				bad("included dashboard %s is not a dashboard JSON", inc.Path)
			}
		}
	}
	for _, need := range []string{"module.js", "README.md", "CHANGELOG.md", "LICENSE"} {
		if at(need) == nil {
			bad("%s is missing", need)
		}
	}
	if at("standalone.txt") != nil {
		bad("standalone.txt is a development leftover; remove it")
	}
	if m.Backend {
		if m.Executable == "" {
			bad("a backend plugin must name its executable")
		}
		if at("go_plugin_build_manifest") == nil {
			bad("go_plugin_build_manifest is missing (the SDK's build writes it)")
		}
		for _, p := range Platforms {
			f := at(m.Executable + "_" + p)
			switch {
			case f == nil:
				bad("no executable for %s (%s_%s)", strings.TrimSuffix(p, ".exe"), m.Executable, p)
			case f.Mode()&0o111 == 0:
				bad("%s_%s is not executable (mode %v)", m.Executable, p, f.Mode())
			}
		}
	}
	for name := range files {
		base := path.Base(name)
		if base == ".DS_Store" || strings.HasSuffix(name, ".zip") || strings.Contains(name, "/testdata/") {
			bad("%s does not belong in a release", name)
		}
	}
	return problems, nil
}

func read(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func readN(f *zip.File, n int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, n))
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
