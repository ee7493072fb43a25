package plugin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/lvb"
)

// healthWindow is how far back "Save & test" looks: short, so the check is
// one cheap call.
const healthWindow = 10 * time.Minute

// CheckHealth makes one real call over a recent short window.
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	if d.settingsErr != nil {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: d.settingsErr.Error()}, nil
	}
	now := d.now()
	// The minutes that started in the last healthWindow.
	start := now.Add(-healthWindow).Truncate(time.Minute).Add(time.Minute)
	res, err := d.client.PlayStatHistory(ctx, lvb.Query{Start: start, End: now})
	if err != nil {
		log.DefaultLogger.FromContext(ctx).Warn("Health check failed", "error", err)
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: healthMessage(err)}, nil
	}
	msg := fmt.Sprintf("Connected to Tencent Cloud Live statistics for APPID %s: ", d.settings.Cmd)
	if res.Empty {
		msg += fmt.Sprintf("no playback in the last %d minutes, which is fine if nothing was watched.", int(healthWindow.Minutes()))
	} else {
		msg += fmt.Sprintf("%d minutes of playback data in the last %d minutes.", len(res.Points), int(healthWindow.Minutes()))
	}
	return &backend.CheckHealthResult{Status: backend.HealthStatusOk, Message: msg}, nil
}

func healthMessage(err error) string {
	var e *lvb.Error
	if errors.As(err, &e) {
		return e.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return "The health check was cancelled or timed out before the API answered; check the API URL and raise the timeout in the settings if the network is slow."
	}
	return "The health check failed: " + err.Error()
}
