package cloudapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// ActionBill is the billing data: billable bandwidth and traffic.
const ActionBill = "DescribeBillBandwidthAndFluxList"

// BillQuery asks for the billing points of [Start, End) at Granularity
// minutes (5, 60 or 1440), of one playback domain or all, one service or
// both.
type BillQuery struct {
	Start, End  time.Time
	Granularity int
	Domain      string
	ServiceName string
}

// BillPoint is one billing point: the bandwidth (Mbps) Tencent bills it
// at, the peak of its 5-minute points for an hour or a day, and when that
// peak was; and its traffic (MB).
type BillPoint struct {
	Time      time.Time
	Bandwidth upstream.Num
	Flux      upstream.Num
	PeakTime  time.Time // zero when the API gives none (5-minute points)
}

// Bill is one answer of DescribeBillBandwidthAndFluxList: its points and
// the totals Tencent bills the span by.
type Bill struct {
	Points []BillPoint
	// Peak and P95 bandwidth (Mbps) and when they were; SumFlux in MB.
	Peak, P95         upstream.Num
	PeakTime, P95Time time.Time
	SumFlux           upstream.Num
	// Rejected counts points that could not be read, RejectedExample says
	// what the first was.
	Rejected        int
	RejectedExample string
}

// Bill asks DescribeBillBandwidthAndFluxList for q: at most a day at 5
// minutes, 31 days at 60 or 1440 (planner.BuildBill cuts a range so).
func (c *Client) Bill(ctx context.Context, q BillQuery) (*Bill, error) {
	params, err := spanParams(q.Start, q.End)
	if err != nil {
		return nil, err
	}
	params["Granularity"] = q.Granularity
	if q.Domain != "" {
		params["PlayDomains"] = []string{q.Domain}
	}
	if q.ServiceName != "" {
		params["ServiceName"] = q.ServiceName
	}
	raw, err := c.send(ctx, ActionBill, params)
	if err != nil {
		return nil, err
	}
	return parseBill(raw)
}

// parseBill reads the answer row by row, as the play figures are read: a
// point that cannot be read is counted, the others kept.
func parseBill(raw json.RawMessage) (*Bill, error) {
	var head struct {
		PeakBandwidth, P95PeakBandwidth, SumFlux json.RawMessage
		PeakBandwidthTime, P95PeakBandwidthTime  string
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, &Error{Kind: upstream.KindBadResponse, Detail: "the billing totals are not numbers and times"}
	}
	rows, err := dataInfoList(raw)
	if err != nil {
		return nil, err
	}
	b := &Bill{Points: make([]BillPoint, 0, len(rows))}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		to   *upstream.Num
	}{{"PeakBandwidth", head.PeakBandwidth, &b.Peak}, {"P95PeakBandwidth", head.P95PeakBandwidth, &b.P95}, {"SumFlux", head.SumFlux, &b.SumFlux}} {
		if *f.to, err = upstream.ParseNum(f.raw); err != nil {
			return nil, &Error{Kind: upstream.KindBadResponse, Detail: f.name + ": " + err.Error()}
		}
	}
	// A time the API leaves empty is no time, not an error.
	b.PeakTime, _ = parseTime(head.PeakBandwidthTime)
	b.P95Time, _ = parseTime(head.P95PeakBandwidthTime)
	for i, item := range rows {
		p, err := parseBillRow(item)
		if err != nil {
			if b.Rejected == 0 {
				b.RejectedExample = fmt.Sprintf("DataInfoList[%d]%v", i, err)
			}
			b.Rejected++
			continue
		}
		b.Points = append(b.Points, p)
	}
	if len(b.Points) == 0 && b.Rejected > 0 {
		return nil, &Error{Kind: upstream.KindBadResponse, Detail: fmt.Sprintf("none of the %d billing points could be read; %s", b.Rejected, b.RejectedExample)}
	}
	return b, nil
}

func parseBillRow(item json.RawMessage) (BillPoint, error) {
	var row struct {
		Time, PeakTime  json.RawMessage
		Bandwidth, Flux json.RawMessage
	}
	if err := json.Unmarshal(item, &row); err != nil {
		return BillPoint{}, rowError{"", errors.New("not an object")}
	}
	var ts string
	if err := json.Unmarshal(row.Time, &ts); err != nil {
		return BillPoint{}, rowError{"Time", fmt.Errorf("%s is not a time written as a string", upstream.Clip(string(row.Time), 40))}
	}
	t, err := parseTime(ts)
	if err != nil {
		return BillPoint{}, rowError{"Time", fmt.Errorf("%q is not a time such as 2006-01-02 15:04:05", upstream.Clip(ts, 40))}
	}
	p := BillPoint{Time: t}
	if p.Bandwidth, err = upstream.ParseNum(row.Bandwidth); err != nil {
		return BillPoint{}, rowError{"Bandwidth", err}
	}
	if p.Flux, err = upstream.ParseNum(row.Flux); err != nil {
		return BillPoint{}, rowError{"Flux", err}
	}
	var pt string
	if json.Unmarshal(row.PeakTime, &pt) == nil {
		p.PeakTime, _ = parseTime(pt)
	}
	return p, nil
}
