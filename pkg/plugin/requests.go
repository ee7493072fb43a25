package plugin

import (
	"context"
	"fmt"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"golang.org/x/sync/errgroup"
)

// batch is what a query's requests to an action brought: each answer in
// the order asked (the zero T for a failure), and what failed.
type batch[T any] struct {
	answers  []T
	errs     []error
	failed   int
	firstErr error
}

// fetchAll makes n requests, at most limit at once (the budget bounds them
// with every other request too).
func fetchAll[T any](ctx context.Context, limit, n int, fetch func(ctx context.Context, i int) (T, error)) batch[T] {
	b := batch[T]{answers: make([]T, n), errs: make([]error, n)}
	var g errgroup.Group
	g.SetLimit(max(limit, 1))
	for i := range n {
		g.Go(func() error {
			b.answers[i], b.errs[i] = fetch(ctx, i)
			return nil
		})
	}
	_ = g.Wait()
	for _, err := range b.errs {
		if err != nil {
			if b.failed == 0 {
				b.firstErr = err
			}
			b.failed++
		}
	}
	return b
}

// allFailed tells whether there were requests and none answered: the
// query fails with the first error.
func (b batch[T]) allFailed() bool { return len(b.answers) > 0 && b.failed == len(b.answers) }

// flag marks resp as partial when some requests failed: the data answered
// is shown, and the error says what is missing, so that an alert rule
// never judges it as whole.
func (b batch[T]) flag(resp *backend.DataResponse, what string) {
	if b.failed == 0 {
		return
	}
	e := errorResponse(fmt.Errorf("%d of %d %s requests failed; the data shown is incomplete: %w", b.failed, len(b.answers), what, b.firstErr))
	resp.Error, resp.ErrorSource, resp.Status = e.Error, e.ErrorSource, e.Status
}

// unread counts what answers held but could not be read, for a notice.
type unread struct {
	n       int
	example string
}

func (u *unread) add(n int, example string) {
	if n > 0 && u.n == 0 {
		u.example = example
	}
	u.n += n
}

// notices are a plan's notices, and one for what could not be read.
func (u unread) notices(plan []string, what string) []data.Notice {
	var out []data.Notice
	for _, n := range plan {
		out = append(out, data.Notice{Severity: data.NoticeSeverityWarning, Text: n})
	}
	if u.n > 0 {
		out = append(out, data.Notice{Severity: data.NoticeSeverityWarning,
			Text: fmt.Sprintf("%d %s could not be read and are left out, such as %s", u.n, what, u.example)})
	}
	return out
}
