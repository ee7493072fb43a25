package simulator

import "time"

// cloudLayout is the API's time without a zone, Beijing time.
const cloudLayout = "2006-01-02 15:04:05"

// params are a request's JSON parameters, read leniently: a missing or
// mistyped one reads as empty, and the action says what it lacks.
type params map[string]any

func (p params) str(k string) string { v, _ := p[k].(string); return v }

// list is an array parameter's strings (PlayDomains.N and the like).
func (p params) list(k string) []string {
	var out []string
	if raw, ok := p[k].([]any); ok {
		for _, v := range raw {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// num is a number parameter, or def when there is none.
func (p params) num(k string, def int) int {
	if f, ok := p[k].(float64); ok {
		return int(f)
	}
	return def
}

// span reads StartTime and EndTime in either of the API's formats.
func (p params) span() (start, end time.Time, err error) {
	if start, err = cloudTime(p.str("StartTime")); err != nil {
		return
	}
	end, err = cloudTime(p.str("EndTime"))
	return
}

// monthOldest is the oldest time a month-keeping action answers at now:
// the same day a calendar month back, and never more than CloudRetention.
func monthOldest(now time.Time) time.Time {
	oldest := monthBack(now.In(Beijing))
	if o := now.Add(-CloudRetention); o.After(oldest) {
		oldest = o
	}
	return oldest
}
