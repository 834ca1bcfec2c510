package riskcloud

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// retryPolicy is how many times and how patiently a request is retried.
type retryPolicy struct {
	max              int
	waitMin, waitMax time.Duration
}

// sendWithRetries sends hreq, the http.Request made for this send of req,
// through a retryablehttp.Client built for it alone, and returns the final
// response (its body for the caller to close) with, for a 2xx, the body
// read in full. The client is a struct literal, never
// retryablehttp.NewClient, so none of the library's defaults apply: no
// logger of its own, our retry policy and backoff, and the final response
// passed through for a typed error instead of "giving up". Its hooks are
// the methods of attempts.
func (c *Client) sendWithRetries(hreq *http.Request, req *request, red *redactor) (*http.Response, []byte, error) {
	rreq, err := retryablehttp.FromRequest(hreq)
	if err != nil {
		return nil, nil, err
	}
	retryMax := c.retry.max
	if !req.op.idempotent {
		retryMax = 0
	}
	base := c.http
	if req.op.exchange {
		base = c.noFollow
	}
	a := &attempts{req: req, hreq: hreq, log: c.logger, red: red, budget: sendBudget{sends: int64(retryMax) + 1}}
	hc := *base
	hc.Transport = budgetTransport{rt: base.Transport, budget: &a.budget}
	rc := &retryablehttp.Client{
		HTTPClient:      &hc,
		RetryMax:        retryMax,
		RetryWaitMin:    c.retry.waitMin,
		RetryWaitMax:    c.retry.waitMax,
		RequestLogHook:  a.logRequest,
		ResponseLogHook: a.logResponse,
		CheckRetry:      a.checkRetry,
		Backoff:         a.backoff,
		ErrorHandler:    retryablehttp.PassthroughErrorHandler,
	}
	rreq.SetResponseHandler(a.readBody)
	resp, err := rc.Do(rreq)
	return resp, a.body, err
}

// attempts is what the attempts of one request share. Its methods are the
// hooks of the retryablehttp.Client that sendWithRetries builds, which
// calls them one at a time, in this order for each attempt: logRequest;
// checkRetry; for a response not retried, readBody and checkRetry again
// with what readBody found; logResponse unless the attempt failed; and
// before a retry, backoff.
type attempts struct {
	req  *request
	hreq *http.Request // the request sent: its ctx goes with the log records
	log  *slog.Logger
	red  *redactor // keeps the request's secrets out of the errors logged

	budget sendBudget
	body   []byte // the 2xx body, read by readBody
	reason string // why the attempt is retried, from checkRetry for backoff's record
}

// attrs are the attributes of every record about the request.
func (a *attempts) attrs(more ...slog.Attr) []slog.Attr {
	return append([]slog.Attr{slog.String("method", a.req.op.method), slog.String("path", a.req.path)}, more...)
}

// logRequest runs before each attempt, the first included: where the
// budget learns an attempt has begun. attempt counts from 0.
func (a *attempts) logRequest(_ retryablehttp.Logger, r *http.Request, attempt int) {
	a.budget.attempts.Store(int64(attempt) + 1)
	a.log.LogAttrs(r.Context(), slog.LevelDebug, "riskcloud: request", a.attrs(slog.Int("attempt", attempt+1))...)
}

// logResponse runs after each attempt that brought a usable response.
func (a *attempts) logResponse(_ retryablehttp.Logger, resp *http.Response) {
	a.log.LogAttrs(a.hreq.Context(), slog.LevelDebug, "riskcloud: response", a.attrs(slog.Int("status", resp.StatusCode))...)
}

// readBody reads a 2xx body whole, as part of its attempt.
func (a *attempts) readBody(resp *http.Response) error {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil // read by checkResponse
	}
	var err error
	a.body, err = readSuccessBody(resp, a.red)
	return err
}

// checkRetry applies the retry policy (shouldRetry) within the budget,
// which counts net/http's own resends too.
func (a *attempts) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	retry, cerr := shouldRetry(ctx, resp, err)
	retry = retry && !a.budget.spent()
	if err != nil && cerr == nil {
		a.log.LogAttrs(ctx, slog.LevelDebug, "riskcloud: attempt failed",
			a.attrs(slog.String("error", a.red.redact(withoutURL(err).Error())), slog.Bool("retryable", retry))...)
	}
	if retry {
		a.reason = retryReason(resp, err)
	}
	return retry, cerr
}

// backoff returns the wait before the next attempt and logs the retry, as
// WithLogger documents. retryablehttp calls it once the failed attempt's
// body is drained and its connection back in the pool. attempt counts
// from 0.
func (a *attempts) backoff(waitMin, waitMax time.Duration, attempt int, resp *http.Response) time.Duration {
	wait := backoff(waitMin, waitMax, attempt, resp, time.Now())
	attrs := a.attrs(slog.Int("attempt", attempt+1), slog.Duration("wait", wait), slog.String("reason", a.reason))
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	a.log.LogAttrs(a.hreq.Context(), slog.LevelDebug, "riskcloud: retrying", attrs...)
	return wait
}

// sendBudget counts the times the server may have seen one request, so
// that WithRetry(n) means n+1 at most. net/http's Transport resends a GET
// by itself, at once and on a new connection, when a kept-alive connection
// it reused closes after the request was written and before any answer:
// most often the server's idle timeout racing the request, but also a
// server that reads a request and hangs up. Such a resend is worth keeping
// (it costs no backoff), but the server may have seen the first send, so it
// counts as a retry; and the last send the budget allows is made so that
// net/http cannot resend it. A redirect followed is part of its attempt,
// not a resend. Transports that are not net/http's report no resends: each
// attempt then counts once.
type sendBudget struct {
	sends    int64        // retries + 1
	attempts atomic.Int64 // the SDK's attempts begun
	resent   atomic.Int64 // net/http's resends (written from its goroutines)
}

// spent reports whether the request has been sent as often as allowed,
// the attempt under way included.
func (b *sendBudget) spent() bool { return b.attempts.Load()+b.resent.Load() >= b.sends }

// budgetTransport counts, through an httptrace.ClientTrace, each time the
// transport below writes a request in one round trip after the first:
// net/http's resends. On the last send its budget allows over plain
// http, it gives a GET an empty body without GetBody: the Transport's
// documented rule is that it resends only a request with no body or with
// GetBody, and for a GET net/http reads the empty body before writing (to
// tell whether there is one), so nothing on the wire changes over
// HTTP/1.1. Over https it does not: HTTP/2 may be negotiated, where such a
// GET goes out with a body (an empty DATA frame), which some front ends
// refuse, and where net/http resends only what the server never
// processed. It sits below http.Client, so the body never reaches the
// Client's redirect rules, which would refuse to follow a 307 or 308 with
// a body they cannot rewind.
type budgetTransport struct {
	rt     http.RoundTripper
	budget *sendBudget
}

func (t budgetTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var writes atomic.Int64
	ctx := httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil && writes.Add(1) > 1 {
				t.budget.resent.Add(1)
			}
		},
	})
	req = req.WithContext(ctx)
	if req.Method == http.MethodGet && req.URL.Scheme == "http" && t.budget.spent() {
		req.Body, req.GetBody, req.ContentLength = noResendBody{}, nil, 0
	}
	rt := t.rt
	if rt == nil {
		rt = http.DefaultTransport
	}
	return rt.RoundTrip(req)
}

// noResendBody is an empty request body that cannot be rewound.
type noResendBody struct{}

func (noResendBody) Read([]byte) (int, error) { return 0, io.EOF }
func (noResendBody) Close() error             { return nil }

// shouldRetry is the retry policy. A done ctx ends the request with its
// error. Transport errors are retried unless they cannot heal (a refused
// certificate, a redirect policy, a bad URL); so is a 200 whose body was cut
// short. Of statuses, only 429, 500, 502, 503 and 504.
func shouldRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		return !isPermanent(err), nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true, nil
	}
	return false, nil
}

// isPermanent reports whether a failed attempt would fail again the same
// way: a 2xx body the client cannot use, a redirect refused, a server
// that does not speak TLS (an http server at an https URL, or no HTTP
// server at all), or a certificate that does not verify.
func isPermanent(err error) bool {
	if be := (*bodyError)(nil); errors.As(err, &be) {
		return be.permanent
	}
	var (
		recordHeader     tls.RecordHeaderError
		verification     *tls.CertificateVerificationError
		unknownAuthority x509.UnknownAuthorityError
		invalidCert      x509.CertificateInvalidError
		hostname         x509.HostnameError
	)
	return errors.Is(err, ErrRedirect) || errors.Is(err, http.ErrSchemeMismatch) ||
		errors.As(err, &recordHeader) || errors.As(err, &verification) ||
		errors.As(err, &unknownAuthority) || errors.As(err, &invalidCert) || errors.As(err, &hostname)
}

// retryReason says in a few words why an attempt is retried, for the log:
// the status, such as "429 Too Many Requests", or the kind of failure,
// never an error's text, which may quote the server or the URL.
func retryReason(resp *http.Response, err error) string {
	var (
		dnsErr *net.DNSError
		netErr net.Error
	)
	switch {
	case err == nil:
		return strings.TrimSpace(fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode)))
	case errors.As(err, new(*bodyError)):
		return "response body cut short"
	case errors.As(err, &dnsErr):
		return "host name lookup failed"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	}
	return "network error"
}

// backoff returns the wait before retry number attempt+1: the server's
// Retry-After when it sent one (capped at waitMax), else a random wait in
// [d/2, d] with d = waitMin·2^attempt capped at waitMax, never below waitMin.
// The jitter keeps many clients that failed together from retrying together.
func backoff(waitMin, waitMax time.Duration, attempt int, resp *http.Response, now time.Time) time.Duration {
	if resp != nil {
		if ra, ok := retryAfter(resp.Header, now); ok {
			return min(ra, waitMax)
		}
	}
	d := waitMin
	for i := 0; i < attempt && d < waitMax; i++ {
		if d > waitMax/2 {
			d = waitMax // doubling would pass waitMax, or overflow
			break
		}
		d *= 2
	}
	d = min(d, waitMax)
	lo := max(d/2, waitMin)
	if d <= lo {
		return d
	}
	return lo + rand.N(d-lo+1)
}

// retryAfter reads a Retry-After header in seconds or as an HTTP date
// (relative to now). ok is false when the header is absent or invalid; a
// time in the past is a wait of zero. Waits are capped at a day, which any
// waitMax lowers further, so that huge values cannot overflow.
func retryAfter(h http.Header, now time.Time) (wait time.Duration, ok bool) {
	const ceiling = 24 * time.Hour
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 64); err == nil {
		return min(time.Duration(min(secs, uint64(ceiling/time.Second)))*time.Second, ceiling), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), ceiling), true
	}
	return 0, false
}
