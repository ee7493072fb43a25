// Package windowcache sits between the collector and the API client. It
// remembers the answers of settled two-hour grid windows, which never change
// once Tencent has finished counting them, and merges identical requests in
// flight, so that dashboard refreshes and panels sharing a range do not ask
// the upstream again for what it already said.
package windowcache

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/collect"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/lvb"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
)

// Settle is how long after a window's end its figures are taken as final.
// Tencent refreshes statistics every minute and late reports trickle in for
// a few more; a window younger than this is always fetched again.
const Settle = 15 * time.Minute

// DefaultSize is how many windows are kept: two weeks of four streams, or a
// day of 80, at a few kilobytes each.
const DefaultSize = 1024

// Cache is a collect.Source that remembers. Results it returns are shared and must
// not be modified.
type Cache struct {
	src     collect.Source
	lru     *lru.Cache[windowKey, *lvb.Result]
	flights flights[windowKey, *lvb.Result]
	now     func() time.Time

	hits, fetches, shared atomic.Int64
}

// New wraps src. now is time.Now when nil.
func New(src collect.Source, size int, now func() time.Time) *Cache {
	if now == nil {
		now = time.Now
	}
	if size < 1 {
		size = DefaultSize
	}
	l, _ := lru.New[windowKey, *lvb.Result](size) // only fails for size < 1
	return &Cache{src: src, lru: l, now: now}
}

// Stats are counters since the cache was made.
type Stats struct {
	Hits    int64 // answered from memory
	Fetches int64 // sent upstream
	Shared  int64 // answered by another caller's request in flight
}

// Stats returns the counters.
func (c *Cache) Stats() Stats {
	return Stats{Hits: c.hits.Load(), Fetches: c.fetches.Load(), Shared: c.shared.Load()}
}

// PlayStatHistory implements Source.
func (c *Cache) PlayStatHistory(ctx context.Context, q lvb.Query) (*lvb.Result, error) {
	k := windowKey{start: q.Start.Unix(), end: q.End.Unix(), domain: q.Domain, stream: q.StreamID}
	keep := c.cacheable(q)
	if keep {
		if res, ok := c.lru.Get(k); ok {
			c.hits.Add(1)
			return res, nil
		}
	}
	res, shared, err := c.flights.do(ctx, k, func(ctx context.Context) (*lvb.Result, error) {
		c.fetches.Add(1)
		// ctx outlives the caller that started the request, so that one
		// caller giving up does not fail the others; the HTTP timeout
		// still bounds it.
		res, err := c.src.PlayStatHistory(ctx, q)
		if err == nil && keep {
			c.lru.Add(k, res)
		}
		return res, err
	})
	if shared {
		c.shared.Add(1)
	}
	return res, err
}

// cacheable tells whether q is a whole grid window whose figures are final.
func (c *Cache) cacheable(q lvb.Query) bool {
	return q.Start.Equal(q.Start.Truncate(planner.Span)) &&
		q.End.Equal(q.Start.Add(planner.Span-time.Second)) &&
		c.now().Sub(q.End) > Settle
}

type windowKey struct {
	start, end     int64
	domain, stream string
}

// String is the key of a request in flight; quoting keeps a '|' in a
// stream ID from making two requests look alike.
func (k windowKey) String() string {
	return strconv.FormatInt(k.start, 10) + "-" + strconv.FormatInt(k.end, 10) + "|" +
		strconv.Quote(k.domain) + "|" + strconv.Quote(k.stream)
}
