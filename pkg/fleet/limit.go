package fleet

import (
	"context"
	"crypto/rand"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// A Limiter bounds the requests a whole fleet sends for one upstream
// action: how many are in flight at once, across every replica, and how
// many start a second. The in-flight bound adapts as each replica's own
// does (halved, once a round, when the upstream throttles; raised by about
// one a round of answers), but in Redis, so that one replica's throttled
// answer slows the fleet, not only itself. Each request in flight holds a
// slot with a short lease, renewed while it runs: a replica that dies
// frees its slots within a lease. When Redis does not answer, a request
// goes ahead under its replica's own bound, as without a fleet.
type Limiter struct {
	sp              *Space
	max             int
	perSecond       float64
	burst           int
	slots, bound, r string // keys
	queue           string // key of the replicas waiting for a slot, first come first served
	tag             string // this limiter in the queue

	head chan struct{} // one request of this replica asks Redis for a slot at a time
	wake chan struct{} // a slot was freed somewhere in the fleet

	mu            sync.Mutex
	held          map[string]struct{} // tokens of the slots this replica holds
	spare         []string            // held, taken for requests that wait here, not yet handed out
	waiting       int                 // requests waiting here for a slot
	ok, throttled int                 // outcomes not yet told to the fleet
	limit         float64             // the fleet's bound, as last seen
}

// slotsChannel is where a freed slot is handed to the replica that waited
// longest: the message is the key of the slots and that replica's tag, so
// that one replica asks again, not every replica that waits.
const slotsChannel = "lvbstat:slots"

// acquireScript takes slots when the fleet's bound and rate allow, after
// folding in the outcomes a replica reports. KEYS: slots, bound, rate.
// KEYS: slots, bound, rate, queue. ARGV: lease ms, max, per second (0:
// none), burst, answers, throttled answers, the asker's tag, then a token
// per slot wanted (none: only report). It returns {slots taken (the first
// tokens), wait ms (-1: until a slot is handed to the asker), bound}. An
// asker that finds no slot free joins the queue, once.
var acquireScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max = tonumber(ARGV[2])
local limit = math.min(tonumber(redis.call('HGET', KEYS[2], 'limit') or ARGV[2]), max)
local sent = tonumber(redis.call('HGET', KEYS[2], 'sent') or '0')
if tonumber(ARGV[6]) > 0 then
  local cut = tonumber(redis.call('HGET', KEYS[2], 'cut') or '-1')
  if cut < 0 or sent - cut >= math.floor(limit) then
    limit = math.max(1, limit / 2)
    redis.call('HSET', KEYS[2], 'cut', tostring(sent))
  end
end
for i = 1, tonumber(ARGV[5]) do
  if limit >= max then break end
  limit = math.min(max, limit + 1 / limit)
end
redis.call('HSET', KEYS[2], 'limit', tostring(limit))
redis.call('PEXPIRE', KEYS[2], 3600000)
local want = #ARGV - 7
if want < 1 then return {0, 0, tostring(limit)} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local free = math.floor(limit) - redis.call('ZCARD', KEYS[1])
if free <= 0 then
  if not redis.call('LPOS', KEYS[4], ARGV[7]) then redis.call('RPUSH', KEYS[4], ARGV[7]) end
  redis.call('PEXPIRE', KEYS[4], 60000)
  return {0, -1, tostring(limit)}
end
want = math.min(want, free)
local got = want
local per = tonumber(ARGV[3])
if per > 0 then
  local interval = 1000 / per
  local tau = interval * (tonumber(ARGV[4]) - 1)
  local tat = math.max(tonumber(redis.call('GET', KEYS[3]) or '0'), now)
  got = 0
  while got < want and now >= tat - tau do
    tat = tat + interval
    got = got + 1
  end
  if got == 0 then return {0, math.ceil(tat - tau - now), tostring(limit)} end
  redis.call('SET', KEYS[3], tostring(tat), 'PX', math.ceil(tat - now) + 1000)
end
for i = 1, got do
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[7 + i])
end
redis.call('LREM', KEYS[4], 0, ARGV[7])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
redis.call('HINCRBY', KEYS[2], 'sent', got)
return {got, 0, tostring(limit)}`)

// freeScript gives a slot back and hands it to the replica that waited
// longest. KEYS: slots, queue; ARGV: token, channel.
var freeScript = redis.NewScript(`
redis.call('ZREM', KEYS[1], ARGV[1])
local next = redis.call('LPOP', KEYS[2])
if next then redis.call('PUBLISH', ARGV[2], KEYS[1] .. ' ' .. next) end
return 1`)

// renewSlotsScript extends the lease of the slots still held. KEYS:
// slots; ARGV: lease ms, then tokens.
var renewSlotsScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
return 1`)

// Limiter returns the fleet's limiter of action: at most maxInFlight
// requests at once across the fleet, and perSecond a second (0: no rate
// bound) in bursts of up to maxInFlight.
func (sp *Space) Limiter(action string, maxInFlight int, perSecond float64) *Limiter {
	base := "lvbstat:" + sp.ns + ":limit:" + sp.keys.digest("action", action)
	n := max(maxInFlight, 1)
	return &Limiter{sp: sp, max: n, perSecond: perSecond, burst: n,
		slots: base + ":slots", bound: base + ":bound", r: base + ":rate", queue: base + ":queue", tag: rand.Text()[:16],
		head: make(chan struct{}, 1), wake: make(chan struct{}, 1), held: map[string]struct{}{}, limit: float64(n)}
}

// Bound is the fleet's in-flight bound as this replica last saw it.
func (l *Limiter) Bound() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit
}

// Throttled and Succeeded tell the fleet how an answer went; they reach
// Redis with this replica's next request.
func (l *Limiter) Throttled() {
	l.mu.Lock()
	l.throttled++
	l.mu.Unlock()
}

func (l *Limiter) Succeeded() {
	l.mu.Lock()
	l.ok++
	l.mu.Unlock()
}

// fallbackPoll is how often a request waiting for a slot asks again when
// no word of a freed slot comes (a lost message, a slot whose holder died).
const fallbackPoll = 250 * time.Millisecond

// Acquire waits for a slot of the fleet and a turn of its rate. release
// gives the slot back; it is never nil. err is only ctx's end.
//
// One request of this replica at a time asks Redis, for as many slots as
// requests wait here; the others take the spares it got, so that a
// replica with many requests waiting costs Redis one call, not one each.
func (l *Limiter) Acquire(ctx context.Context) (release func(), err error) {
	s := l.sp.s
	l.mu.Lock()
	l.waiting++
	l.mu.Unlock()
	s.activate(l, 1)
	defer func() {
		l.mu.Lock()
		l.waiting--
		var idle []string
		if l.waiting == 0 {
			idle, l.spare = l.spare, nil
		}
		l.mu.Unlock()
		for _, token := range idle {
			l.freer(token)() // nobody here wants them any more
		}
		s.activate(l, -1)
	}()
	for {
		select {
		case l.head <- struct{}{}:
		case <-ctx.Done():
			return func() {}, ctx.Err()
		}
		token, wait, reached := l.take(ctx)
		<-l.head
		switch {
		case token != "":
			return l.freer(token), nil
		case !reached:
			// Redis cannot bound the fleet: this replica's own bound does.
			return func() {}, ctx.Err()
		}
		pause := fallbackPoll
		if wait > 0 {
			pause = wait
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return func() {}, ctx.Err()
		case <-l.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// take returns a spare slot, or asks the fleet for slots, one for each
// request waiting here. token is "" when none was had: then wait is how
// long the rate asks to wait (0: until a slot is freed), and reached is
// false when Redis did not answer. l.head is held.
func (l *Limiter) take(ctx context.Context) (token string, wait time.Duration, reached bool) {
	s := l.sp.s
	l.mu.Lock()
	if n := len(l.spare); n > 0 {
		token = l.spare[n-1]
		l.spare = l.spare[:n-1]
		l.mu.Unlock()
		return token, 0, true
	}
	ok, th, want := l.ok, l.throttled, max(l.waiting, 1)
	l.ok, l.throttled = 0, 0
	l.mu.Unlock()
	tokens := make([]string, want)
	for i := range tokens {
		tokens[i] = rand.Text()
	}
	got, ms, bound, err := l.acquire(ctx, tokens, ok, th)
	if err != nil {
		return "", 0, false
	}
	if got > 0 {
		s.activate(l, int(got)) // renewed by the beat until freed
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, err := strconv.ParseFloat(bound, 64); err == nil {
		l.limit = b
	}
	if got <= 0 {
		return "", time.Duration(max(ms, 0)) * time.Millisecond, true
	}
	for _, t := range tokens[:got] {
		l.held[t] = struct{}{}
	}
	l.spare = append(l.spare, tokens[1:got]...)
	return tokens[0], 0, true
}

// acquire asks the fleet for a slot for each token, telling it ok answers
// and th throttled ones: got slots were taken (the first tokens), or none
// and the rate asks to wait ms (-1: until a slot is freed); bound is the
// fleet's bound now.
func (l *Limiter) acquire(ctx context.Context, tokens []string, ok, th int) (got, ms int64, bound string, err error) {
	s := l.sp.s
	args := []any{LeaseTTL.Milliseconds(), l.max, strconv.FormatFloat(l.perSecond, 'f', -1, 64), l.burst, ok, th, l.tag}
	for _, t := range tokens {
		args = append(args, t)
	}
	var res []any
	err = s.do(ctx, "EVALSHA", func(ctx context.Context) (err error) {
		res, err = acquireScript.Run(ctx, s.rdb, []string{l.slots, l.bound, l.r, l.queue}, args...).Slice()
		return err
	})
	if err != nil {
		return 0, 0, "", err
	}
	if len(res) != 3 {
		return 0, 0, "", fmt.Errorf("the slot script answered %d values", len(res))
	}
	got, _ = res[0].(int64)
	ms, _ = res[1].(int64)
	bound, _ = res[2].(string)
	return got, ms, bound, nil
}

// free gives a slot back to the fleet.
func (l *Limiter) free(ctx context.Context, token string) error {
	s := l.sp.s
	return s.do(ctx, "EVALSHA", func(ctx context.Context) error {
		return freeScript.Run(ctx, s.rdb, []string{l.slots, l.queue}, token, slotsChannel).Err()
	})
}

// renewSlots extends the lease of the slots of tokens.
func (l *Limiter) renewSlots(ctx context.Context, tokens []string) error {
	if len(tokens) == 0 {
		return nil
	}
	s := l.sp.s
	args := []any{LeaseTTL.Milliseconds()}
	for _, t := range tokens {
		args = append(args, t)
	}
	return s.do(ctx, "EVALSHA", func(ctx context.Context) error {
		return renewSlotsScript.Run(ctx, s.rdb, []string{l.slots}, args...).Err()
	})
}

func (l *Limiter) freer(token string) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			delete(l.held, token)
			l.mu.Unlock()
			l.sp.s.activate(l, -1)
			_ = l.free(context.Background(), token)
		})
	}
}

// renew extends the lease of the slots held; called by the store's beat.
func (l *Limiter) renew() {
	l.mu.Lock()
	tokens := make([]string, 0, len(l.held))
	for t := range l.held {
		tokens = append(tokens, t)
	}
	l.mu.Unlock()
	_ = l.renewSlots(context.Background(), tokens)
}

// activate counts l's slots held and requests waiting, so that the beat
// renews them and a freed slot wakes them while there are any.
func (s *Store) activate(l *Limiter, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limiters[l] += n
	if s.limiters[l] <= 0 {
		delete(s.limiters, l)
		return
	}
	s.subscribe()
	s.loop()
}
