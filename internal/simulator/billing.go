package simulator

import (
	"slices"
	"sort"
	"time"
)

// Billing data, as DescribeBillBandwidthAndFluxList documents it: 5-minute
// points kept three years; an hourly or daily point (a Beijing day) is the
// peak of its 5-minute points, with that peak's time, and their traffic.
const (
	BillRetentionYears = 3
	BillFineSpan       = 24 * time.Hour
	BillSpan           = 31 * 24 * time.Hour
	billStep           = 5 * time.Minute
)

// BillPoint is one billing point.
type BillPoint struct {
	Time      time.Time
	Bandwidth float64 // Mbps
	Flux      float64 // MB
	PeakTime  time.Time
}

// BillTotals are the figures Tencent bills a span by.
type BillTotals struct {
	Peak, P95         float64
	PeakTime, P95Time time.Time
	SumFlux           float64
}

// fine is the 5-minute billing point at t of a service ("" for both): its
// traffic is its minutes', its bandwidth that traffic's mean rate.
func (c *CloudAPI) fine(service string, t time.Time) BillPoint {
	var flux float64
	for m := t; m.Before(t.Add(billStep)); m = m.Add(time.Minute) {
		v, ok := shape(c.Shape, m, ServiceTotal(c.Streams, service, m))
		if ok {
			flux += v.Flux
		}
	}
	flux = round3(flux)
	return BillPoint{Time: t, Bandwidth: round3(flux * 8 / billStep.Seconds()), Flux: flux}
}

// finePoints are the 5-minute points whose start lies in [start, end],
// up to the newest the API has.
func (c *CloudAPI) finePoints(service string, start, end time.Time) []BillPoint {
	newest := c.now().Add(-CloudDelay)
	var out []BillPoint
	for t := ceilTo(start, billStep); !t.After(end) && !t.Add(billStep).After(newest); t = t.Add(billStep) {
		out = append(out, c.fine(service, t))
	}
	return out
}

// Bill is what the API answers for [start, end] at granularity minutes:
// its points and the span's totals, from the 5-minute points.
func (c *CloudAPI) Bill(service string, start, end time.Time, granularity int) ([]BillPoint, BillTotals) {
	fine := c.finePoints(service, start, end)
	if granularity == 5 {
		return fine, billTotals(fine)
	}
	step := time.Duration(granularity) * time.Minute
	var out []BillPoint
	for _, p := range fine {
		at := beijingFloor(p.Time, step)
		if n := len(out); n > 0 && out[n-1].Time.Equal(at) {
			last := &out[n-1]
			last.Flux = round3(last.Flux + p.Flux)
			if p.Bandwidth > last.Bandwidth {
				last.Bandwidth, last.PeakTime = p.Bandwidth, p.Time
			}
			continue
		}
		out = append(out, BillPoint{Time: at, Bandwidth: p.Bandwidth, Flux: p.Flux, PeakTime: p.Time})
	}
	return out, billTotals(fine)
}

// billTotals: the peak, the 95th percentile as Tencent bills it (of the
// span's 5-minute points sorted, the one at rank ceil(0.95 n); its time
// the earliest point of that value) and the traffic.
func billTotals(fine []BillPoint) BillTotals {
	var t BillTotals
	if len(fine) == 0 {
		return t
	}
	for _, p := range fine {
		t.SumFlux += p.Flux
		if p.Bandwidth > t.Peak || t.PeakTime.IsZero() {
			t.Peak, t.PeakTime = p.Bandwidth, p.Time
		}
	}
	t.SumFlux = round3(t.SumFlux)
	bws := make([]float64, len(fine))
	for i, p := range fine {
		bws[i] = p.Bandwidth
	}
	sort.Float64s(bws)
	rank := (95*len(bws) + 99) / 100
	t.P95 = bws[max(rank, 1)-1]
	i := slices.IndexFunc(fine, func(p BillPoint) bool { return p.Bandwidth == t.P95 })
	t.P95Time = fine[i].Time
	return t
}

func beijingFloor(t time.Time, step time.Duration) time.Time {
	const shift = 8 * time.Hour
	return t.Add(shift).Truncate(step).Add(-shift)
}

// billAnswer serves DescribeBillBandwidthAndFluxList.
func (c *CloudAPI) billAnswer(p params, now time.Time) (map[string]any, *cloudError) {
	start, end, err := p.span()
	g := 5
	if raw, ok := p["Granularity"]; ok {
		f, isNum := raw.(float64)
		if !isNum {
			return nil, &cloudError{"InvalidParameter", "Granularity must be a number"}
		}
		g = int(f)
	}
	service, domains := p.str("ServiceName"), p.list("PlayDomains")
	span := BillSpan
	if g == 5 {
		span = BillFineSpan
	}
	switch {
	case err != nil:
		return nil, &cloudError{"InvalidParameter", "StartTime and EndTime must be YYYY-MM-DD hh:mm:ss or ISO 8601"}
	case g != 5 && g != 60 && g != 1440:
		return nil, &cloudError{"InvalidParameterValue", "Granularity must be 5, 60 or 1440"}
	case service != "" && service != ServiceLVB && service != ServiceLEB:
		return nil, &cloudError{"InvalidParameterValue", "ServiceName must be LVB or LEB"}
	case end.Before(start):
		return nil, &cloudError{"InvalidParameterValue", "EndTime is before StartTime"}
	case end.Sub(start) > span:
		return nil, &cloudError{"InvalidParameter", "the time span exceeds what the granularity allows"}
	case start.Before(now.In(Beijing).AddDate(-BillRetentionYears, 0, 0)):
		return nil, &cloudError{"InvalidParameter", "StartTime is more than three years ago"}
	}
	list := []map[string]any{}
	var totals BillTotals
	if len(domains) == 0 || slices.Contains(domains, c.Domain) {
		var points []BillPoint
		points, totals = c.Bill(service, start, end, g)
		for _, p := range points {
			row := map[string]any{"Time": p.Time.In(Beijing).Format(cloudLayout), "Bandwidth": p.Bandwidth, "Flux": p.Flux}
			if !p.PeakTime.IsZero() {
				row["PeakTime"] = p.PeakTime.In(Beijing).Format(cloudLayout)
			}
			list = append(list, row)
		}
	}
	when := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(Beijing).Format(cloudLayout)
	}
	return map[string]any{
		"DataInfoList": list, "PeakBandwidth": totals.Peak, "PeakBandwidthTime": when(totals.PeakTime),
		"P95PeakBandwidth": totals.P95, "P95PeakBandwidthTime": when(totals.P95Time), "SumFlux": totals.SumFlux,
	}, nil
}
