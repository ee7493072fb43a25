package cloudapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// Error is a failure of the API or of the way to it. It never holds a
// secret: the SecretKey is not in any request field that is echoed, and
// messages are the upstream's, clipped.
type Error struct {
	Kind      upstream.Kind
	Code      string // the API's Error.Code, when it gave one
	Message   string // the API's Error.Message, clipped
	RequestID string
	Status    int    // HTTP status, when that is what failed
	Detail    string // what the client saw, for transport failures
	// Transient marks a bad answer that may be a passing accident (cut
	// short, a gateway's page) rather than a wrong URL: it is retried.
	Transient bool
	Err       error `json:"-"`
}

func (e *Error) Unwrap() error { return e.Err }

// Error says what happened and what to do.
func (e *Error) Error() string {
	what, fix := e.describe()
	s := "Tencent Cloud API 3.0: " + what
	if e.Code != "" {
		s += fmt.Sprintf(" (%s: %q", e.Code, e.Message)
		if e.RequestID != "" {
			s += ", RequestId " + e.RequestID
		}
		s += ")"
	}
	if fix != "" {
		s += ". " + fix
	}
	return s
}

func (e *Error) describe() (what, fix string) {
	switch e.Kind {
	case upstream.KindCredentials:
		switch e.Code {
		case codeSignature:
			return "the request signature does not match: the SecretKey is wrong for this SecretId",
				"Paste the SecretKey that belongs to this SecretId (" + WhereKeys + ") again"
		case codeToken:
			return "the temporary credential's token was refused", "Issue a new temporary key, or use a permanent SecretId and SecretKey"
		}
		return "the SecretId is not known to Tencent Cloud",
			"Copy the SecretId of an enabled key from the " + WhereKeys + " into the data source settings"
	case upstream.KindClock:
		return "the signed request was out of date: the Grafana server's clock differs from Tencent's by more than five minutes",
			"Synchronise the server's clock (NTP)"
	case upstream.KindPermission:
		return "the key is not allowed to call this action",
			"Grant the key's user or role a CAM policy that allows " + camActions()
	case upstream.KindNotEnabled:
		return "the Live service is not enabled for this account, or the account is in arrears",
			"Activate Cloud Live (CSS) in the console and check the account's balance"
	case upstream.KindRateLimited:
		if e.Status != 0 {
			return fmt.Sprintf("the Cloud API URL answered HTTP %d Too Many Requests", e.Status),
				"The plugin slows down by itself; if this persists, lower Max concurrency or set Max requests per second"
		}
		return "Tencent Cloud refused the request as too frequent",
			"Refresh less often, lower Max concurrency, or set Max requests per second"
	case upstream.KindUpstreamFault:
		if e.Status != 0 {
			what = fmt.Sprintf("the Cloud API URL answered HTTP %d %s", e.Status, http.StatusText(e.Status))
			if e.Detail != "" {
				what += " with " + e.Detail
			}
			return what, "A gateway or the API is failing; it was tried again. Try later, and check any proxy between Grafana and the Cloud API URL if it persists"
		}
		return "Tencent Cloud had an internal error", "Try again later"
	case upstream.KindTimeout:
		what = "the Cloud API did not answer in time"
		if e.Detail != "" {
			what += ": " + e.Detail
		}
		return what, "Raise the timeout in the data source settings, or check the network"
	case upstream.KindInvalidParameter:
		return "Tencent Cloud rejected the query's parameters",
			"Use the playback domain and the exact stream name; the API keeps a month of data and answers a day a request"
	case upstream.KindFailedOperation:
		return "Tencent Cloud could not carry out the query", "Check the domain and stream; try again later"
	case upstream.KindUnreachable:
		return "the Cloud API URL could not be reached: " + e.Detail,
			"Check the Cloud API URL in the data source settings, and the Grafana server's network, proxy and firewall"
	case upstream.KindRedirect:
		return "the Cloud API URL answered with a redirect to " + e.Detail + ", which the plugin does not follow",
			"Set the Cloud API URL to the address requests should go to"
	case upstream.KindBadResponse:
		what = "the answer is not the API's JSON"
		if e.Status != 0 {
			what = fmt.Sprintf("the Cloud API URL answered HTTP %d %s, not the API's JSON", e.Status, http.StatusText(e.Status))
		}
		if e.Detail != "" {
			what += ": " + e.Detail
		}
		if e.Transient {
			return what, "It was tried again; this is usually a network or gateway accident. If it persists, check any proxy between Grafana and the Cloud API URL"
		}
		return what, "Check that the Cloud API URL is " + DefaultEndpoint + " (or your private endpoint) and that no proxy in between rewrites the answers"
	}
	return "the API refused the request", "See the error code in Tencent Cloud's API documentation"
}

// Fault is what the failure means for a retry, throttling and Grafana's
// status (upstream.Fault decides, for both upstreams).
func (e *Error) Fault() upstream.Fault {
	return upstream.Fault{Kind: e.Kind, Status: e.Status, Transient: e.Transient}
}

var _ upstream.Failure = (*Error)(nil)

// Error codes about credentials whose messages differ (codes, not
// credentials).
const (
	codeSignature = "AuthFailure.SignatureFailure" // #nosec G101 -- an error code's name
	codeToken     = "AuthFailure.TokenFailure"     // #nosec G101 -- an error code's name
)

// classify maps an API error code to its Kind.
func classify(code string) upstream.Kind {
	switch {
	case code == "AuthFailure.SecretIdNotFound", code == "AuthFailure.InvalidSecretId", code == codeSignature, code == codeToken:
		return upstream.KindCredentials
	case code == "AuthFailure.SignatureExpire":
		return upstream.KindClock
	case code == "UnauthorizedOperation", strings.HasPrefix(code, "UnauthorizedOperation."), code == "AuthFailure.UnauthorizedOperation":
		return upstream.KindPermission
	case notEnabled(code):
		return upstream.KindNotEnabled
	case strings.HasPrefix(code, "RequestLimitExceeded"):
		return upstream.KindRateLimited
	case strings.HasPrefix(code, "InternalError"):
		return upstream.KindUpstreamFault
	case strings.HasPrefix(code, "InvalidParameter"), strings.HasPrefix(code, "MissingParameter"),
		strings.HasPrefix(code, "UnknownParameter"), code == "InvalidAction", code == "UnsupportedRegion":
		return upstream.KindInvalidParameter
	case strings.HasPrefix(code, "FailedOperation"):
		return upstream.KindFailedOperation
	}
	return upstream.KindOther
}

// notEnabled tells the codes Live answers for an account that cannot use
// it: not registered for Live, service stopped or not opened, in arrears.
func notEnabled(code string) bool {
	for _, part := range []string{"UserNotExist", "UserDisableService", "InvalidUser", "ServiceNotExist", "NotOpen", "Arrears", "Isolated"} {
		if strings.Contains(code, part) {
			return true
		}
	}
	return false
}

// camActions lists the actions a policy must allow, as CAM names them.
func camActions() string {
	out := make([]string, len(Actions))
	for i, a := range Actions {
		out[i] = "live:" + a
	}
	return strings.Join(out, ", ")
}
