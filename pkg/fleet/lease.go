package fleet

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// A replica that fetches a request holds a lease on it: short, and renewed
// while the fetch runs, so that when the replica dies (a rolling restart,
// an OOM kill) the others take over within seconds, however long a fetch
// may legitimately take. The holder shares its answer and gives the lease
// back in one step, and only while the lease is still its own: a holder
// that stalled past its lease cannot overwrite what the next one shared.
const (
	// LeaseTTL is how long a lease lives without renewal.
	LeaseTTL = 4 * time.Second
	// beat is how often the store renews what it holds, and how often it
	// looks at what it waits on.
	beat = time.Second
)

// Released is the channel on which a holder says it gave a lease back.
const releasedChannel = "lvbstat:released"

// renewScript renews leases still held: for each key, the value is
// replaced (its beat goes up, so that waiters see the holder alive) only
// while it starts with the holder's prefix. ARGV[1] is the TTL in ms, then
// prefix and new value per key.
var renewScript = redis.NewScript(`
local n = 0
for i = 1, #KEYS do
  local v = redis.call('GET', KEYS[i])
  local prefix = ARGV[2*i]
  if v and string.sub(v, 1, string.len(prefix)) == prefix then
    redis.call('SET', KEYS[i], ARGV[2*i+1], 'PX', ARGV[1])
    n = n + 1
  end
end
return n`)

// releaseScript shares an answer and gives the lease back, only while the
// lease is the caller's: KEYS[1] the lease, then the cells; ARGV[1] the
// holder's prefix, ARGV[2] the channel, ARGV[3] the lease's value once
// done ("" when nothing was shared: the lease goes), ARGV[4] how long that
// stays (ms), then value and TTL (ms) per cell.
var releaseScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v or string.sub(v, 1, string.len(ARGV[1])) ~= ARGV[1] then return 0 end
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], ARGV[2*i+1], 'PX', ARGV[2*i+2])
end
if ARGV[3] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
end
redis.call('PUBLISH', ARGV[2], KEYS[1])
return 1`)

// DoneTTL is how long a lease given back with its answer says so.
const DoneTTL = 5 * time.Second

type lease struct {
	sp            *Space
	key, prefix   string
	holder, token string
	beats         int
}

// newLease is this replica's lease on key, not yet asked for.
func (sp *Space) newLease(key, token string) *lease {
	holder := sp.s.holder
	return &lease{sp: sp, key: key, holder: holder, token: token, prefix: holder + " " + token + " "}
}

func (l *lease) value() string { return l.sp.keys.leaseValue(l.key, l.holder, l.token, l.beats) }

// claim asks for l: won, or the value that holds the key instead.
func (sp *Space) claim(ctx context.Context, l *lease) (old string, won bool, err error) {
	err = sp.s.do(ctx, "SET", func(ctx context.Context) error {
		v, err := sp.s.rdb.SetArgs(ctx, l.key, l.value(), redis.SetArgs{Mode: "NX", Get: true, TTL: LeaseTTL}).Result()
		won = errors.Is(err, redis.Nil)
		old = v
		return err
	})
	return old, won, err
}

// Share brings a request's answer to this replica once for the fleet. When
// this replica should fetch (it won the lease, or Redis cannot coordinate,
// or what holds the lease is no replica of this space), fetch runs and
// what it returns is shared, by cell, each kept for ttl(cell). Otherwise
// Share waits for the holder to give the lease back, or for the lease to
// lapse, then asks have whether the answer is here; if not, it tries again,
// and after maxWait it fetches on its own. waited is true when another
// replica's answer served.
//
// ctx bounds the waiting: when it ends (nobody wants the answer any
// more), Share returns at once. fetch is not bound by it.
func (sp *Space) Share(ctx context.Context, stream, request string, maxWait time.Duration,
	have func(context.Context) bool, fetch func() (map[int64][]byte, error), ttl func(cell int64) time.Duration) (waited bool, err error) {
	key := sp.leaseKey(stream, request)
	deadline := time.Now().Add(maxWait)
	for {
		done, waited, err := sp.attempt(ctx, stream, request, key, deadline, have, fetch, ttl)
		if done {
			return waited, err
		}
	}
}

// attempt is one round of Share: ask for the lease, then fetch, or wait
// for its holder. done is false when the round should be tried again.
func (sp *Space) attempt(ctx context.Context, stream, request, key string, deadline time.Time,
	have func(context.Context) bool, fetch func() (map[int64][]byte, error), ttl func(cell int64) time.Duration) (done, waited bool, err error) {
	w := sp.listen(key)
	defer sp.s.unlisten(w)
	l := sp.newLease(key, rand.Text())
	old, won, err := sp.claim(ctx, l)
	switch {
	case err != nil:
		// Nobody can coordinate. The lease may still have been written:
		// giving it back afterwards leaves nothing behind.
		return true, false, sp.alone(ctx, l, stream, fetch, ttl)
	case won:
		sp.s.stats.Won.Add(1)
		sp.s.hold(l)
		payloads, err := fetch()
		sp.s.unhold(l)
		if err != nil {
			payloads = nil
		}
		if ok, _ := sp.release(ctx, l, stream, payloads, ttl); !ok && len(payloads) > 0 {
			sp.s.stats.Fenced.Add(1)
			sp.s.log.Debug("A fetch outlived its lease; another replica's answer stands", "request", request)
		}
		return true, false, err
	}
	holder, token, ok := sp.keys.readLease(key, old)
	switch {
	case ok && token == doneToken:
		// Given back a moment ago, with the answer shared.
		if have(ctx) {
			return true, true, nil
		}
		return true, false, sp.alone(ctx, nil, stream, fetch, ttl)
	case !ok:
		sp.s.stats.Planted.Add(1)
		sp.s.log.Warn("A lease in the shared store was not written by a replica with this data source's key; fetching without it", "request", request)
		return true, false, sp.alone(ctx, nil, stream, fetch, ttl)
	}
	sp.s.stats.Lost.Add(1)
	sp.s.log.Debug("Waiting for another replica's fetch", "request", request, "stream", stream, "holder", holder)
	why := sp.wait(ctx, w, old, deadline)
	if ctx.Err() != nil {
		return true, false, ctx.Err()
	}
	if have(ctx) {
		return true, true, nil
	}
	switch why {
	case waitPlanted:
		sp.s.stats.Planted.Add(1)
		return true, false, sp.alone(ctx, nil, stream, fetch, ttl)
	case waitTimeout:
		sp.s.log.Debug("Waited long enough for another replica's fetch; fetching too", "request", request, "holder", holder)
		return true, false, sp.alone(ctx, nil, stream, fetch, ttl)
	case waitLapsed:
		sp.s.stats.Lapsed.Add(1)
		sp.s.log.Debug("Another replica stopped renewing its lease; taking over", "request", request, "holder", holder)
		// A lease that is not renewed but still there (planted with no
		// expiry, or a copy of an old one): not worth waiting for again.
		if sp.s.stillThere(ctx, key, old) {
			return true, false, sp.alone(ctx, nil, stream, fetch, ttl)
		}
	}
	return false, false, nil
}

// alone fetches without the fleet's coordination, and shares what it got:
// through the lease when l is one this replica may have written, else
// plainly.
func (sp *Space) alone(ctx context.Context, l *lease, stream string, fetch func() (map[int64][]byte, error), ttl func(int64) time.Duration) error {
	payloads, err := fetch()
	if err != nil {
		payloads = nil
	}
	if l != nil {
		if ok, _ := sp.release(ctx, l, stream, payloads, ttl); ok {
			return err
		}
	}
	if len(payloads) > 0 {
		sp.Save(ctx, stream, payloads, ttl)
	}
	return err
}

// release shares payloads and gives l back, in one step that happens only
// while l is still held; it tells whether it did.
func (sp *Space) release(ctx context.Context, l *lease, stream string, payloads map[int64][]byte, ttl func(int64) time.Duration) (bool, error) {
	keys := []string{l.key}
	done := ""
	if len(payloads) > 0 {
		done = sp.keys.leaseValue(l.key, l.holder, doneToken, 0)
	}
	args := []any{l.prefix, releasedChannel, done, DoneTTL.Milliseconds()}
	for c, payload := range payloads {
		k := sp.cellKey(stream, c)
		keys = append(keys, k)
		args = append(args, sp.keys.seal(k, payload), max(ttl(c), time.Minute).Milliseconds())
	}
	// Not the caller's context: the lease goes back even when every
	// viewer has left.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sp.s.cfg.Timeout)
	defer cancel()
	var n int64
	if err := sp.s.do(ctx, "EVALSHA", func(ctx context.Context) (err error) {
		n, err = releaseScript.Run(ctx, sp.s.rdb, keys, args...).Int64()
		return err
	}); err != nil {
		return false, err
	}
	if n == 1 && len(payloads) > 0 {
		sp.s.stats.Saved.Add(int64(len(payloads)))
	}
	return n == 1, nil
}

// stillThere tells whether key still holds value.
func (s *Store) stillThere(ctx context.Context, key, value string) bool {
	var v string
	err := s.do(ctx, "GET", func(ctx context.Context) (err error) {
		v, err = s.rdb.Get(ctx, key).Result()
		return err
	})
	return err == nil && v == value
}

// Why a wait ended.
type waitEnd int

const (
	waitReleased waitEnd = iota // given back, or gone
	waitLapsed                  // not renewed for a whole lease
	waitPlanted                 // replaced by a value no replica of the space wrote
	waitTimeout                 // maxWait passed
	waitCancelled
)

type waiter struct {
	armed   bool // waiting, not only listening; s.mu guards it
	key     string
	sp      *Space
	last    string
	changed time.Time
	done    chan waitEnd // buffered: one end
}

func (w *waiter) end(why waitEnd) {
	select {
	case w.done <- why:
	default:
	}
}

// listen registers a waiter for the lease at key before it is asked for,
// so that word of its release is not missed between the asking and the
// waiting. unlisten ends it.
func (sp *Space) listen(key string) *waiter {
	s := sp.s
	w := &waiter{key: key, sp: sp, done: make(chan waitEnd, 1)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.waiting[w] = struct{}{}
		s.subscribe()
	}
	return w
}

func (s *Store) unlisten(w *waiter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.waiting, w)
}

// wait returns when the lease w listens to, last seen holding value, is
// given back, lapses or is replaced by a forgery, at deadline, or when ctx
// ends.
func (sp *Space) wait(ctx context.Context, w *waiter, value string, deadline time.Time) waitEnd {
	s := sp.s
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return waitReleased
	}
	w.last, w.changed, w.armed = value, time.Now(), true
	s.loop()
	s.mu.Unlock()
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case why := <-w.done:
		return why
	case <-t.C:
		return waitTimeout
	case <-ctx.Done():
		return waitCancelled
	}
}

func (s *Store) hold(l *lease) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held[l] = struct{}{}
	s.loop()
}

func (s *Store) unhold(l *lease) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.held, l)
}

// loop starts the store's beat when it is not running: it renews what this
// replica holds and looks at what it waits on, once a beat, in a round
// trip each, and stops when there is neither. s.mu is held.
func (s *Store) loop() {
	if s.looping || s.closed {
		return
	}
	s.looping = true
	go func() {
		t := time.NewTicker(beat)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
			s.mu.Lock()
			if s.closed || len(s.held)+len(s.waiting)+len(s.limiters) == 0 {
				s.looping = false
				s.mu.Unlock()
				return
			}
			held := make([]*lease, 0, len(s.held))
			for l := range s.held {
				held = append(held, l)
			}
			waiting := make([]*waiter, 0, len(s.waiting))
			for w := range s.waiting {
				if w.armed {
					waiting = append(waiting, w)
				}
			}
			limiters := make([]*Limiter, 0, len(s.limiters))
			for l := range s.limiters {
				limiters = append(limiters, l)
			}
			s.mu.Unlock()
			_ = s.renew(held)
			for _, l := range limiters {
				l.renew()
			}
			s.look(waiting)
		}
	}()
}

// renew renews the leases held, in one call.
func (s *Store) renew(held []*lease) error {
	if len(held) == 0 {
		return nil
	}
	keys := make([]string, len(held))
	args := []any{LeaseTTL.Milliseconds()}
	for i, l := range held {
		l.beats++
		keys[i] = l.key
		args = append(args, l.prefix, l.value())
	}
	return s.do(context.Background(), "EVALSHA", func(ctx context.Context) error {
		return renewScript.Run(ctx, s.rdb, keys, args...).Err()
	})
}

// look reads the leases waited on, in one call, and ends the waits whose
// lease is gone, forged, or has not been renewed for a whole lease.
func (s *Store) look(waiting []*waiter) {
	if len(waiting) == 0 {
		return
	}
	keys := make([]string, len(waiting))
	for i, w := range waiting {
		keys[i] = w.key
	}
	var vals []any
	if err := s.do(context.Background(), "MGET", func(ctx context.Context) (err error) {
		vals, err = s.rdb.MGet(ctx, keys...).Result()
		return err
	}); err != nil {
		return // Redis away: each wait ends at its deadline or with its caller
	}
	now := time.Now()
	for i, w := range waiting {
		v, ok := vals[i].(string)
		switch {
		case !ok:
			w.end(waitReleased)
		case v != w.last:
			w.last, w.changed = v, now
			switch _, token, ok := w.sp.keys.readLease(w.key, v); {
			case !ok:
				w.end(waitPlanted)
			case token == doneToken:
				w.end(waitReleased)
			}
		case now.Sub(w.changed) > LeaseTTL:
			w.end(waitLapsed)
		}
	}
}

// subscription is the store's one connection listening for leases given
// back; s.mu is held while it is made.
type subscription struct {
	ps   *redis.PubSub
	done chan struct{}
}

func (sub *subscription) close() {
	_ = sub.ps.Close()
	<-sub.done
}

// subscribe starts listening, once. Without it (an ACL without the
// channel), waits still end at the next beat. s.mu is held.
func (s *Store) subscribe() {
	if s.sub != nil || s.closed {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Timeout)
	defer cancel()
	ps := s.rdb.Subscribe(ctx, releasedChannel, slotsChannel)
	sub := &subscription{ps: ps, done: make(chan struct{})}
	s.sub = sub
	// Subscribed before anyone waits, so that no word is missed; when it
	// cannot be (Redis away, an ACL without the channels), go-redis keeps
	// trying, and waits end at the next beat meanwhile.
	for range 2 {
		if _, err := ps.Receive(ctx); err != nil {
			s.log.Debug("Not subscribed to the fleet's channels yet; waits end at the next beat", "error", err.Error())
			break
		}
	}
	ch := ps.Channel(redis.WithChannelHealthCheckInterval(10 * time.Second))
	go func() {
		defer close(sub.done)
		for m := range ch {
			s.mu.Lock()
			if m.Channel == slotsChannel {
				key, tag, _ := strings.Cut(m.Payload, " ")
				for l := range s.limiters {
					if l.slots == key && l.tag == tag {
						select {
						case l.wake <- struct{}{}:
						default:
						}
					}
				}
			} else {
				for w := range s.waiting {
					if w.key == m.Payload {
						w.end(waitReleased)
					}
				}
			}
			s.mu.Unlock()
		}
	}()
}
