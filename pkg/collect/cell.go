package collect

import (
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// cell holds the minutes of one grid cell. Minutes in [cov0, cov1) are
// known: present, or absent because the upstream had nothing for them.
// Its rules, what it can answer and how answers and other replicas' cells
// change it, are its methods, below; the store only calls them.
type cell struct {
	start      time.Time
	minutes    minutes
	cov0, cov1 time.Time
	fetchedAt  time.Time
	settledTo  time.Time    // known minutes before this are final
	sum        upstream.Num // sum_info of one answer for the whole, ended, settled cell
	noSum      int          // answers for this cell that came without sum_info
}

func (c *cell) index(m time.Time) int { return int(m.Sub(c.start) / time.Minute) }

// bytes is what c takes in memory, by the store's reckoning.
func (c *cell) bytes() int64 { return cellBytes + c.minutes.size() }

// fresh tells whether minute m can be answered from memory at now: it is
// covered, and settled or fetched this very minute.
func (c *cell) fresh(m, now time.Time) bool {
	if c == nil || m.Before(c.cov0) || !m.Before(c.cov1) {
		return false
	}
	return m.Before(c.settledTo) || c.fetchedAt.Truncate(time.Minute).Equal(now.Truncate(time.Minute))
}

// reaches tells whether c covers the minutes up to m, so that a request
// from m extends what it holds instead of leaving a hole.
func (c *cell) reaches(m time.Time) bool {
	return c != nil && !m.Before(c.cov0) && !c.cov1.Before(m)
}

// supersedes tells whether c (another replica's) should replace old (this
// replica's, or nil): fetched later, and covering at least as much.
func (c *cell) supersedes(old *cell) bool {
	return old == nil || (c.fetchedAt.After(old.fetchedAt) && !c.cov0.After(old.cov0) && !c.cov1.Before(old.cov1))
}

// cover makes [a, b) known: it joins the coverage when the two touch or
// overlap; otherwise the new coverage replaces the old, and the minutes
// outside it, which nothing could read any more, are let go.
func (c *cell) cover(a, b time.Time) {
	if !c.cov1.Before(a) && !c.cov0.After(b) && !c.cov0.Equal(c.cov1) {
		c.cov0, c.cov1 = minTime(c.cov0, a), maxTime(c.cov1, b)
		return
	}
	c.cov0, c.cov1 = a, b
	for i := range cellMinutes {
		if m := c.start.Add(time.Duration(i) * time.Minute); m.Before(a) || !m.Before(b) {
			c.minutes.clear(i)
		}
	}
}
