package fleet

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/leakcheck"
	"github.com/lvbstat/lvbstat-tencent-datasource/internal/redistest"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

const password = "fleet-test-password-never-printed"

func connect(t *testing.T, srv *redistest.Server, pass string) *Store {
	t.Helper()
	u, _ := url.Parse("redis://" + srv.Addr + "/0")
	s, err := Open(Config{URL: u, Password: pass, Timeout: 200 * time.Millisecond, breakerOpen: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func hour(time.Duration) func(int64) time.Duration {
	return func(int64) time.Duration { return time.Hour }
}

// Values come back only to the space that wrote them, only under their own
// key, and only whole: a corrupt or moved value is never served.
func TestValuesStayInTheirSpaceAndWhole(t *testing.T) {
	srv := redistest.Start(t, password)
	s := connect(t, srv, password)
	ctx := context.Background()
	a, b := s.Space("account A"), s.Space("account B")
	a.Save(ctx, "d\x00live_1", map[int64][]byte{100: []byte("minutes of A"), 200: []byte("more of A")}, hour(0))
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
	// A value moved under another key, and one bit flipped: both ignored.
	srv.Do("SET", a.cellKey("d\x00live_1", 300), srv.Do("GET", a.cellKey("d\x00live_1", 100)))
	v := []byte(srv.Do("GET", a.cellKey("d\x00live_1", 200)))
	v[len(v)-1] ^= 1
	srv.Do("SET", a.cellKey("d\x00live_1", 200), string(v))
	srv.Do("SET", a.cellKey("d\x00live_1", 400), "garbage")
	got = a.Load(ctx, "d\x00live_1", []int64{100, 200, 300, 400})
	if len(got) != 1 || string(got[100]) != "minutes of A" || s.Stats().Ignored.Load() != 3 {
		t.Fatalf("loaded %v, %d ignored", got, s.Stats().Ignored.Load())
	}
}

// One replica wins the right to fetch; another waits until it is given
// back; then the right is free again.
func TestOneReplicaFetchesTheOthersWait(t *testing.T) {
	srv := redistest.Start(t, "")
	first, second := connect(t, srv, "").Space("acct"), connect(t, srv, "").Space("acct")
	ctx := context.Background()
	done, won := first.Claim(ctx, "s", "r1", time.Minute)
	if !won {
		t.Fatal("the first claim lost")
	}
	if _, won := second.Claim(ctx, "s", "r1", time.Minute); won {
		t.Fatal("two replicas won the same request")
	}
	if _, won := second.Claim(ctx, "s", "r2", time.Minute); !won {
		t.Fatal("another request was not free")
	}
	waited := make(chan struct{})
	go func() { second.Wait(ctx, "s", "r1"); close(waited) }()
	select {
	case <-waited:
		t.Fatal("Wait returned while the claim was held")
	default:
	}
	done()
	<-waited
	done2, won := second.Claim(ctx, "s", "r1", time.Minute)
	if !won {
		t.Fatal("the claim was not given back")
	}
	done2()
	// A holder that dies leaves a claim that expires.
	_, _ = first.Claim(ctx, "s", "r3", 50*time.Millisecond)
	second.Wait(ctx, "s", "r3") // returns once it expires
	if _, won := second.Claim(ctx, "s", "r3", time.Minute); !won {
		t.Fatal("an expired claim still held")
	}
}

// A wrong password and a stopped Redis cost at most the timeout per call,
// then nothing while the breaker is open; callers are told to fetch for
// themselves; the password is never said. When Redis is back, so is the
// store.
func TestAFailingRedisIsNeverWorseThanNone(t *testing.T) {
	srv := redistest.Start(t, password)
	ctx := context.Background()
	wrong := connect(t, srv, "wrong-"+password).Space("acct")
	if got := wrong.Load(ctx, "s", []int64{1}); got != nil {
		t.Fatalf("loaded %v with a wrong password", got)
	}
	if _, won := wrong.Claim(ctx, "s", "r", time.Minute); !won {
		t.Fatal("without a store, the caller must fetch for itself")
	}
	ok, msg := wrong.s.Health(ctx)
	if ok || !strings.Contains(msg, "unreachable") || strings.Contains(msg, password) {
		t.Fatalf("health with a wrong password: %v %s", ok, msg)
	}

	s := connect(t, srv, password)
	sp := s.Space("acct")
	sp.Save(ctx, "s", map[int64][]byte{1: []byte("x")}, hour(0))
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
	// Back once the breaker lets a call through (100 ms here): bounded.
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
	sp.Save(ctx, "s", map[int64][]byte{2: []byte("y")}, hour(0))
	if got := sp.Load(ctx, "s", []int64{2}); string(got[2]) != "y" {
		t.Fatalf("after the restart: %v", got)
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
