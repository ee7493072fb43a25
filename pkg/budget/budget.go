// Package budget bounds the requests one data source instance has in flight
// to the upstream, and optionally their rate, at the one place where they
// are made: the HTTP transport. Every panel, query, retry and shared request
// of the instance passes through it, so the bound holds for all of them
// together, and nothing that merely waits for another caller's request
// (a cache hit, a merged request) takes a slot.
package budget

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/semaphore"
	"golang.org/x/time/rate"
)

// Budget is the shared allowance of one instance.
type Budget struct {
	slots *semaphore.Weighted
	rate  *rate.Limiter // nil: no rate limit

	inFlight, peak atomic.Int64
	sent           atomic.Int64
}

// New allows concurrency requests in flight and, when perSecond > 0, at
// most perSecond requests a second (bursts of up to concurrency).
func New(concurrency int, perSecond float64) *Budget {
	b := &Budget{slots: semaphore.NewWeighted(int64(max(concurrency, 1)))}
	if perSecond > 0 {
		b.rate = rate.NewLimiter(rate.Limit(perSecond), max(concurrency, 1))
	}
	return b
}

// Stats are counters for tests and logs.
type Stats struct {
	InFlight int64 // requests in flight now
	Peak     int64 // the most ever in flight at once
	Sent     int64 // requests sent
}

// Stats returns the counters.
func (b *Budget) Stats() Stats {
	return Stats{InFlight: b.inFlight.Load(), Peak: b.peak.Load(), Sent: b.sent.Load()}
}

// Transport wraps next. A request waits for a slot (and its turn under the
// rate) before it is sent, and holds the slot until its response body is
// closed: a request is in flight at the upstream until its answer is read.
func (b *Budget) Transport(next http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		wait, stop := waitContext(req.Context())
		err := b.slots.Acquire(wait, 1)
		if err == nil && b.rate != nil {
			if err = b.rate.Wait(wait); err != nil {
				b.slots.Release(1)
			}
		}
		stop()
		if err != nil {
			return nil, fmt.Errorf("%w while waiting for a slot of the upstream budget", context.Canceled)
		}
		n := b.inFlight.Add(1)
		for p := b.peak.Load(); n > p && !b.peak.CompareAndSwap(p, n); p = b.peak.Load() {
		}
		b.sent.Add(1)
		var once sync.Once
		release := func() {
			once.Do(func() {
				b.inFlight.Add(-1)
				b.slots.Release(1)
			})
		}
		resp, err := next.RoundTrip(req)
		if err != nil {
			release()
			return nil, err
		}
		resp.Body = &releasingBody{ReadCloser: resp.Body, release: release}
		return resp, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type releasingBody struct {
	io.ReadCloser
	release func()
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}

type abortKey struct{}

// WithWaitAbort returns ctx, detached from ctx's own cancellation, whose
// requests stop waiting for a slot or a turn when abort closes. A request
// already sent is not cut off: it keeps its slot until it ends, so that
// the upstream never sees more than the budget in flight. This is what a
// request shared by several callers wants: it must outlive any one of
// them, but need not start once all of them have left.
func WithWaitAbort(ctx context.Context, abort <-chan struct{}) context.Context {
	return context.WithValue(context.WithoutCancel(ctx), abortKey{}, abort)
}

// waitContext is what a request waits for its slot under: its own context,
// also cancelled when a WithWaitAbort channel closes. stop ends the watch.
func waitContext(ctx context.Context) (context.Context, context.CancelFunc) {
	abort, ok := ctx.Value(abortKey{}).(<-chan struct{})
	if !ok {
		return ctx, func() {}
	}
	wait, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-abort:
			cancel()
		case <-wait.Done():
		}
	}()
	return wait, cancel
}
