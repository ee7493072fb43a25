package legacy

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	// A well-kept drop-in for encoding/json, three times as fast on these
	// answers (BenchmarkParseResponse): a 15-day export reads 3 600 of them.
	json "github.com/goccy/go-json"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// TimeLayout is the layout of stat_info.time in Tencent's examples.
const TimeLayout = "2006-01-02 15:04:05"

// flexNum accepts a JSON number, a numeric string, null or "".
type flexNum upstream.Num

func (n *flexNum) UnmarshalJSON(b []byte) error {
	v, err := upstream.ParseNum(b)
	*n = flexNum(v)
	return err
}

type rawPoint struct {
	Time      json.RawMessage `json:"time"`
	Bandwidth flexNum         `json:"bandwidth"`
	Online    flexNum         `json:"online"`
	Flux      flexNum         `json:"flux"`
}

type rawSum struct {
	SumFlux flexNum `json:"sum_flux"`
}

type rawOutput struct {
	StatInfo []rawPoint      `json:"stat_info"`
	SumInfo  json.RawMessage `json:"sum_info"`
}

// looseOutput is read when rawOutput fails, to tell the bad rows from the good.
type looseOutput struct {
	StatInfo []json.RawMessage `json:"stat_info"`
	SumInfo  json.RawMessage   `json:"sum_info"`
}

type envelope struct {
	Ret     *flexNum        `json:"ret"`
	RetCode *flexNum        `json:"retcode"`
	Message string          `json:"message"`
	ErrMsg  string          `json:"errmsg"`
	Output  json.RawMessage `json:"output"`
}

// notJSON is the error for a body that is not JSON: a front-door refusal
// in plain text, or something else entirely.
func notJSON(body []byte, err error) error {
	if e := classify(-1, string(body)); e != nil && e.Kind != upstream.KindOther {
		e.Ret, e.Message = 0, strings.TrimSpace(upstream.Clip(string(body), 60))
		return e
	}
	return &Error{Kind: upstream.KindBadResponse, Detail: "not JSON: " + describeBody(body), Transient: true, Err: err}
}

// status reads ret (or retcode) and message (or errmsg); an answer without
// a ret is a front-door refusal when its message says so, else broken.
func (env envelope) status(body []byte) (int, string, error) {
	ret := env.Ret
	if ret == nil {
		ret = env.RetCode
	}
	msg := env.Message
	if msg == "" {
		msg = env.ErrMsg
	}
	if ret == nil || !ret.Valid {
		if e := classify(-1, msg); e != nil && e.Kind != upstream.KindOther {
			e.Ret = 0
			return 0, msg, e
		}
		return 0, msg, &Error{Kind: upstream.KindBadResponse, Detail: "no ret field: " + describeBody(body)}
	}
	return int(ret.Value), msg, nil
}

// ParseResponse decodes a response body. Times without a zone are read in loc.
func ParseResponse(body []byte, loc *time.Location) (*upstream.Result, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, notJSON(body, err)
	}
	code, msg, err := env.status(body)
	if err != nil {
		return nil, err
	}
	if e := classify(code, msg); e != nil {
		return nil, e
	}
	if code == RetEmpty || isEmptyJSON(env.Output) {
		return &upstream.Result{Empty: true}, nil
	}

	outputs, err := parseOutputs(env.Output, loc)
	if err != nil {
		return nil, &Error{Kind: upstream.KindBadResponse, Detail: "output: " + err.Error(), Err: err}
	}
	n := 0
	for _, out := range outputs {
		n += len(out.rows)
	}
	res := &upstream.Result{Points: make([]upstream.Point, 0, n)}
	reject := func(i int, err error) {
		if res.Rejected == 0 {
			res.RejectedExample = fmt.Sprintf("stat_info[%d]: %v", i, err)
		}
		res.Rejected++
	}
	for _, out := range outputs {
		for i, row := range out.rows {
			if row.err != nil {
				reject(i, row.err)
				continue
			}
			t, err := parseTime(row.p.Time, loc)
			if err != nil {
				reject(i, fmt.Errorf("time: %w", err))
				continue
			}
			res.Points = append(res.Points, upstream.Point{
				Time:      t,
				Bandwidth: upstream.Num(row.p.Bandwidth),
				Online:    upstream.Num(row.p.Online),
				Flux:      upstream.Num(row.p.Flux),
			})
		}
		sum, err := parseSum(out.sumInfo)
		if err != nil {
			return nil, &Error{Kind: upstream.KindBadResponse, Detail: "sum_info: " + err.Error(), Err: err}
		}
		if sum.Valid {
			res.SumFlux = upstream.Num{Value: res.SumFlux.Value + sum.Value, Valid: true}
		}
	}
	if len(res.Points) == 0 && res.Rejected > 0 {
		// Nothing usable at all is a broken answer, not a partial one.
		return nil, &Error{Kind: upstream.KindBadResponse, Detail: fmt.Sprintf("none of the %d stat_info rows could be read; %s", res.Rejected, res.RejectedExample)}
	}
	res.Empty = len(res.Points) == 0
	return res, nil
}

// output is one element of output, its rows read one by one.
type output struct {
	rows    []row
	sumInfo json.RawMessage
}

type row struct {
	p   rawPoint
	err error
}

// parseOutputs reads output as the object every known caller sees, or as
// the array the seed's table calls it, of such objects.
func parseOutputs(raw json.RawMessage, loc *time.Location) ([]output, error) {
	raw = bytes.TrimSpace(raw)
	if raw[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, err
		}
		outs := make([]output, 0, len(items))
		for _, item := range items {
			out, err := parseOutput(item, loc)
			if err != nil {
				return nil, err
			}
			outs = append(outs, out)
		}
		return outs, nil
	}
	out, err := parseOutput(raw, loc)
	return []output{out}, err
}

// parseOutput reads an output with encoding/json, every row at once, and
// only when that fails row by row, to keep the good rows and count the bad.
func parseOutput(raw json.RawMessage, loc *time.Location) (output, error) {
	var fast rawOutput
	if err := json.Unmarshal(raw, &fast); err == nil {
		rows := make([]row, len(fast.StatInfo))
		for i := range fast.StatInfo {
			rows[i].p = fast.StatInfo[i]
		}
		return output{rows: rows, sumInfo: fast.SumInfo}, nil
	}
	var loose looseOutput
	if err := json.Unmarshal(raw, &loose); err != nil {
		return output{}, err
	}
	rows := make([]row, len(loose.StatInfo))
	for i, item := range loose.StatInfo {
		if err := json.Unmarshal(item, &rows[i].p); err != nil {
			rows[i].err = err
		}
	}
	return output{rows: rows, sumInfo: loose.SumInfo}, nil
}

// parseSum reads sum_info as documented ("array") or as callers see it (an object).
func parseSum(raw json.RawMessage) (upstream.Num, error) {
	raw = bytes.TrimSpace(raw)
	if isEmptyJSON(raw) {
		return upstream.Num{}, nil
	}
	if raw[0] == '[' {
		var items []rawSum
		if err := json.Unmarshal(raw, &items); err != nil {
			return upstream.Num{}, err
		}
		if len(items) != 1 {
			return upstream.Num{}, fmt.Errorf("expected one element, got %d", len(items))
		}
		return upstream.Num(items[0].SumFlux), nil
	}
	var s rawSum
	if err := json.Unmarshal(raw, &s); err != nil {
		return upstream.Num{}, err
	}
	return upstream.Num(s.SumFlux), nil
}

func parseTime(raw json.RawMessage, loc *time.Location) (time.Time, error) {
	raw = bytes.TrimSpace(raw)
	// Nearly every time is a plain quoted "YYYY-MM-DD HH:MM:SS": read it
	// without the general decoders, which cost a third of a window's parse.
	if len(raw) == len(TimeLayout)+2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		if t, ok := parseLayout(raw[1:len(raw)-1], loc); ok {
			return t, nil
		}
	}
	s := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, err
		}
		s = strings.TrimSpace(s)
	}
	if s == "" || s == "null" {
		return time.Time{}, fmt.Errorf("missing")
	}
	if isDigits(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, err
		}
		if n > 1e11 { // milliseconds: no statistic dates from the year 5138
			return time.UnixMilli(n), nil
		}
		return time.Unix(n, 0), nil
	}
	if t, err := time.ParseInLocation(TimeLayout, s, loc); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02 15:04", s, loc); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%s is neither %q, Unix seconds nor RFC 3339", upstream.Clip(s, 40), TimeLayout)
}

// parseLayout reads b as TimeLayout, strictly: every digit where the layout
// has one, the separators where it has them, and fields in range.
func parseLayout(b []byte, loc *time.Location) (time.Time, bool) {
	num := func(i, n int) (int, bool) {
		v := 0
		for _, c := range b[i : i+n] {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	if b[4] != '-' || b[7] != '-' || b[10] != ' ' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 2)
	d, ok3 := num(8, 2)
	h, ok4 := num(11, 2)
	mi, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, loc)
	if t.Day() != d { // 31 April and the like roll over; leave them to time.Parse to reject
		return time.Time{}, false
	}
	return t, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isEmptyJSON(raw json.RawMessage) bool {
	switch string(bytes.TrimSpace(raw)) {
	case "", "null", "[]", "{}", `""`:
		return true
	}
	return false
}

func describeBody(body []byte) string {
	if len(bytes.TrimSpace(body)) == 0 {
		return "the body is empty"
	}
	return fmt.Sprintf("%d bytes starting %q", len(body), upstream.Clip(string(body), 60))
}
