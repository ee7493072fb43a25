package fleet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/leakcheck"
	"github.com/lvbstat/lvbstat-tencent-datasource/internal/redistest"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

const password = "fleet-test-password-never-printed"

// logs is a Logger that hands each line to whoever waits for it.
type logs struct {
	mu    sync.Mutex
	lines []string
	said  chan string
}

func newLogs() *logs { return &logs{said: make(chan string, 1000)} }

func (l *logs) add(level, msg string, args ...any) {
	line := level + " " + msg + " " + fmt.Sprint(args...)
	l.mu.Lock()
	l.lines = append(l.lines, line)
	l.mu.Unlock()
	select {
	case l.said <- line:
	default:
	}
}
func (l *logs) Debug(msg string, args ...any) { l.add("debug", msg, args...) }
func (l *logs) Warn(msg string, args ...any)  { l.add("warn", msg, args...) }
func (l *logs) Error(msg string, args ...any) { l.add("error", msg, args...) }

// await returns the first line said from now on that holds want.
func (l *logs) await(t *testing.T, want string) string {
	t.Helper()
	timeout := time.NewTimer(time.Minute)
	defer timeout.Stop()
	for {
		select {
		case line := <-l.said:
			if strings.Contains(line, want) {
				return line
			}
		case <-timeout.C:
			t.Fatalf("nobody said %q", want)
		}
	}
}

func (l *logs) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func open(t *testing.T, srv *redistest.Server, pass string, log Logger) *Store {
	t.Helper()
	u, _ := url.Parse(srv.URL())
	u.User = nil
	s, err := Open(Config{URL: u, Password: pass, Timeout: 500 * time.Millisecond, Pause: 100 * time.Millisecond, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func connect(t *testing.T, srv *redistest.Server, pass string) *Store {
	return open(t, srv, pass, nil)
}

func hour(int64) time.Duration { return time.Hour }

// Values come back only to the space that wrote them, only under their own
// key, and only whole; Redis holds neither the figures nor the stream's
// name in a form a reader could use.
func TestValuesAreSealedToTheirSpaceAndKey(t *testing.T) {
	srv := redistest.Start(t, password)
	s := connect(t, srv, password)
	ctx := context.Background()
	a, b := s.Space("account A"), s.Space("account B")
	a.Save(ctx, "d\x00live_1", map[int64][]byte{100: []byte("minutes of A"), 200: []byte("more of A")}, hour)
	got := a.Load(ctx, "d\x00live_1", []int64{100, 200, 300})
	if string(got[100]) != "minutes of A" || string(got[200]) != "more of A" || len(got) != 2 {
		t.Fatalf("loaded %v", got)
	}
	if got := b.Load(ctx, "d\x00live_1", []int64{100, 200}); len(got) != 0 {
		t.Fatalf("account B read account A's values: %v", got)
	}
	if got := a.Load(ctx, "d\x00live_2", []int64{100}); len(got) != 0 {
		t.Fatalf("another stream read live_1's values: %v", got)
	}
	key := a.cellKey("d\x00live_1", 100)
	raw := srv.Do("GET", key)
	if strings.Contains(raw, "minutes of A") {
		t.Fatal("Redis holds the figures in the clear")
	}
	unsalted := sha256.Sum256([]byte("d\x00live_1\x00"))
	if strings.Contains(key, hex.EncodeToString(unsalted[:12])) {
		t.Fatal("a stream's name is digested without a key: a reader can test guesses")
	}
	// A value moved under another key, one bit flipped, one moved to
	// another account's key, and garbage: all ignored.
	srv.Do("SET", a.cellKey("d\x00live_1", 300), raw)
	v := []byte(srv.Do("GET", a.cellKey("d\x00live_1", 200)))
	v[len(v)-1] ^= 1
	srv.Do("SET", a.cellKey("d\x00live_1", 200), string(v))
	srv.Do("SET", a.cellKey("d\x00live_1", 400), "garbage")
	srv.Do("SET", b.cellKey("d\x00live_1", 100), raw)
	got = a.Load(ctx, "d\x00live_1", []int64{100, 200, 300, 400})
	if len(got) != 1 || string(got[100]) != "minutes of A" || s.Stats().Ignored.Load() != 3 {
		t.Fatalf("loaded %v, %d ignored", got, s.Stats().Ignored.Load())
	}
	if got := b.Load(ctx, "d\x00live_1", []int64{100}); len(got) != 0 || s.Stats().Ignored.Load() != 4 {
		t.Fatalf("account B was served account A's value re-filed under its key: %v", got)
	}
}

// fetcher is a fetch that a test lets through, and counts.
type fetcher struct {
	calls   atomic.Int64
	started chan struct{}
	gate    chan struct{}
	payload map[int64][]byte
}

func newFetcher(payload string) *fetcher {
	return &fetcher{started: make(chan struct{}, 10), gate: make(chan struct{}), payload: map[int64][]byte{7: []byte(payload)}}
}

func (f *fetcher) fetch() (map[int64][]byte, error) {
	f.calls.Add(1)
	f.started <- struct{}{}
	<-f.gate
	return f.payload, nil
}

func (f *fetcher) open() *fetcher { close(f.gate); return f }

// have looks for cell 7 in the fleet.
func have(sp *Space, want string) func(context.Context) bool {
	return func(ctx context.Context) bool { return string(sp.Load(ctx, "s", []int64{7})[7]) == want }
}

type shared struct {
	waited bool
	err    error
}

func share(sp *Space, ctx context.Context, maxWait time.Duration, f *fetcher, want string) chan shared {
	done := make(chan shared, 1)
	go func() {
		w, err := sp.Share(ctx, "s", "r", maxWait, have(sp, want), f.fetch, hour)
		done <- shared{w, err}
	}()
	return done
}

// One replica fetches; another that asks meanwhile waits, is woken when
// the answer is shared, and reads it: one fetch for both.
func TestOneReplicaFetchesTheOthersWaitForItsAnswer(t *testing.T) {
	srv := redistest.Start(t, "")
	logB := newLogs()
	a, b := connect(t, srv, "").Space("acct"), open(t, srv, "", logB).Space("acct")
	ctx := context.Background()
	fa, fb := newFetcher("answer"), newFetcher("never")
	doneA := share(a, ctx, time.Hour, fa, "answer")
	<-fa.started
	doneB := share(b, ctx, time.Hour, fb.open(), "answer")
	line := logB.await(t, "Waiting for another replica's fetch")
	if !strings.Contains(line, a.s.holder) {
		t.Errorf("the waiting line does not name the holder %s: %s", a.s.holder, line)
	}
	fa.open()
	if r := <-doneA; r.err != nil || r.waited {
		t.Fatalf("holder: %+v", r)
	}
	if r := <-doneB; r.err != nil || !r.waited || fb.calls.Load() != 0 {
		t.Fatalf("waiter: %+v, %d fetches", r, fb.calls.Load())
	}
	// The lease says, for a few seconds, that the answer is shared: a
	// replica asking now reads it instead of fetching.
	if ttl := srv.Do("PTTL", a.leaseKey("s", "r")); ttl == ":-1" || ttl == ":-2" || len(ttl) > 5 {
		t.Fatalf("the lease given back lives %s ms", ttl)
	}
	fc := newFetcher("never").open()
	c := connect(t, srv, "").Space("acct")
	if r := <-share(c, ctx, time.Hour, fc, "answer"); r.err != nil || !r.waited || fc.calls.Load() != 0 {
		t.Fatalf("a replica asking just after: %+v, %d fetches", r, fc.calls.Load())
	}
}

// A holder that dies mid-fetch (its store closed: no renewal, no release)
// is taken over once its lease lapses, not after the longest a fetch may
// take (an hour here).
func TestAKilledHolderIsTakenOverWithinALease(t *testing.T) {
	srv := redistest.Start(t, "")
	dying := connect(t, srv, "")
	a, b := dying.Space("acct"), connect(t, srv, "").Space("acct")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fa, fb := newFetcher("from A"), newFetcher("from B")
	defer fa.open()
	share(a, ctx, time.Hour, fa, "from A")
	<-fa.started
	_ = dying.Close()
	r := <-share(b, ctx, time.Hour, fb.open(), "from B")
	if r.err != nil || r.waited || fb.calls.Load() != 1 {
		t.Fatalf("after the holder died: %+v, %d fetches", r, fb.calls.Load())
	}
	if got := b.Load(ctx, "s", []int64{7}); string(got[7]) != "from B" {
		t.Fatalf("the one who took over did not share: %q", got[7])
	}
}

// A holder that outlived its lease cannot overwrite what the replica that
// took over shared.
func TestALateHolderCannotOverwrite(t *testing.T) {
	srv := redistest.Start(t, "")
	sa := connect(t, srv, "")
	a, b := sa.Space("acct"), connect(t, srv, "").Space("acct")
	ctx := context.Background()
	fa, fb := newFetcher("late"), newFetcher("fresh")
	doneA := share(a, ctx, time.Hour, fa, "late")
	<-fa.started
	srv.Do("DEL", a.leaseKey("s", "r")) // as when A stalled past its lease
	if r := <-share(b, ctx, time.Hour, fb.open(), "fresh"); r.err != nil || fb.calls.Load() != 1 {
		t.Fatalf("B: %+v", r)
	}
	fa.open()
	<-doneA
	if got := b.Load(ctx, "s", []int64{7}); string(got[7]) != "fresh" || sa.Stats().Fenced.Load() != 1 {
		t.Fatalf("the fleet holds %q, fenced %d", got[7], sa.Stats().Fenced.Load())
	}
}

// A lease no replica wrote stalls nobody: one that does not verify is not
// waited for at all, and a copy of a real one planted without expiry is
// waited for one lease at most.
func TestPlantedLeasesNeverStall(t *testing.T) {
	srv := redistest.Start(t, "")
	s := connect(t, srv, "")
	sp := s.Space("acct")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	key := sp.leaseKey("s", "r")
	srv.Do("SET", key, "someone else 12345 0 forged")
	f := newFetcher("mine").open()
	if r := <-share(sp, ctx, time.Hour, f, "mine"); r.err != nil || f.calls.Load() != 1 || s.Stats().Planted.Load() != 1 {
		t.Fatalf("forged lease: %+v, %d fetches, %d planted", r, f.calls.Load(), s.Stats().Planted.Load())
	}
	if srv.Do("GET", key) != "someone else 12345 0 forged" {
		t.Fatal("the forged lease was changed")
	}
	srv.Do("DEL", key)
	// A real lease, copied back without expiry after it was given back.
	other := connect(t, srv, "").Space("acct")
	g := newFetcher("real")
	done := share(other, ctx, time.Hour, g, "real")
	<-g.started
	real := srv.Do("GET", key)
	g.open()
	<-done
	srv.Do("SET", key, real)
	h := newFetcher("after").open()
	if r := <-share(sp, ctx, time.Hour, h, "nothing of the kind"); r.err != nil || h.calls.Load() != 1 || s.Stats().Lapsed.Load() != 1 {
		t.Fatalf("replayed lease: %+v, %d fetches, %d lapsed", r, h.calls.Load(), s.Stats().Lapsed.Load())
	}
}

// When nobody wants the answer any more, a wait ends at once.
func TestAWaitNobodyNeedsEndsAtOnce(t *testing.T) {
	srv := redistest.Start(t, "")
	logB := newLogs()
	a, b := connect(t, srv, "").Space("acct"), open(t, srv, "", logB).Space("acct")
	fa, fb := newFetcher("x"), newFetcher("y").open()
	defer fa.open()
	share(a, context.Background(), time.Hour, fa, "x")
	<-fa.started
	ctx, cancel := context.WithCancel(context.Background())
	done := share(b, ctx, time.Hour, fb, "x")
	logB.await(t, "Waiting for another replica's fetch")
	cancel()
	if r := <-done; !errors.Is(r.err, context.Canceled) || fb.calls.Load() != 0 {
		t.Fatalf("%+v, %d fetches", r, fb.calls.Load())
	}
}

// A Redis user whose ACL lacks scripting: Save & test names the refused
// command and what to do, the replica works alone (it does not wait on a
// lease it cannot give back), and says so in the log. The ACL the README
// gives is enough.
func TestRefusedCommandsShowAndTheReplicaWorksAlone(t *testing.T) {
	srv := redistest.Start(t, "")
	srv.Do("ACL", "SETUSER", "noscripts", "on", ">pw-noscripts", "~*", "&*", "+@all", "-@scripting")
	log := newLogs()
	u, _ := url.Parse("redis://noscripts@" + srv.Addr + "/0")
	s, err := Open(Config{URL: u, Password: "pw-noscripts", Timeout: 500 * time.Millisecond, Pause: 100 * time.Millisecond, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ok, msg := s.Health(context.Background())
	if ok || !strings.Contains(msg, "refused EVALSHA") || !strings.Contains(msg, "NOPERM") || !strings.Contains(msg, "works alone") {
		t.Fatalf("health: %v %s", ok, msg)
	}
	if !strings.Contains(log.all(), "refused a command") {
		t.Fatalf("the refusal was not logged: %s", log.all())
	}
	// Another replica (with every right) holds the lease: this one does
	// not wait for it.
	holder := connect(t, srv, "").Space("acct")
	fa := newFetcher("held")
	defer fa.open()
	share(holder, context.Background(), time.Hour, fa, "held")
	<-fa.started
	f := newFetcher("alone").open()
	if r := <-share(s.Space("acct"), context.Background(), time.Hour, f, "never"); r.err != nil || f.calls.Load() != 1 {
		t.Fatalf("%+v, %d fetches", r, f.calls.Load())
	}

	// The README's ACL.
	args := append([]string{"ACL", "SETUSER", "grafana", "on", ">pw-grafana"}, strings.Fields(ACL)...)
	if r := srv.Do(args...); r != "+OK" {
		t.Fatalf("ACL %s: %s", ACL, r)
	}
	u, _ = url.Parse("redis://grafana@" + srv.Addr + "/0")
	minimal, err := Open(Config{URL: u, Password: "pw-grafana", Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer minimal.Close()
	if ok, msg := minimal.Health(context.Background()); !ok {
		t.Fatalf("the README's ACL is not enough: %s", msg)
	}
}

// Redis out of memory with noeviction refuses every write: Save & test
// says the fleet does not share, and why.
func TestAFullRedisSaysTheFleetDoesNotShare(t *testing.T) {
	srv := redistest.Start(t, "")
	srv.Do("CONFIG", "SET", "maxmemory-policy", "noeviction")
	srv.Do("CONFIG", "SET", "maxmemory", "1")
	s := connect(t, srv, "")
	ok, msg := s.Health(context.Background())
	if ok || !strings.Contains(msg, "OOM") || !strings.Contains(msg, "maxmemory") || !strings.Contains(msg, "neither shares") {
		t.Fatalf("health of a full Redis: %v %s", ok, msg)
	}
}

// rediss:// with a private CA: trusted through store_ca_file; a wrong CA
// and a missing client certificate are named, not "deadline exceeded".
func TestTLSWithAPrivateCA(t *testing.T) {
	files := redistest.NewCA(t, true)
	srv := redistest.StartWith(t, redistest.Options{TLS: files})
	env := map[string]string{EnvURL: srv.URL(), EnvCAFile: files.CA, EnvCertFile: files.ClientCert, EnvKeyFile: files.ClientKey}
	health := func(env map[string]string) (bool, string) {
		t.Helper()
		cfg, err := FromEnv(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		cfg.Timeout = 2 * time.Second
		s, err := Open(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		return s.Health(context.Background())
	}
	if ok, msg := health(env); !ok {
		t.Fatalf("with the CA and a client certificate: %s", msg)
	}
	wrong := redistest.NewCA(t, false)
	bad := map[string]string{EnvURL: srv.URL(), EnvCAFile: wrong.CA, EnvCertFile: files.ClientCert, EnvKeyFile: files.ClientKey}
	if ok, msg := health(bad); ok || !strings.Contains(msg, "certificate") || strings.Contains(msg, "deadline") {
		t.Fatalf("with a wrong CA: %v %s", ok, msg)
	}
	noCert := map[string]string{EnvURL: srv.URL(), EnvCAFile: files.CA}
	if ok, msg := health(noCert); ok || strings.Contains(msg, "deadline") {
		t.Fatalf("without the client certificate the server asks for: %v %s", ok, msg)
	}
	for _, e := range []map[string]string{
		{EnvURL: srv.URL() + "?skip_verify=true"},
		{EnvURL: "redis://" + srv.Addr, EnvCAFile: files.CA},
		{EnvURL: srv.URL(), EnvCertFile: files.ClientCert},
		{EnvURL: srv.URL(), EnvCAFile: files.ClientKey},
	} {
		if _, err := FromEnv(func(k string) string { return e[k] }); err == nil {
			t.Errorf("%v: accepted", e)
		}
	}
}

// A wrong password and a stopped Redis cost at most the timeout per call,
// then nothing while the breaker is open; callers fetch for themselves;
// the password is never said. When Redis is back, so is the store.
func TestAFailingRedisIsNeverWorseThanNone(t *testing.T) {
	srv := redistest.Start(t, password)
	ctx := context.Background()
	wrong := connect(t, srv, "wrong-"+password).Space("acct")
	if got := wrong.Load(ctx, "s", []int64{1}); got != nil {
		t.Fatalf("loaded %v with a wrong password", got)
	}
	f := newFetcher("x").open()
	if r := <-share(wrong, ctx, time.Hour, f, "x"); r.err != nil || f.calls.Load() != 1 {
		t.Fatal("without a store, the caller must fetch for itself")
	}
	ok, msg := wrong.s.Health(ctx)
	if ok || strings.Contains(msg, password) {
		t.Fatalf("health with a wrong password: %v %s", ok, msg)
	}

	s := connect(t, srv, password)
	sp := s.Space("acct")
	sp.Save(ctx, "s", map[int64][]byte{1: []byte("x")}, hour)
	srv.Stop()
	start := time.Now()
	for range 10 {
		if got := sp.Load(ctx, "s", []int64{1}); got != nil {
			t.Fatal("loaded from a stopped Redis")
		}
	}
	if s.Stats().Failed.Load() > breakerTrips+1 || s.Stats().Rejected.Load() == 0 {
		t.Fatalf("failed %d, rejected %d: the breaker did not open", s.Stats().Failed.Load(), s.Stats().Rejected.Load())
	}
	// Ten calls, at most breakerTrips+1 of which waited for the timeout.
	if took := time.Since(start); took > time.Duration(breakerTrips+2)*time.Second {
		t.Fatalf("ten calls to a stopped Redis took %v", took)
	}
	if ok, msg := s.Health(ctx); ok || !strings.Contains(msg, "own memory") {
		t.Fatalf("health with Redis stopped: %v %s", ok, msg)
	}
	srv.Restart()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ok, _ := s.Health(ctx); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the store did not come back after Redis did")
		}
		time.Sleep(50 * time.Millisecond)
	}
	sp.Save(ctx, "s", map[int64][]byte{2: []byte("y")}, hour)
	if got := sp.Load(ctx, "s", []int64{2}); string(got[2]) != "y" {
		t.Fatalf("after the restart: %v", got)
	}
}

// Three replicas' requests never exceed the fleet's bound together; a
// throttled answer halves the bound for all; the slots of a replica that
// died come free within a lease; the rate holds across replicas.
func TestTheFleetSharesTheUpstreamsLimits(t *testing.T) {
	srv := redistest.Start(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stores := []*Store{connect(t, srv, ""), connect(t, srv, ""), connect(t, srv, "")}
	var inFlight, peak atomic.Int64
	var wg sync.WaitGroup
	for i := range 60 {
		l := stores[i%3].Space("acct").Limiter("play", 4, 0)
		wg.Go(func() {
			release, err := l.Acquire(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			n := inFlight.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			// Hold the slot across a Redis round trip, so that others ask
			// while it is held.
			srv.Do("PING")
			inFlight.Add(-1)
			release()
		})
	}
	wg.Wait()
	if p := peak.Load(); p > 4 || p < 2 {
		t.Fatalf("the fleet had %d requests in flight at once; the bound is 4", p)
	}

	a := stores[0].Space("acct").Limiter("play", 4, 0)
	b := stores[1].Space("acct").Limiter("play", 4, 0)
	a.Throttled()
	release, _ := a.Acquire(ctx)
	release()
	release, _ = b.Acquire(ctx)
	release()
	if got := b.Bound(); got != 2 {
		t.Fatalf("after one replica was throttled, another sees a bound of %v, want 2", got)
	}

	// A replica holding both slots dies.
	dying := connect(t, srv, "")
	d := dying.Space("acct").Limiter("play", 4, 0)
	for range 2 {
		if _, err := d.Acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	_ = dying.Close()
	release, err := b.Acquire(ctx)
	if err != nil {
		t.Fatalf("the dead replica's slots never came free: %v", err)
	}
	release()

	// Ten requests at 5 a second, bursts of 1, across two replicas: not
	// sooner than the rate allows.
	ra := stores[0].Space("acct").Limiter("rated", 1, 5)
	rb := stores[1].Space("acct").Limiter("rated", 1, 5)
	start := time.Now()
	for i := range 10 {
		l := ra
		if i%2 == 1 {
			l = rb
		}
		release, err := l.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		release()
	}
	if took := time.Since(start); took < 1700*time.Millisecond {
		t.Fatalf("ten requests at 5 a second took %v", took)
	}
}

func TestConfigFromTheEnvironment(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if c, err := FromEnv(env(nil)); err != nil || c.Enabled() {
		t.Fatalf("no URL: %+v %v", c, err)
	}
	file := t.TempDir() + "/pw"
	if err := writeFile(file, "from-file\n"); err != nil {
		t.Fatal(err)
	}
	c, err := FromEnv(env(map[string]string{EnvURL: "rediss://u:in-url@redis.example:6380/2", EnvPasswordFile: file, EnvTimeout: "100ms"}))
	if err != nil || c.Password != "from-file" || c.Timeout != 100*time.Millisecond || strings.Contains(c.Redacted(), "in-url") {
		t.Fatalf("%+v %v (%s)", c, err, c.Redacted())
	}
	c, _ = FromEnv(env(map[string]string{EnvURL: "redis://:in-url@redis.example:6379/0", EnvPassword: "from-env"}))
	if c.Password != "from-env" {
		t.Fatalf("password %q", c.Password)
	}
	for _, bad := range []map[string]string{
		{EnvURL: "http://:secret-pw@redis.example"},
		{EnvURL: "redis://redis.example:6379", EnvTimeout: "forever"},
		{EnvURL: "redis://redis.example:6379", EnvPasswordFile: "/nonexistent/secret-pw"},
	} {
		if _, err := FromEnv(env(bad)); err == nil || strings.Contains(err.Error(), "secret-pw") && !strings.Contains(err.Error(), "/nonexistent") {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

func writeFile(name, s string) error { return os.WriteFile(name, []byte(s), 0o600) }
