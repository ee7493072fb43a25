package simulator

import (
	"hash/fnv"
	"slices"
	"time"
)

// Provinces and ISPs the simulator's viewers are in, as Tencent names them.
var (
	Provinces = []string{"广东省", "北京市", "上海市", "浙江省", "四川省"}
	ISPs      = []string{"电信", "联通", "移动"}
)

// RegionSpan is the longest span one DescribeGroupProIspPlayInfoList
// request takes (the Chinese site's three hours).
const RegionSpan = 3 * time.Hour

// regionShare is the part of the domain's figures a province and ISP
// carry: fixed weights that add up to one over every pair.
func regionShare(province, isp string) float64 {
	weight := func(p, i string) float64 {
		h := fnv.New64a()
		_, _ = h.Write([]byte(p + "/" + i)) // a hash never fails to write
		return 1 + float64(h.Sum64()%9)
	}
	var total float64
	for _, p := range Provinces {
		for _, i := range ISPs {
			total += weight(p, i)
		}
	}
	return weight(province, isp) / total
}

// RegionMinute is a province and ISP's part of the domain's minute at m.
func (c *CloudAPI) RegionMinute(province, isp string, m time.Time) (Value, bool) {
	v, ok := shape(c.Shape, m, ServiceTotal(c.Streams, "", m))
	if !ok {
		return Value{}, false
	}
	f := regionShare(province, isp)
	return Value{Time: m, Bandwidth: round3(v.Bandwidth * f), Flux: round3(v.Flux * f),
		Online: int64(float64(v.Online) * f), Requests: int64(float64(v.Requests) * f)}, true
}

// ExpectedRegion is every minute of [from, to) of a province and ISP up to
// the newest the API has.
func (c *CloudAPI) ExpectedRegion(province, isp string, from, to time.Time) []Value {
	newest := c.now().Add(-CloudDelay).Truncate(time.Minute)
	var out []Value
	for m := ceilTo(from, time.Minute); m.Before(to) && !m.After(newest); m = m.Add(time.Minute) {
		if v, ok := c.RegionMinute(province, isp, m); ok {
			out = append(out, v)
		}
	}
	return out
}

// regionsAnswer serves DescribeGroupProIspPlayInfoList.
func (c *CloudAPI) regionsAnswer(p params, now time.Time) (map[string]any, *cloudError) {
	start, end, err := p.span()
	switch {
	case err != nil:
		return nil, &cloudError{"InvalidParameter", "StartTime and EndTime must be YYYY-MM-DD hh:mm:ss or ISO 8601"}
	case end.Before(start):
		return nil, &cloudError{"InvalidParameterValue", "EndTime is before StartTime"}
	case end.Sub(start) > RegionSpan:
		return nil, &cloudError{"InvalidParameter", "the time span exceeds three hours"}
	case start.Before(monthOldest(now)):
		return nil, &cloudError{"InvalidParameter", "StartTime is more than a month ago"}
	}
	domains, provinces, isps := p.list("PlayDomains"), p.list("ProvinceNames"), p.list("IspNames")
	rows := []map[string]any{}
	if len(domains) == 0 || slices.Contains(domains, c.Domain) {
		for _, pr := range Provinces {
			for _, i := range ISPs {
				if (len(provinces) > 0 && !slices.Contains(provinces, pr)) || (len(isps) > 0 && !slices.Contains(isps, i)) {
					continue
				}
				detail := []map[string]any{}
				for _, v := range c.ExpectedRegion(pr, i, start, end.Add(time.Second)) {
					detail = append(detail, map[string]any{"Time": v.Time.In(Beijing).Format(cloudLayout),
						"Bandwidth": v.Bandwidth, "Flux": v.Flux, "Request": v.Requests, "Online": v.Online})
				}
				rows = append(rows, map[string]any{"ProvinceName": pr, "IspName": i, "DetailInfoList": detail})
			}
		}
	}
	return map[string]any{"DataInfoList": rows}, nil
}
