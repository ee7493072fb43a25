package plugin

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
)

// StreamSuggestion is one entry of the streams resource.
type StreamSuggestion struct {
	StreamID  string   `json:"streamId"`
	Online    *int64   `json:"online"`
	Bandwidth *float64 `json:"bandwidth"`
}

// resources serves the editors' HTTP calls. Its answers hold what the
// upstream listed, never a key or a signed URL.
func (d *Datasource) resources() backend.CallResourceHandler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /streams", d.handleStreams)
	return httpadapter.New(mux)
}

// handleStreams answers GET streams?domain=<domain>: the streams playing
// now, the most watched first, for the query editor's suggestions. The
// listing is the one the live query and variables use, so it costs at most
// one upstream listing a minute. What was left out of the list is said in
// a Warning header, which the editor shows.
func (d *Datasource) handleStreams(w http.ResponseWriter, r *http.Request) {
	if d.settingsErr != nil {
		writeJSONError(w, http.StatusBadRequest, d.settingsErr)
		return
	}
	domain, err := models.CheckDomain(r.URL.Query().Get("domain"))
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err)
		return
	}
	snap, err := d.live.Snapshot(r.Context(), domain)
	if err != nil {
		log.DefaultLogger.FromContext(r.Context()).Warn("Listing the streams playing now failed", "error", err)
		status := int(errorResponse(err).Status)
		if status < 400 {
			status = http.StatusBadGateway
		}
		writeJSONError(w, status, err)
		return
	}
	// In the order of a variable sorted by viewers.
	streams := pickStreams(snap, models.Query{Type: models.QueryTypeStreams, Streams: []string{""}, OrderBy: models.OrderByViewers})
	out := make([]StreamSuggestion, 0, len(streams))
	for _, s := range streams {
		sg := StreamSuggestion{StreamID: s.Name, Bandwidth: numPtr(s.Bandwidth)}
		if s.Online.Valid {
			sg.Online = ptr(int64(s.Online.Value))
		}
		out = append(out, sg)
	}
	for _, n := range snapshotNotices(snap) {
		w.Header().Add("Warning", `299 lvbstat "`+strings.ReplaceAll(n.Text, `"`, `'`)+`"`)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func writeJSONError(w http.ResponseWriter, status int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}
