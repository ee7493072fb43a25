package plugin

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// Every push session of two days is an annotation: its start and end, a
// text naming the stream and why it stopped, and tags; across pages.
func TestEveryPushSessionIsAnAnnotation(t *testing.T) {
	e := newCloudEnv(t, nil)
	for i := range 60 {
		e.sim.Streams = append(e.sim.Streams, fmt.Sprintf("room_%02d", i))
	}
	from, to := testNow.Add(-48*time.Hour), testNow
	r := e.query(t, dq("A", from, to, map[string]any{"queryType": "events"})).Responses["A"]
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	want := e.sim.Sessions(from.Truncate(time.Minute).Add(time.Minute), to.Truncate(time.Minute).Add(time.Minute))
	f := r.Frames[0]
	if f.Rows() != len(want) || len(want) < 400 {
		t.Fatalf("%d annotations, the simulator has %d sessions", f.Rows(), len(want))
	}
	if calls := e.sim.Calls(); calls < len(want)/100 {
		t.Fatalf("%d sessions in %d requests: pages were not followed", len(want), calls)
	}
	got := map[string]int{}
	for i := range f.Rows() {
		got[f.Fields[4].At(i).(string)+"@"+f.Fields[0].At(i).(time.Time).UTC().Format(time.RFC3339)] = i
	}
	ongoing := 0
	for _, s := range want {
		i, ok := got[s.Stream+"@"+s.Start.UTC().Format(time.RFC3339)]
		if !ok {
			t.Fatalf("no annotation for %s's push at %s", s.Stream, s.Start)
		}
		end := f.Fields[1].At(i).(*time.Time)
		text, tags := f.Fields[2].At(i).(string), f.Fields[3].At(i).(string)
		if !strings.HasPrefix(text, s.Stream+": ") || !strings.Contains(tags, s.Stream) {
			t.Fatalf("annotation %q (tags %q) does not name %s", text, tags, s.Stream)
		}
		switch {
		case s.End.After(testNow):
			ongoing++
			if end != nil || !strings.Contains(text, "pushing since") {
				t.Fatalf("an ongoing push: end %v, %q", end, text)
			}
		case end == nil || !end.Equal(s.End) || !strings.Contains(text, s.StopReason):
			t.Fatalf("%s at %s: end %v text %q, want %s and %s", s.Stream, s.Start, end, text, s.End, s.StopReason)
		}
	}
	if ongoing == 0 {
		t.Fatal("the test needs a push still going on")
	}

	// One stream, exactly (room_1 is not room_10).
	r = e.query(t, dq("B", from, to, map[string]any{"queryType": "events", "streamId": "room_01"})).Responses["B"]
	if r.Error != nil || r.Frames[0].Rows() != 8 {
		t.Fatalf("one stream: %v, %d sessions", r.Error, r.Frames[0].Rows())
	}
}

func TestEventsAreRefusedOnTheStatisticsInterface(t *testing.T) {
	legacy := newEnv(t, nil)
	r := legacy.query(t, dq("A", testNow.Add(-time.Hour), testNow, map[string]any{"queryType": "events"})).Responses["A"]
	if r.Status != backend.StatusBadRequest || r.Error == nil || !strings.Contains(r.Error.Error(), "Cloud API 3.0") {
		t.Fatalf("legacy: status %d, %v", r.Status, r.Error)
	}
}
