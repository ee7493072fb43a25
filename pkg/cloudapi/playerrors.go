package cloudapi

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// ActionPlayErrors is the per-minute counts of playback requests answered
// with an HTTP error class.
const ActionPlayErrors = "DescribePlayErrorCodeDetailInfoList"

// Error classes, as the API names them (StatType).
const (
	Class4xx = "4xx"
	Class5xx = "5xx"
)

// ErrorClasses lists the classes in the order they are answered.
var ErrorClasses = []string{Class4xx, Class5xx}

// ErrorQuery asks for the minutes of [Start, End) of one playback domain
// or all, for some error classes.
type ErrorQuery struct {
	Start, End time.Time
	Domain     string
	Classes    string // Class4xx, Class5xx, or both joined by a comma, as StatType takes them
}

// ErrorCount is one minute's count of one class.
type ErrorCount struct {
	Time   time.Time
	Number upstream.Num
}

// ErrorCounts are a window's counts per class, each sorted by time.
type ErrorCounts struct {
	Classes map[string][]ErrorCount
	// Rejected counts values that could not be read, RejectedExample says
	// what the first was.
	Rejected        int
	RejectedExample string
}

// PlayErrors asks DescribePlayErrorCodeDetailInfoList for q: a minute
// granularity, the last day only, a day a request. The API fills a
// minute without errors with 0.
func (c *Client) PlayErrors(ctx context.Context, q ErrorQuery) (*ErrorCounts, error) {
	params, err := spanParams(q.Start, q.End)
	if err != nil {
		return nil, err
	}
	params["Granularity"], params["StatType"] = 1, q.Classes
	if q.Domain != "" {
		params["PlayDomains"] = []string{q.Domain}
	}
	raw, err := c.send(ctx, ActionPlayErrors, params)
	if err != nil {
		return nil, err
	}
	return parsePlayErrors(raw)
}

// parsePlayErrors reads HttpCodeList. A code more precise than its class
// (404 rather than 4xx) is added to its class, so that a count is never
// dropped for being finer than asked.
func parsePlayErrors(raw json.RawMessage) (*ErrorCounts, error) {
	var body struct {
		HttpCodeList *[]struct {
			HttpCode  string
			ValueList []json.RawMessage
		}
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, &Error{Kind: upstream.KindBadResponse, Detail: "HttpCodeList is not a list of codes"}
	}
	if body.HttpCodeList == nil {
		return nil, &Error{Kind: upstream.KindBadResponse, Detail: "an answer without HttpCodeList, which says neither what there is nor that there is nothing"}
	}
	out := &ErrorCounts{Classes: map[string][]ErrorCount{}}
	reject := func(what string) {
		if out.Rejected == 0 {
			out.RejectedExample = what
		}
		out.Rejected++
	}
	for i, code := range *body.HttpCodeList {
		class := classOf(code.HttpCode)
		if class == "" {
			reject(fmt.Sprintf("HttpCodeList[%d].HttpCode %q is not a 4xx or 5xx code", i, upstream.Clip(code.HttpCode, 20)))
			continue
		}
		counts := map[int64]int{} // minute → index in the class's list
		list := out.Classes[class]
		for j, k := range list {
			counts[k.Time.Unix()] = j
		}
		for j, item := range code.ValueList {
			var v struct {
				Time    string
				Numbers json.RawMessage
			}
			if json.Unmarshal(item, &v) != nil {
				reject(fmt.Sprintf("HttpCodeList[%d].ValueList[%d] is not an object", i, j))
				continue
			}
			t, err := parseTime(v.Time)
			if err != nil {
				reject(fmt.Sprintf("HttpCodeList[%d].ValueList[%d].Time %q is not a time", i, j, upstream.Clip(v.Time, 40)))
				continue
			}
			n, err := upstream.ParseNum(v.Numbers)
			if err != nil {
				reject(fmt.Sprintf("HttpCodeList[%d].ValueList[%d].Numbers: %v", i, j, err))
				continue
			}
			if at, ok := counts[t.Unix()]; ok {
				list[at].Number = add(list[at].Number, n)
				continue
			}
			counts[t.Unix()] = len(list)
			list = append(list, ErrorCount{Time: t, Number: n})
		}
		slices.SortFunc(list, func(a, b ErrorCount) int { return a.Time.Compare(b.Time) })
		out.Classes[class] = list
	}
	return out, nil
}

// classOf is the class of an HTTP code as the API writes it: "4xx", or a
// code of that class such as "404".
func classOf(code string) string {
	code = strings.ToLower(strings.TrimSpace(code))
	if len(code) != 3 {
		return ""
	}
	switch code[0] {
	case '4':
		return Class4xx
	case '5':
		return Class5xx
	}
	return ""
}
