// Package legacy is a client of the legacy statistics interface of Tencent
// Cloud Live's common_access endpoint (Get_LivePlayStatHistory, and
// Get_LivePlayStat for the streams playing now), enabled by Tencent on
// request. It knows nothing of Grafana: it builds requests, signs them
// (md5 of key and expiry), and turns answers into the upstream package's
// points and listings, or typed errors.
package legacy

import (
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"
)

// DefaultValidity is how long a signed request stays valid. Short on purpose:
// a signed URL is a credential, and one that leaks should be useless soon.
const DefaultValidity = 5 * time.Minute

// Sign returns the request signature: lowercase hex md5 of the key followed
// by the decimal expiry timestamp.
func Sign(key string, t int64) string {
	sum := md5.Sum([]byte(key + strconv.FormatInt(t, 10)))
	return hex.EncodeToString(sum[:])
}

// SigningTransport adds t and sign to every request just before it leaves.
//
// Signing at the innermost layer keeps the credential out of everything that
// wraps the transport: tracing spans, metrics, and the *url.Error an
// http.Client returns all see the unsigned URL.
type SigningTransport struct {
	Key      string
	Validity time.Duration    // DefaultValidity when zero
	Now      func() time.Time // time.Now when nil
	Next     http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (s *SigningTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	validity := s.Validity
	if validity <= 0 {
		validity = DefaultValidity
	}
	t := now().Add(validity).Unix()

	signed := req.Clone(req.Context())
	q := signed.URL.Query()
	q.Set("t", strconv.FormatInt(t, 10))
	q.Set("sign", Sign(s.Key, t))
	signed.URL.RawQuery = q.Encode()

	next := s.Next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(signed)
}
