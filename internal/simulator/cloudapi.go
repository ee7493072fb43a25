package simulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"
)

// CloudAPI stands in for Tencent Cloud API 3.0's Live endpoint
// (live.tencentcloudapi.com) for DescribeStreamPlayInfoList and
// DescribeAllStreamPlayInfoList. It verifies TC3-HMAC-SHA256 signatures
// itself, from the published algorithm (not with the SDK's signer, so that
// a test of the client does not agree with itself), and answers errors the
// way the API does: HTTP 200 with Response.Error{Code, Message}.
type CloudAPI struct {
	SecretID, SecretKey string
	Domain              string   // the playback domain that has data
	Streams             []string // streams with data
	Live                []string // streams playing now; all of Streams when nil
	// Now is the clock of the data (the newest minute, retention);
	// Clock is the gateway's, against which request timestamps are
	// checked. Both are time.Now when nil; tests move the data's clock
	// and leave the gateway's alone, since the SDK stamps requests with
	// the real time.
	Now, Clock func() time.Time
	// Shape is as the statistics interface's simulator's.
	Shape func(m time.Time, v Value) (Value, bool)
	// ErrorShape, when set, gives the error count of class in the minute
	// at m in place of n, the simulator's own.
	ErrorShape func(class string, m time.Time, n int64) int64

	// Faults make the endpoint misbehave, for tests.
	Faults CloudFaults

	mu       sync.Mutex
	denied   map[string]bool // actions the key's CAM policy does not allow
	disabled bool            // the account cannot use Live
	rate     int             // requests a second before RequestLimitExceeded; 0: none
	throttle int             // the next requests answered RequestLimitExceeded
	latency  time.Duration
	second   int64
	inSecond int
	calls    int
	requests []CloudRequest
	inFlight int
	peak     int
}

// CloudRequest is what the simulator saw of a correctly signed call.
type CloudRequest struct {
	Action     string
	Start, End time.Time
	Domain     string
	Stream     string
	Service    string
	Code       string // the error code answered, "" for success
}

// CloudFaults are ways the endpoint, or a gateway in front of it, goes
// wrong. Set them before serving.
type CloudFaults struct {
	// MaxInFlight answers RequestLimitExceeded to a request that arrives
	// while this many are being served (0: no bound).
	MaxInFlight int
	// Replace, when it returns true, has answered the call itself in place
	// of the API: a gateway's page, a body cut short, a stalled answer.
	// n counts the calls, from 1.
	Replace func(w http.ResponseWriter, r *http.Request, n int) bool
	// Rows edits the rows of a DescribeStreamPlayInfoList answer, or the
	// whole answer when it replaces DataInfoList itself (nil deletes it).
	Rows func(response map[string]any)
}

// CloudAPI limits, as documented.
const (
	CloudSpan      = 24 * time.Hour
	CloudRetention = 30 * 24 * time.Hour
	CloudDelay     = 5 * time.Minute
)

// NewCloudAPI returns a simulator that accepts one key pair.
func NewCloudAPI(secretID, secretKey, domain string, streams ...string) *CloudAPI {
	return &CloudAPI{SecretID: secretID, SecretKey: secretKey, Domain: domain, Streams: streams}
}

// Deny makes the key's CAM policy refuse action (UnauthorizedOperation).
func (c *CloudAPI) Deny(action string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.denied == nil {
		c.denied = map[string]bool{}
	}
	c.denied[action] = true
}

// Disable makes the account one that cannot use Live.
func (c *CloudAPI) Disable() { c.mu.Lock(); c.disabled = true; c.mu.Unlock() }

// RateLimit answers RequestLimitExceeded past n requests a second (0: off).
func (c *CloudAPI) RateLimit(n int) { c.mu.Lock(); c.rate = n; c.mu.Unlock() }

// ThrottleNext answers RequestLimitExceeded to the next n requests,
// whenever they come (-1: all of them).
func (c *CloudAPI) ThrottleNext(n int) { c.mu.Lock(); c.throttle = n; c.mu.Unlock() }

// SetLatency adds d to every answer.
func (c *CloudAPI) SetLatency(d time.Duration) { c.mu.Lock(); c.latency = d; c.mu.Unlock() }

// Calls is how many requests arrived, refused ones included.
func (c *CloudAPI) Calls() int { c.mu.Lock(); defer c.mu.Unlock(); return c.calls }

// Peak is the most requests held at once since Reset.
func (c *CloudAPI) Peak() int { c.mu.Lock(); defer c.mu.Unlock(); return c.peak }

// Requests lists the correctly signed calls.
func (c *CloudAPI) Requests() []CloudRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.requests)
}

// Reset forgets the counted calls.
func (c *CloudAPI) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls, c.requests, c.peak = 0, nil, c.inFlight
}

func (c *CloudAPI) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Expected is what a correct client shows for stream ("" for the domain's
// total) over [from, to): one value a minute, up to the newest minute the
// API has.
func (c *CloudAPI) Expected(stream string, from, to time.Time) []Value {
	return c.minutes(c.Domain, "", stream, from, to.Add(-time.Second))
}

// ExpectedService is Expected for one service (ServiceLVB, ServiceLEB).
func (c *CloudAPI) ExpectedService(stream, service string, from, to time.Time) []Value {
	return c.minutes(c.Domain, service, stream, from, to.Add(-time.Second))
}

// LiveNow is what DescribeAllStreamPlayInfoList answers now: every stream
// playing at the newest available minute.
func (c *CloudAPI) LiveNow() []Value {
	at := c.now().Add(-CloudDelay).Truncate(time.Minute)
	var out []Value
	for _, n := range c.live() {
		out = append(out, Minute(n, at))
	}
	return out
}

func (c *CloudAPI) live() []string {
	if c.Live != nil {
		return c.Live
	}
	return c.Streams
}

// minutes are the values of the minutes in [start, end] up to the newest
// available one, of one service or both (""), summed over the domain's
// streams when stream is "".
func (c *CloudAPI) minutes(domain, service, stream string, start, end time.Time) []Value {
	if domain != "" && domain != c.Domain {
		return nil
	}
	streams := c.Streams
	if stream != "" {
		if !slices.Contains(c.Streams, stream) {
			return nil
		}
		streams = []string{stream}
	}
	newest := c.now().Add(-CloudDelay).Truncate(time.Minute)
	if end.After(newest) {
		end = newest
	}
	var out []Value
	for m := ceilTo(start, time.Minute); !m.After(end); m = m.Add(time.Minute) {
		if v, ok := shape(c.Shape, m, ServiceTotal(streams, service, m)); ok {
			out = append(out, v)
		}
	}
	return out
}

func ceilTo(t time.Time, d time.Duration) time.Time {
	f := t.Truncate(d)
	if f.Before(t) {
		return f.Add(d)
	}
	return f
}

var authRe = regexp.MustCompile(`^TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/([a-z]+)/tc3_request, SignedHeaders=([a-z;-]+), Signature=([0-9a-f]{64})$`)

type cloudError struct{ code, message string }

func (c *CloudAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.calls++
	n := c.calls
	c.inFlight++
	c.peak = max(c.peak, c.inFlight)
	latency := c.latency
	limited := c.Faults.MaxInFlight > 0 && c.inFlight > c.Faults.MaxInFlight
	if c.rate > 0 {
		sec := c.now().Unix()
		if sec != c.second {
			c.second, c.inSecond = sec, 0
		}
		c.inSecond++
		limited = c.inSecond > c.rate
	}
	if c.throttle != 0 {
		limited = true
		if c.throttle > 0 {
			c.throttle--
		}
	}
	c.mu.Unlock()
	defer func() { c.mu.Lock(); c.inFlight--; c.mu.Unlock() }()
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}
	if c.Faults.Replace != nil && c.Faults.Replace(w, r, n) {
		return
	}
	requestID := fmt.Sprintf("sim-%d", time.Now().UnixNano())
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	action := r.Header.Get("X-TC-Action")
	if e := c.verify(r, body); e != nil {
		c.fail(w, requestID, *e)
		return
	}
	rec := CloudRequest{Action: action}
	answer := func(e *cloudError, data map[string]any) {
		if e != nil {
			rec.Code = e.code
		}
		c.mu.Lock()
		c.requests = append(c.requests, rec)
		c.mu.Unlock()
		if e != nil {
			c.fail(w, requestID, *e)
			return
		}
		data["RequestId"] = requestID
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"Response": data})
	}
	c.mu.Lock()
	denied, disabled := c.denied[action], c.disabled
	c.mu.Unlock()
	switch {
	case r.Header.Get("X-TC-Version") != "2018-08-01":
		answer(&cloudError{"InvalidParameterValue", "the Version is not 2018-08-01"}, nil)
		return
	case action != "DescribeStreamPlayInfoList" && action != "DescribeAllStreamPlayInfoList" && cloudActions[action] == nil:
		answer(&cloudError{"InvalidAction", "the action " + action + " does not exist"}, nil)
		return
	case denied:
		answer(&cloudError{"UnauthorizedOperation", "you are not authorized to perform live:" + action}, nil)
		return
	case disabled:
		answer(&cloudError{"ResourceNotFound.UserDisableService", "the user has disabled the live service"}, nil)
		return
	case limited:
		answer(&cloudError{"RequestLimitExceeded", "requests exceed the limit"}, nil)
		return
	}
	var p params
	if err := json.Unmarshal(body, &p); err != nil {
		answer(&cloudError{"InvalidParameter", "the body is not a JSON object"}, nil)
		return
	}
	str := p.str
	now := c.now()
	oldest := monthOldest(now)
	if serve := cloudActions[action]; serve != nil {
		rec.Start, rec.End, _ = p.span()
		rec.Service, rec.Stream = p.str("ServiceName"), p.str("StreamName")
		data, e := serve(c, p, now)
		answer(e, data)
		return
	}
	if action == "DescribeAllStreamPlayInfoList" {
		at, err := cloudTime(str("QueryTime"))
		switch {
		case err != nil:
			answer(&cloudError{"InvalidParameter", "QueryTime: " + err.Error()}, nil)
			return
		case at.Before(oldest):
			answer(&cloudError{"InvalidParameter", "QueryTime is more than a month ago"}, nil)
			return
		}
		domains := p.list("PlayDomains")
		rec.Start = at
		list := []map[string]any{}
		if !at.After(now.Add(-CloudDelay)) && (len(domains) == 0 || slices.Contains(domains, c.Domain)) {
			for _, n := range c.live() {
				v := Minute(n, at.Truncate(time.Minute))
				list = append(list, map[string]any{"PlayDomain": c.Domain, "StreamName": n, "Bandwidth": v.Bandwidth,
					"Flux": v.Flux, "Online": v.Online, "Request": v.Requests, "Protocol": "FLV", "Rate": 0})
			}
		}
		answer(nil, map[string]any{"QueryTime": at.In(Beijing).Format(cloudLayout), "DataInfoList": list})
		return
	}
	start, err1 := cloudTime(str("StartTime"))
	end, err2 := cloudTime(str("EndTime"))
	rec.Start, rec.End, rec.Domain, rec.Stream, rec.Service = start, end, str("PlayDomain"), str("StreamName"), str("ServiceName")
	switch {
	case rec.Service != "" && rec.Service != ServiceLVB && rec.Service != ServiceLEB:
		answer(&cloudError{"InvalidParameterValue", "ServiceName must be LVB or LEB"}, nil)
		return
	case err1 != nil || err2 != nil:
		answer(&cloudError{"InvalidParameter", "StartTime and EndTime must be YYYY-MM-DD hh:mm:ss or ISO 8601"}, nil)
		return
	case end.Before(start):
		answer(&cloudError{"InvalidParameterValue", "EndTime is before StartTime"}, nil)
		return
	case end.Sub(start) > CloudSpan:
		answer(&cloudError{"InvalidParameter", "the time span exceeds one day"}, nil)
		return
	case start.Before(oldest):
		answer(&cloudError{"InvalidParameter", "StartTime is more than a month ago"}, nil)
		return
	}
	list := []map[string]any{}
	for _, v := range c.minutes(rec.Domain, rec.Service, rec.Stream, start, end) {
		list = append(list, map[string]any{"Time": v.Time.In(Beijing).Format(cloudLayout),
			"Bandwidth": v.Bandwidth, "Flux": v.Flux, "Request": v.Requests, "Online": v.Online})
	}
	resp := map[string]any{"DataInfoList": list}
	if c.Faults.Rows != nil {
		c.Faults.Rows(resp)
	}
	answer(nil, resp)
}

// cloudActions serve the actions beyond the play figures, each from its
// own file.
var cloudActions = map[string]func(c *CloudAPI, p params, now time.Time) (map[string]any, *cloudError){
	"DescribeBillBandwidthAndFluxList":    (*CloudAPI).billAnswer,
	"DescribePlayErrorCodeDetailInfoList": (*CloudAPI).errorsAnswer,
	"DescribeGroupProIspPlayInfoList":     (*CloudAPI).regionsAnswer,
	"DescribeLiveStreamEventList":         (*CloudAPI).eventsAnswer,
}

// monthBack is the API's "one month of now": the same day of the month
// before, or that month's last day when it has no such day.
func monthBack(t time.Time) time.Time {
	y, m, d := t.Date()
	firstOfPrev := time.Date(y, m-1, 1, 0, 0, 0, 0, t.Location())
	days := time.Date(y, m, 0, 0, 0, 0, 0, t.Location()).Day() // the previous month's length
	return time.Date(firstOfPrev.Year(), firstOfPrev.Month(), min(d, days), t.Hour(), t.Minute(), t.Second(), 0, t.Location())
}

func (c *CloudAPI) fail(w http.ResponseWriter, requestID string, e cloudError) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"Response": map[string]any{
		"Error": map[string]string{"Code": e.code, "Message": e.message}, "RequestId": requestID}})
}

// verify checks a request as the API's gateway does: the key's id, the
// clock, then the TC3-HMAC-SHA256 signature over method, path, query,
// the signed headers and the body.
func (c *CloudAPI) verify(r *http.Request, body []byte) *cloudError {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return &cloudError{"InvalidParameter", "method " + r.Method}
	}
	m := authRe.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return &cloudError{"AuthFailure.SignatureFailure", "the Authorization header is missing or malformed"}
	}
	id, date, service, signed, signature := m[1], m[2], m[3], m[4], m[5]
	if id != c.SecretID {
		return &cloudError{"AuthFailure.SecretIdNotFound", "the SecretId is not found, please ensure that your SecretId is correct"}
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil {
		return &cloudError{"AuthFailure.SignatureFailure", "X-TC-Timestamp is missing"}
	}
	clock := time.Now
	if c.Clock != nil {
		clock = c.Clock
	}
	if d := clock().Unix() - ts; d > 300 || d < -300 {
		return &cloudError{"AuthFailure.SignatureExpire", "the signature expired: the request timestamp differs from the server's by more than five minutes"}
	}
	if service != "live" || date != time.Unix(ts, 0).UTC().Format("2006-01-02") {
		return &cloudError{"AuthFailure.SignatureFailure", "the credential scope does not match the service or the date"}
	}
	// The canonical headers, in the order SignedHeaders names them.
	var canonHeaders string
	for _, h := range splitSemicolons(signed) {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		canonHeaders += h + ":" + toLowerTrim(v) + "\n"
	}
	hashed := sha256.Sum256(body)
	canonical := r.Method + "\n/\n" + r.URL.RawQuery + "\n" + canonHeaders + "\n" + signed + "\n" + hex.EncodeToString(hashed[:])
	hc := sha256.Sum256([]byte(canonical))
	toSign := "TC3-HMAC-SHA256\n" + strconv.FormatInt(ts, 10) + "\n" + date + "/" + service + "/tc3_request\n" + hex.EncodeToString(hc[:])
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	kDate := mac([]byte("TC3"+c.SecretKey), date)
	kService := mac(kDate, service)
	kSigning := mac(kService, "tc3_request")
	want := hex.EncodeToString(mac(kSigning, toSign))
	if !hmac.Equal([]byte(want), []byte(signature)) {
		return &cloudError{"AuthFailure.SignatureFailure", "the provided credentials could not be validated; please check your signature is correct"}
	}
	return nil
}

func splitSemicolons(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ';' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

func toLowerTrim(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if ch >= 'A' && ch <= 'Z' {
			b[i] = ch + 'a' - 'A'
		}
	}
	for len(b) > 0 && (b[0] == ' ' || b[len(b)-1] == ' ') {
		if b[0] == ' ' {
			b = b[1:]
		} else {
			b = b[:len(b)-1]
		}
	}
	return string(b)
}

// cloudTime reads "YYYY-MM-DD hh:mm:ss" (Beijing time) or ISO 8601.
func cloudTime(s string) (time.Time, error) {
	if t, err := time.ParseInLocation(cloudLayout, s, Beijing); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}
