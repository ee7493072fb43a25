package pluginzip

import (
	"archive/zip"
	"crypto/sha1" // #nosec G505 -- the manifest's file digests, as Grafana's signer writes them
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// A stand-in for Grafana's signer: this test binary, run with
// PLUGINZIP_STANDIN_SIGNER set, writes dist/MANIFEST.txt the way the real
// one does, listing every file it finds in dist (a stale zip included).
func TestMain(m *testing.M) {
	if os.Getenv("PLUGINZIP_STANDIN_SIGNER") != "" {
		standInSign(os.Args[1:])
		return
	}
	os.Exit(m.Run())
}

func standInSign(args []string) {
	var dist, roots string
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "--distDir":
			dist = args[i+1]
		case "--rootUrls":
			roots = args[i+1]
		}
	}
	var files []string
	_ = filepath.WalkDir(dist, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dist, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(files)
	var b strings.Builder
	b.WriteString("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n{\n  \"manifestVersion\": \"2.0.0\",\n")
	if roots != "" {
		fmt.Fprintf(&b, "  \"signatureType\": \"private\",\n  \"rootUrls\": [%q],\n", roots)
	}
	b.WriteString("  \"files\": {\n")
	for i, f := range files {
		raw, _ := os.ReadFile(filepath.Join(dist, f))
		sum := sha1.Sum(raw) // #nosec G401 -- the stand-in mirrors the real format
		sep := ","
		if i == len(files)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "    %q: %q%s\n", f, hex.EncodeToString(sum[:]), sep)
	}
	b.WriteString("  }\n}\n-----BEGIN PGP SIGNATURE-----\nstand-in\n-----END PGP SIGNATURE-----\n")
	if err := os.WriteFile(filepath.Join(dist, ManifestFile), []byte(b.String()), 0o644); err != nil {
		os.Exit(1)
	}
}

// Built, then signed, then zipped: the zip holds the manifest, and the
// manifest lists exactly the zip's other files, never a zip of an earlier
// run that was lying in dist.
func TestSigningComesBetweenTheBuildAndTheZip(t *testing.T) {
	dir := dist(t, nil)
	if err := os.WriteFile(filepath.Join(dir, id+"-1.2.2.zip"), []byte("an earlier run's zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "PLUGINZIP_STANDIN_SIGNER=1")
	if err := Sign(dir, []string{os.Args[0]}, "https://grafana.example.com/", env); err != nil {
		t.Fatal(err)
	}
	listed, err := manifestFiles(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var inZip []string
	for _, f := range zr.File {
		name := strings.TrimPrefix(f.Name, id+"/")
		if name != ManifestFile {
			inZip = append(inZip, name)
		}
	}
	sort.Strings(inZip)
	if !slices.Equal(listed, inZip) {
		t.Fatalf("the manifest lists\n%v\nthe zip holds\n%v", listed, inZip)
	}
	if !slices.ContainsFunc(zr.File, func(f *zip.File) bool { return f.Name == id+"/"+ManifestFile }) {
		t.Fatal("the zip has no MANIFEST.txt")
	}
	raw, _ := os.ReadFile(filepath.Join(dir, ManifestFile))
	if !strings.Contains(string(raw), "https://grafana.example.com/") {
		t.Fatal("the root URLs did not reach the signer")
	}
	// A signer that fails, or leaves no manifest, fails the package.
	if err := Sign(dir, []string{"false"}, "", env); err == nil {
		t.Fatal("a failing signer passed")
	}
}

// Two zips of the same dist, made apart and with other modes on disk, are
// the same bytes.
func TestTheSameDistGivesTheSameZip(t *testing.T) {
	a := dist(t, nil)
	b := dist(t, nil)
	if err := os.Chmod(filepath.Join(b, "module.js"), 0o664); err != nil {
		t.Fatal(err)
	}
	za, err := Write(a)
	if err != nil {
		t.Fatal(err)
	}
	zb, err := Write(b)
	if err != nil {
		t.Fatal(err)
	}
	ra, _ := os.ReadFile(za)
	rb, _ := os.ReadFile(zb)
	if string(ra) != string(rb) {
		t.Fatal("two zips of the same files differ")
	}
}
