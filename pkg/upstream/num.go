package upstream

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseNum reads one figure as both upstreams write them: a JSON number, a
// number in a string, or null or "" for none. Anything else, NaN and the
// infinities included, is an error: a row that carries one is refused,
// never turned into a number an alert could fire on.
func ParseNum(raw []byte) (Num, error) {
	b := bytes.TrimSpace(raw)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return Num{}, nil
	}
	s := string(b)
	if b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return Num{}, err
		}
		if s = strings.TrimSpace(s); s == "" {
			return Num{}, nil
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return Num{}, fmt.Errorf("%s is not a number", Clip(string(b), 40))
	}
	return Num{Value: v, Valid: true}, nil
}
