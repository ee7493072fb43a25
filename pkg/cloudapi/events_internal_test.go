package cloudapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// How many pages there are, whichever of TotalPage and TotalNum an answer
// gives, or neither; a session that cannot be read is counted, not kept.
func TestEventPagesAreCountedWhateverTheAnswerSays(t *testing.T) {
	page := func(n int, extra string) json.RawMessage {
		rows := make([]string, n)
		for i := range rows {
			rows[i] = fmt.Sprintf(`{"StreamName":"s%d","StreamStartTime":"2026-11-28T10:00:00Z","StreamEndTime":"2026-11-28T11:00:00Z","StopReason":"主动断流"}`, i)
		}
		return json.RawMessage(`{"EventList":[` + strings.Join(rows, ",") + `]` + extra + `}`)
	}
	for _, tc := range []struct {
		name      string
		raw       json.RawMessage
		pages     int
		more      bool // whether the client asks for the next page after page 1
		sessions  int
		rejected  int
		totalSeen int
	}{
		{"TotalPage", page(100, `,"TotalNum":250,"TotalPage":3`), 3, true, 100, 0, 250},
		{"TotalNum only", page(100, `,"TotalNum":250`), 3, true, 100, 0, 250},
		{"neither, a full page", page(100, ``), 0, true, 100, 0, 0},
		{"neither, the last page", page(7, ``), 0, false, 7, 0, 0},
		{"a row without a stream", json.RawMessage(`{"EventList":[{"StreamStartTime":"2026-11-28T10:00:00Z"}],"TotalNum":1,"TotalPage":1}`), 1, false, 0, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e Events
			pages, got, err := e.read(tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			more := !lastPage(1, pages, got)
			if pages != tc.pages || more != tc.more || len(e.List) != tc.sessions || e.Rejected != tc.rejected || e.Total != tc.totalSeen {
				t.Fatalf("pages %d more %v sessions %d rejected %d total %d", pages, more, len(e.List), e.Rejected, e.Total)
			}
		})
	}
	if _, _, err := new(Events).read(json.RawMessage(`{"TotalNum":3}`)); err == nil {
		t.Fatal("an answer without EventList was taken as no sessions")
	}
}
