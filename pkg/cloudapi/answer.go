package cloudapi

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// MaxAnswer bounds what is read of one answer: a day of one stream's
// minutes is about 150 KB, and the listing of MaxStreams streams a few
// megabytes. A larger answer is refused before it fills memory.
const MaxAnswer = 16 << 20

// answerTransport reads every answer whole, within MaxAnswer, inside the
// round trip itself, and closes it there. The SDK's client never sees a
// live connection: it leaves some bodies unclosed on its error paths (a
// Content-Encoding it cannot read, an event stream, a failed read), and
// each of those would keep an upstream slot for ever. What it does see is
// either the API's JSON or a failure this package has already classified.
type answerTransport struct {
	next    http.RoundTripper
	timeout time.Duration
}

// outcomeKey holds, in a request's context, the classified failure of its
// round trip: the SDK reports transport failures as flat strings.
type outcomeKey struct{}

type outcome struct{ err error }

func withOutcome(ctx context.Context) (context.Context, *outcome) {
	o := &outcome{}
	return context.WithValue(ctx, outcomeKey{}, o), o
}

func (t answerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.timeout > 0 {
		// The SDK's client timeout cancels through the deprecated
		// Request.Cancel for a transport it does not know; a deadline on
		// the context holds for the whole round trip, reading included.
		ctx, cancel := context.WithTimeout(r.Context(), t.timeout)
		defer cancel()
		r = r.WithContext(ctx)
	}
	resp, err := t.next.RoundTrip(r)
	if err == nil {
		var body []byte
		if body, err = t.read(r.Context(), resp); err == nil {
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			resp.Header.Del("Content-Encoding")
			resp.Header.Del("Content-Length")
			resp.Uncompressed = true
			return resp, nil
		}
	} else if !errors.Is(err, context.Canceled) {
		// (Canceled: the caller left, or gave up waiting for a slot.)
		err = t.sendError(r.Context(), r.URL.Host, err)
	}
	if o, ok := r.Context().Value(outcomeKey{}).(*outcome); ok {
		o.err = err
	}
	return nil, err
}

// sendError classifies a failure before any answer came.
func (t answerTransport) sendError(ctx context.Context, host string, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return ctx.Err()
	}
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded), isTimeout(err):
		return &Error{Kind: upstream.KindTimeout, Detail: fmt.Sprintf("no answer within the timeout (%s)", t.timeout), Err: err}
	case errors.As(err, &dnsErr):
		return &Error{Kind: upstream.KindUnreachable, Detail: "the host " + upstream.Clip(host, 100) + " is not known (DNS)", Err: err}
	case errors.As(err, &opErr):
		return &Error{Kind: upstream.KindUnreachable, Detail: "connecting to " + upstream.Clip(host, 100) + " failed: " + upstream.Clip(opErr.Err.Error(), 120), Err: err}
	}
	return &Error{Kind: upstream.KindUnreachable, Detail: "the request to " + upstream.Clip(host, 100) + " failed: " + upstream.TransportDetail(err, 120), Err: err}
}

// read reads and closes the answer, and refuses what is not the API's JSON.
func (t answerTransport) read(ctx context.Context, resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		target := "another address"
		if u, err := url.Parse(resp.Header.Get("Location")); err == nil && u.Host != "" {
			target = u.Scheme + "://" + upstream.Clip(u.Host, 100)
		}
		return nil, &Error{Kind: upstream.KindRedirect, Status: resp.StatusCode, Detail: target}
	}
	ctype, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ctype == "text/event-stream" {
		// Never read: a stream may not end.
		return nil, &Error{Kind: upstream.KindBadResponse, Status: statusIfNotOK(resp), Detail: "a stream of events (text/event-stream) instead of one JSON answer"}
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		return nil, t.readError(ctx, err, len(raw))
	}
	if len(raw) > MaxAnswer {
		return nil, &Error{Kind: upstream.KindBadResponse, Status: statusIfNotOK(resp), Detail: fmt.Sprintf("an answer larger than %d MiB, more than any of these actions answers", MaxAnswer>>20)}
	}
	body, err := decode(resp.Header.Get("Content-Encoding"), raw)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, statusError(resp.StatusCode, body)
	}
	if !json.Valid(body) {
		// A gateway's error page, or an answer spoiled on the way.
		return nil, &Error{Kind: upstream.KindBadResponse, Detail: describe(body, ctype), Transient: true}
	}
	return body, nil
}

func statusIfNotOK(resp *http.Response) int {
	if resp.StatusCode == http.StatusOK {
		return 0
	}
	return resp.StatusCode
}

// readError says how reading an answer failed.
func (t answerTransport) readError(ctx context.Context, err error, n int) error {
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return ctx.Err()
	case errors.Is(ctx.Err(), context.DeadlineExceeded), isTimeout(err):
		return &Error{Kind: upstream.KindTimeout, Detail: fmt.Sprintf("the answer was still arriving when the timeout (%s) ended, after %d bytes", t.timeout, n), Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{Kind: upstream.KindBadResponse, Detail: fmt.Sprintf("the answer was cut short after %d bytes", n), Transient: true, Err: err}
	}
	return &Error{Kind: upstream.KindBadResponse, Detail: fmt.Sprintf("reading the answer failed after %d bytes: %s", n, upstream.Clip(err.Error(), 120)), Transient: true, Err: err}
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// decode undoes a Content-Encoding. Go's transport undoes gzip itself when
// it asked for it; a server may still send gzip or deflate unasked.
func decode(encoding string, raw []byte) ([]byte, error) {
	var r io.Reader
	var err error
	switch enc := strings.ToLower(strings.TrimSpace(encoding)); enc {
	case "", "identity":
		return raw, nil
	case "gzip", "x-gzip":
		r, err = gzip.NewReader(bytes.NewReader(raw))
	case "deflate":
		// HTTP's deflate is zlib-wrapped; some servers send it raw.
		if r, err = zlib.NewReader(bytes.NewReader(raw)); err != nil {
			r, err = flate.NewReader(bytes.NewReader(raw)), nil
		}
	default:
		return nil, &Error{Kind: upstream.KindBadResponse, Detail: fmt.Sprintf("an answer in Content-Encoding %q, which the plugin did not ask for and cannot read", upstream.Clip(enc, 40))}
	}
	if err == nil {
		var out []byte
		out, err = io.ReadAll(io.LimitReader(r, MaxAnswer+1))
		if err == nil && len(out) > MaxAnswer {
			return nil, &Error{Kind: upstream.KindBadResponse, Detail: fmt.Sprintf("an answer that unpacks to more than %d MiB", MaxAnswer>>20)}
		}
		if err == nil {
			return out, nil
		}
	}
	return nil, &Error{Kind: upstream.KindBadResponse, Detail: fmt.Sprintf("an answer labelled Content-Encoding %s that is not (%s)", encoding, upstream.Clip(err.Error(), 80))}
}

// statusError is the failure of an answer other than 200: the API's own
// error when the body is one, else the status and what came with it.
func statusError(status int, body []byte) error {
	var r struct{ Response responseHead }
	if json.Unmarshal(body, &r) == nil && r.Response.Error != nil && r.Response.Error.Code != "" {
		e := r.Response.Error
		return &Error{Kind: classify(e.Code), Code: upstream.Clip(e.Code, 80), Message: upstream.Clip(e.Message, 160), RequestID: upstream.Clip(r.Response.RequestID, 64), Status: status}
	}
	what := describe(body, "")
	switch {
	case status == http.StatusTooManyRequests:
		return &Error{Kind: upstream.KindRateLimited, Status: status, Detail: what}
	case status >= 500:
		return &Error{Kind: upstream.KindUpstreamFault, Status: status, Detail: what}
	}
	return &Error{Kind: upstream.KindBadResponse, Status: status, Detail: what}
}

// describe names what a body that is not the API's JSON looks like,
// without echoing it.
func describe(body []byte, ctype string) string {
	b := bytes.TrimSpace(body)
	switch {
	case len(b) == 0:
		return "an empty answer"
	case ctype == "text/html" || bytes.HasPrefix(b, []byte("<")):
		return "an HTML page (a gateway's or proxy's, not the API's JSON)"
	case json.Valid(b):
		return "JSON that is not the API's answer"
	}
	return fmt.Sprintf("%d bytes that are not JSON", len(b))
}
