package collect

import (
	"math"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// minutes are the figures of one cell, a column each, in 21 to 25 bytes a
// minute where a row of four float64s took 40: viewers and requests are
// counts, kept as uint32, and requests (which only the Cloud API sends)
// take no room until a minute has one. Nothing is rounded: a count that
// is not a whole number a uint32 holds (a fraction, a negative, -0, a
// huge one) is kept exactly, as float64, in exact. A full-resolution
// range of many streams is what the store mostly holds, so a byte a
// minute is 20 000 bytes a stream and fortnight.
type minutes struct {
	bits      [cellMinutes]uint8
	bandwidth [cellMinutes]float64
	flux      [cellMinutes]float64
	online    [cellMinutes]uint32
	requests  *[cellMinutes]uint32
	exact     map[exactKey]float64 // counts a uint32 cannot hold
}

const (
	hasBandwidth = 1 << iota
	hasOnline
	hasFlux
	hasRequests
	present
)

// inExact marks a count whose figure is in minutes.exact.
const inExact = math.MaxUint32

type exactKey struct {
	minute   uint8
	requests bool
}

// asCount is v as a uint32 when that holds it exactly.
func asCount(v float64) (uint32, bool) {
	if v >= 0 && v < inExact && v == math.Trunc(v) && !math.Signbit(v) {
		return uint32(v), true
	}
	return 0, false
}

// set keeps minute i of p, only the figures p has, so that a minute is the
// same whatever an absent figure carried.
func (m *minutes) set(i int, p *upstream.Point) {
	m.clear(i)
	b := uint8(present)
	if p.Bandwidth.Valid {
		b |= hasBandwidth
		m.bandwidth[i] = p.Bandwidth.Value
	}
	if p.Flux.Valid {
		b |= hasFlux
		m.flux[i] = p.Flux.Value
	}
	if p.Online.Valid {
		b |= hasOnline
		m.online[i] = m.count(i, false, p.Online.Value)
	}
	if p.Requests.Valid {
		b |= hasRequests
		if m.requests == nil {
			m.requests = new([cellMinutes]uint32)
		}
		m.requests[i] = m.count(i, true, p.Requests.Value)
	}
	m.bits[i] = b
}

func (m *minutes) count(i int, requests bool, v float64) uint32 {
	if n, ok := asCount(v); ok {
		return n
	}
	if m.exact == nil {
		m.exact = map[exactKey]float64{}
	}
	m.exact[exactKey{uint8(i), requests}] = v // #nosec G115 -- i < cellMinutes
	return inExact
}

func (m *minutes) countAt(i int, requests bool, n uint32) float64 {
	if n == inExact {
		return m.exact[exactKey{uint8(i), requests}] // #nosec G115 -- i < cellMinutes
	}
	return float64(n)
}

// clear forgets minute i.
func (m *minutes) clear(i int) {
	if m.bits[i]&(hasOnline|hasRequests) != 0 && m.exact != nil {
		delete(m.exact, exactKey{uint8(i), false}) // #nosec G115 -- i < cellMinutes
		delete(m.exact, exactKey{uint8(i), true})  // #nosec G115 -- i < cellMinutes
	}
	m.bits[i] = 0
	m.bandwidth[i], m.flux[i], m.online[i] = 0, 0, 0
	if m.requests != nil {
		m.requests[i] = 0
	}
}

// has tells whether minute i is present.
func (m *minutes) has(i int) bool { return m.bits[i]&present != 0 }

// point is minute i, at t.
func (m *minutes) point(i int, t time.Time) upstream.Point {
	b := m.bits[i]
	p := upstream.Point{Time: t,
		Bandwidth: upstream.Num{Value: m.bandwidth[i], Valid: b&hasBandwidth != 0},
		Flux:      upstream.Num{Value: m.flux[i], Valid: b&hasFlux != 0},
	}
	if b&hasOnline != 0 {
		p.Online = upstream.Num{Value: m.countAt(i, false, m.online[i]), Valid: true}
	}
	if b&hasRequests != 0 {
		p.Requests = upstream.Num{Value: m.countAt(i, true, m.requests[i]), Valid: true}
	}
	return p
}

// size is what m holds beyond its fixed part, in bytes.
func (m *minutes) size() int64 {
	var n int64
	if m.requests != nil {
		n += int64(len(m.requests)) * 4
	}
	// A Go map costs about this much an entry, and a fixed part.
	if len(m.exact) > 0 {
		n += 48 + int64(len(m.exact))*32
	}
	return n
}
