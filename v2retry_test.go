package riskcloud_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// The v2 twins of retry_test.go.

func TestAudits_retry_statusOnceThenSuccess(t *testing.T) {
	t.Parallel()
	for _, tt := range retryableFailures {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newServer(t, 5)
			s := &script{}
			tt.inject(f, s, 1)
			c := newTestClientTransport(t, s.transport(f))
			got, err := collect(t, c.Audits.Access(nil).All(context.Background()))
			if err != nil {
				t.Fatalf("err = %v, want the retry to succeed", err)
			}
			checkIDs(t, got, auditIDs(f))
			if n := s.attempts.Load(); n != 2 {
				t.Errorf("attempts = %d, want 2", n)
			}
		})
	}
}

func TestAudits_retry_statusPastBudget(t *testing.T) {
	t.Parallel()
	const retries = 2
	for _, tt := range retryableFailures {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newServer(t, 5)
			s := &script{}
			tt.inject(f, s, retries+3)
			c := newTestClientTransport(t, s.transport(f), riskcloud.WithRetry(retries, time.Millisecond, time.Millisecond))
			got, err := collect(t, c.Audits.Access(nil).All(context.Background()))
			if err == nil {
				t.Fatalf("got %d entries and no error", len(got))
			}
			if strings.Contains(err.Error(), "giving up") {
				t.Errorf("err = %q: retryablehttp's message, not ours", err)
			}
			tt.check(t, err, v2Access.path)
			if n := s.attempts.Load(); n != retries+1 {
				t.Errorf("attempts = %d, want %d", n, retries+1)
			}
		})
	}
}

func TestAudits_retry_notRetried(t *testing.T) {
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
			if !errors.Is(err, riskcloud.ErrUnexpectedResponse) || !strings.Contains(err.Error(), "text/html") {
				t.Errorf("err = %v, want ErrUnexpectedResponse naming the content type", err)
			}
		}},
		{"200 malformed JSON", riskcloudtest.Fault{Status: 200, Body: `{"content":[{"id":"1","type":"LOGIN"`}, func(t *testing.T, err error) {
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
			_, err := collect(t, c.Audits.Access(nil).All(context.Background()))
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

// TestAudits_retry_retryAfter: the exact waits of a server's Retry-After,
// on synctest's fake clock. Until is set, as the fake clock is in 2000.
func TestAudits_retry_retryAfter(t *testing.T) {
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := newServer(t, 5)
				failNext(f, tt.faults(time.Now())...)
				tm := &timed{h: f}
				c := newTestClient(t, tm, riskcloud.WithRetry(3, time.Second, tt.waitMax))
				got, err := collect(t, c.Audits.Access(&riskcloud.AccessAuditOptions{Until: v2Until}).All(context.Background()))
				if err != nil {
					t.Fatal(err)
				}
				checkIDs(t, got, auditIDs(f))
				if got := tm.waits(); !slices.Equal(got, tt.want) {
					t.Errorf("waits = %v, want %v", got, tt.want)
				}
			})
		})
	}
}

// TestAudits_retry_cancelDuringBackoff: cancelling ctx ends a long wait at
// once, with the ctx's error.
func TestAudits_retry_cancelDuringBackoff(t *testing.T) {
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
				// A timer rather than a sleeping goroutine: a walk that
				// ends early then fails this test instead of deadlocking
				// the bubble and taking the binary down.
				defer time.AfterFunc(cancelAfter, cancel).Stop()
				start := time.Now()
				_, err := collect(t, c.Audits.Access(&riskcloud.AccessAuditOptions{Prefetch: 2}).All(ctx))
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

// TestAudits_retry_debugLog: a retried v2 request is logged at debug
// level as "riskcloud: retrying" with method, the v2 path, attempt,
// status and wait, and never the query, the user's email or id, or the
// token.
func TestAudits_retry_debugLog(t *testing.T) {
	t.Parallel()
	const userID = "user-id-77"
	f := newServer(t, 0)
	f.AddAudits(riskcloud.AccessAudit{ID: "a1", Type: riskcloud.AuditLogin, Created: logEnd,
		User: riskcloud.AuditUser{ID: userID, Email: testEmail, Name: "Alice"}})
	failNext(f, statusFault(503))
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := &script{plan: []string{"reset"}} // then the 503, then success
	c := newTestClientTransport(t, s.transport(f), riskcloud.WithLogger(logger))
	opts := &riskcloud.AccessAuditOptions{UserEmail: testEmail, UserID: userID, Type: riskcloud.AuditLogin}
	got, err := collect(t, c.Audits.Access(opts).All(context.Background()))
	if err != nil || len(got) != 1 {
		t.Fatalf("got %d entries, err %v; want 1", len(got), err)
	}

	out := buf.String()
	for _, leak := range []string{"alice", "example.com", "%40", "email", userID, "user-id", "created", "page=", "?", testToken, "SECRET"} {
		if strings.Contains(out, leak) {
			t.Errorf("log contains %q:\n%s", leak, out)
		}
	}
	var retrying []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		if rec["level"] != "DEBUG" {
			t.Errorf("record at level %v, want DEBUG: %v", rec["level"], rec)
		}
		if rec["msg"] == "riskcloud: retrying" {
			retrying = append(retrying, rec)
		}
	}
	if len(retrying) != 2 {
		t.Fatalf("%d retrying records, want 2 (after the reset and the 503):\n%s", len(retrying), out)
	}
	for _, rec := range retrying {
		if rec["method"] != "GET" || rec["path"] != v2Path || rec["wait"] == nil {
			t.Errorf("retrying record %v, want GET %s and a wait", rec, v2Path)
		}
	}
	if retrying[1]["status"] != 503.0 || retrying[1]["attempt"] != 2.0 {
		t.Errorf("second retrying record %v, want attempt 2 after a 503", retrying[1])
	}
}

// TestAudits_notFound: a tenant without the v2 API answers its path 404;
// the error wraps ErrNotFound and names the v2 path, and is not retried.
func TestAudits_notFound(t *testing.T) {
	t.Parallel()
	f := newServer(t, 5)
	h := &faultOn{next: f, match: "/api/v2/", f: riskcloudtest.Fault{Status: 404,
		Body: `{"timestamp":"2026-11-01T12:00:00.000+00:00","status":404,"error":"Not Found","message":"No message available","path":"/proxy/api/v2/audits/access"}`}}
	c := newTestClient(t, h)
	for name, run := range map[string]func() error{
		"All": func() error {
			_, err := collect(t, c.Audits.Access(nil).All(context.Background()))
			return err
		},
		"Page": func() error {
			_, err := c.Audits.Access(nil).Page(context.Background(), 0)
			return err
		},
	} {
		err := run()
		if !errors.Is(err, riskcloud.ErrNotFound) {
			t.Fatalf("%s: err = %v, want ErrNotFound", name, err)
		}
		if apiErr := asAPIError(t, err); apiErr.Path != v2Path || apiErr.StatusCode != 404 {
			t.Errorf("%s: Path, StatusCode = %q, %d; want %q, 404", name, apiErr.Path, apiErr.StatusCode, v2Path)
		}
		if !strings.Contains(err.Error(), "/api/v2/audits/access") || !strings.Contains(err.Error(), "may not have the v2 audit API") {
			t.Errorf("%s: err = %q, want the v2 path in it, and that the tenant may lack v2", name, err)
		}
	}
	if n := len(f.Requests()); n != 0 {
		t.Errorf("the v1 log saw %d requests", n)
	}
	// v1 on the same tenant works: the 404 is v2's alone.
	if _, err := collect(t, c.AccessAudit.Logins(nil).All(context.Background())); err != nil {
		t.Errorf("v1: %v", err)
	}
}
