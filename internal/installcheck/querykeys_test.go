package installcheck

import (
	"regexp"
	"slices"
	"testing"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
)

// The README's table of the query model names exactly the keys the
// plugin reads: a key added to the model is documented, and a documented
// key is one the plugin reads.
func TestTheReadmeDocumentsEveryQueryKey(t *testing.T) {
	rows := regexp.MustCompile("(?m)^\\| `([a-zA-Z]+)` \\|").FindAllStringSubmatch(section(t, "## Queries"), -1)
	var documented []string
	for _, r := range rows {
		documented = append(documented, r[1])
	}
	keys := models.QueryKeys()
	if len(keys) < 10 {
		t.Fatalf("the query model has %d keys", len(keys))
	}
	for _, k := range keys {
		if !slices.Contains(documented, k) {
			t.Errorf("the README's Queries table does not document %q", k)
		}
	}
	for _, k := range documented {
		if !slices.Contains(keys, k) {
			t.Errorf("the README's Queries table documents %q, which the plugin does not read", k)
		}
	}
}
