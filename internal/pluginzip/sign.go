package pluginzip

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ManifestFile is the signature Grafana's signing tool writes into dist.
const ManifestFile = "MANIFEST.txt"

// Sign signs dist with signer (the command and its arguments; it is given
// --distDir dist), after the build and before the zip: the zip then holds
// the manifest, and the manifest never lists a zip, since the zips and
// checksums of earlier runs are removed from dist first. rootURLs, when
// set, makes the signature private to those Grafana URLs.
func Sign(dist string, signer []string, rootURLs string, env []string) error {
	if len(signer) == 0 {
		return errors.New("no signer")
	}
	entries, err := os.ReadDir(dist)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if isPackage(e.Name()) || e.Name() == ManifestFile {
			if err := os.Remove(filepath.Join(dist, e.Name())); err != nil {
				return err
			}
		}
	}
	args := append(append([]string{}, signer[1:]...), "--distDir", dist)
	if rootURLs != "" {
		args = append(args, "--rootUrls", rootURLs)
	}
	cmd := exec.Command(signer[0], args...) // #nosec G204 -- the build's own signer
	cmd.Stdout, cmd.Stderr, cmd.Env = os.Stdout, os.Stderr, env
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("signing %s: %w", dist, err)
	}
	listed, err := manifestFiles(filepath.Join(dist, ManifestFile))
	if err != nil {
		return fmt.Errorf("the signer left no readable %s: %w", ManifestFile, err)
	}
	for _, f := range listed {
		if isPackage(f) {
			return fmt.Errorf("%s lists %s, which is not part of the plugin", ManifestFile, f)
		}
	}
	return nil
}

// manifestFiles lists the files a MANIFEST.txt names: the keys of its
// "files" object, one a line in the signed JSON.
func manifestFiles(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, `"files"`):
			in = true
		case in && strings.HasPrefix(line, "}"):
			in = false
		case in && strings.HasPrefix(line, `"`):
			name, _, _ := strings.Cut(strings.TrimPrefix(line, `"`), `"`)
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("it lists no files")
	}
	return out, sc.Err()
}
