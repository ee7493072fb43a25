package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/plugin"
)

// Stream discovery through the built binary: a variable query, the editor's
// resource and the live query see the same streams the upstream lists,
// every page of them, for one listing a minute.
func TestStreamDiscoveryOverThePluginProtocol(t *testing.T) {
	h := start(t)
	h.sim.Streams = nil
	for i := range 340 { // two pages
		h.sim.Streams = append(h.sim.Streams, fmt.Sprintf("room_%03d", i))
	}
	s := h.settings(cmd, key, nil)
	now := time.Now()
	model := fmt.Sprintf(`{"queryType":"streams","domain":%q,"filter":"^room_0[0-4]","orderBy":"name"}`, domain)
	resp := h.query(t, s, q("V", now.Add(-time.Hour), now, model),
		q("L", now.Add(-time.Hour), now, fmt.Sprintf(`{"queryType":"live","domain":%q}`, domain)))
	v, l := resp.Responses["V"], resp.Responses["L"]
	if v.Error != nil || l.Error != nil {
		t.Fatalf("%v / %v", v.Error, l.Error)
	}
	var got []string
	for i := range v.Frames[0].Rows() {
		got = append(got, v.Frames[0].Fields[0].At(i).(string))
	}
	var want []string
	for _, st := range h.sim.Streams {
		if st < "room_050" {
			want = append(want, st)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("variable: %d values, want %d (%v…)", len(got), len(want), got[:min(3, len(got))])
	}
	if l.Frames[0].Rows() != 340 {
		t.Fatalf("live: %d rows, want 340", l.Frames[0].Rows())
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := h.plugin.CallResource(ctx, s, "streams?domain="+domain)
	if err != nil {
		t.Fatal(err)
	}
	var list []plugin.StreamSuggestion
	if err := json.Unmarshal(r.Body, &list); r.Status != http.StatusOK || err != nil || len(list) != 340 {
		t.Fatalf("resource: %d, %d streams, %v: %.200s", r.Status, len(list), err, r.Body)
	}
	if strings.Contains(string(r.Body), key) {
		t.Fatal("the resource answer carries the key")
	}
	// Two pages for the one listing, unless the minute turned in between.
	if calls := h.sim.Calls(); calls != 2 && calls != 4 {
		t.Fatalf("%d upstream calls for two queries and a resource call, want one listing of 2 pages", calls)
	}

	bad := h.settings(cmd, "0000000000000000000000000000beef", nil)
	r, err = h.plugin.CallResource(ctx, bad, "streams")
	if err != nil || r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), "key") {
		t.Fatalf("a wrong key: %v %d %s", err, r.Status, r.Body)
	}
}
