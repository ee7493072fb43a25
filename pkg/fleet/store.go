package fleet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
	"github.com/sony/gobreaker/v2"
)

// Logger is what the store logs through: the SDK's logger has these.
type Logger interface {
	Debug(msg string, args ...any)
	Warn(msg string, args ...any)
	Error(msg string, args ...any)
}

type nopLogger struct{}

func (nopLogger) Debug(string, ...any) {}
func (nopLogger) Warn(string, ...any)  {}
func (nopLogger) Error(string, ...any) {}

// Store is one plugin process's connection to the fleet's Redis.
type Store struct {
	cfg    Config
	rdb    *redis.Client
	cb     *gobreaker.CircuitBreaker[any]
	log    Logger
	holder string // this process, as the logs of replicas waiting on it name it

	lastErr atomic.Pointer[string]
	refused atomic.Pointer[refusal]
	stats   Stats

	// Leases held and waited on, kept by one loop (see lease.go), and the
	// subscription that wakes waiters when a lease is given back.
	mu       sync.Mutex
	held     map[*lease]struct{}
	waiting  map[*waiter]struct{}
	limiters map[*Limiter]int // slots held and requests waiting, by limiter
	looping  bool
	stop     chan struct{} // closed by Close: the loop ends
	sub      *subscription
	closed   bool
}

// Stats count what the store did, for tests and logs.
type Stats struct {
	Loaded, Saved    atomic.Int64 // values read and written
	Ignored          atomic.Int64 // values that did not open (forged, moved, corrupt or of another format), and were not used
	Won, Lost        atomic.Int64 // leases to fetch won, and found held by another replica
	Fenced           atomic.Int64 // answers not shared because the lease had passed to another replica meanwhile
	Planted          atomic.Int64 // leases found that no replica of the space wrote, and were not waited for
	Lapsed           atomic.Int64 // leases whose holder stopped renewing them, taken over
	Failed, Rejected atomic.Int64 // calls that failed, and calls not made (breaker open, or Redis refusing)
	Refused          atomic.Int64 // calls Redis refused (ACL, out of memory, read-only)
}

// Breaker: after breakerTrips failures in a row, no call is made for
// Config.Pause; then one call tries whether Redis is back.
const (
	breakerTrips = 3
	DefaultPause = 10 * time.Second
)

// refusalPause is how long a replica works alone after Redis refused a
// command (a missing ACL permission, no memory for writes, a read-only
// replica): asking again sooner would only be refused again.
const refusalPause = 30 * time.Second

type refusal struct {
	until   time.Time
	command string
	reason  string
	advice  string
}

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
	opts.TLSConfig = cfg.tlsConfig(opts.TLSConfig)
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout, opts.PoolTimeout = cfg.Timeout, cfg.Timeout, cfg.Timeout, cfg.Timeout
	opts.ContextTimeoutEnabled = true
	opts.MaxRetries = -1 // one try: the caller has its own memory to fall back on
	// One dial a call: the client's own dial retries would use up the
	// timeout and hide why the dial failed (a certificate, a refusal)
	// behind "context deadline exceeded".
	opts.DialerRetries = 1
	opts.DisableIdentity = true
	// No CLIENT MAINT_NOTIFICATIONS handshake on each new connection: a
	// command the ACL would have to allow, for a feature of managed
	// clusters the fleet does not use.
	opts.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	log := cfg.Log
	if log == nil {
		log = nopLogger{}
	}
	// go-redis's own messages (a dial that failed, a pool that waited) go
	// to the plugin's log at debug level, not to standard error.
	redisLogOnce.Do(func() { redis.SetLogger(redisLogger{log}) })
	host, _ := os.Hostname()
	s := &Store{cfg: cfg, rdb: redis.NewClient(opts), log: log, holder: host + "/" + strconv.Itoa(os.Getpid()),
		held: map[*lease]struct{}{}, waiting: map[*waiter]struct{}{}, limiters: map[*Limiter]int{}, stop: make(chan struct{})}
	if cfg.Pause <= 0 {
		cfg.Pause = DefaultPause
	}
	s.cb = gobreaker.NewCircuitBreaker[any](gobreaker.Settings{
		Name:        "fleet store",
		MaxRequests: 1,
		Timeout:     cfg.Pause,
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

// Close ends the store's loop and subscription, and closes the connections.
func (s *Store) Close() error {
	s.mu.Lock()
	if !s.closed {
		close(s.stop)
	}
	s.closed = true
	sub := s.sub
	s.sub = nil
	s.mu.Unlock()
	if sub != nil {
		sub.close()
	}
	return s.rdb.Close()
}

// Stats returns the counters.
func (s *Store) Stats() *Stats { return &s.stats }

// errAlone is what a call returns while the store works alone after a
// refusal: the caller falls back as for a Redis that does not answer.
var errAlone = errors.New("the shared store refused a command recently; working alone")

// do runs one call, named command for the logs, under the timeout and the
// breaker. A miss is no failure.
func (s *Store) do(ctx context.Context, command string, call func(ctx context.Context) error) error {
	if r := s.refused.Load(); r != nil && time.Now().Before(r.until) {
		s.stats.Rejected.Add(1)
		return errAlone
	}
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
	case err == nil:
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		s.stats.Rejected.Add(1)
	case refused(err):
		s.stats.Refused.Add(1)
		s.refuse(command, err)
	default:
		s.stats.Failed.Add(1)
		msg := err.Error()
		s.lastErr.Store(&msg)
	}
	return err
}

// refused tells an answer of Redis that asking again will not change:
// the ACL lacks a permission, writes are refused for want of memory or on
// a read-only replica.
func refused(err error) bool {
	for _, p := range []string{"NOPERM", "OOM", "READONLY", "MISCONF", "NOAUTH", "WRONGPASS"} {
		if redis.HasErrorPrefix(err, p) {
			return true
		}
	}
	return false
}

// refuse has the replica work alone for refusalPause, and says why once.
func (s *Store) refuse(command string, err error) {
	if redis.HasErrorPrefix(err, "NOAUTH") || redis.HasErrorPrefix(err, "WRONGPASS") {
		command = "AUTH" // whatever was asked, the connection's login failed
	}
	r := &refusal{until: time.Now().Add(refusalPause), command: command, reason: err.Error(), advice: refusalAdvice(err)}
	old := s.refused.Swap(r)
	if old == nil || time.Now().After(old.until) || old.command != command {
		s.log.Error("The shared store refused a command; this replica works alone for a while", "command", command, "error", r.reason, "pause", refusalPause, "advice", r.advice)
	}
}

// refusalAdvice says what to change for an answer that refused.
func refusalAdvice(err error) string {
	switch {
	case redis.HasErrorPrefix(err, "NOPERM"):
		return "the Redis user lacks a command or key pattern the fleet needs: see README, High availability, for the ACL"
	case redis.HasErrorPrefix(err, "OOM"):
		return "Redis is out of memory and refuses writes: raise maxmemory, or set maxmemory-policy to volatile-lru (every key the fleet writes expires)"
	case redis.HasErrorPrefix(err, "READONLY"):
		return "store_url names a read-only replica: point it at the primary"
	case redis.HasErrorPrefix(err, "MISCONF"):
		return "Redis refuses writes because it cannot save its snapshot: see Redis's log"
	default:
		return "check the user in store_url and the password (store_password or store_password_file)"
	}
}

var redisLogOnce sync.Once

type redisLogger struct{ log Logger }

func (l redisLogger) Printf(_ context.Context, format string, v ...any) {
	l.log.Debug("Redis client: " + fmt.Sprintf(format, v...))
}

// Space is the part of the store of one upstream identity: one account and
// key. Two data sources of different accounts, or one whose key changed,
// never read each other's values.
type Space struct {
	s    *Store
	ns   string
	keys keys
}

// Space returns the part of the store for identity, which names the
// upstream, the account and a digest of the credential: values are sealed
// and names digested with keys derived from it, so only replicas that
// hold the same credential can read or write them.
func (s *Store) Space(identity string) *Space {
	k, err := deriveKeys(identity)
	if err != nil {
		panic(err) // fixed sizes: cannot happen
	}
	return &Space{s: s, ns: k.digest("space"), keys: k}
}

// cellKey is where one cell of one stream lives.
func (sp *Space) cellKey(stream string, cell int64) string {
	return "lvbstat:" + sp.ns + ":cell:" + sp.keys.digest("stream", stream) + ":" + strconv.FormatInt(cell, 10)
}

func (sp *Space) leaseKey(stream, request string) string {
	return "lvbstat:" + sp.ns + ":lease:" + sp.keys.digest("request", stream, request)
}

// Load returns the payloads of the cells of stream the fleet holds, by
// cell; a cell missing, or that does not open, is left out, and so is every
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
	if err := sp.s.do(ctx, "MGET", func(ctx context.Context) (err error) {
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
		payload, ok := sp.keys.open(keys[i], []byte(str))
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
	if sp.s.do(ctx, "SET", func(ctx context.Context) error {
		_, err := sp.s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for c, payload := range payloads {
				key := sp.cellKey(stream, c)
				p.Set(ctx, key, sp.keys.seal(key, payload), max(ttl(c), time.Minute))
			}
			return nil
		})
		return err
	}) == nil {
		sp.s.stats.Saved.Add(int64(len(payloads)))
	}
}
