package legacy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// DefaultEndpoint is the documented common_access address.
const DefaultEndpoint = "http://statcgi.video.qcloud.com/common_access"

// Interface is the interface name this client calls.
const Interface = "Get_LivePlayStatHistory"

// maxBody bounds what is read from one answer; two hours of per-minute
// statistics are a few kilobytes.
const maxBody = 4 << 20

// maxPooled is the largest buffer kept for reuse; a rare huge answer is
// left to the garbage collector.
const maxPooled = 256 << 10

var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Config configures a Client.
type Config struct {
	Endpoint string // DefaultEndpoint when empty
	Cmd      string // the LVB APPID
	Location *time.Location
	// HTTPClient must sign requests, typically through a SigningTransport;
	// the client itself never holds the key.
	HTTPClient *http.Client
	Retry      upstream.Retry
}

// Client calls Get_LivePlayStatHistory.
type Client struct {
	endpoint *url.URL
	cmd      string
	loc      *time.Location
	http     *http.Client
	retry    upstream.Retry
}

// ParseEndpoint checks that raw is an absolute http or https URL without
// its own query string.
func ParseEndpoint(raw string) (*url.URL, error) {
	u, err := upstream.ParseHTTPURL("API URL", raw, DefaultEndpoint)
	if err == nil && (u.RawQuery != "" || u.Fragment != "") {
		err = fmt.Errorf("API URL %s must not carry a query string or fragment; the plugin adds the parameters", upstream.ShowURL(raw))
	}
	return u, err
}

// PlainHTTPWarning is what the config page and Save & test say of an
// http:// API URL: the signature rides in the query string and is good for
// any query of the account until it expires.
const PlainHTTPWarning = "The API URL is plain http: every request's signature travels readable in its URL, and anyone on the way can replay it for any query of this APPID until it expires (five minutes). Tencent documents only http for this interface; use https if your network path allows it (a proxy of your own), or Cloud API 3.0, which is always https." // #nosec G101 -- a warning about signatures, not a credential

// WhereKeys is where an account finds its APPID and the API key (API鉴权Key)
// of this interface: one wording for every message, page and example, which
// tests hold them to.
const WhereKeys = "Live console → Access management → Access configuration (接入配置)"

// CmdPattern is an APPID: a positive whole number below 2^63, in digits only.
const CmdPattern = `^0*[1-9][0-9]{0,17}$`

var cmdRe = regexp.MustCompile(CmdPattern)

// ParseCmd checks that an APPID is a positive integer.
func ParseCmd(cmd string) (string, error) {
	n, err := strconv.ParseUint(cmd, 10, 63)
	if !cmdRe.MatchString(cmd) || err != nil || n == 0 {
		return "", fmt.Errorf("APPID (cmd) %q is not a positive integer such as 1250000000", upstream.Clip(cmd, 40))
	}
	return strconv.FormatUint(n, 10), nil
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	u, err := ParseEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	cmd, err := ParseCmd(cfg.Cmd)
	if err != nil {
		return nil, err
	}
	if cfg.Location == nil {
		return nil, errors.New("lvb: Config.Location is required")
	}
	if cfg.HTTPClient == nil {
		return nil, errors.New("lvb: Config.HTTPClient is required")
	}
	r := cfg.Retry
	if r.Attempts < 1 {
		r.Attempts = 1
	}
	// A copy, so that the redirect rule is this client's and the caller's
	// client is left as it was.
	hc := *cfg.HTTPClient
	hc.CheckRedirect = sameHostRedirect
	return &Client{endpoint: u, cmd: cmd, loc: cfg.Location, http: &hc, retry: r}, nil
}

// redirectError is what sameHostRedirect refuses a redirect with.
type redirectError struct {
	status int
	host   string
	scheme string
}

func (e *redirectError) Error() string { return "redirect to " + e.scheme + "://" + e.host }

// sameHostRedirect follows a redirect only on the host it started from and
// never from https down to http. The signature covers the key and the
// expiry but not the query, so whoever receives a signed request can read
// any statistics of the account until it expires: it must not travel to a
// host the admin did not configure. A followed redirect is signed afresh by
// the signing transport, which sees it as a new request.
func sameHostRedirect(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	status := 0
	if req.Response != nil {
		status = req.Response.StatusCode
	}
	if !sameOrigin(first, req.URL) || len(via) >= 5 {
		return &redirectError{status: status, host: upstream.Clip(req.URL.Host, 100), scheme: req.URL.Scheme}
	}
	return nil
}

// sameOrigin allows the same host and port, or the upgrade of the same host
// from http on its default port to https on its default port.
func sameOrigin(from, to *url.URL) bool {
	if !strings.EqualFold(from.Hostname(), to.Hostname()) {
		return false
	}
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if u.Scheme == "https" {
			return "443"
		}
		return "80"
	}
	switch {
	case from.Scheme == to.Scheme:
		return port(from) == port(to)
	case from.Scheme == "http" && to.Scheme == "https":
		return port(from) == "80" && port(to) == "443"
	}
	return false // https down to http, or another scheme
}

// URL returns the unsigned request URL of q. It holds no credential.
func (c *Client) URL(q upstream.Query) string {
	v := url.Values{}
	v.Set("cmd", c.cmd)
	v.Set("interface", Interface)
	v.Set("Param.n.start_time", strconv.FormatInt(q.Start.Unix(), 10))
	v.Set("Param.n.end_time", strconv.FormatInt(q.Last().Unix(), 10))
	// Optional parameters go out only when set: an empty one is not the
	// same request as an absent one for every server.
	if q.StreamID != "" {
		v.Set("Param.s.stream_id", q.StreamID)
	}
	if q.Domain != "" {
		v.Set("Param.s.domain", q.Domain)
	}
	u := *c.endpoint
	u.RawQuery = v.Encode()
	return u.String()
}

// PlayStatHistory fetches one window, retrying what may pass.
func (c *Client) PlayStatHistory(ctx context.Context, q upstream.Query) (*upstream.Result, error) {
	if err := q.CheckSpan(); err != nil {
		return nil, fmt.Errorf("lvb: %w", err)
	}
	if q.ServiceName != "" {
		// Asked without the filter, the answer would be both services'
		// figures under one service's name.
		return nil, fmt.Errorf("lvb: %s has no service filter (asked for %s); Tencent Cloud API 3.0 has", Interface, q.ServiceName)
	}
	parse := func(body []byte) (*upstream.Result, error) { return ParseResponse(body, c.loc) }
	u := c.URL(q)
	return retry(ctx, c.retry, func() (*upstream.Result, error) { return get(ctx, c, u, parse) })
}

// retry calls try under r for this package's errors.
func retry[T any](ctx context.Context, r upstream.Retry, try func() (T, error)) (T, error) {
	return upstream.Do(ctx, r, upstream.Classify, try)
}

// get makes one request to u and parses the answer with parse, which must
// not keep the body: it goes back to a pool.
func get[T any](ctx context.Context, c *Client, u string, parse func([]byte) (T, error)) (T, error) {
	var zero T
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return zero, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return zero, c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	// Answers are read into pooled buffers: a 15-day query reads thousands,
	// and nothing of a body outlives its parse.
	buf := bodies.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooled {
			buf.Reset()
			bodies.Put(buf)
		}
	}()
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, maxBody+1))
	body := buf.Bytes()
	if err != nil {
		if ctx.Err() != nil {
			return zero, ctx.Err()
		}
		return zero, &Error{Kind: upstream.KindUnreachable, Detail: "reading the answer: " + upstream.TransportDetail(err, 200), Err: err}
	}
	if len(body) > maxBody {
		return zero, &Error{Kind: upstream.KindBadResponse, Detail: fmt.Sprintf("the answer is larger than %d bytes", maxBody)}
	}
	if resp.StatusCode != http.StatusOK {
		// A refusal such as "sign invalid" may come with a 4xx status; its
		// message says more than the status does.
		if res, perr := parse(body); perr != nil {
			var e *Error
			if errors.As(perr, &e) && e.Kind != upstream.KindBadResponse {
				return zero, perr
			}
		} else if resp.StatusCode < 300 {
			return res, nil
		}
		return zero, &Error{Kind: upstream.KindHTTPStatus, Status: resp.StatusCode}
	}
	return parse(body)
}

// transportError classifies a failure of http.Client.Do.
func (c *Client) transportError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var re *redirectError
	if errors.As(err, &re) {
		return &Error{Kind: upstream.KindRedirect, Status: re.status, Detail: re.scheme + "://" + re.host}
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Timeout() {
		return &Error{Kind: upstream.KindTimeout, Detail: upstream.TransportDetail(err, 200), Err: err}
	}
	if errors.Is(err, context.Canceled) {
		// Given up before it was sent (a shared request nobody waits for
		// any more): not the upstream's fault, and not worth a retry.
		return err
	}
	return &Error{Kind: upstream.KindUnreachable, Detail: upstream.TransportDetail(err, 200), Err: err}
}
