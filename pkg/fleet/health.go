package fleet

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"
)

// Health says whether the fleet shares, in words for Save & test. It sends
// every kind of command the fleet sends (a lease taken and given back with
// a value shared through it, values read, leases and slots renewed, a slot
// taken and freed, the channel subscribed), so that what Redis refuses (an
// ACL without scripting, a full Redis refusing writes, a read-only
// replica) shows here and not only as a fleet that quietly does not share.
func (s *Store) Health(ctx context.Context) (ok bool, message string) {
	if err := s.do(ctx, "PING", func(ctx context.Context) error { return s.rdb.Ping(ctx).Err() }); err != nil {
		return false, s.unhealthy(err)
	}
	if err := s.probe(ctx); err != nil {
		return false, s.unhealthy(err)
	}
	return true, fmt.Sprintf("Shared store %s: reachable, and every command the fleet uses works: replicas share fetched minutes, the right to fetch and the upstream's limits.", s.cfg.Redacted())
}

// probe runs the fleet's commands on keys of a space of its own.
func (s *Store) probe(ctx context.Context) error {
	sp := s.Space("lvbstat health probe")
	var failed error
	step := func(err error) {
		if failed == nil && err != nil && !errors.Is(err, redis.Nil) {
			failed = err
		}
	}
	// The same calls the fleet makes, on a space of the probe's own; a
	// lease of its own each time, so that every step runs whole (a lease
	// given back says so for a few seconds).
	l := sp.newLease(sp.leaseKey("probe", rand.Text()), "probe")
	_, _, err := sp.claim(ctx, l)
	step(err)
	step(s.renew([]*lease{l}))
	_, err = sp.release(ctx, l, "probe", map[int64][]byte{0: []byte("probe")}, func(int64) time.Duration { return time.Minute })
	step(err)
	step(s.do(ctx, "MGET", func(ctx context.Context) error { return s.rdb.MGet(ctx, sp.cellKey("probe", 0), l.key).Err() }))
	lim := sp.Limiter("probe", 1, 1000)
	_, _, _, err = lim.acquire(ctx, []string{"probe"}, 0, 0)
	step(err)
	step(lim.renewSlots(ctx, []string{"probe"}))
	step(lim.free(ctx, "probe"))
	if failed != nil {
		return failed
	}
	return s.do(ctx, "SUBSCRIBE", func(ctx context.Context) error {
		ps := s.rdb.Subscribe(ctx, releasedChannel, slotsChannel)
		defer ps.Close()
		for range 2 {
			if _, err := ps.Receive(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// unhealthy words a failed check.
func (s *Store) unhealthy(err error) string {
	if r := s.refused.Load(); r != nil && (errors.Is(err, errAlone) || refused(err)) {
		return fmt.Sprintf("Shared store %s refused %s (%s): %s. Until it accepts it, this replica works alone: it neither shares what it fetches nor waits for the fleet.",
			s.cfg.Redacted(), r.command, r.reason, r.advice)
	}
	why := err.Error()
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		why = "it failed several times in a row and is left alone for a few seconds"
		if last := s.lastErr.Load(); last != nil {
			why += " (last: " + *last + ")"
		}
	}
	// A TLS server that wants a client certificate may answer its absence
	// with an alert or, as seen from the client under TLS 1.3, by resetting
	// the connection after the handshake: both get the hint.
	tlsURL := s.cfg.URL != nil && s.cfg.URL.Scheme == "rediss"
	if strings.Contains(why, "x509") || strings.Contains(why, "tls:") ||
		tlsURL && (strings.Contains(why, "connection reset") || strings.Contains(why, "EOF")) {
		why += " (TLS: store_ca_file names the CA that signed Redis's certificate; store_cert_file and store_key_file, a client certificate Redis asks for)"
	}
	return fmt.Sprintf("Shared store %s is unreachable: %s. This replica uses its own memory meanwhile, and goes back to the shared store when it answers.",
		s.cfg.Redacted(), why)
}
