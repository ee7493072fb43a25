package cloudapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/lvb"
)

// PlayStatHistory asks DescribeStreamPlayInfoList for the minutes in
// [q.Start, q.End] of a stream (StreamName, exact) or, without one, of the
// domain (PlayDomain) or the whole account. The API keeps a month and
// answers at most a day a request. It answers no window total: the
// minutes' flux is the total (Result.NoSumInfo).
func (c *Client) PlayStatHistory(ctx context.Context, q lvb.Query) (*lvb.Result, error) {
	if !q.End.After(q.Start) {
		return nil, fmt.Errorf("cloudapi: window end %s is not after start %s", q.End, q.Start)
	}
	params := map[string]any{
		"StartTime": q.Start.In(Beijing).Format(timeLayoutLocal),
		"EndTime":   q.End.In(Beijing).Format(timeLayoutLocal),
	}
	if q.Domain != "" {
		params["PlayDomain"] = q.Domain
	}
	if q.StreamID != "" {
		params["StreamName"] = q.StreamID
	}
	raw, err := c.send(ctx, ActionPlayInfo, params)
	if err != nil {
		return nil, err
	}
	var body struct {
		DataInfoList []struct {
			Time                             string
			Bandwidth, Flux, Request, Online json.RawMessage
		}
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, &Error{Kind: KindBadResponse, Detail: "DataInfoList: " + err.Error()}
	}
	res := &lvb.Result{NoSumInfo: true, Points: make([]lvb.Point, 0, len(body.DataInfoList))}
	for i, row := range body.DataInfoList {
		t, err := parseTime(row.Time)
		if err != nil {
			if res.Rejected == 0 {
				res.RejectedExample = fmt.Sprintf("DataInfoList[%d].Time: %v", i, err)
			}
			res.Rejected++
			continue
		}
		res.Points = append(res.Points, lvb.Point{
			Time: t, Bandwidth: num(row.Bandwidth), Flux: num(row.Flux), Online: num(row.Online), Requests: num(row.Request),
		})
	}
	if len(res.Points) == 0 && res.Rejected > 0 {
		return nil, &Error{Kind: KindBadResponse, Detail: fmt.Sprintf("none of the %d rows could be read; %s", res.Rejected, res.RejectedExample)}
	}
	res.Empty = len(res.Points) == 0
	return res, nil
}

// LivePlayStat asks DescribeAllStreamPlayInfoList for every stream at the
// newest minute the API has (now less Delay), on domain or on all of the
// account's domains. A stream playing on several domains is one entry.
func (c *Client) LivePlayStat(ctx context.Context, domain string) (*lvb.Snapshot, error) {
	at := c.now().Add(-Delay).Truncate(time.Minute)
	params := map[string]any{"QueryTime": at.In(Beijing).Format(timeLayoutLocal)}
	if domain != "" {
		params["PlayDomains"] = []string{domain}
	}
	raw, err := c.send(ctx, ActionAllPlay, params)
	if err != nil {
		return nil, err
	}
	var body struct {
		DataInfoList []struct {
			PlayDomain, StreamName string
			Bandwidth, Online      json.RawMessage
		}
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, &Error{Kind: KindBadResponse, Detail: "DataInfoList: " + err.Error()}
	}
	snap := &lvb.Snapshot{Pages: 1}
	index := map[string]int{}
	var bw, online float64
	for _, row := range body.DataInfoList {
		if row.StreamName == "" {
			snap.Rejected++
			continue
		}
		b, o := num(row.Bandwidth), num(row.Online)
		bw += b.Value
		online += o.Value
		if i, ok := index[row.StreamName]; ok {
			s := &snap.Streams[i]
			s.Bandwidth = add(s.Bandwidth, b)
			s.Online = add(s.Online, o)
			continue
		}
		index[row.StreamName] = len(snap.Streams)
		snap.Streams = append(snap.Streams, lvb.LiveStream{Name: row.StreamName, Bandwidth: b, Online: o})
	}
	sort.SliceStable(snap.Streams, func(i, j int) bool { return snap.Streams[i].Name < snap.Streams[j].Name })
	snap.StreamCount = len(snap.Streams)
	snap.TotalBandwidth = lvb.Num{Value: bw, Valid: true}
	snap.TotalOnline = lvb.Num{Value: online, Valid: true}
	return snap, nil
}

func add(a, b lvb.Num) lvb.Num {
	if !b.Valid {
		return a
	}
	return lvb.Num{Value: a.Value + b.Value, Valid: true}
}

// num reads a JSON number, or a number written as a string; null, "" and
// anything else are no value.
func num(raw json.RawMessage) lvb.Num {
	raw = bytes.Trim(bytes.TrimSpace(raw), `"`)
	if len(raw) == 0 || string(raw) == "null" {
		return lvb.Num{}
	}
	v, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return lvb.Num{}
	}
	return lvb.Num{Value: v, Valid: true}
}

// parseTime reads the API's times: "YYYY-MM-DD hh:mm:ss" in Beijing time,
// or ISO 8601 with a zone.
func parseTime(s string) (time.Time, error) {
	if t, err := time.ParseInLocation(timeLayoutLocal, s, Beijing); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}
