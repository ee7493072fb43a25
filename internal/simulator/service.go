package simulator

import (
	"hash/fnv"
	"time"
)

// Services of Cloud API 3.0: standard live (LVB) and fast live (LEB,
// WebRTC), which Tencent bills apart. A stream is watched over both; its
// fast-live share is its own, between 5 and 35 per cent.
const (
	ServiceLVB = "LVB"
	ServiceLEB = "LEB"
)

func lebShare(stream string) float64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("leb/" + stream)) // a hash never fails to write
	return 0.05 + 0.30*float64(h.Sum64()%1000)/1000
}

// ServiceMinute is the part of a stream's minute at m that one service
// carries; "" is the whole minute. The two parts add up to the whole.
func ServiceMinute(stream, service string, m time.Time) Value {
	v := Minute(stream, m)
	if service == "" {
		return v
	}
	f := lebShare(stream)
	leb := Value{
		Time:      m,
		Bandwidth: round3(v.Bandwidth * f),
		Online:    int64(float64(v.Online) * f),
		Requests:  int64(float64(v.Requests) * f),
		Flux:      round3(v.Flux * f),
	}
	if service == ServiceLEB {
		return leb
	}
	return Value{Time: m, Bandwidth: round3(v.Bandwidth - leb.Bandwidth), Online: v.Online - leb.Online,
		Requests: v.Requests - leb.Requests, Flux: round3(v.Flux - leb.Flux)}
}

// ServiceTotal is Total for one service ("" for both).
func ServiceTotal(streams []string, service string, m time.Time) Value {
	v := Value{Time: m}
	for _, st := range streams {
		x := ServiceMinute(st, service, m)
		v.Bandwidth += x.Bandwidth
		v.Online += x.Online
		v.Requests += x.Requests
		v.Flux += x.Flux
	}
	v.Bandwidth, v.Flux = round3(v.Bandwidth), round3(v.Flux)
	return v
}
