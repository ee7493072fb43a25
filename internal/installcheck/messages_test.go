package installcheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/cloudapi"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/legacy"
)

// codeStrings are the string literals of the plugin's Go code (tests
// left out): where every message it shows comes from.
func codeStrings(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join(root, "pkg"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					out = append(out, s)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// frontendSources are the editors' sources, whole: their messages are in
// template strings, which a substring search finds as well.
func frontendSources(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join(root, "src"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".ts") || strings.HasSuffix(p, ".tsx")) || strings.Contains(p, ".test.") {
			return err
		}
		raw, err := os.ReadFile(p)
		out = append(out, string(raw))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// section is the text of a section of the README, or of a page of docs/
// when the README has no such heading, from its heading to the next of the
// same level.
func section(t *testing.T, heading string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	var s string
	i := -1
	for _, f := range append([]string{filepath.Join(root, "README.md")}, files...) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if i = strings.Index(string(raw), "\n"+heading+"\n"); i >= 0 {
			s = string(raw)
			break
		}
	}
	if i < 0 {
		t.Fatalf("neither README nor docs/ has %q", heading)
	}
	level := heading[:strings.Index(heading, " ")+1]
	rest := s[i+len(heading)+2:]
	if j := strings.Index(rest, "\n"+level); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// said tells whether piece is in one of the code's strings; a piece that a
// message joins from parts (at ": ") may come from two strings.
func said(strs []string, piece string) bool {
	for _, s := range strs {
		if strings.Contains(s, piece) {
			return true
		}
	}
	if a, b, ok := strings.Cut(piece, ": "); ok {
		return said(strs, a+":") && said(strs, b)
	}
	return false
}

var (
	quoted = regexp.MustCompile(`"([^"]+)"`)
	// Words the table writes for what a message fills in.
	placeholder = regexp.MustCompile(`\b(N|M|100000)\b`)
)

// Every message the Troubleshooting table quotes is one the code writes:
// each piece of a quote (between its "…", which stand for what a message
// fills in, and the counts N and M) is in a string of the code, Go or
// TypeScript. A message reworded in the code fails this until the table
// follows.
func TestTroubleshootingQuotesTheCode(t *testing.T) {
	strs := append(codeStrings(t), frontendSources(t)...)
	table := section(t, "## Troubleshooting")
	rows := 0
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| you see") || strings.HasPrefix(line, "|---") {
			continue
		}
		rows++
		first := strings.Split(line, " | ")[0]
		for _, m := range quoted.FindAllStringSubmatch(first, -1) {
			for _, frag := range strings.Split(m[1], "…") {
				for _, piece := range placeholder.Split(frag, -1) {
					piece = strings.TrimSpace(piece)
					if len(piece) < 4 {
						continue
					}
					if !said(strs, piece) {
						t.Errorf("Troubleshooting quotes %q, which no message of the code contains", piece)
					}
				}
			}
		}
	}
	if rows < 20 {
		t.Fatalf("the table has %d rows", rows)
	}
}

// Where the APPID and the keys are found is written one way: the code's
// wording (legacy.WhereKeys, cloudapi.WhereKeys) is in every page and
// example that asks for them, and no other wording is.
func TestOneWordingForWhereTheKeysAre(t *testing.T) {
	read := func(rel string) string {
		raw, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(string(raw)), " ")
	}
	for rel, wants := range map[string][]string{
		"README.md":                             {legacy.WhereKeys, cloudapi.WhereKeys},
		"src/README.md":                         {legacy.WhereKeys, cloudapi.WhereKeys},
		"provisioning/datasources/lvbstat.yaml": {legacy.WhereKeys, cloudapi.WhereKeys},
		"examples/terraform/variables.tf":       {legacy.WhereKeys},
		"examples/terraform/main.tf":            {cloudapi.WhereKeys},
		"src/limits.json":                       {legacy.WhereKeys, cloudapi.WhereKeys},
	} {
		text := read(rel)
		for _, want := range wants {
			if !strings.Contains(text, want) {
				t.Errorf("%s does not say %q", rel, want)
			}
		}
		for _, stale := range []string{"account information", "account info", "Feature configuration", "feature configuration", "access settings"} {
			if strings.Contains(text, stale) {
				t.Errorf("%s says %q: use the one wording instead", rel, stale)
			}
		}
	}
}
