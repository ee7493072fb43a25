// Package pluginzip packs a built plugin (dist/) into the zip Grafana
// installs from, and checks a zip the way Grafana's plugin validator does
// the parts that need no network: one top folder named by the plugin id, a
// plugin.json whose fields and paths hold, logos and screenshots present,
// one executable per platform with the run bit, the build manifest, the
// frontend module, README, CHANGELOG and LICENSE, and no leftovers.
package pluginzip

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Manifest is what the zip's name and checks need of plugin.json.
type Manifest struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Name       string `json:"name"`
	Backend    bool   `json:"backend"`
	Executable string `json:"executable"`
	Info       struct {
		Version     string `json:"version"`
		Updated     string `json:"updated"`
		Description string `json:"description"`
		Keywords    []string
		Logos       struct {
			Small string `json:"small"`
			Large string `json:"large"`
		} `json:"logos"`
		Links []struct {
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"links"`
		Screenshots []struct {
			Name string `json:"name"`
			Path string `json:"path"`
		} `json:"screenshots"`
	} `json:"info"`
	Includes []struct {
		Type string `json:"type"`
		Name string `json:"name"`
		Path string `json:"path"`
	} `json:"includes"`
	Dependencies struct {
		GrafanaDependency string `json:"grafanaDependency"`
	} `json:"dependencies"`
}

// Platforms are the systems Grafana runs plugins on, as the SDK's BuildAll
// builds them.
var Platforms = []string{"linux_amd64", "linux_arm64", "linux_arm", "darwin_amd64", "darwin_arm64", "windows_amd64.exe"}

// ReadManifest reads dir/plugin.json.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	raw, err := os.ReadFile(filepath.Join(dir, "plugin.json"))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, fmt.Errorf("plugin.json: %w", err)
	}
	return m, nil
}

// Write packs dist into dist/<id>-<version>.zip, every file under one
// folder named by the id, and writes its SHA-256 beside it in the form
// sha256sum reads. It returns the zip's path.
func Write(dist string) (string, error) {
	m, err := ReadManifest(dist)
	if err != nil {
		return "", err
	}
	if m.ID == "" || m.Info.Version == "" || strings.Contains(m.Info.Version, "%") {
		return "", fmt.Errorf("dist/plugin.json has id %q and version %q: build the frontend first (npm run build)", m.ID, m.Info.Version)
	}
	name := fmt.Sprintf("%s-%s.zip", m.ID, m.Info.Version)
	var files []string
	err = filepath.WalkDir(dist, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dist, p)
		if d.IsDir() || isPackage(rel) {
			return nil
		}
		files = append(files, rel)
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)

	out := filepath.Join(dist, name)
	f, err := os.Create(out)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	zw := zip.NewWriter(io.MultiWriter(f, h))
	// One time for every entry, so that the same dist gives the same zip.
	modified, err := time.Parse(time.DateOnly, m.Info.Updated)
	if err != nil {
		modified = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	for _, rel := range files {
		if err := add(zw, dist, rel, m.ID, modified); err != nil {
			f.Close()
			return "", err
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	sum := hex.EncodeToString(h.Sum(nil)) + "  " + name + "\n"
	return out, os.WriteFile(out+".sha256", []byte(sum), 0o644)
}

// isPackage tells the zips and checksums a previous run left in dist.
func isPackage(rel string) bool {
	return !strings.Contains(rel, string(filepath.Separator)) && (strings.HasSuffix(rel, ".zip") || strings.HasSuffix(rel, ".sha256"))
}

func add(zw *zip.Writer, dist, rel, id string, modified time.Time) error {
	src := filepath.Join(dist, rel)
	info, err := os.Stat(src)
	if err != nil {
		return err
	}
	hdr, err := zip.FileInfoHeader(info)
	if err != nil {
		return err
	}
	hdr.Name = path.Join(id, filepath.ToSlash(rel))
	hdr.Method = zip.Deflate
	hdr.Modified = modified
	// Modes as a release has them, whatever the builder's umask was.
	if info.Mode()&0o111 != 0 {
		hdr.SetMode(0o755)
	} else {
		hdr.SetMode(0o644)
	}
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	_, err = io.Copy(w, in)
	return err
}
