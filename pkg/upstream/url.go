package upstream

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseHTTPURL checks what every endpoint setting must be, named name in
// messages: at most MaxURLLength long, http or https with a host, and no
// user or password (nothing here uses them, and the URL is shown to
// whoever may edit the data source). Empty is def.
func ParseHTTPURL(name, raw, def string) (*url.URL, error) {
	if raw == "" {
		raw = def
	}
	if len(raw) > MaxURLLength {
		return nil, fmt.Errorf("%s %s of %d characters is too long for an address; the default is %s", name, ShowURL(raw), len(raw), def)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s %s is not an http or https URL; the default is %s", name, ShowURL(raw), def)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%s %s carries a user name or password; remove the user:password@ part: requests are signed with the key, and the URL is shown to everyone who may edit the data source", name, ShowURL(raw))
	}
	return u, nil
}

// MaxURLLength bounds an endpoint's URL.
const MaxURLLength = 2048

// ShowURL is a URL as a message may echo it: quoted, its password (if
// any) replaced, its query (which may hold a signature) dropped, and clipped.
func ShowURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		u.RawQuery, u.Fragment = "", ""
		if u.User != nil {
			u.User = url.User("xxxxx")
		}
		raw = u.String()
	} else if i := strings.IndexAny(raw, "@?"); i >= 0 {
		raw = raw[:i] + "…"
	}
	return strconv.Quote(Clip(raw, 100))
}

// Anything that looks like a signature or a key is cut out of what the
// upstream echoes back, in case an error page repeats the request.
var secretLike = regexp.MustCompile(`(?i)(sign=)?[0-9a-f]{32}`)

// Clip is s as a message may echo it: anything that looks like a signature
// or a key cut out, and at most n bytes, on a character boundary.
func Clip(s string, n int) string {
	s = secretLike.ReplaceAllString(s, "[redacted]")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// TransportDetail describes a failure to send or read a request without
// its URL, which an *url.Error would otherwise repeat (a signed URL is a
// credential), at most n bytes.
func TransportDetail(err error, n int) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return Clip(err.Error(), n)
}
