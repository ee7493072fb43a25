// Package budget bounds the requests one data source instance has in flight
// to the upstream, and optionally their rate, at the one place where they
// are made: the HTTP transport. Every panel, query, retry and shared request
// of the instance passes through it, so the bound holds for all of them
// together, and nothing that merely waits for another caller's request
// (a cache hit, a merged request) takes a slot.
//
// The bound adapts to the upstream (additive increase, multiplicative
// decrease): each throttled answer halves it, at most once per round of
// requests, and each answer that comes through raises it again by about one
// request per round, up to the configured maximum. An upstream that allows
// fewer requests in flight than configured then gets roughly what it allows,
// and the same load completes, only slower.
package budget

import (
	"container/list"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"

	"golang.org/x/time/rate"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/coalesce"
)

// Budget is the shared allowance of one instance.
type Budget struct {
	max  int
	rate *rate.Limiter // nil: no rate limit

	mu       sync.Mutex
	limit    float64    // the adaptive bound, in [1, max]
	inFlight int        // requests holding a slot
	waiting  *list.List // of chan struct{}, first come first served
	sentSeq  int        // requests sent so far
	cutSeq   int        // sentSeq at the last decrease

	peak, sent, cuts atomic.Int64

	// shared, when set, is the fleet's bound of the request's kind, taken
	// after this instance's own (see Share).
	shared func(*http.Request) Shared
	pacers []Pacer
}

// Shared is a bound that a request also takes, beyond its instance's
// own: the fleet's, when several replicas call the same upstream account.
type Shared interface {
	// Acquire waits for the bound to allow one more request; release is
	// never nil. It fails only when ctx ends: a bound that cannot be
	// reached lets the request go under the instance's own.
	Acquire(ctx context.Context) (release func(), err error)
	Pacer
}

// Pacer hears how the upstream answered.
type Pacer interface {
	Throttled()
	Succeeded()
}

// Share makes every request also take the shared bound that for(request)
// names (nil: none), and tells each of pacers how the upstream answers.
// Call it before the budget is used.
func (b *Budget) Share(bound func(*http.Request) Shared, pacers ...Pacer) {
	b.shared, b.pacers = bound, pacers
}

// New allows concurrency requests in flight and, when perSecond > 0, at
// most perSecond requests a second (bursts of up to concurrency).
func New(concurrency int, perSecond float64) *Budget {
	n := max(concurrency, 1)
	b := &Budget{max: n, limit: float64(n), waiting: list.New()}
	if perSecond > 0 {
		b.rate = rate.NewLimiter(rate.Limit(perSecond), n)
	}
	return b
}

// Stats are counters for tests and logs.
type Stats struct {
	InFlight int64   // requests in flight now
	Peak     int64   // the most ever in flight at once
	Sent     int64   // requests sent
	Limit    float64 // the adaptive bound now
	Cuts     int64   // times throttling halved the bound
}

// Stats returns the counters.
func (b *Budget) Stats() Stats {
	b.mu.Lock()
	in, limit := b.inFlight, b.limit
	b.mu.Unlock()
	return Stats{InFlight: int64(in), Peak: b.peak.Load(), Sent: b.sent.Load(), Limit: limit, Cuts: b.cuts.Load()}
}

// Throttled tells the budget that the upstream refused a request as too
// frequent. The bound halves, but only once a round: until as many
// requests as the bound allows were sent since it last did, a refusal is
// an echo of the same burst, not news.
func (b *Budget) Throttled() {
	for _, p := range b.pacers {
		p.Throttled()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cuts.Load() > 0 && b.sentSeq-b.cutSeq < b.allowed() {
		return
	}
	b.limit = max(1, b.limit/2)
	b.cutSeq = b.sentSeq
	b.cuts.Add(1)
}

// Succeeded tells the budget that the upstream answered a request: the
// bound grows by 1/bound, about one request per round of answers.
func (b *Budget) Succeeded() {
	for _, p := range b.pacers {
		p.Succeeded()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.limit >= float64(b.max) {
		return
	}
	b.limit = min(float64(b.max), b.limit+1/b.limit)
	b.grant()
}

// allowed is how many requests may be in flight now.
func (b *Budget) allowed() int { return max(1, int(b.limit)) }

// grant hands free slots to the longest waiting requests. b.mu is held.
func (b *Budget) grant() {
	for b.waiting.Len() > 0 && b.inFlight < b.allowed() {
		ch := b.waiting.Remove(b.waiting.Front()).(chan struct{})
		b.take()
		close(ch)
	}
}

// take counts a request into flight. b.mu is held.
func (b *Budget) take() {
	b.inFlight++
	b.sentSeq++
	if n := int64(b.inFlight); n > b.peak.Load() {
		b.peak.Store(n)
	}
	b.sent.Add(1)
}

func (b *Budget) acquire(ctx context.Context) error {
	b.mu.Lock()
	if b.waiting.Len() == 0 && b.inFlight < b.allowed() {
		b.take()
		b.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	el := b.waiting.PushBack(ch)
	b.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		defer b.mu.Unlock()
		select {
		case <-ch:
			// Granted while leaving: hand the slot on.
			b.inFlight--
			b.grant()
		default:
			b.waiting.Remove(el)
		}
		return ctx.Err()
	}
}

func (b *Budget) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inFlight--
	b.grant()
}

// Transport wraps next. A request waits for a slot (and its turn under the
// rate) before it is sent, and holds the slot until its round trip ends:
// when its body is read to the end or fails, when it is closed, or when
// the request's context ends, whichever comes first. A caller that never
// closes a body (a library's error path) cannot keep a slot for ever.
func (b *Budget) Transport(next http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		// A request shared by several callers (coalesce) stops waiting
		// for a slot when all of them have left; once sent, it finishes.
		wait, stop := coalesce.WhileWanted(req.Context())
		err := b.acquire(wait)
		if err == nil && b.rate != nil {
			if err = b.rate.Wait(wait); err != nil {
				b.release()
			}
		}
		freeShared := func() {}
		if err == nil && b.shared != nil {
			if bound := b.shared(req); bound != nil {
				if freeShared, err = bound.Acquire(wait); err != nil {
					b.release()
				}
			}
		}
		stop()
		if err != nil {
			return nil, fmt.Errorf("%w while waiting for a slot of the upstream budget", context.Canceled)
		}
		var once sync.Once
		done := make(chan struct{})
		release := func() {
			once.Do(func() {
				close(done)
				freeShared()
				b.release()
			})
		}
		resp, err := next.RoundTrip(req)
		if err != nil {
			release()
			return nil, err
		}
		// The request's context ending ends its round trip too.
		if req.Context().Done() != nil {
			go func() {
				select {
				case <-req.Context().Done():
					release()
				case <-done:
				}
			}()
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

func (b *releasingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		// The end of the answer, or its failure: the round trip is over.
		b.release()
	}
	return n, err
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}

// Rate is a Shared bound of perSecond requests a second (bursts of
// burst), for one process: an upstream action's documented rate when no
// fleet shares it.
func Rate(perSecond float64, burst int) *RateBound {
	return &RateBound{l: rate.NewLimiter(rate.Limit(perSecond), max(burst, 1))}
}

// RateBound is Rate's bound.
type RateBound struct{ l *rate.Limiter }

// Acquire waits for the rate to allow one more request.
func (r *RateBound) Acquire(ctx context.Context) (func(), error) {
	return func() {}, r.l.Wait(ctx)
}

// PerSecond is the bound's rate.
func (r *RateBound) PerSecond() float64 { return float64(r.l.Limit()) }

// Throttled and Succeeded: a fixed rate does not adapt; the instance's
// own bound does.
func (r *RateBound) Throttled() {}
func (r *RateBound) Succeeded() {}
