package legacy_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/legacy"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// Every page of the listing is fetched, in order, and the streams and
// figures are the upstream's.
func TestLivePlayStatReadsEveryPage(t *testing.T) {
	sim, ep := startSim(t)
	sim.Streams = nil
	for i := range 650 {
		sim.Streams = append(sim.Streams, fmt.Sprintf("s%03d", i))
	}
	snap, err := newClient(t, ep, testKey).LivePlayStat(context.Background(), "play.example.com")
	if err != nil {
		t.Fatal(err)
	}
	want := sim.LiveNow()
	if len(snap.Streams) != len(want) || snap.StreamCount != 650 || snap.Pages != 3 || snap.Truncated || snap.DomainIgnored {
		t.Fatalf("%d streams in %d pages (count %d, truncated %v, domain ignored %v), want 650 in 3",
			len(snap.Streams), snap.Pages, snap.StreamCount, snap.Truncated, snap.DomainIgnored)
	}
	var total float64
	for i, s := range snap.Streams {
		if s.Name != sim.Streams[i] || s.Bandwidth.Value != want[i].Bandwidth || int64(s.Online.Value) != want[i].Online {
			t.Fatalf("stream %d: %+v, want %s %+v", i, s, sim.Streams[i], want[i])
		}
		total += s.Bandwidth.Value
	}
	if abs(snap.TotalBandwidth.Value-total) > 0.01 {
		t.Fatalf("total bandwidth %v, the streams sum to %v", snap.TotalBandwidth.Value, total)
	}
	var pages []int
	for _, r := range sim.Requests() {
		if r.Interface != legacy.LiveInterface || r.Size != legacy.MaxPageSize || r.Domain != "play.example.com" {
			t.Fatalf("request %+v", r)
		}
		pages = append(pages, r.Page)
	}
	if fmt.Sprint(pages) != "[1 2 3]" {
		t.Fatalf("pages asked: %v", pages)
	}
}

// Nothing playing is an empty list, whichever way the upstream says it.
func TestLivePlayStatNothingPlaying(t *testing.T) {
	sim, ep := startSim(t)
	sim.Live = []string{}
	snap, err := newClient(t, ep, testKey).LivePlayStat(context.Background(), "")
	if err != nil || len(snap.Streams) != 0 {
		t.Fatalf("%+v, %v", snap, err)
	}
	// Another domain has nothing playing either.
	sim.Live = nil
	snap, err = newClient(t, ep, testKey).LivePlayStat(context.Background(), "other.example.com")
	if err != nil || len(snap.Streams) != 0 {
		t.Fatalf("%+v, %v", snap, err)
	}
}

// An upstream that refuses the domain parameter still lists the streams,
// and the snapshot says the domain was not applied.
func TestLivePlayStatWithoutDomainSupport(t *testing.T) {
	sim, _ := startSim(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("Param.s.domain") {
			fmt.Fprint(w, `{"ret":1204,"message":"invalid input param"}`)
			return
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	snap, err := newClient(t, srv.URL, testKey).LivePlayStat(context.Background(), "play.example.com")
	if err != nil || len(snap.Streams) != 2 || !snap.DomainIgnored {
		t.Fatalf("%+v, %v", snap, err)
	}
}

// Refusals are the same typed errors as the history's, without the key.
func TestLivePlayStatErrors(t *testing.T) {
	_, ep := startSim(t)
	_, err := newClient(t, ep, "wrong-key").LivePlayStat(context.Background(), "")
	if upstream.KindOf(err) != upstream.KindCredentials || strings.Contains(err.Error(), "wrong-key") {
		t.Fatalf("%v", err)
	}
}

// Odd shapes: output as a one-element array, numbers as strings, a row
// without a name (counted, not shown).
func TestLivePlayStatTolerantParsing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"ret":0,"message":"ok","output":[{"stream_count":"3","total_bandwidth":"3.5","total_online":12,
			"stream_info":[{"stream_name":"a","bandwidth":"1.5","online":"5"},{"bandwidth":1},{"stream_name":"b","bandwidth":null,"online":7}]}]}`)
	}))
	t.Cleanup(srv.Close)
	snap, err := newClient(t, srv.URL, testKey).LivePlayStat(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Streams) != 2 || snap.Rejected != 1 || snap.Streams[0].Bandwidth.Value != 1.5 || snap.Streams[1].Bandwidth.Valid ||
		snap.StreamCount != 3 || snap.TotalOnline.Value != 12 {
		t.Fatalf("%+v", snap)
	}
}
