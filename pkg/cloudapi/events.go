package cloudapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// ActionEvents is the push sessions of the account's streams.
const ActionEvents = "DescribeLiveStreamEventList"

// Paging of the push sessions: at most 100 a page, and Tencent reaches no
// further than 10 000 records.
const (
	EventPageSize   = 100
	MaxEventRecords = 10_000
)

// EventQuery asks for the push sessions that started in [Start, End), of
// one push domain or all, one stream (exactly) or all.
type EventQuery struct {
	Start, End time.Time
	Domain     string
	Stream     string
}

// Event is one push session.
type Event struct {
	App, Domain, Stream string
	Start, End          time.Time // End is zero while the push goes on
	StopReason          string
	ClientIP            string
	Resolution          string
}

// Events are a query's push sessions, and what the client could not
// read or reach.
type Events struct {
	List []Event
	// Total is how many sessions Tencent counts; more than List holds
	// when the 10 000 records it reaches were not all.
	Total           int
	Rejected        int
	RejectedExample string
}

// Events asks DescribeLiveStreamEventList for q, page after page: at most
// 30 days a request, within 60 days of now, times in UTC.
func (c *Client) Events(ctx context.Context, q EventQuery) (*Events, error) {
	if err := (upstream.Query{Start: q.Start, End: q.End}).CheckSpan(); err != nil {
		return nil, fmt.Errorf("cloudapi: %w", err)
	}
	out := &Events{}
	for page := 1; page <= MaxEventRecords/EventPageSize; page++ {
		params := map[string]any{
			"StartTime": q.Start.UTC().Format(time.RFC3339),
			"EndTime":   q.End.Add(-time.Second).UTC().Format(time.RFC3339),
			"PageNum":   page,
			"PageSize":  EventPageSize,
			"IsAsc":     1,
		}
		if q.Domain != "" {
			params["DomainName"] = q.Domain
		}
		if q.Stream != "" {
			params["StreamName"] = q.Stream
			params["IsStrict"] = 1
		}
		raw, err := c.send(ctx, ActionEvents, params)
		if err != nil {
			return nil, err
		}
		pages, got, err := out.read(raw)
		if err != nil {
			return nil, err
		}
		if lastPage(page, pages, got) {
			break
		}
	}
	return out, nil
}

// lastPage tells whether page is the last: the one TotalPage (or TotalNum)
// says, or, when the answer says neither, a page that is not full.
func lastPage(page, pages, got int) bool {
	return page >= pages && (pages > 0 || got < EventPageSize)
}

// read adds one page's sessions and returns how many pages there are (0
// when the answer does not say) and how many sessions the page held.
func (e *Events) read(raw json.RawMessage) (pages, got int, err error) {
	var body struct {
		EventList           *[]json.RawMessage
		TotalNum, TotalPage json.RawMessage
	}
	if err := json.Unmarshal(raw, &body); err != nil || body.EventList == nil {
		return 0, 0, &Error{Kind: upstream.KindBadResponse, Detail: "an answer without EventList, which says neither what there is nor that there is nothing"}
	}
	total, _ := upstream.ParseNum(body.TotalNum)
	totalPages, _ := upstream.ParseNum(body.TotalPage)
	e.Total = int(total.Value)
	pages = max(int(totalPages.Value), (e.Total+EventPageSize-1)/EventPageSize)
	for i, item := range *body.EventList {
		ev, err := parseEvent(item)
		if err != nil {
			if e.Rejected == 0 {
				e.RejectedExample = fmt.Sprintf("EventList[%d]: %v", i, err)
			}
			e.Rejected++
			continue
		}
		e.List = append(e.List, ev)
	}
	return pages, len(*body.EventList), nil
}

func parseEvent(item json.RawMessage) (Event, error) {
	var row struct {
		AppName, DomainName, StreamName  string
		StreamStartTime, StreamEndTime   string
		StopReason, ClientIp, Resolution string
		Duration                         json.RawMessage
	}
	if err := json.Unmarshal(item, &row); err != nil {
		return Event{}, fmt.Errorf("not an object")
	}
	if strings.TrimSpace(row.StreamName) == "" {
		return Event{}, fmt.Errorf("no StreamName")
	}
	start, err := parseTime(row.StreamStartTime)
	if err != nil {
		return Event{}, fmt.Errorf("StreamStartTime %q is not a time", upstream.Clip(row.StreamStartTime, 40))
	}
	ev := Event{App: upstream.Clip(row.AppName, 128), Domain: upstream.Clip(row.DomainName, 253), Stream: upstream.Clip(row.StreamName, 256),
		Start: start, StopReason: upstream.Clip(row.StopReason, 200), ClientIP: upstream.Clip(row.ClientIp, 64), Resolution: upstream.Clip(row.Resolution, 32)}
	if strings.TrimSpace(row.StreamEndTime) != "" {
		if ev.End, err = parseTime(row.StreamEndTime); err != nil {
			return Event{}, fmt.Errorf("StreamEndTime %q is not a time", upstream.Clip(row.StreamEndTime, 40))
		}
	}
	if ev.End.IsZero() {
		// Some answers give the duration instead of an end.
		if d, err := upstream.ParseNum(row.Duration); err == nil && d.Valid && d.Value > 0 {
			ev.End = ev.Start.Add(time.Duration(d.Value) * time.Second)
		}
	}
	return ev, nil
}
