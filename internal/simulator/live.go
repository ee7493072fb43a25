package simulator

import (
	"math"
	"slices"
	"strconv"
	"time"
)

// LiveInterface is the real-time listing the simulator serves beside the
// history: the streams playing now, paged.
const LiveInterface = "Get_LivePlayStat"

const maxPageSize = 300

func checkLive(get func(string) string) (Request, *answer) {
	req := Request{Interface: LiveInterface, Domain: get("Param.s.domain"), StreamID: get("Param.s.stream_id"), Page: 1, Size: maxPageSize}
	for _, p := range []struct {
		name string
		to   *int
	}{{"page_no", &req.Page}, {"page_size", &req.Size}} {
		raw := get("Param.n." + p.name)
		if raw == "" {
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return req, &answer{Ret: 1204, Message: "invalid input param: " + p.name}
		}
		*p.to = n
	}
	if req.Size > maxPageSize {
		return req, &answer{Ret: 1204, Message: "invalid input param: page_size exceeds 300"}
	}
	return req, nil
}

// LiveNow lists the streams playing now, in the order the simulator pages
// them, with their figures at the current minute.
func (s *Simulator) LiveNow() []Value {
	names := s.Live
	if names == nil {
		names = s.Streams
	}
	m := s.now().Truncate(time.Minute)
	out := make([]Value, len(names))
	for i, n := range names {
		out[i] = Minute(n, m)
	}
	return out
}

// live answers one page of Get_LivePlayStat: stream_count and the totals
// over every stream playing, stream_info for the page asked.
func (s *Simulator) live(req Request) answer {
	names := s.Live
	if names == nil {
		names = s.Streams
	}
	if req.Domain != "" && req.Domain != s.Domain {
		names = nil
	}
	if req.StreamID != "" {
		if !slices.Contains(names, req.StreamID) {
			// A stream that does not play: output is empty.
			return answer{Ret: 0, Message: "query data successfully", Output: ""}
		}
		names = []string{req.StreamID}
	}
	if len(names) == 0 {
		return answer{Ret: 1301, Message: "has not live stream"}
	}
	m := s.now().Truncate(time.Minute)
	var totalBW float64
	var totalOnline int64
	for _, n := range names {
		v := Minute(n, m)
		totalBW += v.Bandwidth
		totalOnline += v.Online
	}
	from := min((req.Page-1)*req.Size, len(names))
	to := min(from+req.Size, len(names))
	info := make([]map[string]any, 0, to-from)
	for _, n := range names[from:to] {
		v := Minute(n, m)
		info = append(info, map[string]any{"stream_name": n, "bandwidth": v.Bandwidth, "online": v.Online})
	}
	return answer{Ret: 0, Message: "query data successfully", Output: map[string]any{
		"stream_count":    len(names),
		"stream_info":     info,
		"total_bandwidth": math.Round(totalBW*1000) / 1000,
		"total_online":    totalOnline,
	}}
}
