package riskcloud

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
	log := c.logger
	attrs := func(more ...slog.Attr) []slog.Attr {
		return append([]slog.Attr{slog.String("method", method), slog.String("path", path)}, more...)
	}
	return &retryablehttp.Client{
		HTTPClient:   c.http,
		RetryMax:     retryMax,
		RetryWaitMin: c.retry.waitMin,
		RetryWaitMax: c.retry.waitMax,
		RequestLogHook: func(_ retryablehttp.Logger, _ *http.Request, attempt int) {
			log.LogAttrs(ctx, slog.LevelDebug, "riskcloud: request", attrs(slog.Int("attempt", attempt+1))...)
		},
		ResponseLogHook: func(_ retryablehttp.Logger, resp *http.Response) {
			log.LogAttrs(ctx, slog.LevelDebug, "riskcloud: response", attrs(slog.Int("status", resp.StatusCode))...)
		},
		CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			retry, cerr := shouldRetry(ctx, resp, err)
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
