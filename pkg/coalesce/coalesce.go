// Package coalesce shares one call among the callers that ask for the same
// thing while it runs, and says when nobody wants it any more. It is the
// one answer to "share a request, stop when nobody waits" for the minute
// store's requests, the stream listing and identical queries' answers.
//
// The call runs detached from any one caller, so a caller who leaves never
// fails the others. When the last caller has left, the call is abandoned:
// its context's Abandoned channel closes, and what that means is the
// call's to decide (a request waiting for an upstream slot gives up, one
// already sent finishes and keeps what it got; building an answer stops).
// An abandoned call is no longer joined: whoever asks next starts afresh.
package coalesce

import (
	"context"
	"sync"
)

// Group shares calls by key.
type Group[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]*call[V]
	// OnJoin, when set, is told of each caller that joins a call already
	// running (for the logs, and for tests that need to know it happened).
	OnJoin func(key K)
}

type call[V any] struct {
	done      chan struct{}
	val       V
	err       error
	callers   int
	abandoned chan struct{}
}

type abandonedKey struct{}

// Abandoned is closed when every caller of the call ctx belongs to has
// left; nil outside a call (a nil channel never closes).
func Abandoned(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(abandonedKey{}).(chan struct{})
	return ch
}

// WhileWanted returns ctx cancelled also when the call it belongs to is
// abandoned: for what only waits on behalf of the call's callers. stop
// ends the watch.
func WhileWanted(ctx context.Context) (context.Context, context.CancelFunc) {
	abandoned := Abandoned(ctx)
	if abandoned == nil {
		return ctx, func() {}
	}
	wanted, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-abandoned:
			cancel()
		case <-wanted.Done():
		}
	}()
	return wanted, cancel
}

// Do returns fn's result for key, sharing one call among the callers that
// ask while it runs; shared tells whether this caller joined another's.
// fn's context keeps ctx's values, not its cancellation, and carries the
// call's Abandoned channel. A caller whose ctx ends returns at once with
// ctx's error.
func (g *Group[K, V]) Do(ctx context.Context, key K, fn func(context.Context) (V, error)) (v V, shared bool, err error) {
	g.mu.Lock()
	if g.m == nil {
		g.m = map[K]*call[V]{}
	}
	c, shared := g.m[key]
	if shared {
		c.callers++
		if g.OnJoin != nil {
			g.OnJoin(key)
		}
	} else {
		c = &call[V]{done: make(chan struct{}), callers: 1, abandoned: make(chan struct{})}
		g.m[key] = c
		run := context.WithValue(context.WithoutCancel(ctx), abandonedKey{}, c.abandoned)
		go func() {
			c.val, c.err = fn(run)
			g.mu.Lock()
			if g.m[key] == c {
				delete(g.m, key)
			}
			g.mu.Unlock()
			close(c.done)
		}()
	}
	g.mu.Unlock()

	select {
	case <-c.done:
		return c.val, shared, c.err
	case <-ctx.Done():
		g.mu.Lock()
		c.callers--
		if c.callers == 0 {
			close(c.abandoned)
			if g.m[key] == c {
				delete(g.m, key)
			}
		}
		g.mu.Unlock()
		return v, shared, ctx.Err()
	}
}
