package simulator

import (
	"hash/fnv"
	"slices"
	"strings"
	"time"
)

// Push sessions, as DescribeLiveStreamEventList documents them: times in
// UTC, within 60 days, 30 days a request, pages of at most 100, no more
// than 10 000 records reachable.
const (
	EventRetention = 60 * 24 * time.Hour
	EventSpan      = 30 * 24 * time.Hour
	eventBlock     = 6 * time.Hour
)

// StopReasons are the reasons Tencent gives a push's end.
var StopReasons = []string{"主动断流", "推流超时", "服务端断流"}

// Session is one push session of a stream.
type Session struct {
	Stream     string
	Start, End time.Time // End after the simulator's now: still pushing
	StopReason string
}

func hashOf(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s)) // a hash never fails to write
	return h.Sum64()
}

// Sessions are every stream's push sessions that started in [from, to):
// one in each six hours, starting within its first hour and lasting one
// to five hours, sorted by start.
func (c *CloudAPI) Sessions(from, to time.Time) []Session {
	var out []Session
	for _, s := range c.Streams {
		for b := from.UTC().Truncate(eventBlock); b.Before(to); b = b.Add(eventBlock) {
			h := hashOf(s + b.Format(time.RFC3339))
			start := b.Add(time.Duration(h%3600) * time.Second)
			if start.Before(from) || !start.Before(to) {
				continue
			}
			end := start.Add(time.Hour + time.Duration(h/3600%(4*3600))*time.Second)
			out = append(out, Session{Stream: s, Start: start, End: end, StopReason: StopReasons[h/7%uint64(len(StopReasons))]})
		}
	}
	slices.SortStableFunc(out, func(a, b Session) int { return a.Start.Compare(b.Start) })
	return out
}

// eventsAnswer serves DescribeLiveStreamEventList.
func (c *CloudAPI) eventsAnswer(p params, now time.Time) (map[string]any, *cloudError) {
	str, num := p.str, p.num
	start, err1 := time.Parse(time.RFC3339, str("StartTime"))
	end, err2 := time.Parse(time.RFC3339, str("EndTime"))
	size, page := num("PageSize", 10), num("PageNum", 1)
	switch {
	case err1 != nil || err2 != nil || !strings.HasSuffix(str("StartTime"), "Z"):
		return nil, &cloudError{"InvalidParameter", "StartTime and EndTime must be UTC, such as 2019-01-08T10:00:00Z"}
	case end.Before(start):
		return nil, &cloudError{"InvalidParameterValue", "EndTime is before StartTime"}
	case end.Sub(start) > EventSpan:
		return nil, &cloudError{"InvalidParameter", "the time span exceeds 30 days"}
	case start.Before(now.Add(-EventRetention)):
		return nil, &cloudError{"InvalidParameter", "StartTime is more than 60 days ago"}
	case end.After(now.Add(time.Minute)):
		return nil, &cloudError{"InvalidParameter", "EndTime is in the future"}
	case size < 1 || size > 100 || page < 1:
		return nil, &cloudError{"InvalidParameterValue", "PageSize is 1 to 100, PageNum from 1"}
	case page*size > 10_000:
		return nil, &cloudError{"InvalidParameter", "at most 10 000 records can be reached"}
	}
	domain, stream := str("DomainName"), str("StreamName")
	var list []Session
	if domain == "" || domain == c.Domain {
		for _, s := range c.Sessions(start, end.Add(time.Second)) {
			if stream != "" && ((num("IsStrict", 0) == 1 && s.Stream != stream) || !strings.Contains(s.Stream, stream)) {
				continue
			}
			list = append(list, s)
		}
	}
	if num("IsAsc", 0) != 1 {
		slices.Reverse(list)
	}
	total := len(list)
	pages := (total + size - 1) / size
	from := min((page-1)*size, total)
	rows := []map[string]any{}
	for _, s := range list[from:min(from+size, total)] {
		row := map[string]any{"AppName": "live", "DomainName": c.Domain, "StreamName": s.Stream,
			"StreamStartTime": s.Start.UTC().Format(time.RFC3339), "StreamEndTime": "", "StopReason": "",
			"Duration": 0, "ClientIp": "203.0.113.7", "Resolution": "1920*1080"}
		if !s.End.After(now) {
			row["StreamEndTime"] = s.End.UTC().Format(time.RFC3339)
			row["StopReason"] = s.StopReason
			row["Duration"] = int(s.End.Sub(s.Start) / time.Second)
		}
		rows = append(rows, row)
	}
	return map[string]any{"EventList": rows, "PageNum": page, "PageSize": size, "TotalNum": total, "TotalPage": pages}, nil
}
