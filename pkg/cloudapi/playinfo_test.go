package cloudapi

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// A listing of 200 000 streams keeps the busiest upstream.MaxLiveStreams
// and says it was cut; rows with a figure that is not one are counted,
// never summed into the totals.
func TestAHugeListingIsCutAndSaysSo(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"DataInfoList":[`)
	const n = 200_000
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"PlayDomain":"play.example.com","StreamName":"s%06d","Bandwidth":%d,"Online":1}`, i, i)
	}
	b.WriteString(`,{"PlayDomain":"play.example.com","StreamName":"nan","Bandwidth":"NaN","Online":1}]}`)
	snap, err := parseAllPlay([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Streams) != upstream.MaxLiveStreams || !snap.Truncated || snap.StreamCount != n || snap.Rejected != 1 {
		t.Fatalf("%d streams of %d, truncated %v, rejected %d", len(snap.Streams), snap.StreamCount, snap.Truncated, snap.Rejected)
	}
	// The busiest are kept: the quietest kept has more bandwidth than any left out.
	least := snap.Streams[0].Bandwidth.Value
	for _, s := range snap.Streams {
		least = min(least, s.Bandwidth.Value)
	}
	if least != n-upstream.MaxLiveStreams {
		t.Fatalf("the quietest stream kept has %v Mbps", least)
	}
	if snap.TotalOnline.Value != n {
		t.Fatalf("total online %v: the refused row was counted", snap.TotalOnline.Value)
	}
}
