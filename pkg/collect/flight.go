package collect

import (
	"context"
	"errors"
	"sync"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/budget"
)

// flights merges identical requests in flight. Unlike singleflight, it
// counts who is waiting: a caller that gives up returns at once, and when
// the last one has gone, a request that has not yet been sent is dropped
// instead of spending the upstream budget for nobody. A request already
// sent finishes (and holds its slot until then).
type flights[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]*flight[V]
}

type flight[V any] struct {
	done    chan struct{}
	val     V
	err     error
	waiters int
	abort   chan struct{}
	aborted bool
}

// do returns fn's answer for key, sharing one call among all callers that
// ask while it runs. shared tells whether this caller joined another's call.
func (g *flights[K, V]) do(ctx context.Context, key K, fn func(context.Context) (V, error)) (v V, shared bool, err error) {
	for {
		v, shared, err, again := g.once(ctx, key, fn)
		if !again {
			return v, shared, err
		}
	}
}

// once joins or starts a call. again is true when the call this caller
// joined was dropped for want of callers before it was sent, while this
// caller still wants the answer: it must start a new one.
func (g *flights[K, V]) once(ctx context.Context, key K, fn func(context.Context) (V, error)) (v V, shared bool, err error, again bool) {
	g.mu.Lock()
	if g.m == nil {
		g.m = map[K]*flight[V]{}
	}
	f, ok := g.m[key]
	if ok {
		f.waiters++
	} else {
		f = &flight[V]{done: make(chan struct{}), waiters: 1, abort: make(chan struct{})}
		g.m[key] = f
		go func() {
			f.val, f.err = fn(budget.WithWaitAbort(ctx, f.abort))
			g.mu.Lock()
			if g.m[key] == f {
				delete(g.m, key)
			}
			g.mu.Unlock()
			close(f.done)
		}()
	}
	g.mu.Unlock()

	select {
	case <-f.done:
		g.mu.Lock()
		aborted := f.aborted
		g.mu.Unlock()
		if aborted && errors.Is(f.err, context.Canceled) && ctx.Err() == nil {
			return v, ok, nil, true
		}
		return f.val, ok, f.err, false
	case <-ctx.Done():
		g.mu.Lock()
		f.waiters--
		if f.waiters == 0 && !f.aborted {
			// Nobody wants it any more: if it still waits for a slot, it
			// is dropped; if it was sent, it finishes, and whoever asks
			// next joins it.
			f.aborted = true
			close(f.abort)
		}
		g.mu.Unlock()
		return v, ok, ctx.Err(), false
	}
}
