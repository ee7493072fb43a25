// Package fleet is what a fleet of Grafana replicas shares through Redis
// (or Valkey) so that it costs Tencent what one replica does: the minutes
// one replica has fetched, and the right to fetch, so that the others wait
// for its answer instead of asking again. Every call is short and guarded
// by a circuit breaker; when Redis is away, callers carry on with their own
// memory, never worse off than without it. It knows nothing of Grafana or
// of the upstreams: it keeps opaque values under keys it derives itself.
package fleet

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// The environment variables a fleet is configured by. Grafana passes the
// keys of the [plugin.lvbstat-tencent-datasource] section of grafana.ini to
// the plugin as GF_PLUGIN_<KEY>: store_url becomes GF_PLUGIN_STORE_URL.
const (
	EnvURL          = "GF_PLUGIN_STORE_URL"
	EnvPassword     = "GF_PLUGIN_STORE_PASSWORD"      // #nosec G101 -- a variable's name, not a password
	EnvPasswordFile = "GF_PLUGIN_STORE_PASSWORD_FILE" // #nosec G101 -- a variable's name, not a password
	EnvTimeout      = "GF_PLUGIN_STORE_TIMEOUT"
)

// DefaultTimeout bounds every Redis call: a shared store that answers
// slower than this is not worth waiting for.
const DefaultTimeout = 250 * time.Millisecond

// Config is a fleet's shared store.
type Config struct {
	URL      *url.URL      // redis:// or rediss://; nil: no shared store
	Password string        // from the URL, or EnvPassword / EnvPasswordFile
	Timeout  time.Duration // of every call
	// breakerOpen is how long a failing store is left alone (tests
	// shorten it).
	breakerOpen time.Duration
}

// Enabled tells whether a shared store is configured.
func (c Config) Enabled() bool { return c.URL != nil }

// Redacted is the store's address as logs and health messages show it.
func (c Config) Redacted() string {
	if c.URL == nil {
		return "none"
	}
	u := *c.URL
	u.User = nil
	return u.String()
}

// FromEnv reads the configuration from getenv (os.Getenv in production).
// No URL is no shared store, not an error.
func FromEnv(getenv func(string) string) (Config, error) {
	raw := strings.TrimSpace(getenv(EnvURL))
	cfg := Config{Timeout: DefaultTimeout}
	if raw == "" {
		return cfg, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return cfg, fmt.Errorf("%s (store_url) must be redis://[user:password@]host:port/db or rediss:// for TLS; it is not (the value is not shown, as it may hold a password)", EnvURL)
	}
	if p, ok := u.User.Password(); ok {
		cfg.Password = p
	}
	switch file, pass := getenv(EnvPasswordFile), getenv(EnvPassword); {
	case file != "":
		b, err := os.ReadFile(file) // #nosec G304 -- the admin names the file
		if err != nil {
			return cfg, fmt.Errorf("%s (store_password_file): %w", EnvPasswordFile, errors.Unwrap(err))
		}
		cfg.Password = strings.TrimRight(string(b), "\r\n")
	case pass != "":
		cfg.Password = pass
	}
	if t := strings.TrimSpace(getenv(EnvTimeout)); t != "" {
		d, err := time.ParseDuration(t)
		if err != nil || d <= 0 || d > 10*time.Second {
			return cfg, fmt.Errorf("%s (store_timeout) %q is not a duration between 1ms and 10s, such as 250ms", EnvTimeout, clip(t))
		}
		cfg.Timeout = d
	}
	cfg.URL = u
	return cfg, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
