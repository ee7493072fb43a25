package plugin

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestMemoryLimitFromTheEnvironment(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(before)
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvMemoryLimit {
				return v
			}
			return ""
		}
	}
	if msg, err := ApplyMemoryLimit(env("")); msg != "" || err != nil || debug.SetMemoryLimit(-1) != before {
		t.Fatalf("no setting changed the limit: %q %v", msg, err)
	}
	for in, want := range map[string]int64{"64MiB": 64 << 20, "96MB": 96e6, "1GiB": 1 << 30, "20000000": 20e6} {
		if _, err := ApplyMemoryLimit(env(in)); err != nil || debug.SetMemoryLimit(-1) != want {
			t.Errorf("%s: %v, limit %d", in, err, debug.SetMemoryLimit(-1))
		}
	}
	for _, bad := range []string{"lots", "1MiB", "-5GiB", "12.5MiB", strings.Repeat("9", 100)} {
		if _, err := ApplyMemoryLimit(env(bad)); err == nil || len(err.Error()) > 200 {
			t.Errorf("%s accepted: %v", bad, err)
		}
	}
}
