package legacy

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// docs/api.md's table of what the statistics interface answers says, for
// each ret and front-door message, whether it is an error and whether it
// is retried; this client must do what it says.
func TestTheDocumentedErrorTableIsWhatTheClientDoes(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "api.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, line := range strings.Split(string(raw), "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) != 3 {
			continue
		}
		ret, msg := -1, ""
		switch {
		case strings.HasPrefix(cells[0], "ret "):
			n, err := strconv.Atoi(strings.Fields(cells[0])[1])
			if err != nil {
				continue
			}
			ret = n
		case strings.HasPrefix(cells[0], "`"):
			msg = strings.Trim(cells[0], "`")
		default:
			continue
		}
		rows++
		e := classify(ret, msg)
		does := cells[2]
		switch {
		case e == nil:
			if strings.Contains(does, "error") && !strings.Contains(does, "not an error") {
				t.Errorf("docs/api.md says %q is an error; the client takes it as success", cells[0])
			}
		case strings.Contains(does, "not retried"):
			if e.Fault().Retryable() {
				t.Errorf("docs/api.md says %q is not retried; the client retries it", cells[0])
			}
		case strings.Contains(does, "retried"):
			if !e.Fault().Retryable() {
				t.Errorf("docs/api.md says %q is retried; the client does not", cells[0])
			}
		default:
			t.Errorf("docs/api.md says %q leads to %q; the client answers an error", cells[0], does)
		}
	}
	if rows < 9 {
		t.Fatalf("read %d rows of the table", rows)
	}
}
