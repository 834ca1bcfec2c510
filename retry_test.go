package riskcloud_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// connReset is the error a reset connection gives a read.
func connReset() error {
	return &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
}

// script makes the first attempts of a sequential test misbehave at the
// transport: each planned step is "reset" (the request fails before the
// handler, as a reset connection would), "cut" (a 200's body is cut short
// after 10 bytes) or "" (passed through). It counts every attempt,
// including those the handler never sees.
type script struct {
	plan     []string
	attempts atomic.Int64
	cutNext  atomic.Bool
}

func (s *script) transport(h http.Handler) *handlerTransport {
	return &handlerTransport{
		h: h,
		fail: func(*http.Request) error {
			i := int(s.attempts.Add(1)) - 1
			step := ""
			if i < len(s.plan) {
				step = s.plan[i]
			}
			s.cutNext.Store(step == "cut")
			if step == "reset" {
				return connReset()
			}
			return nil
		},
		cut: func() int {
			if s.cutNext.Load() {
				return 10
			}
			return -1
		},
	}
}

func repeatStep(n int, step string) []string {
	return slices.Repeat([]string{step}, n)
}

// asAPIError returns err as an *APIError or fails the test.
func asAPIError(t *testing.T, err error) *riskcloud.APIError {
	t.Helper()
	var apiErr *riskcloud.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v (%T), want *riskcloud.APIError", err, err)
	}
	return apiErr
}

// checkStatus checks that err is an *APIError with the status and the
// message of a statusFault.
func checkStatus(t *testing.T, err error, status int) *riskcloud.APIError {
	t.Helper()
	apiErr := asAPIError(t, err)
	if apiErr.StatusCode != status {
		t.Errorf("StatusCode = %d, want %d", apiErr.StatusCode, status)
	}
	if want := fmt.Sprintf("boom %d", status); apiErr.Message != want {
		t.Errorf("Message = %q, want %q", apiErr.Message, want)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("boom %d", status)) {
		t.Errorf("err = %q, want the server's message in it", err)
	}
	return apiErr
}

// timed records when each request reaches h, by the clock of the caller
// (fake inside a synctest bubble).
type timed struct {
	h  http.Handler
	mu sync.Mutex
	at []time.Time
}

func (tm *timed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tm.mu.Lock()
	tm.at = append(tm.at, time.Now())
	tm.mu.Unlock()
	tm.h.ServeHTTP(w, r)
}

// waits returns the time between consecutive requests.
func (tm *timed) waits() []time.Duration {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	var out []time.Duration
	for i := 1; i < len(tm.at); i++ {
		out = append(out, tm.at[i].Sub(tm.at[i-1]))
	}
	return out
}

// retryableFailures are the failures the client retries, each able to make
// the next n attempts fail, with a check of the error the caller gets when
// they outlast the budget (path is the page's, after the base URL).
var retryableFailures = []struct {
	name   string
	inject func(f *riskcloudtest.Server, s *script, n int)
	check  func(t *testing.T, err error, path string)
}{
	{"429", func(f *riskcloudtest.Server, _ *script, n int) {
		// Retry-After is capped by the 1 ms waitMax of the test client.
		f.FailNext(n, statusFault(http.StatusTooManyRequests, "2"))
	}, func(t *testing.T, err error, _ string) {
		apiErr := checkStatus(t, err, http.StatusTooManyRequests)
		if !errors.Is(err, riskcloud.ErrRateLimited) {
			t.Errorf("err = %v, want ErrRateLimited", err)
		}
		if apiErr.RetryAfter != 2*time.Second {
			t.Errorf("RetryAfter = %v, want 2s", apiErr.RetryAfter)
		}
	}},
	{"500", statusInjector(500), statusChecker(500)},
	{"502", statusInjector(502), statusChecker(502)},
	{"503", statusInjector(503), statusChecker(503)},
	{"504", statusInjector(504), statusChecker(504)},
	{"200 cut short", func(_ *riskcloudtest.Server, s *script, n int) {
		s.plan = repeatStep(n, "cut")
	}, func(t *testing.T, err error, _ string) {
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("err = %v, want io.ErrUnexpectedEOF", err)
		}
		if errors.As(err, new(*riskcloud.APIError)) {
			t.Errorf("err = %v is an *APIError; the status was 200", err)
		}
	}},
	{"connection reset", func(_ *riskcloudtest.Server, s *script, n int) {
		s.plan = repeatStep(n, "reset")
	}, func(t *testing.T, err error, _ string) {
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("err = %v, want ECONNRESET", err)
		}
	}},
}

func statusInjector(status int) func(*riskcloudtest.Server, *script, int) {
	return func(f *riskcloudtest.Server, _ *script, n int) { f.FailNext(n, statusFault(status)) }
}

func statusChecker(status int) func(*testing.T, error, string) {
	return func(t *testing.T, err error, path string) {
		t.Helper()
		apiErr := checkStatus(t, err, status)
		for _, sentinel := range []error{riskcloud.ErrRateLimited, riskcloud.ErrUnauthorized, riskcloud.ErrForbidden, riskcloud.ErrNotFound} {
			if errors.Is(err, sentinel) {
				t.Errorf("err = %v matches %v", err, sentinel)
			}
		}
		if apiErr.Method != http.MethodGet || apiErr.Path != testPrefix+path {
			t.Errorf("Method, Path = %q, %q", apiErr.Method, apiErr.Path)
		}
	}
}

func TestClient_retry_statusOnceThenSuccess(t *testing.T) {
	t.Parallel()
	for _, tt := range retryableFailures {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newServer(t, 5)
			s := &script{}
			tt.inject(f, s, 1)
			c := newTestClientTransport(t, s.transport(f))
			got, err := collect(t, c.AccessAudit.Logins(nil).All(context.Background()))
			if err != nil {
				t.Fatalf("err = %v, want the retry to succeed", err)
			}
			if !slices.Equal(tags(t, got), tagsOf(f.Entries())) {
				t.Errorf("got %v, want %v", tags(t, got), tagsOf(f.Entries()))
			}
			if n := s.attempts.Load(); n != 2 {
				t.Errorf("attempts = %d, want 2", n)
			}
		})
	}
}

func TestClient_retry_statusPastBudget(t *testing.T) {
	t.Parallel()
	const retries = 2
	for _, tt := range retryableFailures {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newServer(t, 5)
			s := &script{}
			tt.inject(f, s, retries+3) // more than the budget: a retry too many would show
			c := newTestClientTransport(t, s.transport(f), riskcloud.WithRetry(retries, time.Millisecond, time.Millisecond))
			got, err := collect(t, c.AccessAudit.Logins(nil).All(context.Background()))
			if err == nil {
				t.Fatalf("got %d entries and no error", len(got))
			}
			if strings.Contains(err.Error(), "giving up") {
				t.Errorf("err = %q: retryablehttp's message, not ours", err)
			}
			tt.check(t, err, "/api/v1/access-audit/logins")
			if n := s.attempts.Load(); n != retries+1 {
				t.Errorf("attempts = %d, want %d", n, retries+1)
			}
		})
	}
}

// TestClient_retry_sharedBudget mixes every kind of retryable failure: they
// draw on one budget, and the caller gets the last one.
func TestClient_retry_sharedBudget(t *testing.T) {
	t.Parallel()
	// Attempts: reset, 503 (fake), 429 (fake), 200 cut short, then success.
	plan := []string{"reset", "", "", "cut"}
	tests := []struct {
		retries int
		ok      bool
	}{{4, true}, {3, false}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("retries=%d", tt.retries), func(t *testing.T) {
			t.Parallel()
			f := newServer(t, 5)
			failNext(f, statusFault(503), statusFault(429))
			s := &script{plan: plan}
			c := newTestClientTransport(t, s.transport(f), riskcloud.WithRetry(tt.retries, time.Millisecond, time.Millisecond))
			got, err := collect(t, c.AccessAudit.Logins(nil).All(context.Background()))
			if tt.ok {
				if err != nil || len(got) != 5 {
					t.Fatalf("got %d entries, err %v; want 5 entries", len(got), err)
				}
			} else if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("err = %v, want the last failure (a body cut short)", err)
			}
			if n := s.attempts.Load(); n != int64(tt.retries+1) {
				t.Errorf("attempts = %d, want %d", n, tt.retries+1)
			}
		})
	}
}

func TestClient_retry_notRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault riskcloudtest.Fault
		check func(t *testing.T, err error)
	}{
		{"400", riskcloudtest.Fault{Status: 400, Body: `{"property":"size","value":"0","message":"must be at least 1"}`}, func(t *testing.T, err error) {
			apiErr := asAPIError(t, err)
			if apiErr.StatusCode != 400 || apiErr.Property != "size" || apiErr.Message != "must be at least 1" {
				t.Errorf("APIError = %+v", apiErr)
			}
		}},
		{"401", statusFault(401), sentinelChecker(401, riskcloud.ErrUnauthorized)},
		{"403", statusFault(403), sentinelChecker(403, riskcloud.ErrForbidden)},
		{"404", statusFault(404), sentinelChecker(404, riskcloud.ErrNotFound)},
		{"501", statusFault(501), sentinelChecker(501, nil)},
		{"200 text/html", riskcloudtest.Fault{Status: 200, ContentType: "text/html; charset=utf-8",
			Body: "<html><title>Sign in</title></html>"}, func(t *testing.T, err error) {
			if !errors.Is(err, riskcloud.ErrUnexpectedResponse) {
				t.Errorf("err = %v, want ErrUnexpectedResponse", err)
			}
			if !strings.Contains(err.Error(), "text/html") {
				t.Errorf("err = %q, want it to name the content type", err)
			}
		}},
		{"200 malformed JSON", riskcloudtest.Fault{Status: 200, Body: `{"content":[{"type":"Login"`}, func(t *testing.T, err error) {
			if !errors.Is(err, riskcloud.ErrUnexpectedResponse) {
				t.Errorf("err = %v, want ErrUnexpectedResponse", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newServer(t, 5)
			f.FailNext(3, tt.fault)
			s := &script{}
			c := newTestClientTransport(t, s.transport(f))
			_, err := collect(t, c.AccessAudit.Logins(nil).All(context.Background()))
			if err == nil {
				t.Fatal("no error")
			}
			tt.check(t, err)
			if n := s.attempts.Load(); n != 1 {
				t.Errorf("attempts = %d, want 1 (no retry)", n)
			}
		})
	}
}

func sentinelChecker(status int, sentinel error) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		checkStatus(t, err, status)
		if sentinel != nil && !errors.Is(err, sentinel) {
			t.Errorf("err = %v, want %v", err, sentinel)
		}
	}
}

func TestClient_retry_zeroDisablesRetries(t *testing.T) {
	t.Parallel()
	f := newServer(t, 5)
	f.FailNext(3, statusFault(503))
	c := newTestClient(t, f, riskcloud.WithRetry(0, time.Millisecond, time.Millisecond))
	_, err := c.AccessAudit.Logins(nil).Page(context.Background(), 0)
	checkStatus(t, err, 503)
	if n := len(f.Requests()); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}

func TestNewClient_WithRetry_invalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		max              int
		waitMin, waitMax time.Duration
	}{
		{"negative max", -1, time.Second, time.Second},
		{"negative waitMin", 1, -time.Second, time.Second},
		{"waitMax below waitMin", 1, 2 * time.Second, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := riskcloud.NewClient(testBase, riskcloud.WithRetry(tt.max, tt.waitMin, tt.waitMax))
			if !errors.Is(err, riskcloud.ErrInvalidArgument) {
				t.Fatalf("NewClient = %v, %v; want ErrInvalidArgument", c, err)
			}
			if !strings.Contains(err.Error(), "WithRetry") {
				t.Errorf("err = %q, want it to name WithRetry", err)
			}
		})
	}
	// The edges are valid.
	if _, err := riskcloud.NewClient(testBase, riskcloud.WithRetry(0, 0, 0)); err != nil {
		t.Errorf("WithRetry(0, 0, 0): %v", err)
	}
	if _, err := riskcloud.NewClient(testBase, riskcloud.WithRetry(1, time.Second, time.Second)); err != nil {
		t.Errorf("WithRetry(1, 1s, 1s): %v", err)
	}
}

// TestClient_retry_transportErrorRedacted: a reset connection is retried,
// and the final error names the method and path but not the query, which
// holds an email address.
func TestClient_retry_transportErrorRedacted(t *testing.T) {
	t.Parallel()
	f := newServer(t, 5)
	s := &script{plan: repeatStep(10, "reset")}
	c := newTestClientTransport(t, s.transport(f), riskcloud.WithRetry(2, time.Millisecond, time.Millisecond))
	_, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Email: testEmail, Size: 7}).All(context.Background()))
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("err = %v, want ECONNRESET", err)
	}
	if n := s.attempts.Load(); n != 3 {
		t.Errorf("attempts = %d, want 3", n)
	}
	msg := err.Error()
	for _, leak := range []string{"alice", "example.com", "%40", "email", "size=", "page=", "?", "rc.example.test", testToken} {
		if strings.Contains(msg, leak) {
			t.Errorf("err = %q contains %q", msg, leak)
		}
	}
	for _, want := range []string{"GET", testPrefix + "/api/v1/access-audit/logins"} {
		if !strings.Contains(msg, want) {
			t.Errorf("err = %q, want %q in it", msg, want)
		}
	}
}

// TestClient_retry_httpsToHTTPRedirectRefused: a redirect to plain http
// would send the token in the clear; it is refused, and not retried.
func TestClient_retry_httpsToHTTPRedirectRefused(t *testing.T) {
	t.Parallel()
	f := newServer(t, 5)
	var https, plain atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Scheme != "https" {
			plain.Add(1)
			f.ServeHTTP(w, r)
			return
		}
		https.Add(1)
		http.Redirect(w, r, "http://rc.example.test"+r.URL.RequestURI(), http.StatusFound)
	})
	c := newTestClient(t, h)
	_, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Email: testEmail}).All(context.Background()))
	if err == nil {
		t.Fatal("followed a redirect from https to http")
	}
	if !strings.Contains(err.Error(), "redirect") {
		t.Errorf("err = %q, want it to say a redirect was refused", err)
	}
	if strings.Contains(err.Error(), "alice") {
		t.Errorf("err = %q contains the query", err)
	}
	if n := https.Load(); n != 1 {
		t.Errorf("https requests = %d, want 1 (no retry)", n)
	}
	if n := plain.Load(); n != 0 {
		t.Errorf("http requests = %d, want 0", n)
	}
}

// TestClient_retry_retryAfter checks the exact waits a server's Retry-After
// asks for, on synctest's fake clock (which starts on a whole second, so an
// HTTP date is exact).
func TestClient_retry_retryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		waitMax time.Duration
		faults  func(now time.Time) []riskcloudtest.Fault
		want    []time.Duration
	}{
		{"seconds", time.Minute, func(time.Time) []riskcloudtest.Fault {
			return []riskcloudtest.Fault{statusFault(429, "7"), statusFault(503, "3")}
		}, []time.Duration{7 * time.Second, 3 * time.Second}},
		{"HTTP date", 5 * time.Minute, func(now time.Time) []riskcloudtest.Fault {
			return []riskcloudtest.Fault{statusFault(503, now.Add(90*time.Second).UTC().Format(http.TimeFormat))}
		}, []time.Duration{90 * time.Second}},
		{"seconds capped at waitMax", 10 * time.Second, func(time.Time) []riskcloudtest.Fault {
			return []riskcloudtest.Fault{statusFault(429, "3600"), statusFault(429, "99999999999")}
		}, []time.Duration{10 * time.Second, 10 * time.Second}},
		{"HTTP date capped at waitMax", 10 * time.Second, func(now time.Time) []riskcloudtest.Fault {
			return []riskcloudtest.Fault{statusFault(429, now.Add(2*time.Hour).UTC().Format(http.TimeFormat))}
		}, []time.Duration{10 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := newServer(t, 5)
				failNext(f, tt.faults(time.Now())...)
				tm := &timed{h: f}
				c := newTestClient(t, tm, riskcloud.WithRetry(3, time.Second, tt.waitMax))
				if _, err := c.AccessAudit.Logins(nil).Page(context.Background(), 0); err != nil {
					t.Fatal(err)
				}
				if got := tm.waits(); !slices.Equal(got, tt.want) {
					t.Errorf("waits = %v, want %v", got, tt.want)
				}
			})
		})
	}
}

// backoffBounds returns the range of the wait before retry i+1 without a
// Retry-After: [d/2, d] with d = waitMin·2^i capped at waitMax, and never
// below waitMin.
func backoffBounds(waitMin, waitMax time.Duration, i int) (lo, hi time.Duration) {
	hi = waitMin << i
	if hi > waitMax || hi < waitMin { // capped, or overflowed
		hi = waitMax
	}
	return max(hi/2, waitMin), hi
}

// checkBackoff checks each wait against backoffBounds.
func checkBackoff(t *testing.T, waits []time.Duration, waitMin, waitMax time.Duration) {
	t.Helper()
	for i, w := range waits {
		if lo, hi := backoffBounds(waitMin, waitMax, i); w < lo || w > hi {
			t.Errorf("wait %d = %v, want within [%v, %v]", i, w, lo, hi)
		}
	}
}

func TestClient_retry_exponentialBackoffWithJitter(t *testing.T) {
	t.Parallel()
	const (
		retries = 6
		waitMin = time.Second
		waitMax = 20 * time.Second
		runs    = 10
	)
	synctest.Test(t, func(t *testing.T) {
		seen := make([]map[time.Duration]bool, retries)
		for i := range seen {
			seen[i] = map[time.Duration]bool{}
		}
		for range runs {
			f := newServer(t, 5)
			f.FailNext(retries, statusFault(503))
			tm := &timed{h: f}
			c := newTestClient(t, tm, riskcloud.WithRetry(retries, waitMin, waitMax))
			if _, err := c.AccessAudit.Logins(nil).Page(context.Background(), 0); err != nil {
				t.Fatal(err)
			}
			waits := tm.waits()
			if len(waits) != retries {
				t.Fatalf("waits = %v, want %d", waits, retries)
			}
			checkBackoff(t, waits, waitMin, waitMax)
			for i, w := range waits {
				seen[i][w] = true
			}
		}
		// The third wait lies in [2s, 4s]: ten identical draws mean no jitter.
		if len(seen[2]) == 1 {
			t.Errorf("wait 2 was the same in all %d runs: no jitter", runs)
		}
	})
}

// TestClient_retry_defaults: without WithRetry, a permanent 503 is tried 5
// times (4 retries), waiting 1 s, then up to 2, 4 and 8 s.
func TestClient_retry_defaults(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newServer(t, 5)
		f.FailNext(10, statusFault(503))
		tm := &timed{h: f}
		c, err := riskcloud.NewClient(testBase,
			riskcloud.WithHTTPClient(&http.Client{Transport: &handlerTransport{h: tm}}),
			riskcloud.WithToken(testToken))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.AccessAudit.Logins(nil).Page(context.Background(), 0)
		checkStatus(t, err, 503)
		if n := len(f.Requests()); n != 5 {
			t.Errorf("requests = %d, want 5", n)
		}
		waits := tm.waits()
		checkBackoff(t, waits, riskcloud.DefaultRetryWaitMin, riskcloud.DefaultRetryWaitMax)
		if riskcloud.DefaultRetryMax != 4 || riskcloud.DefaultRetryWaitMin != time.Second || riskcloud.DefaultRetryWaitMax != 30*time.Second {
			t.Errorf("defaults = %d, %v, %v; want 4, 1s, 30s", riskcloud.DefaultRetryMax, riskcloud.DefaultRetryWaitMin, riskcloud.DefaultRetryWaitMax)
		}
	})
}

// TestClient_retry_cancelDuringBackoff: cancelling ctx ends a long wait at
// once, with the ctx's error.
func TestClient_retry_cancelDuringBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		retry riskcloud.Option
		fault riskcloudtest.Fault
	}{
		{"backoff", riskcloud.WithRetry(3, time.Hour, time.Hour), statusFault(503)},
		{"Retry-After", riskcloud.WithRetry(3, time.Second, 2*time.Hour), statusFault(429, "3600")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				const cancelAfter = 5 * time.Second
				f := newServer(t, 5)
				f.FailNext(3, tt.fault)
				c := newTestClient(t, f, tt.retry)
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				go func() {
					time.Sleep(cancelAfter)
					cancel()
				}()
				start := time.Now()
				_, err := collect(t, c.AccessAudit.Logins(nil).All(ctx))
				if elapsed := time.Since(start); elapsed != cancelAfter {
					t.Errorf("call took %v, want %v (the cancel, not the backoff)", elapsed, cancelAfter)
				}
				if !errors.Is(err, context.Canceled) {
					t.Errorf("err = %v, want context.Canceled", err)
				}
				if n := len(f.Requests()); n != 1 {
					t.Errorf("requests = %d, want 1", n)
				}
			})
		})
	}
}

// TestClient_retry_debugLog: a retried request is logged at debug level
// with method, path, attempt, status and wait, but never the query string
// or the token.
func TestClient_retry_debugLog(t *testing.T) {
	t.Parallel()
	f := newServer(t, 5)
	failNext(f, statusFault(503))
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := &script{plan: []string{"reset"}} // then the 503, then success
	c := newTestClientTransport(t, s.transport(f), riskcloud.WithLogger(logger))
	if _, err := collect(t, c.AccessAudit.Attempts(testEmail, nil).All(context.Background())); err != nil {
		t.Fatal(err)
	}

	out := buf.String()
	for _, leak := range []string{"alice", "example.com", "%40", "email", "page=", "?", testToken, "SECRET"} {
		if strings.Contains(out, leak) {
			t.Errorf("log contains %q:\n%s", leak, out)
		}
	}
	var records []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		records = append(records, rec)
	}
	has := func(want map[string]any, keys ...string) bool {
		for _, rec := range records {
			match := true
			for k, v := range want {
				if rec[k] != v {
					match = false
				}
			}
			for _, k := range keys {
				if _, ok := rec[k]; !ok {
					match = false
				}
			}
			if match {
				return true
			}
		}
		return false
	}
	path := testPrefix + "/api/v1/access-audit"
	for _, want := range []map[string]any{
		{"method": "GET", "path": path, "attempt": 1.0},
		{"method": "GET", "path": path, "attempt": 3.0},
		{"method": "GET", "path": path, "status": 503.0},
		{"method": "GET", "path": path, "status": 200.0},
		// The retry after the 503: its attempt, status and wait.
		{"method": "GET", "path": path, "attempt": 2.0, "status": 503.0, "wait": float64(time.Millisecond)},
	} {
		if !has(want) {
			t.Errorf("no record with %v in:\n%s", want, out)
		}
	}
	if !has(map[string]any{"method": "GET", "path": path, "attempt": 1.0}, "wait") {
		t.Errorf("no record of the wait after the reset connection in:\n%s", out)
	}
	for _, rec := range records {
		if rec["level"] != "DEBUG" {
			t.Errorf("record at level %v, want DEBUG: %v", rec["level"], rec)
		}
	}
}

// TestClient_retry_attemptTimeout: WithHTTPClient's Timeout bounds each
// attempt, not the call, and an attempt that times out is retried.
func TestClient_retry_attemptTimeout(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const timeout = 10 * time.Second
		f := newServer(t, 5)
		var attempts atomic.Int64
		ht := &handlerTransport{h: f, fail: func(r *http.Request) error {
			if attempts.Add(1) <= 2 {
				<-r.Context().Done() // the connection hangs until the attempt times out
				return r.Context().Err()
			}
			return nil
		}}
		c, err := riskcloud.NewClient(testBase,
			riskcloud.WithHTTPClient(&http.Client{Transport: ht, Timeout: timeout}),
			riskcloud.WithToken(testToken),
			riskcloud.WithRetry(3, time.Second, time.Second))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := collect(t, c.AccessAudit.Logins(nil).All(context.Background())); err != nil {
			t.Fatalf("err = %v, want the third attempt to succeed", err)
		}
		if elapsed, want := time.Since(start), 2*(timeout+time.Second); elapsed != want {
			t.Errorf("call took %v, want %v (two timed-out attempts, two 1 s waits)", elapsed, want)
		}
		if n := attempts.Load(); n != 3 {
			t.Errorf("attempts = %d, want 3", n)
		}
	})
}

// hangUp is a loopback server that answers the first request with the
// fake's page and then hangs up on requests without a response, as a
// server that crashes on them or closes a kept-alive connection as the
// request arrives does: every one of them (all) or only the next one. It
// counts the requests it read.
type hangUp struct {
	f        *riskcloudtest.Server
	all      bool
	requests atomic.Int64
}

func (h *hangUp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := h.requests.Add(1)
	if n == 1 || !h.all && n > 2 {
		h.f.ServeHTTP(w, r)
		return
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

// hangUpClient starts a hangUp server and returns it with a client of it
// that has made its first request, so that its connection is kept alive
// for the next.
func hangUpClient(t *testing.T, all bool, opts ...riskcloud.Option) (*hangUp, *riskcloud.Client) {
	t.Helper()
	h := &hangUp{f: newServer(t, 5), all: all}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := riskcloud.NewClient(srv.URL+testPrefix, append([]riskcloud.Option{riskcloud.WithToken(testToken)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AccessAudit.Logins(nil).Page(context.Background(), 0); err != nil {
		t.Fatalf("first request: %v", err)
	}
	return h, c
}

// TestClient_retry_countsWhatTheServerSees: WithRetry(n) means the server
// sees a request at most n+1 times, even when a kept-alive connection is
// closed under it, which makes net/http resend the request by itself on a
// new connection: that resend is one of the n retries, and the last send
// the budget allows is made so that net/http does not resend it.
func TestClient_retry_countsWhatTheServerSees(t *testing.T) {
	t.Parallel()
	for _, retries := range []int{0, 1, 2, 4} {
		t.Run(fmt.Sprint("retries=", retries), func(t *testing.T) {
			t.Parallel()
			h, c := hangUpClient(t, true, riskcloud.WithRetry(retries, 0, 0))
			_, err := c.AccessAudit.Logins(nil).Page(context.Background(), 0)
			if !errors.Is(err, riskcloud.ErrNetwork) {
				t.Fatalf("err = %v, want ErrNetwork", err)
			}
			if got, want := h.requests.Load()-1, int64(retries+1); got != want {
				t.Errorf("the server saw %d requests, want %d (1 + %d retries)", got, want, retries)
			}
		})
	}
}

// TestClient_retry_staleConnectionResentAtOnce: net/http's own resend of a
// request on a new connection, after a kept-alive one closed as it was
// sent (a server's idle timeout racing the request), is kept: it costs one
// retry from the budget but no backoff, so a walk after an idle pause does
// not wait.
func TestClient_retry_staleConnectionResentAtOnce(t *testing.T) {
	t.Parallel()
	logger, text, _ := debugLogger()
	// An hour of backoff: the test would time out if the SDK waited.
	h, c := hangUpClient(t, false, riskcloud.WithRetry(1, time.Hour, time.Hour), riskcloud.WithLogger(logger))
	if _, err := c.AccessAudit.Logins(nil).Page(context.Background(), 0); err != nil {
		t.Fatalf("err = %v, want net/http's resend to succeed", err)
	}
	if got := h.requests.Load() - 1; got != 2 {
		t.Errorf("the server saw %d requests, want 2 (the one it hung up on, and the resend)", got)
	}
	if strings.Contains(text.String(), "riskcloud: retrying") {
		t.Errorf("the SDK retried (and waited); want net/http's immediate resend:\n%s", text)
	}
}

// TestClient_retry_lastSend: the last send a budget allows (every send,
// with WithRetry(0)) is made so that net/http cannot resend it, yet it
// reaches the server as any GET does, over HTTP/1.1 and HTTP/2, and still
// follows a 307 (which net/http would refuse for a request whose body it
// cannot rewind).
func TestClient_retry_lastSend(t *testing.T) {
	t.Parallel()
	for _, h2 := range []bool{false, true} {
		t.Run(fmt.Sprint("HTTP/2=", h2), func(t *testing.T) {
			t.Parallel()
			f := newServer(t, 5)
			type seen struct {
				proto         string
				contentLength int64
				te            []string
				body          string
			}
			var mu sync.Mutex
			var got []seen
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				mu.Lock()
				got = append(got, seen{r.Proto, r.ContentLength, r.TransferEncoding, string(body)})
				mu.Unlock()
				if rest, ok := strings.CutPrefix(r.URL.RequestURI(), "/old"); ok {
					http.Redirect(w, r, testPrefix+rest, http.StatusTemporaryRedirect)
					return
				}
				f.ServeHTTP(w, r)
			}))
			srv.EnableHTTP2 = h2
			srv.StartTLS()
			t.Cleanup(srv.Close)
			c, err := riskcloud.NewClient(srv.URL+"/old", riskcloud.WithToken(testToken),
				riskcloud.WithHTTPClient(srv.Client()), riskcloud.WithRetry(0, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			page, err := c.AccessAudit.Logins(nil).Page(context.Background(), 0)
			if err != nil || len(page.Content) != 5 {
				t.Fatalf("Page: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 2 {
				t.Fatalf("the server saw %d requests, want the 307 and the page", len(got))
			}
			wantProto := "HTTP/1.1"
			if h2 {
				wantProto = "HTTP/2.0"
			}
			for i, s := range got {
				if s.proto != wantProto || s.body != "" || s.te != nil || (!h2 && s.contentLength != 0) {
					t.Errorf("request %d: %+v, want %s with no body, no Transfer-Encoding and (over HTTP/1.1) no length", i, s, wantProto)
				}
			}
		})
	}
}
