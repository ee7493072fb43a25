// Package upstream is what both of Tencent's interfaces have in common,
// and what the rest of the plugin speaks: the query of one window, the
// figures of a minute (a number that may be absent), the answer for a
// window, the streams playing now, how a request that failed in a way that
// may pass is tried again, and how an endpoint URL is checked and echoed.
// The clients of the two interfaces (packages legacy and cloudapi) answer
// in these types; nothing here knows either interface or Grafana.
package upstream

import (
	"fmt"
	"time"
)

// Num is a statistic that may be absent: the upstream sometimes sends null
// or an empty string, and a gap must stay a gap rather than become a zero.
type Num struct {
	Value float64
	Valid bool
}

// Point is one minute of playback statistics.
type Point struct {
	Time      time.Time
	Bandwidth Num // Mbps
	Online    Num // viewers
	Flux      Num // MB
	// Requests is the playback requests of the minute; only Cloud API 3.0
	// reports it.
	Requests Num
}

// Result is the answer for one window.
type Result struct {
	Points  []Point
	SumFlux Num  // the upstream's total for the window, MB (the legacy sum_info.sum_flux)
	Empty   bool // the upstream said there is no data
	// NoSumInfo says the upstream never gives window totals (Cloud API
	// 3.0): the minutes' flux is the total, and nothing is missing.
	NoSumInfo bool
	// Rejected counts rows that could not be read (a time or a
	// number that is not one); RejectedExample says what the first was.
	// The rows that could be read are kept: one bad row must not cost the
	// other 119 minutes of a window, nor go unmentioned.
	Rejected        int
	RejectedExample string
}

// Query selects one window of statistics: [Start, End), whole seconds,
// half-open like every range in the plugin. Both APIs take an inclusive
// end time, which is Last.
type Query struct {
	Start  time.Time
	End    time.Time
	Domain string // empty: every domain of the account
	// ServiceName is Cloud API 3.0's service (LVB standard live, LEB fast
	// live); empty: both, and always for the legacy interface.
	ServiceName string
	StreamID    string // empty: the total of all streams
}

// Last is the last second q asks for: the end time both APIs take.
func (q Query) Last() time.Time { return q.End.Add(-time.Second) }

// CheckSpan refuses a query the APIs would: one whose last second is not
// after its first.
func (q Query) CheckSpan() error {
	if !q.Last().After(q.Start) {
		return fmt.Errorf("window [%s, %s) ends before its second second", q.Start.Format(time.DateTime), q.End.Format(time.DateTime))
	}
	return nil
}

// MaxLiveStreams is the most streams one listing keeps, whichever upstream
// answers it: far more than a dashboard variable can show.
const MaxLiveStreams = 30_000

// LiveStream is one stream playing now.
type LiveStream struct {
	Name string
	// Domain is the playback domain the upstream names for the stream;
	// empty when it names none (the legacy listing never does).
	Domain    string
	Bandwidth Num // Mbps
	Online    Num // viewers
}

// Snapshot is the account's streams playing now.
type Snapshot struct {
	Streams        []LiveStream
	TotalBandwidth Num // Mbps, over the whole APPID
	TotalOnline    Num
	// StreamCount is how many streams the upstream says play now; more
	// than len(Streams) when the listing stopped at MaxLiveStreams.
	StreamCount int
	Pages       int
	// Truncated says the listing stopped at its bound (MaxLiveStreams).
	Truncated bool
	// Repeated counts rows of streams already listed on an earlier page,
	// left out (a server that ignores page_no repeats its first page).
	Repeated int
	// DomainIgnored says the upstream refused the domain as a parameter,
	// so the list is the whole APPID's.
	DomainIgnored bool
	// Rejected counts rows without a stream name or with a figure that is
	// not a number.
	Rejected int
}
