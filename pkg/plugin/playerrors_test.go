package plugin

import (
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// Error counts per minute equal the API's, a frame per class labelled with
// it; a range older than the day Tencent keeps is shortened with a notice.
func TestErrorCountsAreTencents(t *testing.T) {
	e := newCloudEnv(t, nil)
	from, to := testNow.Add(-6*time.Hour), testNow
	r := e.query(t, dq("A", from, to, map[string]any{"queryType": "errors", "domain": testDomain})).Responses["A"]
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	if len(r.Frames) != 2 {
		t.Fatalf("%d frames, want 4xx and 5xx", len(r.Frames))
	}
	first := from.Truncate(time.Minute).Add(time.Minute)
	for i, class := range []string{"4xx", "5xx"} {
		f := r.Frames[i]
		want := e.sim.ExpectedErrors(class, first, to.Truncate(time.Minute).Add(time.Minute))
		if f.Rows() != len(want) || len(want) < 350 {
			t.Fatalf("%s: %d minutes, the simulator has %d", class, f.Rows(), len(want))
		}
		nonzero := 0
		for j, w := range want {
			if !f.Fields[0].At(j).(time.Time).Equal(w.Time) || f.Fields[1].At(j).(int64) != w.Requests {
				t.Fatalf("%s minute %d: %v %v, want %+v", class, j, f.Fields[0].At(j), f.Fields[1].At(j), w)
			}
			if w.Requests > 0 {
				nonzero++
			}
		}
		if nonzero == 0 || nonzero == len(want) {
			t.Fatalf("%s: %d of %d minutes have errors; the test needs both kinds", class, nonzero, len(want))
		}
		if f.Fields[1].Labels["class"] != class || f.Fields[1].Labels["domain"] != testDomain {
			t.Fatalf("labels %v", f.Fields[1].Labels)
		}
	}
	if calls := e.sim.Calls(); calls > 2 {
		t.Fatalf("six hours cost %d requests", calls)
	}

	// 5xx only, over two days: the older day is left out, and said.
	r = e.query(t, dq("B", testNow.Add(-48*time.Hour), testNow, map[string]any{"queryType": "errors", "codes": []string{"5XX"}})).Responses["B"]
	if r.Error != nil || len(r.Frames) != 1 || r.Frames[0].Fields[1].Labels["class"] != "5xx" {
		t.Fatalf("5xx only: %v, %d frames", r.Error, len(r.Frames))
	}
	if n := r.Frames[0].Meta.Notices; len(n) != 1 || !strings.Contains(n[0].Text, "one day") {
		t.Fatalf("notices %v", n)
	}
	if got := r.Frames[0].Rows(); got < 23*60 || got > 24*60 {
		t.Fatalf("%d minutes of the last day", got)
	}
}

func TestErrorsAreRefusedWhereTheyCannotApply(t *testing.T) {
	legacy := newEnv(t, nil)
	r := legacy.query(t, dq("A", testNow.Add(-time.Hour), testNow, map[string]any{"queryType": "errors"})).Responses["A"]
	if r.Status != backend.StatusBadRequest || r.Error == nil || !strings.Contains(r.Error.Error(), "Cloud API 3.0") {
		t.Fatalf("legacy: status %d, %v", r.Status, r.Error)
	}
	cloud := newCloudEnv(t, nil)
	for _, model := range []map[string]any{
		{"queryType": "errors", "codes": []string{"404"}},
		{"queryType": "errors", "streamId": "live_1"},
		{"queryType": "errors", "serviceName": "LEB"},
		{"queryType": "timeseries", "codes": []string{"5xx"}},
	} {
		r := cloud.query(t, dq("A", testNow.Add(-time.Hour), testNow, model)).Responses["A"]
		if r.Status != backend.StatusBadRequest || r.Error == nil {
			t.Fatalf("%v: status %d, %v", model, r.Status, r.Error)
		}
	}
	// Older than the last day altogether: a clear error.
	r = cloud.query(t, dq("A", testNow.Add(-72*time.Hour), testNow.Add(-48*time.Hour), map[string]any{"queryType": "errors"})).Responses["A"]
	if r.Status != backend.StatusBadRequest || r.Error == nil || !strings.Contains(r.Error.Error(), "one day") {
		t.Fatalf("too old: status %d, %v", r.Status, r.Error)
	}
}
