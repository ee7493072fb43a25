package legacy

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// Return codes documented for the statistics interfaces.
const (
	RetOK             = 0
	RetNotRegistered  = 1000
	RetServiceStopped = 1001
	RetInternal       = 1201
	RetRateLimited    = 1202
	RetInvalidParam   = 1204
	RetEmpty          = 10003
)

// Front-door messages, answered before the interface itself runs.
const (
	MsgInvalidCmd  = "cmd is invalid"
	MsgInvalidSign = "sign invalid"
	MsgExpired     = "time expired"
)

// Error is every failure the client reports. Its text says what happened and
// what to do about it, and never holds the key or a signed URL.
type Error struct {
	Kind    upstream.Kind
	Ret     int    // the upstream's ret, when it gave one
	Message string // the upstream's message, when it gave one
	Status  int    // the HTTP status, for upstream.KindHTTPStatus
	Detail  string // what the client saw, for upstream.KindBadResponse and upstream.KindUnreachable
	// Transient marks a bad answer that may be a passing accident (cut
	// short, a gateway's page) rather than the same answer next time: it
	// is retried.
	Transient bool
	Err       error // the cause, for errors.Is/As
}

func (e *Error) Error() string {
	what, todo := e.describe()
	if todo == "" {
		return what
	}
	return what + ". " + todo
}

func (e *Error) Unwrap() error { return e.Err }

// Fault is what the failure means for a retry, throttling and Grafana's
// status (upstream.Fault decides, for both upstreams).
func (e *Error) Fault() upstream.Fault {
	return upstream.Fault{Kind: e.Kind, Status: e.Status, Transient: e.Transient}
}

var _ upstream.Failure = (*Error)(nil)

func (e *Error) upstream() string {
	switch {
	case e.Ret != 0 && e.Message != "":
		return fmt.Sprintf(" (ret %d: %q)", e.Ret, e.Message)
	case e.Ret != 0:
		return fmt.Sprintf(" (ret %d)", e.Ret)
	case e.Message != "":
		return fmt.Sprintf(" (%q)", e.Message)
	}
	return ""
}

func (e *Error) describe() (what, todo string) {
	up := e.upstream()
	switch e.Kind {
	case upstream.KindNotEnabled:
		if e.Ret == RetNotRegistered {
			return "Tencent Cloud says this APPID is not registered for the statistics API" + up,
				"Ask Tencent Cloud (ticket or account manager) to enable the LVB statistics API for this APPID"
		}
		return "Tencent Cloud says the statistics service of this APPID is suspended" + up,
			"Check the account's status and billing in the Tencent Cloud console, then ask Tencent to resume it"
	case upstream.KindUpstreamFault:
		return "Tencent Cloud's statistics service reported an internal error" + up,
			"This is on Tencent's side; try again in a few minutes"
	case upstream.KindRateLimited:
		return "Tencent Cloud refused the request as too frequent" + up,
			"Refresh less often (the statistics change once a minute) or lower Max concurrency in the data source settings"
	case upstream.KindInvalidParameter:
		return "Tencent Cloud rejected the query parameters" + up,
			"The domain must be the original playback domain (not its CNAME target), and a window must lie within the last 15 days"
	case upstream.KindCredentials:
		if strings.Contains(strings.ToLower(e.Message), MsgInvalidCmd) {
			return "Tencent Cloud does not recognise the APPID (cmd)" + up,
				"Check the APPID in the data source settings (the LVB APPID shown in the " + WhereKeys + ") and that the statistics API is enabled for it"
		}
		return "Tencent Cloud rejected the request signature" + up,
			"The API key is wrong: copy the API key (API鉴权Key) shown in the " + WhereKeys + " into the data source settings"
	case upstream.KindClock:
		return "Tencent Cloud says the signed request had already expired" + up,
			"The clock of the Grafana server is probably wrong; synchronise it (NTP) and try again"
	case upstream.KindHTTPStatus:
		what = fmt.Sprintf("the API answered HTTP %d %s", e.Status, http.StatusText(e.Status))
		switch {
		case e.Status == http.StatusNotFound:
			todo = "Check the API URL in the data source settings; it should end in /common_access"
		case e.Status == http.StatusForbidden:
			todo = "Check the API URL and that the APPID may call the statistics API from this server"
		case e.Status == http.StatusTooManyRequests:
			todo = "Refresh less often or lower Max concurrency in the data source settings"
		case e.Status >= 500:
			todo = "The service is failing; try again in a few minutes"
		}
		return what, todo
	case upstream.KindBadResponse:
		return "the API's answer is not the statistics JSON the plugin expects: " + e.Detail,
			"Check that the API URL points at Tencent's common_access endpoint"
	case upstream.KindUnreachable:
		return "could not reach the API: " + e.Detail,
			"Check the API URL, DNS, proxy and firewall of the Grafana server, and the timeout in the data source settings"
	case upstream.KindOther:
		return "Tencent Cloud answered with an undocumented error" + up, ""
	case upstream.KindRedirect:
		what = "the API URL redirects to " + e.Detail
		if e.Status != 0 {
			what = fmt.Sprintf("the API URL answered HTTP %d, a redirect to %s", e.Status, e.Detail)
		}
		return what + ", which the plugin does not follow because the signed request would carry a credential to another host",
			"Set the API URL in the data source settings to the address requests should go to (such as " + e.Detail + "/common_access if you trust that host), or fix the proxy that redirects"
	case upstream.KindTimeout:
		return "the API did not answer in time: " + e.Detail,
			"Raise the timeout in the data source settings if the network is slow, or check the proxy and firewall of the Grafana server"
	}
	return "unknown error" + up, ""
}

// classify turns a ret/message pair from the upstream into an error, or nil
// for success and for "no data", which is an empty result, not a failure.
func classify(ret int, message string) *Error {
	msg := strings.ToLower(strings.TrimSpace(message))
	switch {
	case strings.Contains(msg, MsgInvalidSign):
		return &Error{Kind: upstream.KindCredentials, Ret: ret, Message: message}
	case strings.Contains(msg, MsgInvalidCmd):
		return &Error{Kind: upstream.KindCredentials, Ret: ret, Message: message}
	case strings.Contains(msg, MsgExpired):
		return &Error{Kind: upstream.KindClock, Ret: ret, Message: message}
	}
	switch ret {
	case RetOK, RetEmpty:
		return nil
	case RetNotRegistered:
		return &Error{Kind: upstream.KindNotEnabled, Ret: ret, Message: message}
	case RetServiceStopped:
		return &Error{Kind: upstream.KindNotEnabled, Ret: ret, Message: message}
	case RetInternal:
		return &Error{Kind: upstream.KindUpstreamFault, Ret: ret, Message: message}
	case RetRateLimited:
		return &Error{Kind: upstream.KindRateLimited, Ret: ret, Message: message}
	case RetInvalidParam:
		return &Error{Kind: upstream.KindInvalidParameter, Ret: ret, Message: message}
	}
	return &Error{Kind: upstream.KindOther, Ret: ret, Message: message}
}
