package collect

import (
	"context"
	"errors"
	"testing"
)

func TestKeptServesOnlyWhatSettledWithinItsBound(t *testing.T) {
	calls := 0
	fetch := func(v []int) func(context.Context) ([]int, error) {
		return func(context.Context) ([]int, error) { calls++; return v, nil }
	}
	k := NewKept[string](10, func(v []int) int64 { return int64(len(v)) })
	ctx := context.Background()

	// Not settled: asked every time.
	for range 2 {
		if _, mem, _ := k.Get(ctx, "today", false, fetch([]int{1, 2})); mem {
			t.Fatal("an unsettled answer came from memory")
		}
	}
	// Settled: asked once.
	for i := range 2 {
		v, mem, _ := k.Get(ctx, "monday", true, fetch([]int{1, 2, 3, 4}))
		if mem != (i == 1) || len(v) != 4 {
			t.Fatalf("try %d: from memory %v, %v", i, mem, v)
		}
	}
	if calls != 3 || k.Bytes() != 4 {
		t.Fatalf("%d calls, %d bytes", calls, k.Bytes())
	}
	// Past the bound, the least recently used goes.
	k.Get(ctx, "tuesday", true, fetch(make([]int, 5)))
	k.Get(ctx, "wednesday", true, fetch(make([]int, 5)))
	if k.Bytes() > 10 {
		t.Fatalf("%d bytes kept, bound 10", k.Bytes())
	}
	if _, mem, _ := k.Get(ctx, "monday", true, fetch(nil)); mem {
		t.Fatal("the least recently used answer was kept past the bound")
	}
	// A failure is never kept.
	boom := errors.New("boom")
	k.Get(ctx, "thursday", true, func(context.Context) ([]int, error) { return nil, boom })
	if _, mem, err := k.Get(ctx, "thursday", true, fetch([]int{1})); mem || err != nil {
		t.Fatalf("a failure was kept: %v %v", mem, err)
	}
}
