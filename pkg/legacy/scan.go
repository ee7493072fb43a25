package legacy

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"time"
	"unsafe"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// scanOutput reads an output object of the usual shape: stat_info rows with
// plain string keys whose values are numbers, numeric strings or null, and
// times in TimeLayout. It is what every answer looks like, and it runs in a
// tenth of the time of encoding/json with per-field unmarshallers. Anything
// else (an escape, a value of another type, a time in another format, a
// malformed document) makes it give up with ok false, and the caller reads
// the answer the general way, which also says what was wrong.
func scanOutput(b []byte, loc *time.Location) (points []upstream.Point, sumInfo json.RawMessage, ok bool) {
	s := scanner{b: b}
	points, sumInfo, ok = s.output(loc)
	return points, sumInfo, ok && s.end()
}

// output reads an output object at the scanner's position.
func (s *scanner) output(loc *time.Location) (rows []upstream.Point, sumInfo json.RawMessage, ok bool) {
	b := s.b
	if !s.expect('{') {
		return nil, nil, false
	}
	if s.peek() == '}' {
		s.i++
		return nil, nil, true
	}
	for {
		key, ok := s.key()
		if !ok {
			return nil, nil, false
		}
		switch key {
		case "stat_info":
			if rows, ok = s.statInfo(loc); !ok {
				return nil, nil, false
			}
		case "sum_info":
			start := s.skipSpace()
			if !s.skipValue() {
				return nil, nil, false
			}
			sumInfo = json.RawMessage(b[start:s.i])
		default:
			s.skipSpace()
			if !s.skipValue() {
				return nil, nil, false
			}
		}
		switch s.next() {
		case ',':
			continue
		case '}':
			return rows, sumInfo, true
		}
		return nil, nil, false
	}
}

type scanner struct {
	b []byte
	i int
	// The hour of the last time read, for the next minutes of the same
	// hour: they are that hour's start plus minutes and seconds, without
	// another calendar and zone computation.
	hour      [13]byte // "2006-01-02 15"
	hourStart time.Time
	hourOK    bool
}

// localTime reads a TimeLayout time in loc.
func (s *scanner) localTime(v []byte, loc *time.Location) (time.Time, bool) {
	if s.hourOK && string(v[:13]) == string(s.hour[:]) && v[13] == ':' && v[16] == ':' {
		mi, ok1 := twoDigits(v[14], v[15])
		sec, ok2 := twoDigits(v[17], v[18])
		if ok1 && ok2 && mi <= 59 && sec <= 59 {
			return s.hourStart.Add(time.Duration(mi*60+sec) * time.Second), true
		}
		return time.Time{}, false
	}
	t, ok := parseLayout(v, loc)
	if !ok {
		return t, false
	}
	start := t.Add(-time.Duration(t.Minute()*60+t.Second()) * time.Second)
	// Near a change of the zone's offset, a wall-clock hour may be cut
	// short or repeat (Lord Howe's moves by half an hour, mid-hour): such
	// hours are read minute by minute. Offsets change by at most two hours.
	zs, ze := start.ZoneBounds()
	s.hourOK = (zs.IsZero() || !zs.After(start.Add(-2*time.Hour))) &&
		(ze.IsZero() || !ze.Before(start.Add(3*time.Hour))) &&
		start.Minute() == 0 && start.Second() == 0
	if s.hourOK {
		copy(s.hour[:], v[:13])
		s.hourStart = start
	}
	return t, true
}

func twoDigits(a, b byte) (int, bool) {
	if a < '0' || a > '9' || b < '0' || b > '9' {
		return 0, false
	}
	return int(a-'0')*10 + int(b-'0'), true
}

func (s *scanner) skipSpace() int {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return s.i
		}
	}
	return s.i
}

func (s *scanner) peek() byte {
	s.skipSpace()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) next() byte {
	c := s.peek()
	if c != 0 {
		s.i++
	}
	return c
}

func (s *scanner) expect(c byte) bool { return s.next() == c }

func (s *scanner) end() bool { return s.skipSpace() == len(s.b) }

// str reads a string without escapes and returns its bytes, unquoted.
func (s *scanner) str() ([]byte, bool) {
	if !s.expect('"') {
		return nil, false
	}
	// One pass that finds the closing quote and refuses what this fast
	// path does not handle; the strings here are short keys and values,
	// too short for bytes.IndexByte's call to pay.
	start := s.i
	for i := start; i < len(s.b); i++ {
		switch c := s.b[i]; {
		case c == '"':
			s.i = i + 1
			return s.b[start:i], true
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

// key reads `"name":` and returns the name; a string made of its bytes
// costs nothing here, since it is only compared.
func (s *scanner) key() (string, bool) {
	k, ok := s.str()
	if !ok || !s.expect(':') {
		return "", false
	}
	return unsafe.String(unsafe.SliceData(k), len(k)), true
}

// skipValue passes over any JSON value without checking it closely; the
// value is either re-read by encoding/json (sum_info) or of no interest.
// A scalar ends at the next comma or closing bracket, which is left unread.
func (s *scanner) skipValue() bool {
	s.skipSpace()
	depth := 0
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '"':
			// To the closing quote: the next one not escaped by an odd
			// run of backslashes.
			for {
				s.i++
				q := bytes.IndexByte(s.b[s.i:], '"')
				if q < 0 {
					return false
				}
				s.i += q
				bs := 0
				for j := s.i - 1; j >= 0 && s.b[j] == '\\'; j-- {
					bs++
				}
				if bs%2 == 0 {
					break
				}
			}
			s.i++
			if depth == 0 {
				return true
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return true
			}
			depth--
			s.i++
			if depth == 0 {
				return true
			}
			continue
		case ',':
			if depth == 0 {
				return true
			}
		}
		s.i++
	}
	return depth == 0
}

func (s *scanner) statInfo(loc *time.Location) ([]upstream.Point, bool) {
	if s.peek() == 'n' { // null
		return nil, s.skipValue()
	}
	if !s.expect('[') {
		return nil, false
	}
	points := make([]upstream.Point, 0, 121)
	if s.peek() == ']' {
		s.i++
		return points, true
	}
	for {
		var r rawPoint
		if !s.point(&r, loc) {
			return nil, false
		}
		points = append(points, upstream.Point{Time: r.parsed, Bandwidth: upstream.Num(r.Bandwidth), Online: upstream.Num(r.Online), Flux: upstream.Num(r.Flux)})
		switch s.next() {
		case ',':
			continue
		case ']':
			return points, true
		}
		return nil, false
	}
}

// point reads one stat_info object into p, leaving its time already parsed
// in p.parsed.
func (s *scanner) point(p *rawPoint, loc *time.Location) bool {
	if !s.expect('{') {
		return false
	}
	if s.peek() == '}' {
		s.i++
		return false // no time: let the general reader say so
	}
	for {
		key, ok := s.key()
		if !ok {
			return false
		}
		switch key {
		case "time":
			v, ok := s.str()
			if !ok || len(v) != len(TimeLayout) {
				return false
			}
			t, ok := s.localTime(v, loc)
			if !ok {
				return false
			}
			p.parsed, p.hasTime = t, true
		case "bandwidth":
			if !s.num(&p.Bandwidth) {
				return false
			}
		case "online":
			if !s.num(&p.Online) {
				return false
			}
		case "flux":
			if !s.num(&p.Flux) {
				return false
			}
		default:
			s.skipSpace()
			if !s.skipValue() {
				return false
			}
		}
		switch s.next() {
		case ',':
			continue
		case '}':
			return p.hasTime
		}
		return false
	}
}

// num reads a number, a numeric string, null or "".
func (s *scanner) num(n *flexNum) bool {
	switch s.peek() {
	case 'n':
		if len(s.b)-s.i >= 4 && string(s.b[s.i:s.i+4]) == "null" {
			s.i += 4
			*n = flexNum{}
			return true
		}
		return false
	case '"':
		v, ok := s.str()
		if !ok {
			return false
		}
		if len(v) == 0 {
			*n = flexNum{}
			return true
		}
		return parseNum(v, n)
	}
	// The usual number is read as it is scanned; anything else (a sign,
	// an exponent, many digits) goes to parseNum.
	start := s.i
	v, end, simple := decimalPrefix(s.b[start:])
	s.i = start + end
	if simple {
		*n = flexNum{Value: v, Valid: true}
		return true
	}
	return parseNum(s.b[start:s.i], n)
}

// decimalPrefix reads the number-looking bytes at the start of b (digits,
// signs, points, exponents) and says how many there are. simple says they
// are digits with at most one point and at most 15 significant digits, the
// form every statistic takes; then v is their value. Both the digits and
// the power of ten are exact in a float64, so the one division is
// correctly rounded: what strconv.ParseFloat gives, in a fraction of the time.
func decimalPrefix(b []byte) (v float64, end int, simple bool) {
	var m uint64
	digits, frac, dot := 0, 0, false
	simple = true
loop:
	for ; end < len(b); end++ {
		switch c := b[end]; {
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
			if m != 0 {
				digits++
			}
			if dot {
				frac++
			}
		case c == '.' && !dot:
			dot = true
		case c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E':
			simple = false
		default:
			break loop
		}
	}
	if !simple || end == 0 || digits > 15 || frac >= len(pow10) || (dot && end == 1) {
		return 0, end, false
	}
	return float64(m) / pow10[frac], end, true
}

// pow10 are the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// simpleDecimal reads b whole as an optionally negative decimalPrefix.
func simpleDecimal(b []byte) (float64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	v, end, ok := decimalPrefix(b)
	if !ok || end != len(b) {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

func parseNum(b []byte, n *flexNum) bool {
	if len(b) == 0 {
		return false
	}
	if v, ok := simpleDecimal(b); ok {
		*n = flexNum{Value: v, Valid: true}
		return true
	}
	v, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(b), len(b)), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return false
	}
	*n = flexNum{Value: v, Valid: true}
	return true
}

// scanEnvelope reads the top level of an answer of the usual shape: plain
// keys, ret and retcode as numbers or numeric strings, message and errmsg
// as strings without escapes. It gives up (ok false) on anything else, for
// encoding/json to read.
func scanEnvelope(b []byte, loc *time.Location) (env envelope, ok bool) {
	s := scanner{b: b}
	if !s.expect('{') {
		return env, false
	}
	if s.peek() == '}' {
		s.i++
		return env, s.end()
	}
	for {
		key, ok := s.key()
		if !ok {
			return env, false
		}
		switch key {
		case "ret", "retcode":
			var n flexNum
			if !s.num(&n) {
				return env, false
			}
			if key == "ret" {
				env.Ret = &n
			} else {
				env.RetCode = &n
			}
		case "message", "errmsg":
			v, ok := s.str()
			if !ok {
				return env, false
			}
			if key == "message" {
				env.Message = string(v)
			} else {
				env.ErrMsg = string(v)
			}
		case "output":
			// An object is read where it stands, in the one pass; an
			// array or anything else is left for parseOutputs.
			start := s.skipSpace()
			if s.peek() == '{' {
				points, sum, ok := s.output(loc)
				if !ok {
					return env, false
				}
				env.scanned = &output{points: points, scanned: true, sumInfo: sum}
			} else if !s.skipValue() {
				return env, false
			}
			env.Output = json.RawMessage(b[start:s.i])
		default:
			s.skipSpace()
			if !s.skipValue() {
				return env, false
			}
		}
		switch s.next() {
		case ',':
			continue
		case '}':
			return env, s.end()
		}
		return env, false
	}
}
