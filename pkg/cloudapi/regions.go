package cloudapi

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// ActionRegions is playback by province and ISP.
const ActionRegions = "DescribeGroupProIspPlayInfoList"

// RegionQuery asks for the figures of [Start, End) by province and ISP, of
// one playback domain or all, of some provinces and ISPs or all (Tencent's
// names: 广东省, 电信).
type RegionQuery struct {
	Start, End time.Time
	Domain     string
	Provinces  []string
	ISPs       []string
}

// RegionSeries is one province and ISP's figures, sorted by time: a point
// a minute, or every 5 minutes as some answers have them.
type RegionSeries struct {
	Province, ISP string
	Points        []upstream.Point
}

// Regions is one answer: a series per province and ISP, and the values
// that could not be read.
type Regions struct {
	Series          []RegionSeries
	Rejected        int
	RejectedExample string
}

// Regions asks DescribeGroupProIspPlayInfoList for q: at most three hours
// a request, a month kept.
func (c *Client) Regions(ctx context.Context, q RegionQuery) (*Regions, error) {
	params, err := spanParams(q.Start, q.End)
	if err != nil {
		return nil, err
	}
	if q.Domain != "" {
		params["PlayDomains"] = []string{q.Domain}
	}
	if len(q.Provinces) > 0 {
		params["ProvinceNames"] = q.Provinces
	}
	if len(q.ISPs) > 0 {
		params["IspNames"] = q.ISPs
	}
	raw, err := c.send(ctx, ActionRegions, params)
	if err != nil {
		return nil, err
	}
	return parseRegions(raw)
}

func parseRegions(raw json.RawMessage) (*Regions, error) {
	groups, err := dataInfoList(raw)
	if err != nil {
		return nil, err
	}
	out := &Regions{}
	reject := func(what string) {
		if out.Rejected == 0 {
			out.RejectedExample = what
		}
		out.Rejected++
	}
	for i, item := range groups {
		var g struct {
			ProvinceName, IspName string
			DetailInfoList        []json.RawMessage
		}
		if json.Unmarshal(item, &g) != nil || g.ProvinceName == "" || g.IspName == "" {
			reject(fmt.Sprintf("DataInfoList[%d] has no ProvinceName and IspName", i))
			continue
		}
		s := RegionSeries{Province: upstream.Clip(g.ProvinceName, 64), ISP: upstream.Clip(g.IspName, 64)}
		for j, row := range g.DetailInfoList {
			p, err := parseRow(row)
			if err != nil {
				reject(fmt.Sprintf("DataInfoList[%d].DetailInfoList[%d]%v", i, j, err))
				continue
			}
			s.Points = append(s.Points, p)
		}
		slices.SortFunc(s.Points, func(a, b upstream.Point) int { return a.Time.Compare(b.Time) })
		out.Series = append(out.Series, s)
	}
	if len(out.Series) == 0 && out.Rejected > 0 {
		return nil, &Error{Kind: upstream.KindBadResponse, Detail: fmt.Sprintf("none of the regions could be read; %s", out.RejectedExample)}
	}
	return out, nil
}
