package riskcloud

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// retryPolicy is how many times and how patiently a request is retried.
type retryPolicy struct {
	max              int
	waitMin, waitMax time.Duration
}

// retryClient builds the retryablehttp client for one request. It is a
// struct literal, never retryablehttp.NewClient, so none of the library's
// defaults apply: no logger of its own, our retry and backoff policy, and
// the final response passed through for a typed error instead of "giving
// up". Building it per request lets the hooks log with the request's ctx,
// method and path, and keep red's secrets out of the errors they log.
func (c *Client) retryClient(ctx context.Context, method, path string, red *redactor) *retryablehttp.Client {
	retryMax := c.retry.max
	if method != http.MethodGet && path != c.baseURL.Path+tokenPath {
		retryMax = 0 // only GETs and the token exchange are safe to repeat
	}
	base := c.http
	if path == c.baseURL.Path+tokenPath {
		base = c.noFollow
	}
	budget := &sendBudget{sends: int64(retryMax) + 1}
	hc := *base
	hc.Transport = budgetTransport{rt: base.Transport, budget: budget}
	log := c.logger
	attrs := func(more ...slog.Attr) []slog.Attr {
		return append([]slog.Attr{slog.String("method", method), slog.String("path", path)}, more...)
	}
	return &retryablehttp.Client{
		HTTPClient:   &hc,
		RetryMax:     retryMax,
		RetryWaitMin: c.retry.waitMin,
		RetryWaitMax: c.retry.waitMax,
		// retryablehttp calls RequestLogHook before each attempt, the
		// first included: where the budget learns an attempt has begun.
		RequestLogHook: func(_ retryablehttp.Logger, _ *http.Request, attempt int) {
			budget.attempts.Store(int64(attempt) + 1)
			log.LogAttrs(ctx, slog.LevelDebug, "riskcloud: request", attrs(slog.Int("attempt", attempt+1))...)
		},
		ResponseLogHook: func(_ retryablehttp.Logger, resp *http.Response) {
			log.LogAttrs(ctx, slog.LevelDebug, "riskcloud: response", attrs(slog.Int("status", resp.StatusCode))...)
		},
		CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			retry, cerr := shouldRetry(ctx, resp, err)
			retry = retry && !budget.spent() // net/http's own resends count
			if err != nil && cerr == nil {
				log.LogAttrs(ctx, slog.LevelDebug, "riskcloud: attempt failed",
					attrs(slog.String("error", red.redact(redactURLError(err).Error())), slog.Bool("retryable", retry))...)
			}
			return retry, cerr
		},
		Backoff: func(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
			wait := backoff(min, max, attempt, resp, time.Now())
			status := 0
			if resp != nil {
				status = resp.StatusCode
			}
			log.LogAttrs(ctx, slog.LevelDebug, "riskcloud: retrying",
				attrs(slog.Int("attempt", attempt+1), slog.Int("status", status), slog.Duration("wait", wait))...)
			return wait
		},
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
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

// isPermanent reports whether a failed attempt would fail again the same way.
func isPermanent(err error) bool {
	if be := (*bodyError)(nil); errors.As(err, &be) {
		return be.permanent
	}
	var (
		redirect         *redirectError
		verification     *tls.CertificateVerificationError
		unknownAuthority x509.UnknownAuthorityError
		invalidCert      x509.CertificateInvalidError
		hostname         x509.HostnameError
	)
	return errors.As(err, &redirect) || errors.As(err, &verification) ||
		errors.As(err, &unknownAuthority) || errors.As(err, &invalidCert) || errors.As(err, &hostname)
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

// redactURLError drops the URL (and so the query string) from a net/http
// error, keeping what went wrong.
func redactURLError(err error) error {
	if urlErr := (*url.Error)(nil); errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}
