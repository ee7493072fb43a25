package collect

import (
	"context"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/coalesce"
)

// LiveSource lists the streams playing now.
type LiveSource interface {
	LivePlayStat(ctx context.Context, domain string) (*upstream.Snapshot, error)
}

// Live keeps the latest listing of the streams playing now, per domain.
// The upstream refreshes it once a minute, so a listing is reused until
// the minute turns: the variables of fifty dashboards and every keystroke
// in the query editor cost one listing a minute. Listings asked for at
// once share one, and they go out under the same upstream budget as
// everything else, because the budget sits at the HTTP transport.
type Live struct {
	src     LiveSource
	now     func() time.Time
	last    *lru.Cache[string, liveEntry]
	flights coalesce.Group[string, *upstream.Snapshot]
}

type liveEntry struct {
	minute int64
	snap   *upstream.Snapshot
}

// maxLiveDomains bounds the listings kept; a listing is small, but the
// domain comes from whoever types in the editor.
const maxLiveDomains = 256

// NewLive returns an empty Live over src; now is time.Now when nil.
func NewLive(src LiveSource, now func() time.Time) *Live {
	if now == nil {
		now = time.Now
	}
	l, _ := lru.New[string, liveEntry](maxLiveDomains)
	return &Live{src: src, now: now, last: l}
}

// Snapshot returns the streams playing now on domain ("" for the whole
// APPID), from memory when it was listed this minute. The caller must not
// change it: it is shared.
func (l *Live) Snapshot(ctx context.Context, domain string) (*upstream.Snapshot, error) {
	minute := l.now().Unix() / 60
	if e, ok := l.last.Get(domain); ok && e.minute == minute {
		return e.snap, nil
	}
	snap, _, err := l.flights.Do(ctx, domain, func(ctx context.Context) (*upstream.Snapshot, error) {
		s, err := l.src.LivePlayStat(ctx, domain)
		if err == nil {
			l.last.Add(domain, liveEntry{minute: minute, snap: s})
		}
		return s, err
	})
	return snap, err
}
