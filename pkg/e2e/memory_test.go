package e2e

import (
	"context"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/memory"
)

var (
	storeBytesRe  = regexp.MustCompile(`storeBytes="?([0-9.e+]+)`)
	memoryLimitRe = regexp.MustCompile(`memoryLimit="?([0-9.e+]+)`)
)

// By default the process's soft memory limit is the allowance plus what
// the store keeps, and it rises as the store fills. (The live heap of
// this small process is far below the allowance, so the headroom above it
// never decides the limit here.)
func TestTheMemoryLimitFollowsTheStoreByDefault(t *testing.T) {
	h := start(t, memory.Env+"=")
	logs := h.logs
	now := time.Now()
	for _, span := range []time.Duration{2 * time.Hour, 24 * time.Hour} {
		r := h.query(t, h.settings(cmd, key, nil), q("A", now.Add(-span), now, `{"domain":"`+domain+`","streamId":"live_1,live_2"}`)).Responses["A"]
		if r.Error != nil {
			t.Fatal(r.Error)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	logs.Wait(ctx, func(s string) bool { return len(numbers(memoryLimitRe, s)) >= 2 })
	stores, limits := numbers(storeBytesRe, logs.String()), numbers(memoryLimitRe, logs.String())
	if len(limits) < 2 || len(stores) != len(limits) {
		t.Fatalf("no store size and limit logged for both queries:\n%s", logs.String())
	}
	for i := range limits {
		// The SDK carries log numbers as float64s with a few digits.
		if want := float64(memory.Allowance) + stores[i]; math.Abs(limits[i]-want) > want/1000 {
			t.Errorf("query %d: limit %.0f with %.0f bytes kept, want %.0f", i, limits[i], stores[i], want)
		}
	}
	if stores[1] <= stores[0] {
		t.Errorf("the store did not grow with the longer range: %v", stores)
	}
	if !strings.Contains(logs.String(), "memory_limit = auto") {
		t.Errorf("the start did not say how memory is limited:\n%s", logs.String())
	}
}

// A memory_limit the plugin cannot read is said at start and by Save &
// test, which still passes: the limit stays automatic.
func TestAnUnreadableMemoryLimitIsSaid(t *testing.T) {
	h := start(t, memory.Env+"=lots")
	logs := h.logs
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := h.plugin.CheckHealth(ctx, h.settings(cmd, key, nil))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != backend.HealthStatusOk || !strings.Contains(res.Message, `memory_limit) "lots" is not auto, off, or a size`) {
		t.Errorf("health: %v %q", res.Status, res.Message)
	}
	if !strings.Contains(logs.String(), `\"lots\" is not auto`) && !strings.Contains(logs.String(), `"lots" is not auto`) {
		t.Errorf("the start did not log the bad setting:\n%s", logs.String())
	}
}

func numbers(re *regexp.Regexp, s string) []float64 {
	var out []float64
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		if err == nil {
			out = append(out, v)
		}
	}
	return out
}
