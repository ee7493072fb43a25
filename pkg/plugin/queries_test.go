package plugin

import (
	"testing"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
)

// Every query type the models accept has its handler, and no handler
// answers a type the models do not know.
func TestEveryQueryTypeHasItsHandler(t *testing.T) {
	for _, typ := range models.QueryTypes {
		if handlers[typ] == nil {
			t.Errorf("query type %q has no handler", typ)
		}
	}
	if len(handlers) != len(models.QueryTypes) {
		t.Errorf("%d handlers for %d query types", len(handlers), len(models.QueryTypes))
	}
}
