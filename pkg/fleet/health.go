package fleet

import (
	"context"
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
	l := &lease{sp: sp, key: sp.leaseKey("probe", "probe"), holder: s.holder, token: "probe"}
	l.prefix = l.holder + " " + l.token + " "
	step(s.do(ctx, "SET", func(ctx context.Context) error {
		return s.rdb.SetArgs(ctx, l.key, l.value(), redis.SetArgs{Mode: "NX", Get: true, TTL: LeaseTTL}).Err()
	}))
	step(s.do(ctx, "EVALSHA", func(ctx context.Context) error {
		return renewScript.Run(ctx, s.rdb, []string{l.key}, LeaseTTL.Milliseconds(), l.prefix, l.value()).Err()
	}))
	cell := sp.cellKey("probe", 0)
	step(s.do(ctx, "EVALSHA", func(ctx context.Context) error {
		return releaseScript.Run(ctx, s.rdb, []string{l.key, cell}, l.prefix, releasedChannel, "", 0, sp.keys.seal(cell, []byte("probe")), time.Minute.Milliseconds()).Err()
	}))
	step(s.do(ctx, "MGET", func(ctx context.Context) error { return s.rdb.MGet(ctx, cell, l.key).Err() }))
	lim := sp.Limiter("probe", 1, 1000)
	step(s.do(ctx, "EVALSHA", func(ctx context.Context) error {
		return acquireScript.Run(ctx, s.rdb, []string{lim.slots, lim.bound, lim.r, lim.queue}, LeaseTTL.Milliseconds(), 1, 1000, 1, 0, 0, lim.tag, "probe").Err()
	}))
	step(s.do(ctx, "EVALSHA", func(ctx context.Context) error {
		return renewSlotsScript.Run(ctx, s.rdb, []string{lim.slots}, LeaseTTL.Milliseconds(), "probe").Err()
	}))
	step(s.do(ctx, "EVALSHA", func(ctx context.Context) error {
		return freeScript.Run(ctx, s.rdb, []string{lim.slots, lim.queue}, "probe", slotsChannel).Err()
	}))
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
	if strings.Contains(why, "x509") || strings.Contains(why, "tls:") {
		why += " (TLS: store_ca_file names the CA that signed Redis's certificate; store_cert_file and store_key_file, a client certificate Redis asks for)"
	}
	return fmt.Sprintf("Shared store %s is unreachable: %s. This replica uses its own memory meanwhile, and goes back to the shared store when it answers.",
		s.cfg.Redacted(), why)
}
