package cloudapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// PlayStatHistory asks DescribeStreamPlayInfoList for the minutes in
// [q.Start, q.End) of a stream (StreamName, exact) or, without one, of the
// domain (PlayDomain) or the whole account, of one service (ServiceName)
// or both. The API keeps a month and
// answers at most a day a request. It answers no window total: the
// minutes' flux is the total (Result.NoSumInfo).
func (c *Client) PlayStatHistory(ctx context.Context, q upstream.Query) (*upstream.Result, error) {
	params, err := spanParams(q.Start, q.End)
	if err != nil {
		return nil, err
	}
	if q.Domain != "" {
		params["PlayDomain"] = q.Domain
	}
	if q.StreamID != "" {
		params["StreamName"] = q.StreamID
	}
	if q.ServiceName != "" {
		params["ServiceName"] = q.ServiceName
	}
	raw, err := c.send(ctx, ActionPlayInfo, params)
	if err != nil {
		return nil, err
	}
	return parsePlayInfo(raw)
}

// parsePlayInfo reads DescribeStreamPlayInfoList's Response row by row, as
// the legacy parser does: a row whose time or figure is not one is counted
// and its first example kept, the others are kept.
func parsePlayInfo(raw json.RawMessage) (*upstream.Result, error) {
	rows, err := dataInfoList(raw)
	if err != nil {
		return nil, err
	}
	res := &upstream.Result{NoSumInfo: true, Points: make([]upstream.Point, 0, len(rows))}
	for i, item := range rows {
		p, err := parseRow(item)
		if err != nil {
			if res.Rejected == 0 {
				res.RejectedExample = fmt.Sprintf("DataInfoList[%d]%v", i, err)
			}
			res.Rejected++
			continue
		}
		res.Points = append(res.Points, p)
	}
	if len(res.Points) == 0 && res.Rejected > 0 {
		return nil, &Error{Kind: upstream.KindBadResponse, Detail: fmt.Sprintf("none of the %d rows could be read; %s", res.Rejected, res.RejectedExample)}
	}
	res.Empty = len(res.Points) == 0
	return res, nil
}

// dataInfoList is the rows of an answer. An answer without the list, or
// with null, is an error: only an empty list says "nothing".
func dataInfoList(raw json.RawMessage) ([]json.RawMessage, error) {
	var body struct {
		DataInfoList *[]json.RawMessage
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, &Error{Kind: upstream.KindBadResponse, Detail: "DataInfoList is not a list of rows"}
	}
	if body.DataInfoList == nil {
		return nil, &Error{Kind: upstream.KindBadResponse, Detail: "an answer without DataInfoList, which says neither what there is nor that there is nothing"}
	}
	return *body.DataInfoList, nil
}

type rowError struct {
	field string
	err   error
}

func (e rowError) Error() string { return "." + e.field + ": " + e.err.Error() }

func parseRow(item json.RawMessage) (upstream.Point, error) {
	var row struct {
		Time                             json.RawMessage
		Bandwidth, Flux, Request, Online json.RawMessage
	}
	if err := json.Unmarshal(item, &row); err != nil {
		return upstream.Point{}, rowError{"", errors.New("not an object")}
	}
	var ts string
	if err := json.Unmarshal(row.Time, &ts); err != nil {
		return upstream.Point{}, rowError{"Time", fmt.Errorf("%s is not a time written as a string", upstream.Clip(string(row.Time), 40))}
	}
	t, err := parseTime(ts)
	if err != nil {
		return upstream.Point{}, rowError{"Time", fmt.Errorf("%q is not a time such as 2006-01-02 15:04:05", upstream.Clip(ts, 40))}
	}
	p := upstream.Point{Time: t}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		to   *upstream.Num
	}{{"Bandwidth", row.Bandwidth, &p.Bandwidth}, {"Flux", row.Flux, &p.Flux}, {"Online", row.Online, &p.Online}, {"Request", row.Request, &p.Requests}} {
		if *f.to, err = upstream.ParseNum(f.raw); err != nil {
			return upstream.Point{}, rowError{f.name, err}
		}
	}
	return p, nil
}

// LivePlayStat asks DescribeAllStreamPlayInfoList for every stream at the
// newest minute the API has (now less Delay), on domain or on all of the
// account's domains. A stream playing on several domains is one entry.
func (c *Client) LivePlayStat(ctx context.Context, domain string) (*upstream.Snapshot, error) {
	at := c.now().Add(-Delay).Truncate(time.Minute)
	params := map[string]any{"QueryTime": at.In(Beijing).Format(timeLayoutLocal)}
	if domain != "" {
		params["PlayDomains"] = []string{domain}
	}
	raw, err := c.send(ctx, ActionAllPlay, params)
	if err != nil {
		return nil, err
	}
	return parseAllPlay(raw)
}

// parseAllPlay reads DescribeAllStreamPlayInfoList's Response: one entry a
// stream (a stream playing on several domains is summed), at most
// upstream.MaxLiveStreams of them, the busiest kept when there are more.
func parseAllPlay(raw json.RawMessage) (*upstream.Snapshot, error) {
	rows, err := dataInfoList(raw)
	if err != nil {
		return nil, err
	}
	snap := &upstream.Snapshot{Pages: 1}
	index := map[string]int{}
	var bw, online float64
	for _, item := range rows {
		var row struct {
			PlayDomain, StreamName string
			Bandwidth, Online      json.RawMessage
		}
		if json.Unmarshal(item, &row) != nil || strings.TrimSpace(row.StreamName) == "" {
			snap.Rejected++
			continue
		}
		b, errB := upstream.ParseNum(row.Bandwidth)
		o, errO := upstream.ParseNum(row.Online)
		if errB != nil || errO != nil {
			snap.Rejected++
			continue
		}
		bw += b.Value
		online += o.Value
		if i, ok := index[row.StreamName]; ok {
			s := &snap.Streams[i]
			s.Bandwidth = add(s.Bandwidth, b)
			s.Online = add(s.Online, o)
			if s.Domain != row.PlayDomain {
				s.Domain = "" // on several domains: none of them is its label
			}
			continue
		}
		index[row.StreamName] = len(snap.Streams)
		snap.Streams = append(snap.Streams, upstream.LiveStream{Name: row.StreamName, Domain: row.PlayDomain, Bandwidth: b, Online: o})
	}
	snap.StreamCount = len(snap.Streams)
	if len(snap.Streams) > upstream.MaxLiveStreams {
		sort.SliceStable(snap.Streams, func(i, j int) bool { return snap.Streams[i].Bandwidth.Value > snap.Streams[j].Bandwidth.Value })
		snap.Streams = slices.Clip(snap.Streams[:upstream.MaxLiveStreams])
		snap.Truncated = true
	}
	sort.SliceStable(snap.Streams, func(i, j int) bool { return snap.Streams[i].Name < snap.Streams[j].Name })
	snap.TotalBandwidth = upstream.Num{Value: bw, Valid: true}
	snap.TotalOnline = upstream.Num{Value: online, Valid: true}
	return snap, nil
}

func add(a, b upstream.Num) upstream.Num {
	if !b.Valid {
		return a
	}
	return upstream.Num{Value: a.Value + b.Value, Valid: true}
}

// parseTime reads the API's times: "YYYY-MM-DD hh:mm:ss" in Beijing time,
// or ISO 8601 with a zone.
func parseTime(s string) (time.Time, error) {
	if t, err := time.ParseInLocation(timeLayoutLocal, s, Beijing); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}
