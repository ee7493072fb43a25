package plugin

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// failDay makes every request whose StartTime is on day (Beijing) answer
// HTTP 500, retries included: one request of a query fails for good.
func failDay(e *cloudEnv, day string) {
	e.sim.Faults.Replace = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if !bytes.Contains(body, []byte(`"StartTime":"`+day)) {
			return false
		}
		http.Error(w, "gateway down", http.StatusInternalServerError)
		return true
	}
}

// A query whose requests partly failed shows what answered and says, as an
// error, what is missing (an alert rule never judges it whole); billing
// totals, which need every point, show nothing.
func TestPartialAnswersOfTheOperationsQueriesAreFlagged(t *testing.T) {
	day := func(d time.Time) string { return d.In(time.FixedZone("", 8*3600)).Format("2006-01-02") }
	for _, tc := range []struct {
		name     string
		from, to time.Time
		fail     string
		model    map[string]any
		rows     int // of the first frame; -1 for no frame at all
		saysWhat string
	}{
		{"billing", beijingDay(4), beijingDay(1), day(beijingDay(3)),
			map[string]any{"queryType": "billing", "granularity": 5}, 2 * 288, "1 of 3 billing requests failed"},
		{"billing totals", beijingDay(41), beijingDay(1), day(beijingDay(3)),
			map[string]any{"queryType": "billingTotals"}, -1, "billing totals need every point"},
		{"errors", testNow.Add(-20 * time.Hour), testNow, testNow.Add(-20 * time.Hour).UTC().Format("2006-01-02"),
			map[string]any{"queryType": "errors", "codes": []string{"5xx"}}, 0, "error-count requests failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newCloudEnv(t, nil)
			failDay(e, tc.fail)
			r := e.query(t, dq("A", tc.from, tc.to, tc.model)).Responses["A"]
			if r.Error == nil || !strings.Contains(r.Error.Error(), tc.saysWhat) {
				t.Fatalf("error %v, want one saying %q", r.Error, tc.saysWhat)
			}
			if r.ErrorSource != backend.ErrorSourceDownstream || r.Status != backend.StatusBadGateway {
				t.Fatalf("source %q, status %d", r.ErrorSource, r.Status)
			}
			switch {
			case tc.rows < 0 && len(r.Frames) != 0:
				t.Fatalf("totals from part of the points: %v", r.Frames)
			case tc.rows > 0 && (len(r.Frames) == 0 || r.Frames[0].Rows() != tc.rows):
				t.Fatalf("%d frames; the %d points that answered are not all shown", len(r.Frames), tc.rows)
			case tc.rows == 0 && (len(r.Frames) == 0 || r.Frames[0].Rows() == 0):
				t.Fatal("the requests that answered are not shown")
			}
		})
	}
}
