package cloudapi

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// docs/api.md's table of Cloud API error codes says, for each, the status
// and whether it is retried; this client must do what it says.
func TestTheDocumentedErrorTableIsWhatTheClientDoes(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "api.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, line := range strings.Split(string(raw), "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) != 4 || !strings.HasPrefix(cells[0], "`") || strings.Contains(cells[0], "Content-Encoding") {
			continue
		}
		code := strings.Trim(strings.Fields(cells[0])[0], "`,")
		code = strings.TrimSuffix(code, "*") // the family's own code
		e := &Error{Kind: classify(code), Code: code}
		status, err := strconv.Atoi(cells[2])
		if err != nil {
			continue
		}
		rows++
		if e.Fault().StatusCode() != status {
			t.Errorf("docs/api.md says %s is %d; the client answers %d", code, status, e.Fault().StatusCode())
		}
		if retried := !strings.HasPrefix(cells[3], "no"); retried != e.Fault().Retryable() {
			t.Errorf("docs/api.md says %s is retried: %q; the client retries it: %v", code, cells[3], e.Fault().Retryable())
		}
	}
	if rows < 8 {
		t.Fatalf("read %d rows of the table", rows)
	}
}
