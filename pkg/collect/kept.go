package collect

import (
	"context"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/coalesce"
)

// Kept remembers the answers of requests whose data has settled, for
// actions whose answers are not minutes of a stream (the billing data):
// asked again, a settled answer is served from memory, and identical
// requests in flight are made once. What has not settled is fetched
// afresh every time. It holds at most maxBytes by size's reckoning, the
// least recently used answers let go first.
type Kept[K comparable, V any] struct {
	size     func(V) int64
	maxBytes int64

	answers *lru.Cache[K, V]
	mu      sync.Mutex // over bytes, which the cache's evictions change
	bytes   int64

	flights coalesce.Group[K, V]
}

// NewKept returns a Kept of at most maxBytes.
func NewKept[K comparable, V any](maxBytes int64, size func(V) int64) *Kept[K, V] {
	k := &Kept[K, V]{size: size, maxBytes: maxBytes}
	// The count bound is never the one that bites: bytes are.
	k.answers, _ = lru.NewWithEvict[K, V](1<<20, func(_ K, v V) { k.bytes -= size(v) })
	return k
}

// Get answers key from memory when its answer has settled there, and else
// from fetch, once for every caller asking meanwhile; settled says whether
// an answer fetched now may be kept.
func (k *Kept[K, V]) Get(ctx context.Context, key K, settled bool, fetch func(context.Context) (V, error)) (v V, fromMemory bool, err error) {
	if v, ok := k.answers.Get(key); ok { // the cache locks itself
		return v, true, nil
	}
	v, _, err = k.flights.Do(ctx, key, func(ctx context.Context) (V, error) {
		v, err := fetch(ctx)
		if err == nil && settled {
			k.put(key, v)
		}
		return v, err
	})
	return v, false, err
}

func (k *Kept[K, V]) put(key K, v V) {
	n := k.size(v)
	if n > k.maxBytes {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.answers.Contains(key) {
		return
	}
	k.answers.Add(key, v)
	k.bytes += n
	for k.bytes > k.maxBytes {
		k.answers.RemoveOldest()
	}
}

// Bytes is what the kept answers hold, by size's reckoning.
func (k *Kept[K, V]) Bytes() int64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.bytes
}
