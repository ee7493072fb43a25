package upstream

import (
	"context"
	"errors"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Retry says how often and how patiently to repeat a request that failed in
// a way that may pass.
type Retry struct {
	Attempts  int           // total tries, at least 1
	BaseDelay time.Duration // the first wait; doubled after each failure, with ±50 % jitter
	MaxDelay  time.Duration // the longest wait; 10 s when zero
	// Pacer, when set, hears how each try went, so that the pace of the
	// requests can follow what the upstream allows (budget.Budget).
	Pacer Pacer
}

// Pacer adapts the pace of requests to the upstream's answers.
type Pacer interface {
	Throttled() // the upstream refused a try as too frequent
	Succeeded() // the upstream answered a try
}

// DefaultRetry fits an endpoint that asks not to be polled more than once a
// minute: four tries, waiting about 0.5, 1 and 2 s between them. With a
// body cut short one time in seven, a window is then lost once in 2 400
// tries rather than once in 340.
var DefaultRetry = Retry{Attempts: 4, BaseDelay: 500 * time.Millisecond, MaxDelay: 10 * time.Second}

// NewBackOff returns the waits between tries. Jitter keeps the panels of a
// dashboard that failed together from retrying together.
func (r Retry) NewBackOff() *backoff.ExponentialBackOff {
	b := &backoff.ExponentialBackOff{
		InitialInterval:     r.BaseDelay,
		RandomizationFactor: 0.5,
		Multiplier:          2,
		MaxInterval:         r.MaxDelay,
	}
	if b.MaxInterval <= 0 {
		b.MaxInterval = 10 * time.Second
	}
	b.Reset()
	return b
}

// Waits returns the first n waits this policy would make, for tests and
// documentation; each call draws new jitter.
func (r Retry) Waits(n int) []time.Duration {
	b := r.NewBackOff()
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = b.NextBackOff()
	}
	return out
}

// Do calls try until it succeeds, fails for good, runs out of attempts, or
// the next wait would end past ctx's deadline: a retry that cannot finish
// in time would only hold a slot and delay the answer. classify says
// whether an error may pass, and whether it is throttling (then the wait
// doubles). On giving up it returns the last failure, which says more
// than "context canceled".
func Do[T any](ctx context.Context, r Retry, classify func(error) (retryable, throttled bool), try func() (T, error)) (T, error) {
	b := r.NewBackOff()
	for attempt := 1; ; attempt++ {
		res, err := try()
		if err == nil {
			if r.Pacer != nil {
				r.Pacer.Succeeded()
			}
			return res, err
		}
		retryable, throttled := classify(err)
		if throttled && r.Pacer != nil {
			r.Pacer.Throttled()
		}
		if !retryable || attempt >= r.Attempts {
			return res, err
		}
		wait := b.NextBackOff()
		if throttled {
			wait *= 2
		}
		if deadline, ok := ctx.Deadline(); ok && time.Now().Add(wait).After(deadline) {
			return res, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return res, err
		case <-t.C:
		}
	}
}

// Failure is an upstream's error as the rest of the plugin reads it,
// whichever upstream it came from: each client classifies its own answers
// into a Fault, and nothing above the clients looks at a client's codes.
type Failure interface {
	error
	Fault() Fault
}

// Classify is Do's classifier for a Failure; an error that is not one is
// not retried.
func Classify(err error) (retryable, throttled bool) {
	var f Failure
	if !errors.As(err, &f) {
		return false, false
	}
	return f.Fault().Retryable(), f.Fault().Throttled()
}
