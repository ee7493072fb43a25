// Package fleet is what a fleet of Grafana replicas shares through Redis
// (or Valkey) so that it costs Tencent what one replica does: the minutes
// one replica has fetched, and the right to fetch, so that the others wait
// for its answer instead of asking again. Every call is short and guarded
// by a circuit breaker; when Redis is away, callers carry on with their own
// memory, never worse off than without it. It knows nothing of Grafana or
// of the upstreams: it keeps opaque values under keys it derives itself.
package fleet

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// The environment variables a fleet is configured by. Grafana passes the
// keys of the [plugin.lvbstat-tencent-datasource] section of grafana.ini to
// the plugin as GF_PLUGIN_<KEY>: store_url becomes GF_PLUGIN_STORE_URL.
const (
	EnvURL          = "GF_PLUGIN_STORE_URL"
	EnvPassword     = "GF_PLUGIN_STORE_PASSWORD"      // #nosec G101 -- a variable's name, not a password
	EnvPasswordFile = "GF_PLUGIN_STORE_PASSWORD_FILE" // #nosec G101 -- a variable's name, not a password
	EnvTimeout      = "GF_PLUGIN_STORE_TIMEOUT"
	// For rediss://: a CA to trust besides the system's (a private CA),
	// and a client certificate and its key for a server that asks for one.
	// Files, since Grafana passes a plugin none of its own environment
	// (SSL_CERT_FILE included) unless told to.
	EnvCAFile   = "GF_PLUGIN_STORE_CA_FILE"
	EnvCertFile = "GF_PLUGIN_STORE_CERT_FILE"
	EnvKeyFile  = "GF_PLUGIN_STORE_KEY_FILE"
)

// DefaultTimeout bounds every Redis call: a shared store that answers
// slower than this is not worth waiting for.
const DefaultTimeout = 250 * time.Millisecond

// Config is a fleet's shared store.
type Config struct {
	URL      *url.URL      // redis:// or rediss://; nil: no shared store
	Password string        // from the URL, or EnvPassword / EnvPasswordFile
	Timeout  time.Duration // of every call
	// TLS of rediss://: extra roots and the client's certificate, if any.
	RootCAs     *x509.CertPool
	Certificate *tls.Certificate
	Log         Logger // nil: nothing is logged
	// Pause is how long a store that failed breakerTrips calls in a row
	// is left alone before one call tries it again; 0: DefaultPause. Not
	// a grafana.ini setting: the default suits every fleet, and a test
	// of the way back need not wait it out.
	Pause time.Duration
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
	if u.Query().Has("skip_verify") {
		return cfg, fmt.Errorf("%s (store_url) has skip_verify, which turns off checking who the server is: anyone on the way could then read and change what the fleet shares. Give the server's CA in store_ca_file instead", EnvURL)
	}
	if err := cfg.readTLS(getenv, u.Scheme == "rediss"); err != nil {
		return cfg, err
	}
	if t := strings.TrimSpace(getenv(EnvTimeout)); t != "" {
		d, err := time.ParseDuration(t)
		if err != nil || d <= 0 || d > 10*time.Second {
			return cfg, fmt.Errorf("%s (store_timeout) %q is not a duration between 1ms and 10s, such as 250ms", EnvTimeout, upstream.Clip(t, 40))
		}
		cfg.Timeout = d
	}
	cfg.URL = u
	return cfg, nil
}

// readTLS reads the CA and the client certificate the settings name.
func (c *Config) readTLS(getenv func(string) string, tlsURL bool) error {
	ca, cert, key := strings.TrimSpace(getenv(EnvCAFile)), strings.TrimSpace(getenv(EnvCertFile)), strings.TrimSpace(getenv(EnvKeyFile))
	if !tlsURL && ca+cert+key != "" {
		return fmt.Errorf("store_ca_file, store_cert_file and store_key_file are for TLS: store_url must then start with rediss://")
	}
	if ca != "" {
		pem, err := os.ReadFile(ca) // #nosec G304 -- the admin names the file
		if err != nil {
			return fmt.Errorf("%s (store_ca_file): %w", EnvCAFile, errors.Unwrap(err))
		}
		c.RootCAs, err = x509.SystemCertPool()
		if err != nil {
			c.RootCAs = x509.NewCertPool()
		}
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return fmt.Errorf("%s (store_ca_file) %s holds no PEM certificate", EnvCAFile, upstream.Clip(ca, 40))
		}
	}
	if (cert == "") != (key == "") {
		return fmt.Errorf("store_cert_file and store_key_file go together: a client certificate needs its key")
	}
	if cert != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return fmt.Errorf("store_cert_file / store_key_file: %s", withoutPEM(err))
		}
		c.Certificate = &pair
	}
	return nil
}

// withoutPEM keeps key material out of a message.
func withoutPEM(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "-----"); i >= 0 {
		return msg[:i]
	}
	return msg
}

// tlsConfig is base (the URL's, for rediss://) with the settings' roots and
// certificate.
func (c Config) tlsConfig(base *tls.Config) *tls.Config {
	if base == nil {
		return nil
	}
	base = base.Clone()
	base.MinVersion = tls.VersionTLS12
	if c.RootCAs != nil {
		base.RootCAs = c.RootCAs
	}
	if c.Certificate != nil {
		base.Certificates = []tls.Certificate{*c.Certificate}
	}
	return base
}

// ACL is the least a Redis user needs for the fleet (rules of ACL SETUSER):
// its keys and channels, and the commands the fleet sends or its scripts
// run. Scripts are needed: a lease is given back, and a slot taken, only
// while a condition holds, in one step.
const ACL = "resetkeys ~lvbstat:* resetchannels &lvbstat:* -@all +ping +hello +auth +get +set +mget +del +pexpire +evalsha +eval " +
	"+subscribe +unsubscribe +publish +time +zadd +zrem +zremrangebyscore +zcard +hget +hset +hincrby +rpush +lpop +lpos +lrem"
