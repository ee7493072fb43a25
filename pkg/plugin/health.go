package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/cloudapi"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/collect"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/legacy"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
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
	if d.cloud != nil {
		res := d.checkCloudAPI(ctx)
		res.Message += d.processHealth(store)
		return res, nil
	}
	now := d.now()
	// The minutes that started in the last healthWindow.
	w := planner.Window{Start: now.Add(-healthWindow).Truncate(time.Minute).Add(time.Minute), End: now.Truncate(time.Second)}
	res, err := d.client.PlayStatHistory(ctx, upstream.Query{Start: w.Start, End: w.End})
	if err != nil {
		log.DefaultLogger.FromContext(ctx).Warn("Health check failed", "error", err)
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: healthMessage(err)}, nil
	}
	// The same accounting as a query's: a wrong time zone shows here first.
	s := collect.Account(w, res, likelyShift(d.settings.Location, w.Start))
	if s.Dropped.Shift != 0 {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: fmt.Sprintf(
			"Connected to Tencent Cloud Live statistics for APPID %s, but %d of the %d minutes it answered lie outside the %d minutes asked for. %s",
			d.settings.Cmd, s.Dropped.Outside, s.Dropped.Outside+s.Dropped.Duplicates+len(s.Points), int(healthWindow.Minutes()), zoneAdvice(s.Dropped.Shift, d.settings.Location, s.Dropped.OutsideExample.Time))}, nil
	}
	msg := fmt.Sprintf("Connected to Tencent Cloud Live statistics for APPID %s: ", d.settings.Cmd)
	if res.Empty {
		msg += fmt.Sprintf("no playback in the last %d minutes, which is fine if nothing was watched.", int(healthWindow.Minutes()))
	} else {
		msg += fmt.Sprintf("%d minutes of playback data in the last %d minutes.", len(s.Points), int(healthWindow.Minutes()))
	}
	if n := droppedNotice(&s, d.settings.Location); n != nil {
		msg += " But: " + n.Text
	}
	return &backend.CheckHealthResult{Status: backend.HealthStatusOk, Message: msg + d.settleNote() + d.plainHTTPNote() + d.processHealth(store)}, nil
}

// plainHTTPNote warns of a statistics API URL that sends signatures in
// the clear.
func (d *Datasource) plainHTTPNote() string {
	if strings.HasPrefix(strings.ToLower(d.settings.APIURL), "http://") {
		return " " + legacy.PlainHTTPWarning
	}
	return ""
}

// settleNote says when the saved settle time is shorter than the
// upstream allows, and what is used instead.
func (d *Datasource) settleNote() string {
	least := collect.MinSettle(d.limits)
	if d.settings.Settle >= least {
		return ""
	}
	return fmt.Sprintf(" Settle time %d minutes is shorter than this API's newest minutes take to arrive; %d minutes are used.",
		int(d.settings.Settle/time.Minute), int(least/time.Minute))
}

// checkCloudAPI asks for the last quarter hour the API has (its newest
// minutes come some minutes late), and then whether the key may list the
// streams, since variables and the live query need that action too.
func (d *Datasource) checkCloudAPI(ctx context.Context) *backend.CheckHealthResult {
	end := d.now().Add(-cloudapi.Delay).Truncate(time.Minute)
	start := end.Add(-cloudHealthWindow)
	res, err := d.cloud.PlayStatHistory(ctx, upstream.Query{Start: start, End: end.Add(-time.Second)})
	if err != nil {
		log.DefaultLogger.FromContext(ctx).Warn("Health check failed", "error", err)
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: healthMessage(err)}
	}
	msg := fmt.Sprintf("Connected to Tencent Cloud API 3.0 (%s) with SecretId %s: ", cloudapi.ActionPlayInfo, maskID(d.settings.SecretID))
	if res.Empty {
		msg += fmt.Sprintf("no playback in the %d minutes up to %s, which is fine if nothing was watched.",
			int(cloudHealthWindow.Minutes()), end.In(cloudapi.Beijing).Format("15:04")+" Beijing time")
	} else {
		msg += fmt.Sprintf("%d minutes of playback data in the %d minutes up to %s.",
			len(res.Points), int(cloudHealthWindow.Minutes()), end.In(cloudapi.Beijing).Format("15:04")+" Beijing time")
	}
	if _, err := d.cloud.LivePlayStat(ctx, ""); err != nil {
		if f := upstream.Failure(nil); errors.As(err, &f) && f.StatusCode() == http.StatusForbidden {
			return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: msg +
				" But the key may not call " + cloudapi.ActionAllPlay + ", which stream variables and the Live now query use: " + err.Error()}
		}
		msg += " Listing the streams playing now failed: " + err.Error()
	}
	return &backend.CheckHealthResult{Status: backend.HealthStatusOk, Message: msg + d.settleNote()}
}

// cloudHealthWindow is how far back "Save & test" looks on Cloud API 3.0.
const cloudHealthWindow = 15 * time.Minute

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
