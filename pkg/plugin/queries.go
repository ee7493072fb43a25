package plugin

import (
	"context"

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
