package coalesce

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

type result struct {
	v      int
	shared bool
	err    error
}

// Callers that ask while a call runs share it; one who leaves fails nobody
// else, and the call goes on for those who stay.
func TestCallersShareOneCallAndLeaveAlone(t *testing.T) {
	var g Group[string, int]
	joined := make(chan string, 10)
	g.OnJoin = func(k string) { joined <- k }
	var runs atomic.Int64
	gate, started := make(chan struct{}), make(chan struct{})
	fn := func(ctx context.Context) (int, error) {
		runs.Add(1)
		close(started)
		<-gate
		return 42, nil
	}
	ask := func(ctx context.Context, out chan<- result) {
		v, shared, err := g.Do(ctx, "k", fn)
		out <- result{v, shared, err}
	}
	first, second, third := make(chan result, 1), make(chan result, 1), make(chan result, 1)
	leaving, leave := context.WithCancel(context.Background())
	go ask(context.Background(), first)
	<-started
	go ask(leaving, second)
	go ask(context.Background(), third)
	<-joined
	<-joined
	leave()
	if r := <-second; !errors.Is(r.err, context.Canceled) || !r.shared {
		t.Fatalf("the caller who left: %+v", r)
	}
	close(gate)
	for _, ch := range []chan result{first, third} {
		if r := <-ch; r.err != nil || r.v != 42 {
			t.Fatalf("a caller who stayed: %+v", r)
		}
	}
	if runs.Load() != 1 {
		t.Fatalf("%d runs for three callers", runs.Load())
	}
}

// When every caller has left, the call is told (Abandoned, WhileWanted),
// and whoever asks next starts afresh instead of joining it.
func TestACallNobodyWantsIsAbandonedAndNotJoined(t *testing.T) {
	var g Group[string, int]
	stopped, started := make(chan error, 1), make(chan struct{}, 2)
	var runs atomic.Int64
	fn := func(ctx context.Context) (int, error) {
		n := runs.Add(1)
		started <- struct{}{}
		if n == 1 {
			wanted, stop := WhileWanted(ctx)
			defer stop()
			<-wanted.Done()
			stopped <- context.Cause(wanted)
			return 0, wanted.Err()
		}
		return 7, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	left := make(chan result, 1)
	go func() {
		v, shared, err := g.Do(ctx, "k", fn)
		left <- result{v, shared, err}
	}()
	<-started
	cancel()
	if r := <-left; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("the caller who left: %+v", r)
	}
	if err := <-stopped; !errors.Is(err, context.Canceled) {
		t.Fatalf("the abandoned call's wait ended with %v", err)
	}
	v, shared, err := g.Do(context.Background(), "k", fn)
	if err != nil || v != 7 || shared || runs.Load() != 2 {
		t.Fatalf("the next caller: %d shared %v %v after %d runs", v, shared, err, runs.Load())
	}
}

// Outside a call there is nothing to abandon.
func TestOutsideACallNothingIsAbandoned(t *testing.T) {
	if Abandoned(context.Background()) != nil {
		t.Fatal("a channel outside a call")
	}
	ctx, stop := WhileWanted(context.Background())
	defer stop()
	if ctx != context.Background() {
		t.Fatal("WhileWanted changed a context outside a call")
	}
}
