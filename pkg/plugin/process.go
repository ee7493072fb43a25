package plugin

import (
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
)

// EnvMemoryLimit is the plugin process's soft memory limit, from
// grafana.ini's [plugin.lvbstat-tencent-datasource] memory_limit: a size
// such as 64MiB or 512MB. The Go runtime collects garbage harder as the
// heap nears it (its GOMEMLIMIT); it never refuses memory, so a query that
// needs more still gets it, only with more collecting.
const EnvMemoryLimit = "GF_PLUGIN_MEMORY_LIMIT"

// ApplyMemoryLimit sets the process's soft memory limit from getenv, and
// says what it did. No setting leaves the runtime's default.
func ApplyMemoryLimit(getenv func(string) string) (string, error) {
	raw := strings.TrimSpace(getenv(EnvMemoryLimit))
	if raw == "" {
		return "", nil
	}
	n, err := parseSize(raw)
	if err != nil || n < 16<<20 {
		return "", fmt.Errorf("%s (memory_limit) %q is not a size of at least 16MiB, such as 64MiB or 1GiB", EnvMemoryLimit, clipTo(raw, 40))
	}
	debug.SetMemoryLimit(n)
	return fmt.Sprintf("soft memory limit %d MiB", n>>20), nil
}

// parseSize reads a whole number of bytes with an optional unit: B, KiB,
// MiB, GiB (powers of 1024) or KB, MB, GB (powers of 1000).
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		scale  int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	scale := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, scale = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.scale
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<50)/scale {
		return 0, fmt.Errorf("not a size")
	}
	return n * scale, nil
}

func clipTo(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
