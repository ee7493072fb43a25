package memory

import (
	"runtime"
	"strings"
	"testing"
)

func TestTheSettingIsReadOrRefusedWithAReason(t *testing.T) {
	for in, want := range map[string]struct {
		mode Mode
		n    int64
	}{
		"": {Auto, 0}, "auto": {Auto, 0}, " AUTO ": {Auto, 0}, "off": {Off, 0},
		"64MiB": {Fixed, 64 << 20}, "96MB": {Fixed, 96e6}, "1GiB": {Fixed, 1 << 30}, "20000000": {Fixed, 20e6},
	} {
		mode, n, err := Parse(in, "")
		if err != nil || mode != want.mode || n != want.n {
			t.Errorf("%q: %v %d %v, want %v %d", in, mode, n, err, want.mode, want.n)
		}
	}
	for _, bad := range []string{"lots", "1MiB", "-5GiB", "12.5MiB", "0", strings.Repeat("9", 100)} {
		mode, _, err := Parse(bad, "")
		if err == nil || mode != Auto || len(err.Error()) > 200 || !strings.Contains(err.Error(), Env) || !strings.Contains(err.Error(), "stays automatic") {
			t.Errorf("%.20q: %v %v", bad, mode, err)
		}
	}
	// GOMEMLIMIT is the operator's word to the runtime: auto leaves it be;
	// a size in memory_limit is the more specific one.
	if mode, _, _ := Parse("", "200MiB"); mode != Off {
		t.Errorf("auto with GOMEMLIMIT set: %v", mode)
	}
	if mode, n, _ := Parse("64MiB", "200MiB"); mode != Fixed || n != 64<<20 {
		t.Errorf("a size with GOMEMLIMIT set: %v %d", mode, n)
	}
}

// The automatic limit is the allowance plus what every store keeps, and
// follows them up and down; it is set only when it changes.
func TestTheAutomaticLimitFollowsWhatIsKept(t *testing.T) {
	var set []int64
	p := New(Auto, 0, func(n int64) int64 { set = append(set, n); return 0 }, func() int64 { return 0 })
	a, b := new(int), new(int)
	p.Keep(a, 10<<20)
	p.Keep(b, 5<<20)
	p.Keep(a, 10<<20) // unchanged
	p.Keep(a, 12<<20)
	p.Forget(b)
	p.Forget(a)
	want := []int64{Allowance, Allowance + 10<<20, Allowance + 15<<20, Allowance + 17<<20, Allowance + 12<<20, Allowance}
	if len(set) != len(want) {
		t.Fatalf("limits set %v, want %v", set, want)
	}
	for i := range want {
		if set[i] != want[i] {
			t.Fatalf("limits set %v, want %v", set, want)
		}
	}
	if p.Limit() != Allowance || !strings.Contains(p.String(), "48 MiB for answers in flight") {
		t.Errorf("%d: %s", p.Limit(), p)
	}
}

// Answers in flight each have room: below the allowance together they
// change nothing; above it, the limit grows by what they need, and comes
// back when they are done.
func TestAnswersInFlightEachHaveRoom(t *testing.T) {
	var limit int64
	p := New(Auto, 0, func(n int64) int64 { limit = n; return 0 }, func() int64 { return 0 })
	p.Keep(new(int), 10<<20)
	small := p.Reserve(Allowance / 4)
	if limit != Allowance+10<<20 {
		t.Fatalf("a small answer moved the limit to %d MiB", limit>>20)
	}
	var done []func()
	for range 4 {
		done = append(done, p.Reserve(Allowance))
	}
	if want := int64(4*Allowance+Allowance/4) + 10<<20; limit != want {
		t.Fatalf("four big answers and a small one: limit %d MiB, want %d MiB", limit>>20, want>>20)
	}
	for _, d := range done {
		d()
		d() // twice is once
	}
	small()
	if limit != Allowance+10<<20 {
		t.Fatalf("after the answers: %d MiB", limit>>20)
	}
}

// Whatever holds the live heap, the automatic limit stays Headroom above
// it, so that the collector never runs after every few allocations.
func TestTheAutomaticLimitLeavesHeadroomAboveTheLiveHeap(t *testing.T) {
	var limit int64
	live := int64(0)
	p := New(Auto, 0, func(n int64) int64 { limit = n; return 0 }, func() int64 { return live })
	store := new(int)
	p.Keep(store, 10<<20)
	if limit != Allowance+10<<20 {
		t.Fatalf("limit %d", limit)
	}
	live = 70 << 20 // answers in flight the stores do not count
	p.Keep(store, 11<<20)
	if limit != 70<<20+Headroom {
		t.Errorf("with 70 MiB live: limit %d MiB, want %d", limit>>20, (70<<20+Headroom)>>20)
	}
	live = 5 << 20
	p.Keep(store, 12<<20)
	if limit != Allowance+12<<20 {
		t.Errorf("with little live: limit %d MiB", limit>>20)
	}
	// The real reading: after a collection, the heap of this test is live.
	runtime.GC()
	if n := liveHeap(); n <= 0 {
		t.Errorf("live heap read as %d", n)
	}
}

func TestAFixedLimitOrNoneIgnoresWhatIsKept(t *testing.T) {
	var set []int64
	record := func(n int64) int64 { set = append(set, n); return 0 }
	p := New(Fixed, 64<<20, record, nil)
	p.Keep(p, 1<<30)
	if len(set) != 1 || set[0] != 64<<20 || p.Limit() != 64<<20 {
		t.Errorf("fixed: set %v", set)
	}
	set = nil
	off := New(Off, 0, record, nil)
	off.Keep(off, 1<<30)
	if len(set) != 0 || off.Limit() != 0 || !strings.Contains(off.String(), "no soft memory limit") {
		t.Errorf("off: set %v, %s", set, off)
	}
	var none *Policy // a data source outside the plugin's process
	none.Keep(none, 1)
	none.Forget(none)
	if none.Limit() != 0 {
		t.Error("a nil policy has a limit")
	}
}
