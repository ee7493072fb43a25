package simulator

import (
	"hash/fnv"
	"slices"
	"strings"
	"time"
)

// Play error counts, as DescribePlayErrorCodeDetailInfoList documents them:
// per minute, the last day only, a day a request, a minute without errors
// answered as 0.
const ErrorRetention = 24 * time.Hour

// ErrorCount is the simulator's count of one error class ("4xx", "5xx")
// in the minute at m of the domain: about 2 % of requests end in 4xx and
// 0.5 % in 5xx, with quiet minutes at 0 and a burst of 5xx now and then.
func (c *CloudAPI) ErrorCount(class string, m time.Time) int64 {
	n := c.errorCount(class, m)
	if c.ErrorShape != nil {
		return c.ErrorShape(class, m, n)
	}
	return n
}

func (c *CloudAPI) errorCount(class string, m time.Time) int64 {
	v, ok := shape(c.Shape, m, ServiceTotal(c.Streams, "", m))
	if !ok {
		return 0
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(class + m.UTC().Format(time.RFC3339))) // a hash never fails to write
	r := h.Sum64() % 100
	switch class {
	case "4xx":
		if r < 10 {
			return 0
		}
		return v.Requests/50 + int64(r%7)
	case "5xx":
		if r < 40 {
			return 0
		}
		n := v.Requests/200 + int64(r%3)
		if r >= 97 {
			n += 80 // a burst an alert rule should catch
		}
		return n
	}
	return 0
}

// ExpectedErrors is every minute of [from, to) up to the newest the API
// has, with class's count.
func (c *CloudAPI) ExpectedErrors(class string, from, to time.Time) []Value {
	newest := c.now().Add(-CloudDelay).Truncate(time.Minute)
	var out []Value
	for m := ceilTo(from, time.Minute); m.Before(to) && !m.After(newest); m = m.Add(time.Minute) {
		out = append(out, Value{Time: m, Requests: c.ErrorCount(class, m)})
	}
	return out
}

// errorsAnswer serves DescribePlayErrorCodeDetailInfoList.
func (c *CloudAPI) errorsAnswer(p params, now time.Time) (map[string]any, *cloudError) {
	start, end, err := p.span()
	classes := strings.Split(strings.ReplaceAll(p.str("StatType"), " ", ""), ",")
	domains := p.list("PlayDomains")
	g := p.num("Granularity", 0)
	switch {
	case err != nil:
		return nil, &cloudError{"InvalidParameter", "StartTime and EndTime must be YYYY-MM-DD hh:mm:ss or ISO 8601"}
	case g != 1:
		return nil, &cloudError{"InvalidParameterValue", "Granularity must be 1"}
	case slices.ContainsFunc(classes, func(s string) bool { return s != "4xx" && s != "5xx" }):
		return nil, &cloudError{"InvalidParameterValue", "StatType must be 4xx, 5xx or 4xx,5xx"}
	case end.Before(start):
		return nil, &cloudError{"InvalidParameterValue", "EndTime is before StartTime"}
	case end.Sub(start) > 24*time.Hour:
		return nil, &cloudError{"InvalidParameter", "the time span exceeds one day"}
	case start.Before(now.Add(-ErrorRetention)):
		return nil, &cloudError{"InvalidParameter", "only the last day can be queried"}
	}
	list := []map[string]any{}
	for _, class := range classes {
		values := []map[string]any{}
		if len(domains) == 0 || slices.Contains(domains, c.Domain) {
			for _, v := range c.ExpectedErrors(class, start, end.Add(time.Second)) {
				values = append(values, map[string]any{"Time": v.Time.In(Beijing).Format(cloudLayout), "Numbers": v.Requests, "Percentage": 0})
			}
		}
		list = append(list, map[string]any{"HttpCode": class, "ValueList": values})
	}
	return map[string]any{"HttpCodeList": list}, nil
}
