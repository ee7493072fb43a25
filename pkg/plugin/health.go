package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/cloudapi"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/collect"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/legacy"
)

// healthWindow is how far back "Save & test" looks: short, so the check is
// one cheap call.
const healthWindow = 10 * time.Minute

// CheckHealth makes one real call over a recent short window. Its details
// always carry the process's shared store and memory limit, whatever the
// upstream answered, since those are what grafana.ini set.
func (d *Datasource) CheckHealth(ctx context.Context, req *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	store := d.storeState(ctx)
	res, err := d.checkHealth(ctx, store)
	if res != nil {
		details := map[string]any{
			"store":          store,
			"memoryLimit":    d.memory.String(),
			"verboseMessage": store.Message + " Memory: " + d.memory.String() + ".",
		}
		res.JSONDetails, _ = json.Marshal(details)
	}
	return res, err
}

func (d *Datasource) checkHealth(ctx context.Context, store storeState) (*backend.CheckHealthResult, error) {
	if d.settingsErr != nil {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: d.settingsErr.Error()}, nil
	}
	res := d.svc.checkHealth(ctx, d.now())
	if res.Status == backend.HealthStatusOk {
		res.Message += d.settleNote()
	}
	res.Message += d.processHealth(store)
	return res, nil
}

// settleNote says when the saved settle time is shorter than the
// upstream allows, and what is used instead.
func (d *Datasource) settleNote() string {
	least := collect.MinSettle(d.svc.limits())
	if d.settings.Settle >= least {
		return ""
	}
	return fmt.Sprintf(" Settle time %d minutes is shorter than this API's newest minutes take to arrive; %d minutes are used.",
		int(d.settings.Settle/time.Minute), int(least/time.Minute))
}

// maskID shows enough of a SecretId to recognise it: it is not the secret,
// but there is no need to print it whole.
func maskID(id string) string {
	if len(id) <= 8 {
		return id
	}
	return id[:4] + "…" + id[len(id)-4:]
}

func healthMessage(err error) string {
	var e *legacy.Error
	if errors.As(err, &e) {
		return e.Error()
	}
	var ce *cloudapi.Error
	if errors.As(err, &ce) {
		return ce.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return "The health check was cancelled or timed out before the API answered; check the API URL and raise the timeout in the settings if the network is slow."
	}
	return "The health check failed: " + err.Error()
}
