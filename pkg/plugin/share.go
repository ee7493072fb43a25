package plugin

import (
	"context"
	"sync"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// answers lets identical queries that arrive together (fifty viewers of one
// dashboard, the same panel repeated) share one answer: the minutes are
// read and the frames built once, not once per query. The store already
// shares the upstream calls; this shares the work after them, which is
// what a burst of identical queries spends its time and memory on.
//
// Only queries in flight at the same time share, and only within one
// minute (the key holds it), so an answer is never older than the data
// the store would give. The work runs detached from its first caller: a
// viewer who leaves does not fail the others, and when every caller has
// left, the work is cancelled, which drops the upstream requests it has
// not sent yet.
type answers struct {
	mu sync.Mutex
	m  map[string]*answer
	// joined, for tests, hears of each caller that joins an answer
	// already being built.
	joined chan<- struct{}
}

type answer struct {
	done    chan struct{}
	resp    backend.DataResponse
	waiters int
	cancel  context.CancelFunc
}

// get returns build's answer for key, built once for all callers that ask
// while it is being built. Each caller gets frames of its own, sharing the
// fields (which nobody writes once built), because the SDK sets each
// frame's RefID to its caller's.
func (a *answers) get(ctx context.Context, key string, build func(context.Context) backend.DataResponse) backend.DataResponse {
	a.mu.Lock()
	if a.m == nil {
		a.m = map[string]*answer{}
	}
	w, ok := a.m[key]
	if ok {
		w.waiters++
		if a.joined != nil {
			a.joined <- struct{}{}
		}
	} else {
		wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		w = &answer{done: make(chan struct{}), waiters: 1, cancel: cancel}
		a.m[key] = w
		go func() {
			defer cancel()
			w.resp = build(wctx)
			a.mu.Lock()
			if a.m[key] == w {
				delete(a.m, key)
			}
			a.mu.Unlock()
			close(w.done)
		}()
	}
	a.mu.Unlock()

	select {
	case <-w.done:
		return ownCopy(w.resp)
	case <-ctx.Done():
		a.mu.Lock()
		w.waiters--
		if w.waiters == 0 {
			// Nobody wants it any more: stop it, and let whoever asks
			// next start afresh rather than join a cancelled answer.
			w.cancel()
			if a.m[key] == w {
				delete(a.m, key)
			}
		}
		a.mu.Unlock()
		return errorResponse(ctx.Err())
	}
}

func ownCopy(r backend.DataResponse) backend.DataResponse {
	if r.Frames == nil {
		return r
	}
	frames := make(data.Frames, len(r.Frames))
	for i, f := range r.Frames {
		c := *f
		frames[i] = &c
	}
	r.Frames = frames
	return r
}
