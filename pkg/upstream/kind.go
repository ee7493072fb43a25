package upstream

import (
	"errors"
	"net/http"
)

// Kind is what went wrong with a request to either upstream, sorted by
// what the user has to do about it. Each client maps its own answers (ret
// codes, error codes, HTTP statuses) to a Kind and words its message;
// what a Kind means for a retry, for throttling and for Grafana's status
// is decided here, once, by Fault.
type Kind int

const (
	KindUnknown          Kind = iota
	KindCredentials           // the key, its id, the account number or the signature is refused
	KindClock                 // a signed request arrived out of date: a clock is off
	KindPermission            // the key may not call this action (a CAM policy)
	KindNotEnabled            // the service is not enabled for the account, stopped or in arrears
	KindRateLimited           // refused as too frequent
	KindInvalidParameter      // the query's parameters are refused
	KindUpstreamFault         // the API failed inside (an internal error, HTTP 5xx)
	KindFailedOperation       // the API could not carry out a well-formed query
	KindHTTPStatus            // another HTTP status than the API's answer
	KindBadResponse           // an answer that is not the API's JSON
	KindUnreachable           // the request never got an answer
	KindTimeout               // no answer within the timeout
	KindRedirect              // a redirect, which the clients do not follow
	KindOther                 // an error code nobody documented
)

var kindNames = [...]string{"unknown", "credentials", "clock", "permission", "not enabled", "rate limited",
	"invalid parameter", "upstream fault", "failed operation", "HTTP status", "bad response", "unreachable",
	"timeout", "redirect", "other"}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// Fault is what both clients' errors say of a failure besides their words:
// its Kind, the HTTP status when that is what failed, and whether a bad
// answer may be a passing accident (cut short, a gateway's page) rather
// than the same answer next time. Both clients' errors answer Failure's
// questions through it, so the upstreams cannot disagree on them.
type Fault struct {
	Kind      Kind
	Status    int
	Transient bool
}

// Retryable: throttling, a fault of the API, the network, a timeout, a
// 5xx or 429 answer, and a bad answer that may be an accident. A refused
// key, a bad parameter or an answer that reads the same next time stays
// wrong.
func (f Fault) Retryable() bool {
	switch f.Kind {
	case KindRateLimited, KindUpstreamFault, KindUnreachable, KindTimeout:
		return true
	case KindBadResponse:
		return f.Transient
	case KindHTTPStatus:
		return f.Status >= 500 || f.Status == http.StatusTooManyRequests
	}
	return false
}

// Throttled tells whether the upstream refused the request as too frequent.
func (f Fault) Throttled() bool {
	return f.Kind == KindRateLimited || (f.Kind == KindHTTPStatus && f.Status == http.StatusTooManyRequests)
}

// StatusCode is the HTTP status that says the failure to Grafana (see
// Failure).
func (f Fault) StatusCode() int {
	switch f.Kind {
	case KindCredentials, KindClock:
		return http.StatusUnauthorized
	case KindPermission, KindNotEnabled:
		return http.StatusForbidden
	case KindRateLimited:
		return http.StatusTooManyRequests
	case KindInvalidParameter:
		return http.StatusBadRequest
	case KindTimeout:
		return http.StatusGatewayTimeout
	case KindHTTPStatus:
		switch f.Status {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests:
			return f.Status
		}
	}
	return http.StatusBadGateway
}

// KindOf is the Kind of err when it is a Failure, and KindUnknown if not.
func KindOf(err error) Kind {
	var f Failure
	if errors.As(err, &f) {
		return f.Fault().Kind
	}
	return KindUnknown
}
