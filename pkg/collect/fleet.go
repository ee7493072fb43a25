package collect

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// Fleet is the store a fleet of replicas shares (fleet.Space), as the
// store uses it: cells of minutes by stream, and requests fetched once for
// the fleet. Every method copes with an absent or failing Redis by itself:
// Load finds nothing, Share fetches.
type Fleet interface {
	Load(ctx context.Context, stream string, cells []int64) map[int64][]byte
	// Share runs fetch when this replica should fetch request, and shares
	// the cells it returns; otherwise it waits (while ctx lasts, at most
	// maxWait) for another replica's answer, which have looks for.
	Share(ctx context.Context, stream, request string, maxWait time.Duration,
		have func(context.Context) bool, fetch func() (map[int64][]byte, error), ttl func(cell int64) time.Duration) (waited bool, err error)
}

// ShareWith makes the store share its minutes and its requests with a
// fleet. maxWait bounds how long a replica waits for another's fetch of a
// request that it keeps renewing (longer than any fetch takes with its
// retries); a replica that dies stops renewing, and is taken over sooner.
// Call it once, before the store is used.
func (s *Store) ShareWith(f Fleet, maxWait time.Duration) {
	s.fleet, s.hold = f, maxWait
}

// FleetStats count what the fleet saved this store.
type FleetStats struct {
	Pulled  int64 // cells taken from the fleet
	Waited  int64 // requests another replica made for this one
	Foreign int64 // fleet values that did not decode, and were ignored
}

func fleetStream(domain, service, stream string) string {
	return domain + "\x00" + service + "\x00" + stream
}

func requestKey(f planner.Window) string {
	return strconv.FormatInt(f.Start.Unix(), 10) + "-" + strconv.FormatInt(ceilMinute(f.End).Unix(), 10)
}

// pull takes from the fleet the cells of [from, to) that this replica
// cannot answer from memory at now, where the fleet's copy is newer and
// covers at least as much.
func (s *Store) pull(ctx context.Context, st *stream, name string, from, to, now time.Time) {
	st.mu.Lock()
	var want []int64
	for start := from.Truncate(planner.Span); start.Before(to); start = start.Add(planner.Span) {
		for m := maxTime(from, start); m.Before(to) && m.Before(start.Add(planner.Span)); m = m.Add(time.Minute) {
			if !st.Fresh(m, now) {
				want = append(want, start.Unix())
				break
			}
		}
	}
	st.mu.Unlock()
	got := s.fleet.Load(ctx, name, want)
	if len(got) == 0 {
		return
	}
	var grown int64
	defer func() { s.grow(grown) }()
	st.mu.Lock()
	defer st.mu.Unlock()
	for k, payload := range got {
		c, err := decodeCell(payload, time.Unix(k, 0))
		if err != nil {
			s.foreign.Add(1)
			continue
		}
		if c.supersedes(st.cells[k]) {
			grown += st.put(k, c)
			s.pulled.Add(1)
		}
	}
}

// payloads are the cells an answer for f filled, as the fleet keeps them.
func (s *Store) payloads(st *stream, f planner.Window) map[int64][]byte {
	st.mu.Lock()
	defer st.mu.Unlock()
	payloads := map[int64][]byte{}
	for start := f.Start.Truncate(planner.Span); start.Before(f.End); start = start.Add(planner.Span) {
		if c := st.cells[start.Unix()]; c != nil {
			payloads[start.Unix()] = encodeCell(c)
		}
	}
	return payloads
}

// cellTTL is how long the fleet keeps a cell: while the upstream keeps its
// minutes.
func (s *Store) cellTTL(now time.Time) func(cell int64) time.Duration {
	return func(cell int64) time.Duration {
		return time.Unix(cell, 0).Add(s.limits.Retention + planner.Span).Sub(now)
	}
}

// A cell's payload: version, start (Unix s), coverage as seconds from the
// start, fetched and settled times (Unix s), the window total, the count
// of answers without one, a byte of flags a minute, then the figures the
// flags say are there, in minute order, as float64.
const (
	cellVersion   = 1
	cellHeaderLen = 1 + 8 + 2 + 2 + 8 + 8 + 1 + 8 + 2
	figureBits    = hasBandwidth | hasOnline | hasFlux | hasRequests
)

func encodeCell(c *cell) []byte {
	n := 0
	for i := range c.minutes.bits {
		n += bits.OnesCount8(c.minutes.bits[i] & figureBits)
	}
	b := make([]byte, 0, cellHeaderLen+cellMinutes+8*n)
	b = append(b, cellVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(c.start.Unix()))                  // #nosec G115 -- a time, read back as int64
	b = binary.BigEndian.AppendUint16(b, uint16(c.cov0.Sub(c.start)/time.Second)) // #nosec G115 -- within a two-hour cell
	b = binary.BigEndian.AppendUint16(b, uint16(c.cov1.Sub(c.start)/time.Second)) // #nosec G115 -- within a two-hour cell
	b = binary.BigEndian.AppendUint64(b, uint64(c.fetchedAt.Unix()))              // #nosec G115 -- a time, read back as int64
	b = binary.BigEndian.AppendUint64(b, uint64(c.settledTo.Unix()))              // #nosec G115 -- a time, read back as int64
	if c.sum.Valid {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(c.sum.Value))
	b = binary.BigEndian.AppendUint16(b, uint16(min(c.noSum, math.MaxUint16))) // #nosec G115 -- bounded above
	b = append(b, c.minutes.bits[:]...)
	for i := range c.minutes.bits {
		if !c.minutes.has(i) {
			continue
		}
		p := c.minutes.point(i, time.Time{})
		for _, f := range [...]upstream.Num{p.Bandwidth, p.Online, p.Flux, p.Requests} {
			if f.Valid {
				b = binary.BigEndian.AppendUint64(b, math.Float64bits(f.Value))
			}
		}
	}
	return b
}

var errCell = errors.New("not a cell of this store")

// decodeCell reads a payload for the cell starting at start, refusing
// anything that does not fit exactly: a value from another version, another
// cell, or garbage is never served.
func decodeCell(b []byte, start time.Time) (*cell, error) {
	if len(b) < cellHeaderLen+cellMinutes || b[0] != cellVersion {
		return nil, errCell
	}
	u64 := func(i int) int64 { return int64(binary.BigEndian.Uint64(b[i:])) } // #nosec G115 -- written from an int64
	if u64(1) != start.Unix() {
		return nil, errCell
	}
	cov0, cov1 := int(binary.BigEndian.Uint16(b[9:])), int(binary.BigEndian.Uint16(b[11:]))
	if cov0 > cov1 || cov1 > int(planner.Span/time.Second) {
		return nil, errCell
	}
	c := &cell{start: start,
		cov0:      start.Add(time.Duration(cov0) * time.Second),
		cov1:      start.Add(time.Duration(cov1) * time.Second),
		fetchedAt: time.Unix(u64(13), 0),
		settledTo: time.Unix(u64(21), 0),
	}
	if b[29] > 1 {
		return nil, errCell
	}
	c.sum.Valid = b[29] == 1
	c.sum.Value = math.Float64frombits(binary.BigEndian.Uint64(b[30:]))
	c.noSum = int(binary.BigEndian.Uint16(b[38:]))
	flags := b[cellHeaderLen : cellHeaderLen+cellMinutes]
	n := 0
	for _, f := range flags {
		if f&^(figureBits|present) != 0 || (f != 0 && f&present == 0) {
			return nil, errCell
		}
		n += bits.OnesCount8(f & figureBits)
	}
	figures := b[cellHeaderLen+cellMinutes:]
	if len(figures) != 8*n {
		return nil, fmt.Errorf("%w: %d bytes of figures, want %d", errCell, len(figures), 8*n)
	}
	next := func(has bool) (upstream.Num, bool) {
		if !has {
			return upstream.Num{}, true
		}
		v := math.Float64frombits(binary.BigEndian.Uint64(figures))
		figures = figures[8:]
		return upstream.Num{Value: v, Valid: true}, !math.IsNaN(v) && !math.IsInf(v, 0)
	}
	for i, f := range flags {
		if f == 0 {
			continue
		}
		var p upstream.Point
		var ok [4]bool
		p.Bandwidth, ok[0] = next(f&hasBandwidth != 0)
		p.Online, ok[1] = next(f&hasOnline != 0)
		p.Flux, ok[2] = next(f&hasFlux != 0)
		p.Requests, ok[3] = next(f&hasRequests != 0)
		if ok != [4]bool{true, true, true, true} {
			return nil, errCell
		}
		c.minutes.set(i, &p)
	}
	return c, nil
}
