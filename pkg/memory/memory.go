// Package memory keeps the plugin process's soft memory limit (Go's
// GOMEMLIMIT) at what the process keeps plus an allowance for the work in
// flight, unless the operator has set one.
//
// Why not leave Go's default: the garbage collector lets the heap grow to
// twice what was live at its last cycle, and a full-resolution answer
// (frames, their Arrow encoding, gRPC's copy of it) is live all at once,
// so a 15-day export of 20 streams peaked near 130 MB for about 50 MB of
// data. Why not a fixed limit: what the process must keep, the minutes of
// its stores, is the operator's choice (cacheMegabytes, up to gigabytes);
// a fixed limit below it would have the collector run without end. So the
// limit follows what the stores hold, and only the work above it is
// collected harder. The runtime caps the collector at about half the CPU
// when a query needs more than the allowance: that query is slower, never
// refused, and memory is never denied.
package memory

import (
	"fmt"
	"math"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// Env is the setting, from grafana.ini's [plugin.lvbstat-tencent-datasource]
// memory_limit, which Grafana passes as this variable.
const Env = "GF_PLUGIN_MEMORY_LIMIT"

// Allowance is what the automatic limit leaves above what the stores hold,
// for the queries in flight: a 15-day, 20-stream answer at every minute
// needs about 45 MiB of it.
const Allowance = 48 << 20

// Headroom is the least the automatic limit leaves above what was live at
// the last collection, whatever holds it (answers being built, answers of
// an upstream in flight): with less, the collector would run again after
// every few allocations, for as long as that memory is held.
const Headroom = Allowance / 2

// PerRow is what an answer needs in flight for each stream-minute (row)
// it holds: its frames, their Arrow encoding and gRPC's copy of it. A
// 15-day, 20-stream answer at every minute (432 000 rows) needs about
// Allowance.
const PerRow = 112

// MinLimit is the smallest limit an operator may set.
const MinLimit = 16 << 20

// Mode is how the limit is set.
type Mode int

const (
	Auto  Mode = iota // Allowance plus what the stores hold
	Fixed             // the operator's size
	Off               // the runtime's default: no limit
)

// Policy is the process's limit policy: its mode, and what each holder
// (a data source's store) keeps.
type Policy struct {
	mode      Mode
	fixed     int64
	allowance int64
	set       func(int64) int64
	live      func() int64 // heap live at the last collection

	mu       sync.Mutex
	kept     map[any]int64
	total    int64
	reserved int64 // for the answers in flight (Reserve)
	limit    int64 // the last limit set, 0 before the first
}

// Parse reads the setting: empty or "auto", "off", or a size such as
// 256MiB, 1GiB or 512MB. goMemLimit is the GOMEMLIMIT variable: set, it is
// the operator's word for the runtime and wins over auto.
func Parse(raw, goMemLimit string) (Mode, int64, error) {
	raw = strings.TrimSpace(raw)
	switch strings.ToLower(raw) {
	case "", "auto":
		if strings.TrimSpace(goMemLimit) != "" {
			return Off, 0, nil
		}
		return Auto, 0, nil
	case "off":
		return Off, 0, nil
	}
	n, err := parseSize(raw)
	if err != nil || n < MinLimit {
		return Auto, 0, fmt.Errorf("%s (memory_limit) %q is not auto, off, or a size of at least %d MiB such as 256MiB or 1GiB; the limit stays automatic",
			Env, upstream.Clip(raw, 40), MinLimit>>20)
	}
	return Fixed, n, nil
}

// New is a policy in mode; fixed is the size for Fixed. set is
// debug.SetMemoryLimit and live reads the runtime's live heap when nil.
func New(mode Mode, fixed int64, set func(int64) int64, live func() int64) *Policy {
	if set == nil {
		set = debug.SetMemoryLimit
	}
	if live == nil {
		live = liveHeap
	}
	p := &Policy{mode: mode, fixed: fixed, allowance: Allowance, set: set, live: live, kept: map[any]int64{}}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.apply()
	return p
}

// Keep records that holder now keeps n bytes, and moves the limit with it.
// A nil policy does nothing (a data source made outside the plugin's
// process, as in tests).
func (p *Policy) Keep(holder any, n int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total += n - p.kept[holder]
	p.kept[holder] = n
	p.apply()
}

// Forget drops holder (a disposed data source) from what is kept.
func (p *Policy) Forget(holder any) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total -= p.kept[holder]
	delete(p.kept, holder)
	p.apply()
}

// Reserve counts n bytes for an answer in flight until done is called, so
// that answers built at once each have room: one allowance for the whole
// process had four data sources' exports share what one needs, and the
// collector spend three times the CPU of no limit. The allowance stays
// the least kept free, however small the answers in flight.
func (p *Policy) Reserve(n int64) (done func()) {
	if p == nil || n <= 0 {
		return func() {}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reserved += n
	p.apply()
	var once sync.Once
	return func() {
		once.Do(func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.reserved -= n
			p.apply()
		})
	}
}

// apply sets the limit the mode says, when it changed. p.mu is held.
func (p *Policy) apply() {
	var want int64
	switch p.mode {
	case Fixed:
		want = p.fixed
	case Auto:
		want = max(max(p.allowance, p.reserved)+max(p.total, 0), p.live()+Headroom)
	default:
		return
	}
	if want != p.limit {
		p.set(want)
		p.limit = want
	}
}

// Limit is the limit last set, 0 when the policy sets none.
func (p *Policy) Limit() int64 {
	if p == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.limit
}

// String says what the policy does, for the log and the health check.
func (p *Policy) String() string {
	if p == nil {
		return "runtime default"
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch p.mode {
	case Fixed:
		return fmt.Sprintf("soft memory limit %d MiB (memory_limit)", p.limit>>20)
	case Auto:
		return fmt.Sprintf("soft memory limit %d MiB: %d MiB kept by the stores + %d MiB for answers in flight (at least %d MiB), and at least %d MiB above the live heap (memory_limit = auto)",
			p.limit>>20, max(p.total, 0)>>20, max(p.allowance, p.reserved)>>20, p.allowance>>20, Headroom>>20)
	}
	return "no soft memory limit (memory_limit = off, or GOMEMLIMIT set)"
}

var liveSample = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}

// liveHeap is the heap the last collection found live.
func liveHeap() int64 {
	s := make([]metrics.Sample, 1)
	copy(s, liveSample)
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(min(s[0].Value.Uint64(), math.MaxInt64/2)) // #nosec G115 -- bounded above
}

// parseSize reads a whole number of bytes with an optional unit: B, KiB,
// MiB, GiB (powers of 1024) or KB, MB, GB (powers of 1000).
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		scale  int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	scale := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, scale = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.scale
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/4/scale {
		return 0, fmt.Errorf("not a size")
	}
	return n * scale, nil
}
