// Package cloudapi is a client of Tencent Cloud API 3.0 for the playback
// statistics of Cloud Live: DescribeStreamPlayInfoList (per-minute figures,
// a day a request, a month kept) and DescribeAllStreamPlayInfoList (every
// stream at one minute). Requests are signed with TC3-HMAC-SHA256 by the
// tencentcloud-sdk-go common package; its HTTP client uses the transport the
// caller gives (Grafana's middlewares and the upstream budget). It answers
// in the upstream package's types and knows nothing of Grafana.
package cloudapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// DefaultEndpoint is Tencent's endpoint for the Live API.
const DefaultEndpoint = "https://live.tencentcloudapi.com"

// The API's service, version and actions.
const (
	Service         = "live"
	Version         = "2018-08-01"
	ActionPlayInfo  = "DescribeStreamPlayInfoList"
	ActionAllPlay   = "DescribeAllStreamPlayInfoList"
	timeLayoutLocal = "2006-01-02 15:04:05"
)

// DefaultRates are the actions' default request-rate limits per account,
// a second, as Tencent documents them (the Chinese site's, the lower).
var DefaultRates = map[string]float64{
	ActionPlayInfo:   30,
	ActionAllPlay:    20,
	ActionBill:       100,
	ActionPlayErrors: 100,
	ActionRegions:    200,
	ActionEvents:     300,
}

// Actions are the actions the plugin calls, which a key's CAM policy must
// allow.
var Actions = []string{ActionPlayInfo, ActionAllPlay, ActionBill, ActionPlayErrors, ActionRegions, ActionEvents}

// ActionOf is the action a request made by the SDK calls.
func ActionOf(r *http.Request) string { return r.Header.Get("X-TC-Action") }

// Beijing is the zone of the API's times without an offset.
var Beijing = planner.Beijing

// Delay is how far behind now the newest minute of the API is.
var Delay = planner.CloudAPI.Delay

// WhereKeys is where an account creates the SecretId and SecretKey of an
// API key: one wording for every message, page and example.
const WhereKeys = "Tencent Cloud console → Cloud Access Management (CAM) → API keys"

// Config is what a client needs.
type Config struct {
	Endpoint  string // URL of the API; DefaultEndpoint when empty
	SecretID  string
	SecretKey string
	Token     string // for temporary credentials; empty otherwise
	// Transport sends the signed requests (nil: http.DefaultTransport).
	Transport http.RoundTripper
	Timeout   time.Duration
	Retry     upstream.Retry
	Now       func() time.Time // the clock for "the newest minute"; time.Now when nil
}

// Client calls the API. It is safe for concurrent use.
type Client struct {
	sdk   *common.Client
	retry upstream.Retry
	host  string
	now   func() time.Time
}

// ParseEndpoint checks the Cloud API URL: http or https, a host, no query.
func ParseEndpoint(raw string) (*url.URL, error) {
	u, err := upstream.ParseHTTPURL("Cloud API URL", raw, DefaultEndpoint)
	if err == nil && (u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/")) {
		err = fmt.Errorf("Cloud API URL %s must be a scheme and host only, such as %s", upstream.ShowURL(raw), DefaultEndpoint)
	}
	return u, err
}

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	u, err := ParseEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if cfg.SecretID == "" || cfg.SecretKey == "" {
		return nil, errors.New("a SecretId and a SecretKey are required for Tencent Cloud API 3.0")
	}
	hp := profile.NewHttpProfile()
	hp.ReqMethod = http.MethodPost
	hp.Scheme = strings.ToUpper(u.Scheme)
	hp.Endpoint = u.Host
	// answerTransport times each round trip itself; the SDK's own client
	// timeout is only a backstop, later, so that a timeout is always
	// reported as one.
	hp.ReqTimeout = 2*max(int(cfg.Timeout/time.Second), 1) + 5
	cp := profile.NewClientProfile()
	cp.HttpProfile = hp
	cred := common.NewTokenCredential(cfg.SecretID, cfg.SecretKey, cfg.Token)
	// Region is not required for these actions.
	sdk := common.NewCommonClient(cred, "", cp)
	transport := cfg.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	sdk.WithHttpTransport(answerTransport{next: transport, timeout: cfg.Timeout})
	retry := cfg.Retry
	if retry.Attempts < 1 {
		retry = upstream.DefaultRetry
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Client{sdk: sdk, retry: retry, host: u.Host, now: now}, nil
}

// response is every answer of the API: Response, with Error on failure.
type response struct {
	Response json.RawMessage
}

type responseHead struct {
	Error *struct {
		Code    string
		Message string
	}
	RequestID string `json:"RequestId"`
}

// send makes one action with params and returns the answer's Response
// object, retrying throttling and internal errors only.
func (c *Client) send(ctx context.Context, action string, params map[string]any) (json.RawMessage, error) {
	return upstream.Do(ctx, c.retry, upstream.Classify, func() (json.RawMessage, error) { return c.once(ctx, action, params) })
}

func (c *Client) once(ctx context.Context, action string, params map[string]any) (json.RawMessage, error) {
	req := tchttp.NewCommonRequest(Service, Version, action)
	ctx, out := withOutcome(ctx)
	req.SetContext(ctx)
	if err := req.SetActionParameters(params); err != nil {
		return nil, err
	}
	resp := tchttp.NewCommonResponse()
	err := c.sdk.Send(req, resp)
	if err != nil {
		if out.err != nil {
			return nil, out.err // already classified by answerTransport
		}
		return nil, c.sendError(ctx, err)
	}
	var r response
	if err := json.Unmarshal(resp.GetBody(), &r); err != nil || len(r.Response) == 0 {
		return nil, &Error{Kind: upstream.KindBadResponse, Detail: "no Response object"}
	}
	var head responseHead
	if err := json.Unmarshal(r.Response, &head); err != nil {
		return nil, &Error{Kind: upstream.KindBadResponse, Detail: "Response is not an object"}
	}
	if head.Error != nil {
		return nil, &Error{Kind: classify(head.Error.Code), Code: head.Error.Code, Message: upstream.Clip(head.Error.Message, 160), RequestID: head.RequestID}
	}
	return r.Response, nil
}

// sendError classifies what the SDK's Send returned when answerTransport
// had nothing to say: the API's own error, or the SDK's reading of a body
// that was JSON but not an answer.
func (c *Client) sendError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var sdkErr *tcerr.TencentCloudSDKError
	if errors.As(err, &sdkErr) {
		switch {
		case sdkErr.Code == "ClientError.ParseJsonError", sdkErr.Code == "ClientError.IOError":
			return &Error{Kind: upstream.KindBadResponse, Detail: "JSON that is not the API's answer"}
		case !strings.HasPrefix(sdkErr.Code, "ClientError"):
			return &Error{Kind: classify(sdkErr.Code), Code: upstream.Clip(sdkErr.Code, 80), Message: upstream.Clip(sdkErr.Message, 160), RequestID: upstream.Clip(sdkErr.RequestId, 64)}
		}
		return &Error{Kind: upstream.KindOther, Code: upstream.Clip(sdkErr.Code, 80), Message: upstream.Clip(sdkErr.Message, 160)}
	}
	return &Error{Kind: upstream.KindUnreachable, Detail: "the request to " + upstream.Clip(c.host, 100) + " failed", Err: err}
}

// spanParams are the StartTime and EndTime of [start, end) as the actions
// take them: Beijing time without a zone, the end inclusive; or the error
// of a span the API would refuse.
func spanParams(start, end time.Time) (map[string]any, error) {
	q := upstream.Query{Start: start, End: end}
	if err := q.CheckSpan(); err != nil {
		return nil, fmt.Errorf("cloudapi: %w", err)
	}
	return map[string]any{
		"StartTime": start.In(Beijing).Format(timeLayoutLocal),
		"EndTime":   q.Last().In(Beijing).Format(timeLayoutLocal),
	}, nil
}
