package plugin

import (
	"context"
	"fmt"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
)

// handler answers one checked query; fromAlert says an alert rule asks.
type handler func(d *Datasource, ctx context.Context, q models.Query, dq backend.DataQuery, fromAlert bool) backend.DataResponse

// handlers answer the query types, one entry each (models.QueryTypes
// lists them, and says which upstream serves which).
var handlers = map[string]handler{
	models.QueryTypeTimeSeries:    (*Datasource).rangeQuery,
	models.QueryTypeSummary:       (*Datasource).rangeQuery,
	models.QueryTypeLive:          (*Datasource).snapshotQuery,
	models.QueryTypeStreams:       (*Datasource).snapshotQuery,
	models.QueryTypeBilling:       (*Datasource).billingQuery,
	models.QueryTypeBillingTotals: (*Datasource).billingTotalsQuery,
	models.QueryTypeErrors:        (*Datasource).errorsQuery,
	models.QueryTypeRegions:       (*Datasource).regionsQuery,
	models.QueryTypeEvents:        (*Datasource).eventsQuery,
}

// offered is what the data source's upstream offers for q's type (its
// billing, its error counts…), or the error a query on an upstream
// without it gets. models refuses those query types first; this keeps
// the handler honest if a new upstream forgets to.
func offered[T any](d *Datasource, q models.Query) (T, error) {
	t, ok := d.svc.(T)
	if !ok {
		return t, fmt.Errorf("query type %s needs Tencent Cloud API 3.0", q.Type)
	}
	return t, nil
}

// orAll names an empty filter for the query inspector.
func orAll(value, all string) string {
	if value == "" {
		return all
	}
	return value
}
