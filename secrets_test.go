package riskcloud_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// secretStrings are what no error, log record or printout may contain: the
// static token, the client secret, the Basic credentials, any access token
// the fake issues ("issued-N-SECRET"), the email filter in either form,
// and v2's user-id filter. Every credential of the fake contains "SECRET".
func secretStrings() []string {
	return []string{
		testUserID,
		testToken,
		testSecret,
		base64.StdEncoding.EncodeToString([]byte(testID + ":" + testSecret)),
		"issued-",
		"SECRET",
		testEmail,
		url.QueryEscape(testEmail), // alice%40example.com
		"alice",
	}
}

// assertNoSecrets fails the test if s contains any of secretStrings.
func assertNoSecrets(t *testing.T, what, s string) {
	t.Helper()
	var found []string
	for _, secret := range secretStrings() {
		if strings.Contains(s, secret) {
			found = append(found, secret)
		}
	}
	if len(found) > 0 {
		t.Errorf("%s contains %q:\n%s", what, found, s)
	}
}

// teeHandler sends every record to each of its handlers.
type teeHandler []slog.Handler

func (h teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	for _, x := range h {
		if x.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (h teeHandler) Handle(ctx context.Context, r slog.Record) error {
	for _, x := range h {
		if x.Enabled(ctx, r.Level) {
			if err := x.Handle(ctx, r.Clone()); err != nil {
				return err
			}
		}
	}
	return nil
}

func (h teeHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make(teeHandler, len(h))
	for i, x := range h {
		out[i] = x.WithAttrs(attrs)
	}
	return out
}

func (h teeHandler) WithGroup(name string) slog.Handler {
	out := make(teeHandler, len(h))
	for i, x := range h {
		out[i] = x.WithGroup(name)
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// debugLogger returns a logger that writes every record at Debug and above
// as text and as JSON into the returned buffers.
func debugLogger() (*slog.Logger, *syncBuffer, *syncBuffer) {
	text, js := &syncBuffer{}, &syncBuffer{}
	opts := &slog.HandlerOptions{Level: slog.LevelDebug, AddSource: false}
	return slog.New(teeHandler{slog.NewTextHandler(text, opts), slog.NewJSONHandler(js, opts)}), text, js
}

// fakeFor returns a server (newServer) whose credentials match the auth mode.
func fakeFor(t *testing.T, creds bool, n int) *riskcloudtest.Server {
	t.Helper()
	if creds {
		return newServer(t, n, riskcloudtest.WithClientCredentials(testID, testSecret))
	}
	return newServer(t, n)
}

// clientFor returns a client of the fake through rt, with a static token or
// client credentials.
func clientFor(t *testing.T, creds bool, rt http.RoundTripper, opts ...riskcloud.Option) *riskcloud.Client {
	t.Helper()
	if creds {
		return newCredentialsClient(t, rt, opts...)
	}
	return newTestClientTransport(t, rt, opts...)
}

// faultOn answers requests whose path contains match with a canned
// response, after calling before (if set); it passes the others to next.
type faultOn struct {
	next   http.Handler
	match  string
	f      riskcloudtest.Fault
	before func(*http.Request)

	mu        sync.Mutex
	sawEmail  bool // a matched request carried the email in its query (v1's email, v2's user-email)
	sawBearer bool // a matched request carried a bearer token
}

func (h *faultOn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.Contains(r.URL.Path, h.match) {
		h.next.ServeHTTP(w, r)
		return
	}
	h.mu.Lock()
	h.sawEmail = h.sawEmail || r.URL.Query().Get("email") == testEmail || r.URL.Query().Get("user-email") == testEmail
	h.sawBearer = h.sawBearer || strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ")
	h.mu.Unlock()
	if h.before != nil {
		h.before(r)
	}
	h.f.ServeHTTP(w, r)
}

const (
	// secretsAuditPath is in the path of every access-audit page, v1's
	// (/api/v1/access-audit...) and v2's (/api/v2/audits/access), and not
	// in the token exchange's.
	secretsAuditPath = "audit"
	secretsTokenPath = "/api/v1/account/token"
	// testUserID is the v2 user-id filter of the secrets tests, which no
	// error or log may repeat, as the email.
	testUserID = "user-id-77-private"
)

// failureScenario is a way for a request to fail.
type failureScenario struct {
	name      string
	credsOnly bool
	// setup returns the transport for the client; cancel cancels the
	// walk's ctx.
	setup func(t *testing.T, f *riskcloudtest.Server, cancel context.CancelFunc) http.RoundTripper
	// cancelFirst cancels the ctx before the walk.
	cancelFirst bool
	check       func(t *testing.T, err error)
}

func failureScenarios() []failureScenario {
	on := func(match string, ft riskcloudtest.Fault) func(*testing.T, *riskcloudtest.Server, context.CancelFunc) http.RoundTripper {
		return func(_ *testing.T, f *riskcloudtest.Server, _ context.CancelFunc) http.RoundTripper {
			return &handlerTransport{h: &faultOn{next: f, match: match, f: ft}}
		}
	}
	is := func(target error) func(*testing.T, error) {
		return func(t *testing.T, err error) {
			t.Helper()
			if !errors.Is(err, target) {
				t.Errorf("err = %v, want %v", err, target)
			}
		}
	}
	status := func(code int) func(*testing.T, error) {
		return func(t *testing.T, err error) {
			t.Helper()
			if apiErr := (*riskcloud.APIError)(nil); !errors.As(err, &apiErr) || apiErr.StatusCode != code {
				t.Errorf("err = %v, want an *APIError with status %d", err, code)
			}
		}
	}
	jsonErr := func(code int, msg string) riskcloudtest.Fault {
		return riskcloudtest.Fault{Status: code, Body: fmt.Sprintf(`{"status":%d,"message":%q}`, code, msg)}
	}
	return []failureScenario{
		{name: "401", setup: on(secretsAuditPath, jsonErr(401, "Full authentication is required to access this resource")),
			check: is(riskcloud.ErrUnauthorized)},
		{name: "403", setup: on(secretsAuditPath, jsonErr(403, "Access is denied")), check: is(riskcloud.ErrForbidden)},
		{name: "429 exhausted", setup: on(secretsAuditPath, riskcloudtest.Fault{Status: 429, RetryAfter: "0",
			Body: `{"status":429,"message":"Too many requests"}`}), check: is(riskcloud.ErrRateLimited)},
		{name: "500 exhausted", setup: on(secretsAuditPath, riskcloudtest.Fault{Status: 500, Body: `{"timestamp":"2026-11-01T12:00:00.000+00:00","status":500,"error":"Internal Server Error","message":"boom","path":"/api/v1/access-audit"}`}),
			check: status(500)},
		{name: "502 HTML page", setup: on(secretsAuditPath, riskcloudtest.Fault{Status: 502, ContentType: "text/html",
			Body: "<html><head><title>502 Bad Gateway</title></head><body>upstream for /api/v1/access-audit?email=alice%40example.com</body></html>"}),
			check: status(502)},
		{name: "transport error", setup: func(_ *testing.T, f *riskcloudtest.Server, _ context.CancelFunc) http.RoundTripper {
			return &handlerTransport{h: f, fail: func(r *http.Request) error {
				if strings.Contains(r.URL.Path, secretsAuditPath) {
					return errors.New("read tcp 10.0.0.1:443: connection reset by peer")
				}
				return nil
			}}
		}, check: func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "connection reset by peer") {
				t.Errorf("err = %v, want the transport's error", err)
			}
		}},
		{name: "non-JSON 200", setup: on(secretsAuditPath, riskcloudtest.Fault{Status: 200, ContentType: "text/html; charset=utf-8",
			Body: "<html><body>Sign in, alice@example.com</body></html>"}), check: is(riskcloud.ErrUnexpectedResponse)},
		{name: "malformed JSON 200", setup: on(secretsAuditPath, riskcloudtest.Fault{Status: 200,
			Body: `{"content":[{"type":"Login","timestamp":1793534400000,"remoteAddress":"alice@example.com"`}),
			check: is(riskcloud.ErrUnexpectedResponse)},
		{name: "bad timestamp", setup: on(secretsAuditPath, riskcloudtest.Fault{Status: 200,
			Body: string(onePage(`{"id":"a1","type":"Login","timestamp":"yesterday","created":"yesterday","message":null,"remoteAddress":"203.0.113.7"}`))}),
			check: is(riskcloud.ErrUnexpectedResponse)},
		{name: "ctx cancelled during the walk", setup: func(_ *testing.T, f *riskcloudtest.Server, cancel context.CancelFunc) http.RoundTripper {
			return &handlerTransport{h: &faultOn{next: f, match: secretsAuditPath, f: jsonErr(500, "boom"),
				before: func(*http.Request) { cancel() }}}
		}, check: is(context.Canceled)},
		{name: "ctx cancelled before the walk", cancelFirst: true,
			setup: func(_ *testing.T, f *riskcloudtest.Server, _ context.CancelFunc) http.RoundTripper {
				return &handlerTransport{h: f}
			}, check: is(context.Canceled)},
		{name: "token exchange 401", credsOnly: true, setup: func(_ *testing.T, f *riskcloudtest.Server, _ context.CancelFunc) http.RoundTripper {
			f.RollCredentials(testID, "another-secret")
			return &handlerTransport{h: f}
		}, check: is(riskcloud.ErrUnauthorized)},
		{name: "token exchange 500 exhausted", credsOnly: true, setup: on(secretsTokenPath, jsonErr(500, "boom")), check: status(500)},
		{name: "token response without access_token", credsOnly: true, setup: on(secretsTokenPath, riskcloudtest.Fault{Status: 200,
			Body: `{"token":"issued-9-SECRET","token_type":"bearer"}`}), check: is(riskcloud.ErrUnexpectedResponse)},
		{name: "token response cut short", credsOnly: true, setup: on(secretsTokenPath, riskcloudtest.Fault{Status: 200,
			Body: `{"access_token":"issued-9-SECRET","token_type":"bearer","expires_in":`}), check: is(riskcloud.ErrUnexpectedResponse)},
		{name: "token response with a wrong type", credsOnly: true, setup: on(secretsTokenPath, riskcloudtest.Fault{Status: 200,
			Body: `{"access_token":["issued-9-SECRET"]}`}), check: is(riskcloud.ErrUnexpectedResponse)},
	}
}

func TestSecrets_notInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"token", "client credentials"} {
		creds := mode == "client credentials"
		for _, sc := range failureScenarios() {
			if sc.credsOnly && !creds {
				continue
			}
			t.Run(mode+"/"+sc.name, func(t *testing.T) {
				t.Parallel()
				logger, text, js := debugLogger()
				walks := []struct {
					name string
					run  func(context.Context, *riskcloud.Client) error
				}{
					{"Attempts.All", func(ctx context.Context, c *riskcloud.Client) error {
						_, err := collect(t, c.AccessAudit.Attempts(testEmail, &riskcloud.ListOptions{Size: 5}).All(ctx))
						return err
					}},
					{"Failures.Pages", func(ctx context.Context, c *riskcloud.Client) error {
						for _, err := range c.AccessAudit.Failures(&riskcloud.ListOptions{Email: testEmail}).Pages(ctx) {
							if err != nil {
								return err
							}
						}
						return nil
					}},
					{"Logins.Page", func(ctx context.Context, c *riskcloud.Client) error {
						_, err := c.AccessAudit.Logins(&riskcloud.ListOptions{Email: testEmail}).Page(ctx, 2)
						return err
					}},
					{"Audits.Access.All", func(ctx context.Context, c *riskcloud.Client) error {
						_, err := collect(t, c.Audits.Access(&riskcloud.AccessAuditOptions{UserEmail: testEmail, UserID: testUserID, Size: 5, Prefetch: 2}).All(ctx))
						return err
					}},
					{"Audits.Access.Pages", func(ctx context.Context, c *riskcloud.Client) error {
						for _, err := range c.Audits.Access(&riskcloud.AccessAuditOptions{UserEmail: testEmail, UserID: testUserID}).Pages(ctx) {
							if err != nil {
								return err
							}
						}
						return nil
					}},
					{"Audits.Access.Page", func(ctx context.Context, c *riskcloud.Client) error {
						_, err := c.Audits.Access(&riskcloud.AccessAuditOptions{UserEmail: testEmail, UserID: testUserID}).Page(ctx, 2)
						return err
					}},
				}
				for _, w := range walks {
					f := fakeFor(t, creds, 12)
					ctx, cancel := context.WithCancel(context.Background())
					c := clientFor(t, creds, sc.setup(t, f, cancel), riskcloud.WithLogger(logger))
					if sc.cancelFirst {
						cancel()
					}
					err := w.run(ctx, c)
					cancel()
					if err == nil {
						t.Fatalf("%s: no error", w.name)
					}
					sc.check(t, err)
					assertNoSecrets(t, w.name+": err.Error()", err.Error())
					assertNoSecrets(t, w.name+": %+v of err", fmt.Sprintf("%+v", err))
				}
				assertNoSecrets(t, "text log", text.String())
				assertNoSecrets(t, "JSON log", js.String())
				if !sc.cancelFirst && !strings.Contains(text.String(), "riskcloud: request") {
					t.Errorf("the log has no request record; is the logger used?\n%s", text)
				}
			})
		}
	}
}

// TestSecrets_queryCarriesTheEmail makes sure the failure scenarios are
// meaningful: the email and the credentials did go out with the requests.
func TestSecrets_queryCarriesTheEmail(t *testing.T) {
	t.Parallel()
	for _, creds := range []bool{false, true} {
		f := fakeFor(t, creds, 3)
		h := &faultOn{next: f, match: secretsAuditPath, f: riskcloudtest.Fault{Status: 403, Body: `{"status":403,"message":"Access is denied"}`}}
		c := clientFor(t, creds, &handlerTransport{h: h})
		_, err := collect(t, c.AccessAudit.Failures(&riskcloud.ListOptions{Email: testEmail}).All(context.Background()))
		if !errors.Is(err, riskcloud.ErrForbidden) {
			t.Fatalf("err = %v", err)
		}
		if !h.sawEmail || !h.sawBearer {
			t.Errorf("creds %v: request carried email %v, bearer %v; want both", creds, h.sawEmail, h.sawBearer)
		}
		h.sawEmail, h.sawBearer = false, false
		_, err = collect(t, c.Audits.Access(&riskcloud.AccessAuditOptions{UserEmail: testEmail}).All(context.Background()))
		if !errors.Is(err, riskcloud.ErrForbidden) {
			t.Fatalf("v2: err = %v", err)
		}
		if !h.sawEmail || !h.sawBearer {
			t.Errorf("v2, creds %v: request carried user-email %v, bearer %v; want both", creds, h.sawEmail, h.sawBearer)
		}
	}
}

func TestSecrets_notInLogsOfSuccessfulWalks(t *testing.T) {
	t.Parallel()
	for _, creds := range []bool{false, true} {
		t.Run(fmt.Sprint("creds=", creds), func(t *testing.T) {
			t.Parallel()
			logger, text, js := debugLogger()
			f := fakeFor(t, creds, 0)
			addFor(f, mixed(30))
			c := clientFor(t, creds, &handlerTransport{h: f}, riskcloud.WithLogger(logger))
			ctx := context.Background()

			for range 2 {
				got, err := collect(t, c.AccessAudit.Attempts(testEmail, &riskcloud.ListOptions{Size: 4}).All(ctx))
				if err != nil || len(got) != 15 {
					t.Fatalf("Attempts: %d entries, err %v; want 15", len(got), err)
				}
				if creds {
					f.RevokeToken() // the next walk draws a 401, exchanges again and retries
				}
			}
			got, err := collect(t, c.AccessAudit.Failures(&riskcloud.ListOptions{Email: testEmail, Size: 3}).All(ctx))
			if err != nil || len(got) == 0 {
				t.Fatalf("Failures: %d entries, err %v", len(got), err)
			}
			if creds && f.Stats().Exchanges < 2 {
				t.Errorf("exchanges = %d, want a renewal after the revocation", f.Stats().Exchanges)
			}
			// v2, by email and by user id.
			if creds {
				f.RevokeToken()
			}
			f.AddAudits(riskcloud.AccessAudit{Type: riskcloud.AuditLogout, Created: logEnd,
				User: riskcloud.AuditUser{ID: testUserID, Email: "carol@example.com", Name: "Carol"}})
			byEmail, err := collect(t, c.Audits.Access(&riskcloud.AccessAuditOptions{UserEmail: testEmail, Size: 4, Prefetch: 2}).All(ctx))
			if err != nil || len(byEmail) != 15 {
				t.Fatalf("Access by email: %d entries, err %v; want 15", len(byEmail), err)
			}
			byID, err := collect(t, c.Audits.Access(&riskcloud.AccessAuditOptions{UserID: testUserID}).All(ctx))
			if err != nil || len(byID) != 1 {
				t.Fatalf("Access by user id: %d entries, err %v; want 1", len(byID), err)
			}
			// Values handed to a logger directly print no secret either.
			pager := c.AccessAudit.Attempts(testEmail, &riskcloud.ListOptions{Email: testEmail})
			v2Pager := c.Audits.Access(&riskcloud.AccessAuditOptions{UserEmail: testEmail, UserID: testUserID})
			logger.Debug("values", "client", c, "pager", pager, "service", c.AccessAudit, "v2 pager", v2Pager, "v2 service", c.Audits)

			for name, s := range map[string]string{"text log": text.String(), "JSON log": js.String()} {
				assertNoSecrets(t, name, s)
				if !strings.Contains(s, "riskcloud: request") || !strings.Contains(s, "rc.example.test") {
					t.Errorf("%s lacks the request records or the client's host:\n%s", name, s)
				}
			}
		})
	}
}

func TestSecrets_notInFormattedValues(t *testing.T) {
	t.Parallel()
	tokenClient := newTestClient(t, newServer(t, 3))
	f := fakeFor(t, true, 3)
	credsClient := newCredentialsClient(t, &handlerTransport{h: f})
	// Exchange first, so that the client holds an issued token.
	if _, err := credsClient.AccessAudit.Logins(nil).Page(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if n := f.Stats().Exchanges; n != 1 {
		t.Fatalf("exchanges = %d, want 1", n)
	}

	values := map[string]any{
		"WithToken":             riskcloud.WithToken(testToken),
		"WithClientCredentials": riskcloud.WithClientCredentials(testID, testSecret),
		"options":               []riskcloud.Option{riskcloud.WithToken(testToken), riskcloud.WithClientCredentials(testID, testSecret)},
	}
	for name, c := range map[string]*riskcloud.Client{"token client": tokenClient, "credentials client": credsClient} {
		values[name] = c
		values[name+" value"] = *c
		values[name+" AccessAudit"] = c.AccessAudit
		values[name+" AccessAudit value"] = *c.AccessAudit
		values[name+" Attempts pager"] = c.AccessAudit.Attempts(testEmail, &riskcloud.ListOptions{Email: testEmail})
		values[name+" Logins pager"] = c.AccessAudit.Logins(&riskcloud.ListOptions{Email: testEmail})
		values[name+" invalid pager"] = c.AccessAudit.Attempts("Alice <"+testEmail+">", nil)
		values[name+" Audits"] = c.Audits
		values[name+" Audits value"] = *c.Audits
		values[name+" Access pager"] = c.Audits.Access(&riskcloud.AccessAuditOptions{UserEmail: testEmail, UserID: testUserID})
		values[name+" Access pager value"] = *c.Audits.Access(&riskcloud.AccessAuditOptions{UserEmail: testEmail, UserID: testUserID})
		values[name+" invalid Access pager"] = c.Audits.Access(&riskcloud.AccessAuditOptions{UserEmail: "Alice <" + testEmail + ">", UserID: testUserID})
	}
	for name, v := range values {
		t.Run(name, func(t *testing.T) {
			// %t is no verb for these types: fmt then prints the value
			// it cannot format, one pointer deeper than %v does.
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%t"} {
				assertNoSecrets(t, fmt.Sprintf("Sprintf(%q, %s)", verb, name), fmt.Sprintf(verb, v))
			}
		})
	}
	if s := fmt.Sprintf("%+v", tokenClient); !strings.Contains(s, "rc.example.test") {
		t.Errorf("%%+v of the client = %q, want its host", s)
	}
	// Invalid v2 input is named, not repeated.
	for _, o := range []riskcloud.AccessAuditOptions{
		{UserEmail: "Alice <" + testEmail + ">", UserID: testUserID},
		{UserEmail: testEmail, UserID: testUserID + "\u200b"},
		{UserEmail: testEmail + "," + testEmail},
	} {
		_, err := collect(t, tokenClient.Audits.Access(&o).All(context.Background()))
		if !errors.Is(err, riskcloud.ErrInvalidArgument) {
			t.Fatalf("err = %v, want ErrInvalidArgument", err)
		}
		assertNoSecrets(t, "invalid input: err.Error()", err.Error())
		assertNoSecrets(t, "invalid input: %+v of err", fmt.Sprintf("%+v", err))
	}
	// A Pager prints only its endpoint.
	if s, want := fmt.Sprintf("%+v", tokenClient.Audits.Access(&riskcloud.AccessAuditOptions{UserEmail: testEmail, UserID: testUserID})),
		"riskcloud.Pager(GET /api/v2/audits/access)"; s != want {
		t.Errorf("%%+v of a v2 Pager = %q, want %q", s, want)
	}
}

// TestClient_silentWithoutLogger checks that a client built without a
// logger writes nothing anywhere: not to os.Stdout or os.Stderr (the
// variables, nor, where the platform allows, file descriptors 1 and 2,
// which a logger built before the swap would still hold), not to slog's
// default logger and not to the log package's. It swaps process-wide
// state, so it must not run in parallel.
func TestClient_silentWithoutLogger(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var captured bytes.Buffer
	copied := make(chan struct{})
	go func() {
		io.Copy(&captured, r)
		close(copied)
	}()
	var slogOut, logOut syncBuffer

	restoreFDs := redirectStdFDs(t, w)
	stdout, stderr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = w, w
	defaultSlog := slog.Default()
	logWriter, logFlags, logPrefix := log.Writer(), log.Flags(), log.Prefix()
	slog.SetDefault(slog.New(slog.NewTextHandler(&slogOut, &slog.HandlerOptions{Level: slog.LevelDebug})))
	log.SetOutput(&logOut)

	var walkErrs []error
	func() {
		defer func() {
			slog.SetDefault(defaultSlog)
			log.SetOutput(logWriter)
			log.SetFlags(logFlags)
			log.SetPrefix(logPrefix)
			os.Stdout, os.Stderr = stdout, stderr
			restoreFDs()
			w.Close()
			<-copied
			r.Close()
		}()
		walkErrs = silentWalks(t)
	}()

	for i, err := range walkErrs {
		if err != nil {
			t.Errorf("walk %d: %v", i, err)
		}
	}
	for name, out := range map[string]string{
		"stdout and stderr": captured.String(), "slog.Default": slogOut.String(), "log": logOut.String(),
	} {
		if out != "" {
			t.Errorf("a client without a logger wrote to %s:\n%s", name, out)
		}
	}
}

// silentWalks runs walks that retry, fail, exchange tokens and succeed, with
// no logger and with a nil one. It reports problems as errors rather than
// through t, whose output would be captured.
func silentWalks(t *testing.T) []error {
	t.Helper()
	var errs []error
	expect := func(err, target error) {
		if !errors.Is(err, target) {
			errs = append(errs, fmt.Errorf("err = %v, want %v", err, target))
		}
	}
	ctx := context.Background()
	for _, opts := range [][]riskcloud.Option{nil, {riskcloud.WithLogger(nil)}} {
		// Retried 500s, then the final error.
		f := newServer(t, 10)
		failNext(f, riskcloudtest.Fault{Status: 500}, riskcloudtest.Fault{Status: 502}, riskcloudtest.Fault{Status: 503}, riskcloudtest.Fault{Status: 504, Body: `{"message":"down"}`})
		_, err := collect(t, newTestClient(t, f, opts...).AccessAudit.Attempts(testEmail, nil).All(ctx))
		if apiErr := (*riskcloud.APIError)(nil); !errors.As(err, &apiErr) || apiErr.StatusCode != 504 {
			errs = append(errs, fmt.Errorf("retried walk: %v", err))
		}

		// Retried transport errors.
		f = newServer(t, 10)
		rt := &handlerTransport{h: f, fail: func(*http.Request) error { return errors.New("connection refused") }}
		_, err = collect(t, newTestClientTransport(t, rt, opts...).AccessAudit.Logins(nil).All(ctx))
		if err == nil {
			errs = append(errs, errors.New("transport errors: no error"))
		}

		// A retried 429, then a walk that succeeds.
		f = newServer(t, 10)
		failNext(f, riskcloudtest.Fault{Status: 429, RetryAfter: "0"})
		got, err := collect(t, newTestClient(t, f, opts...).AccessAudit.Failures(&riskcloud.ListOptions{Email: testEmail}).All(ctx))
		if err != nil || len(got) != 0 {
			errs = append(errs, fmt.Errorf("walk after a 429: %d entries, %v", len(got), err))
		}

		// Client credentials: an exchange, a revoked token and a renewal,
		// then a failed exchange.
		f = fakeFor(t, true, 10)
		c := newCredentialsClient(t, &handlerTransport{h: f}, opts...)
		_, err = collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 3}).All(ctx))
		expect(err, nil)
		f.RevokeToken()
		_, err = collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 3}).All(ctx))
		expect(err, nil)
		f.RollCredentials(testID, "another-secret") // which revokes the token too
		_, err = collect(t, c.AccessAudit.Logins(nil).All(ctx))
		expect(err, riskcloud.ErrUnauthorized)

		// Invalid input and a bad page.
		_, err = collect(t, newTestClient(t, f, opts...).AccessAudit.Attempts("Alice <"+testEmail+">", nil).All(ctx))
		expect(err, riskcloud.ErrInvalidArgument)
		_, err = collect(t, newTestClient(t, jsonPage(readTestdata(t, "page_bad_timestamp.json")), opts...).AccessAudit.Logins(nil).All(ctx))
		expect(err, riskcloud.ErrUnexpectedResponse)
	}
	return errs
}
