package fleet

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"
)

// Store is one plugin process's connection to the fleet's Redis.
type Store struct {
	cfg Config
	rdb *redis.Client
	cb  *gobreaker.CircuitBreaker[any]

	lastErr atomic.Pointer[string]
	stats   Stats
}

// Stats count what the store did, for tests and logs.
type Stats struct {
	Loaded, Saved    atomic.Int64 // values read and written
	Ignored          atomic.Int64 // values found corrupt or foreign, and not used
	Won, Lost        atomic.Int64 // claims to fetch won, and left to another replica
	Failed, Rejected atomic.Int64 // calls that failed, and calls the open breaker refused
}

// Breaker: after breakerTrips failures in a row, no call is made for
// breakerOpen; then one call tries whether Redis is back.
const (
	breakerTrips = 3
	breakerOpen  = 10 * time.Second
)

// Open connects lazily: Redis may come up after Grafana, and a call that
// fails only costs its timeout.
func Open(cfg Config) (*Store, error) {
	if !cfg.Enabled() {
		return nil, errors.New("fleet: no store URL")
	}
	opts, err := redis.ParseURL(cfg.URL.String())
	if err != nil {
		return nil, fmt.Errorf("%s (store_url): %s", EnvURL, withoutURL(err))
	}
	opts.Password = cfg.Password
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout, opts.PoolTimeout = cfg.Timeout, cfg.Timeout, cfg.Timeout, cfg.Timeout
	opts.ContextTimeoutEnabled = true
	opts.MaxRetries = -1 // one try: the caller has its own memory to fall back on
	opts.DisableIdentity = true
	s := &Store{cfg: cfg, rdb: redis.NewClient(opts)}
	if cfg.breakerOpen <= 0 {
		cfg.breakerOpen = breakerOpen
	}
	s.cb = gobreaker.NewCircuitBreaker[any](gobreaker.Settings{
		Name:        "fleet store",
		MaxRequests: 1,
		Timeout:     cfg.breakerOpen,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= breakerTrips },
	})
	return s, nil
}

// withoutURL keeps a parse error from echoing the URL, which may hold a
// password.
func withoutURL(err error) string {
	msg := err.Error()
	if i := strings.IndexByte(msg, ':'); i > 0 && strings.Contains(msg, "://") {
		return msg[:i]
	}
	return msg
}

// Close closes the connections.
func (s *Store) Close() error { return s.rdb.Close() }

// Stats returns the counters.
func (s *Store) Stats() *Stats { return &s.stats }

// do runs one call under the timeout and the breaker. A miss is no failure.
func (s *Store) do(ctx context.Context, call func(ctx context.Context) error) error {
	_, err := s.cb.Execute(func() (any, error) {
		ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
		defer cancel()
		err := call(ctx)
		if errors.Is(err, redis.Nil) {
			return nil, nil
		}
		return nil, err
	})
	switch {
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		s.stats.Rejected.Add(1)
	case err != nil:
		s.stats.Failed.Add(1)
		msg := err.Error()
		s.lastErr.Store(&msg)
	}
	return err
}

// Health says whether the store answers, in words for Save & test.
func (s *Store) Health(ctx context.Context) (ok bool, message string) {
	err := s.do(ctx, func(ctx context.Context) error { return s.rdb.Ping(ctx).Err() })
	if err == nil {
		return true, fmt.Sprintf("Shared store %s: reachable; the fleet shares fetched minutes and the right to fetch.", s.cfg.Redacted())
	}
	why := err.Error()
	if errors.Is(err, gobreaker.ErrOpenState) {
		why = "it failed several times in a row and is left alone for a few seconds"
		if last := s.lastErr.Load(); last != nil {
			why += " (last: " + *last + ")"
		}
	}
	return false, fmt.Sprintf("Shared store %s is unreachable: %s. This replica uses its own memory meanwhile, and goes back to the shared store when it answers.",
		s.cfg.Redacted(), why)
}

// Space is the part of the store of one upstream identity: one account and
// key. Two data sources of different accounts, or one whose key changed,
// never read each other's values.
type Space struct {
	s  *Store
	ns string
}

// Space returns the part of the store for identity, which should name the
// upstream, the account and a digest of the credential; only its hash is
// used.
func (s *Store) Space(identity string) *Space {
	sum := sha256.Sum256([]byte("lvbstat/fleet/v1\x00" + identity))
	return &Space{s: s, ns: hex.EncodeToString(sum[:12])}
}

func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// cellKey is where one cell of one stream lives.
func (sp *Space) cellKey(stream string, cell int64) string {
	return "lvbstat:" + sp.ns + ":cell:" + digest(stream) + ":" + strconv.FormatInt(cell, 10)
}

func (sp *Space) lockKey(stream, request string) string {
	return "lvbstat:" + sp.ns + ":lock:" + digest(stream, request)
}

// A value is magic, the first 8 bytes of the key's hash (so that a value
// copied under another key is foreign), a CRC of the payload, the payload.
var magic = []byte("LVB1")

const headerLen = 4 + 8 + 4

func seal(key string, payload []byte) []byte {
	sum := sha256.Sum256([]byte(key))
	out := make([]byte, 0, headerLen+len(payload))
	out = append(out, magic...)
	out = append(out, sum[:8]...)
	out = binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(payload))
	return append(out, payload...)
}

func open(key string, value []byte) ([]byte, bool) {
	if len(value) < headerLen || !bytes.Equal(value[:4], magic) {
		return nil, false
	}
	sum := sha256.Sum256([]byte(key))
	payload := value[headerLen:]
	if !bytes.Equal(value[4:12], sum[:8]) || binary.BigEndian.Uint32(value[12:16]) != crc32.ChecksumIEEE(payload) {
		return nil, false
	}
	return payload, true
}

// Load returns the payloads of the cells of stream the fleet holds, by
// cell; a cell missing, corrupt or foreign is left out, and so is every
// cell when Redis does not answer.
func (sp *Space) Load(ctx context.Context, stream string, cells []int64) map[int64][]byte {
	if len(cells) == 0 {
		return nil
	}
	keys := make([]string, len(cells))
	for i, c := range cells {
		keys[i] = sp.cellKey(stream, c)
	}
	var vals []any
	if err := sp.s.do(ctx, func(ctx context.Context) (err error) {
		vals, err = sp.s.rdb.MGet(ctx, keys...).Result()
		return err
	}); err != nil {
		return nil
	}
	out := make(map[int64][]byte, len(vals))
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue
		}
		payload, ok := open(keys[i], []byte(str))
		if !ok {
			sp.s.stats.Ignored.Add(1)
			continue
		}
		out[cells[i]] = payload
		sp.s.stats.Loaded.Add(1)
	}
	return out
}

// Save stores payloads by cell, each for ttl(cell), in one round trip.
func (sp *Space) Save(ctx context.Context, stream string, payloads map[int64][]byte, ttl func(cell int64) time.Duration) {
	if len(payloads) == 0 {
		return
	}
	if sp.s.do(ctx, func(ctx context.Context) error {
		_, err := sp.s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for c, payload := range payloads {
				key := sp.cellKey(stream, c)
				p.Set(ctx, key, seal(key, payload), max(ttl(c), time.Minute))
			}
			return nil
		})
		return err
	}) == nil {
		sp.s.stats.Saved.Add(int64(len(payloads)))
	}
}

// release deletes a lock only while it is still the holder's.
var release = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// Claim asks for the right to make request of stream for at most hold. It
// returns won = true when this replica should fetch: it holds the claim,
// or Redis did not answer (then nobody can coordinate, and each replica
// fetches for itself). done gives the claim back; it is always safe to call.
// A holder that dies leaves a claim that expires after hold.
func (sp *Space) Claim(ctx context.Context, stream, request string, hold time.Duration) (done func(), won bool) {
	key := sp.lockKey(stream, request)
	token := rand.Text()
	var got bool
	if err := sp.s.do(ctx, func(ctx context.Context) (err error) {
		got, err = sp.s.rdb.SetNX(ctx, key, token, hold).Result()
		return err
	}); err != nil {
		return func() {}, true
	}
	if !got {
		sp.s.stats.Lost.Add(1)
		return func() {}, false
	}
	sp.s.stats.Won.Add(1)
	return func() {
		// Not the caller's context: the claim goes back even when the
		// caller has left.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sp.s.cfg.Timeout)
		defer cancel()
		_ = sp.s.do(ctx, func(ctx context.Context) error { return release.Run(ctx, sp.s.rdb, []string{key}, token).Err() })
	}, true
}

// Wait returns when another replica's claim on request is given back or
// has expired, when ctx ends, or when Redis stops answering, whichever is
// first. It asks Redis at growing intervals, a few times a second at most.
func (sp *Space) Wait(ctx context.Context, stream, request string) {
	key := sp.lockKey(stream, request)
	pause := 20 * time.Millisecond
	for {
		var n int64
		if err := sp.s.do(ctx, func(ctx context.Context) (err error) {
			n, err = sp.s.rdb.Exists(ctx, key).Result()
			return err
		}); err != nil || n == 0 {
			return
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		pause = min(2*pause, 250*time.Millisecond)
	}
}
