package riskcloud_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// errLoginsPath is the full path of Logins on the test client, base URL prefix
// included.
const errLoginsPath = testPrefix + "/api/v1/access-audit/logins"

// noRetries turns retries off, so that retried statuses come back at once.
var noRetries = riskcloud.WithRetry(0, time.Millisecond, time.Millisecond)

// apiError walks Logins (with an email filter in the query) against h and
// returns the *APIError it ends with.
func apiError(t *testing.T, h http.Handler, opts ...riskcloud.Option) (*riskcloud.APIError, error) {
	t.Helper()
	c := newTestClient(t, h, opts...)
	got, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Email: testEmail}).All(context.Background()))
	if len(got) != 0 {
		t.Errorf("yielded %d entries before the error", len(got))
	}
	var apiErr *riskcloud.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v (%T), want an *APIError", err, err)
	}
	return apiErr, err
}

func TestAPIError_bodyShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		contentType string
		body        []byte
		message     string // APIError.Message
		property    string
		text        string // Error() starts with this
		sentinel    error
	}{
		{
			name: "status and message", status: 403, contentType: "application/json",
			body:     readTestdata(t, "error_status.json"),
			message:  "Access is denied",
			text:     "riskcloud: GET " + errLoginsPath + ": 403 Forbidden: Access is denied (",
			sentinel: riskcloud.ErrForbidden,
		},
		{
			name: "property, value and message", status: 400, contentType: "application/json",
			body:     readTestdata(t, "error_property.json"),
			message:  "must be a well-formed email address",
			property: "email",
			text:     "riskcloud: GET " + errLoginsPath + ": 400 Bad Request: email: must be a well-formed email address",
		},
		{
			name: "Spring error", status: 500, contentType: "application/json",
			body:    readTestdata(t, "error_spring.json"),
			message: "Could not read the access audit",
			text:    "riskcloud: GET " + errLoginsPath + ": 500 Internal Server Error: Could not read the access audit",
		},
		{
			name: "Spring error with its message hidden", status: 500, contentType: "application/json",
			body:    []byte(`{"timestamp":"2026-11-01T12:00:00.000+00:00","status":500,"error":"Internal Server Error","message":"","path":"/api/v1/access-audit/logins"}`),
			message: "Internal Server Error",
			text:    "riskcloud: GET " + errLoginsPath + ": 500 Internal Server Error: Internal Server Error",
		},
		{
			name: "401", status: 401, contentType: "application/json",
			body:     []byte(`{"status":401,"message":"Full authentication is required to access this resource"}`),
			message:  "Full authentication is required to access this resource",
			text:     "riskcloud: GET " + errLoginsPath + ": 401 Unauthorized: Full authentication is required to access this resource (",
			sentinel: riskcloud.ErrUnauthorized,
		},
		{
			name: "404", status: 404, contentType: "application/json",
			body:     []byte(`{"status":404,"message":"Not Found"}`),
			message:  "Not Found",
			text:     "riskcloud: GET " + errLoginsPath + ": 404 Not Found: Not Found",
			sentinel: riskcloud.ErrNotFound,
		},
		{
			name: "429", status: 429, contentType: "application/json",
			body:     []byte(`{"status":429,"message":"Rate limit exceeded"}`),
			message:  "Rate limit exceeded",
			text:     "riskcloud: GET " + errLoginsPath + ": 429 Too Many Requests: Rate limit exceeded",
			sentinel: riskcloud.ErrRateLimited,
		},
		{
			name: "proxy's HTML page", status: 502, contentType: "text/html",
			body:    readTestdata(t, "proxy_502.html"),
			message: "HTML page: 502 Bad Gateway",
			text:    "riskcloud: GET " + errLoginsPath + ": 502 Bad Gateway: HTML page: 502 Bad Gateway",
		},
		{
			name: "HTML page labelled JSON", status: 502, contentType: "application/json",
			body:    readTestdata(t, "proxy_502.html"),
			message: "HTML page: 502 Bad Gateway",
			text:    "riskcloud: GET " + errLoginsPath + ": 502 Bad Gateway: HTML page: 502 Bad Gateway",
		},
		{
			name: "plain text", status: 503, contentType: "text/plain",
			body:    []byte("upstream connect error or disconnect/reset before headers\nreset reason: overflow\n"),
			message: "upstream connect error or disconnect/reset before headers",
			text:    "riskcloud: GET " + errLoginsPath + ": 503 Service Unavailable: upstream connect error or disconnect/reset before headers",
		},
		{
			name: "no body", status: 504,
			text: "riskcloud: GET " + errLoginsPath + ": 504 Gateway Timeout",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := &canned{status: tt.status, contentType: tt.contentType, body: tt.body}
			apiErr, err := apiError(t, h, noRetries)

			if apiErr.StatusCode != tt.status || apiErr.Message != tt.message || apiErr.Property != tt.property {
				t.Errorf("got StatusCode %d, Message %q, Property %q\nwant %d, %q, %q",
					apiErr.StatusCode, apiErr.Message, apiErr.Property, tt.status, tt.message, tt.property)
			}
			if apiErr.Method != http.MethodGet || apiErr.Path != errLoginsPath {
				t.Errorf("Method, Path = %q, %q; want GET, %q", apiErr.Method, apiErr.Path, errLoginsPath)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tt.text) {
				t.Errorf("Error() = %q\nwant it to start %q", msg, tt.text)
			}
			if tt.status == http.StatusForbidden && !strings.Contains(msg, "Admin > All") {
				t.Errorf("Error() = %q; a 403 should say the key's user needs Admin > All", msg)
			}
			for _, leak := range []string{"?", "page=", "email", "alice"} {
				if leak == "email" && tt.property == "email" {
					continue
				}
				if strings.Contains(msg, leak) {
					t.Errorf("Error() = %q contains %q (the query string)", msg, leak)
				}
			}
			for _, sentinel := range []error{riskcloud.ErrUnauthorized, riskcloud.ErrForbidden, riskcloud.ErrNotFound, riskcloud.ErrRateLimited} {
				if got, want := errors.Is(err, sentinel), sentinel == tt.sentinel; got != want {
					t.Errorf("errors.Is(err, %v) = %v, want %v", sentinel, got, want)
				}
			}
			if n := len(h.requests()); n != 1 {
				t.Errorf("requests = %d, want 1 (retries are off)", n)
			}
		})
	}
}

func TestAPIError_htmlPageIsSummarised(t *testing.T) {
	t.Parallel()
	h := &canned{status: 502, contentType: "text/html; charset=utf-8", body: readTestdata(t, "proxy_502.html")}
	apiErr, err := apiError(t, h, noRetries)
	for _, s := range []string{apiErr.Message, err.Error()} {
		if strings.ContainsAny(s, "<>") || strings.Contains(s, "nginx") || strings.Contains(s, "padding") || strings.Contains(s, "\n") {
			t.Errorf("%q quotes the page instead of summarising it", s)
		}
	}
	if len(apiErr.Message) > 100 {
		t.Errorf("Message is %d bytes, want a short summary", len(apiErr.Message))
	}
}

func TestAPIError_path(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		call func(*testing.T, context.Context, *riskcloud.Client) error
		path string
	}{
		{"Attempts", func(t *testing.T, ctx context.Context, c *riskcloud.Client) error {
			_, err := collect(t, c.AccessAudit.Attempts(testEmail, &riskcloud.ListOptions{Size: 5}).All(ctx))
			return err
		}, testPrefix + "/api/v1/access-audit"},
		{"Logins", func(t *testing.T, ctx context.Context, c *riskcloud.Client) error {
			for _, err := range c.AccessAudit.Logins(nil).Pages(ctx) {
				return err
			}
			return nil
		}, testPrefix + "/api/v1/access-audit/logins"},
		{"Failures page 3", func(t *testing.T, ctx context.Context, c *riskcloud.Client) error {
			_, err := c.AccessAudit.Failures(&riskcloud.ListOptions{Email: testEmail}).Page(ctx, 3)
			return err
		}, testPrefix + "/api/v1/access-audit/failures"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTestClient(t, &canned{status: 403, contentType: "application/json", body: readTestdata(t, "error_status.json")})
			err := tt.call(t, context.Background(), c)
			var apiErr *riskcloud.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want an *APIError", err)
			}
			if apiErr.Method != "GET" || apiErr.Path != tt.path {
				t.Errorf("Method, Path = %q, %q; want GET, %q", apiErr.Method, apiErr.Path, tt.path)
			}
			if want := "riskcloud: GET " + tt.path + ": 403 Forbidden: Access is denied ("; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("Error() = %q, want it to start %q", err, want)
			}
		})
	}
}

func TestAPIError_Is(t *testing.T) {
	t.Parallel()
	sentinels := []error{
		riskcloud.ErrUnauthorized, riskcloud.ErrForbidden, riskcloud.ErrNotFound, riskcloud.ErrRateLimited,
		riskcloud.ErrInvalidArgument, riskcloud.ErrUnexpectedResponse, riskcloud.ErrBadRequest,
		riskcloud.ErrServer, riskcloud.ErrRedirect, riskcloud.ErrNetwork,
	}
	tests := []struct {
		status int
		want   error
	}{
		{400, riskcloud.ErrBadRequest}, {401, riskcloud.ErrUnauthorized}, {403, riskcloud.ErrForbidden},
		{404, riskcloud.ErrNotFound}, {405, riskcloud.ErrBadRequest}, {409, riskcloud.ErrBadRequest},
		{410, riskcloud.ErrBadRequest}, {429, riskcloud.ErrRateLimited}, {499, riskcloud.ErrBadRequest},
		{500, riskcloud.ErrServer}, {502, riskcloud.ErrServer}, {503, riskcloud.ErrServer}, {504, riskcloud.ErrServer},
		{300, riskcloud.ErrRedirect}, {304, riskcloud.ErrRedirect}, {399, riskcloud.ErrRedirect},
		{600, riskcloud.ErrUnexpectedResponse}, {999, riskcloud.ErrUnexpectedResponse},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			t.Parallel()
			_, err := apiError(t, &canned{status: tt.status, contentType: "application/json", body: []byte(`{"message":"m"}`)}, noRetries)
			for _, s := range sentinels {
				if got, want := errors.Is(err, s), s == tt.want; got != want {
					t.Errorf("errors.Is(%d, %v) = %v, want %v", tt.status, s, got, want)
				}
			}
			// The type alone, outside any walk, maps the same way.
			direct := &riskcloud.APIError{StatusCode: tt.status}
			for _, s := range sentinels {
				if got, want := errors.Is(direct, s), s == tt.want; got != want {
					t.Errorf("errors.Is(&APIError{StatusCode: %d}, %v) = %v, want %v", tt.status, s, got, want)
				}
			}
		})
	}
}

func TestAPIError_retriedStatusKeepsTheFinalResponse(t *testing.T) {
	t.Parallel()
	// 429 and 5xx are retried (3 times with the test client); the caller
	// then gets the last response's status and message, not "giving up".
	for _, status := range []int{429, 500, 502, 503, 504} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			h := &canned{status: status, contentType: "application/json", body: []byte(`{"status":0,"message":"still failing"}`)}
			apiErr, err := apiError(t, h)
			if apiErr.StatusCode != status || apiErr.Message != "still failing" {
				t.Errorf("err = %v, want status %d with the server's message", err, status)
			}
			if strings.Contains(err.Error(), "giving up") {
				t.Errorf("err = %q, want the typed error", err)
			}
			if n := len(h.requests()); n != 4 {
				t.Errorf("requests = %d, want 4 (1 + 3 retries)", n)
			}
		})
	}
}

func TestAPIError_retryAfter(t *testing.T) {
	t.Parallel()
	h := &canned{status: 429, contentType: "application/json", header: http.Header{"Retry-After": {"7"}},
		body: []byte(`{"status":429,"message":"slow down"}`)}
	apiErr, _ := apiError(t, h, noRetries)
	if apiErr.RetryAfter != 7*time.Second {
		t.Errorf("RetryAfter = %v, want 7s", apiErr.RetryAfter)
	}
}

func TestAPIError_propertyValueNotPrinted(t *testing.T) {
	t.Parallel()
	h := &canned{status: 400, contentType: "application/json",
		body: []byte(`{"property":"email","value":"alice@example.com","message":"no such user"}`)}
	apiErr, err := apiError(t, h, noRetries)
	if apiErr.Property != "email" {
		t.Errorf("Property = %q, want it as sent", apiErr.Property)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		if s := fmt.Sprintf(verb, err); strings.Contains(s, "alice") {
			t.Errorf("Sprintf(%s, err) = %q shows the rejected value", verb, s)
		}
	}
	if want := "riskcloud: GET " + errLoginsPath + ": 400 Bad Request: email: no such user"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
}

func TestAPIError_hugeBodyIsCapped(t *testing.T) {
	t.Parallel()
	const size = 5 << 20
	tests := []struct {
		name        string
		contentType string
		body        string
	}{
		{"JSON message", "application/json", `{"status":403,"message":"` + strings.Repeat("a", size) + `"}`},
		{"short JSON message then padding", "application/json", `{"status":403,"message":"` + strings.Repeat("é", 400) + `",` +
			`"pad":"` + strings.Repeat("a", size) + `"}`},
		{"HTML page", "text/html", "<html><head><title>" + strings.Repeat("t", 2000) + "</title></head><body>" +
			strings.Repeat("<p>lorem ipsum</p>", size/18) + "</body></html>"},
		{"one line of text", "text/plain", strings.Repeat("z", size)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			apiErr, err := apiError(t, &canned{status: 403, contentType: tt.contentType, body: []byte(tt.body)}, noRetries)
			if len(apiErr.Message) > 520 {
				t.Errorf("Message is %d bytes, want at most ~520", len(apiErr.Message))
			}
			if len(err.Error()) > 800 {
				t.Errorf("Error() is %d bytes", len(err.Error()))
			}
			if apiErr.Message == "" {
				t.Error("Message is empty, want the start of the server's words")
			}
		})
	}
}

// endlessGiveUp is where an endless body gives up, so that a test fails
// rather than hangs.
const endlessGiveUp = 64 << 20

// endlessBody is a response body that never ends (until endlessGiveUp).
func endlessBody() *floodBody {
	return &floodBody{fill: bytes.Repeat([]byte("a"), 64<<10), limit: endlessGiveUp}
}

func TestAPIError_endlessBodyIsReadThroughACap(t *testing.T) {
	t.Parallel()
	for _, status := range []int{403, 500} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			rt := &floodTransport{status: status, newBody: endlessBody}
			c := newTestClientTransport(t, rt, riskcloud.WithRetry(2, time.Millisecond, time.Millisecond))
			_, err := c.AccessAudit.Logins(nil).Page(context.Background(), 0)
			var apiErr *riskcloud.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
				t.Fatalf("err = %v, want an *APIError with status %d", err, status)
			}
			if len(apiErr.Message) > 520 {
				t.Errorf("Message is %d bytes, want at most ~520", len(apiErr.Message))
			}
			rt.mu.Lock()
			defer rt.mu.Unlock()
			for i, b := range rt.bodies {
				b.mu.Lock()
				if b.read > 1<<20 {
					t.Errorf("response %d: read %d bytes of an error body, want at most 1 MiB", i, b.read)
				}
				if !b.closed {
					t.Errorf("response %d: body not closed", i)
				}
				b.mu.Unlock()
			}
		})
	}
}

func TestAPIError_successBodyIsCapped(t *testing.T) {
	t.Parallel()
	if raceDetector {
		t.Skip("reads over 32 MiB, which takes seconds under -race; the run without -race covers it")
	}
	// A 200 that never ends is not a page: an error, after a bounded read.
	rt := &floodTransport{status: 200, newBody: endlessBody}
	c := newTestClientTransport(t, rt, noRetries)
	_, err := c.AccessAudit.Logins(nil).Page(context.Background(), 0)
	if !errors.Is(err, riskcloud.ErrUnexpectedResponse) {
		t.Errorf("err = %v, want ErrUnexpectedResponse", err)
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for i, b := range rt.bodies {
		if b.read >= endlessGiveUp {
			t.Errorf("response %d: read %d bytes before giving up, want a cap below %d", i, b.read, endlessGiveUp)
		}
	}
}

func TestPager_nonJSONResponseNamesTheContentType(t *testing.T) {
	t.Parallel()
	h := &canned{status: 200, contentType: "text/html; charset=utf-8",
		body: []byte("<html><head><title>Sign in</title></head><body>Please sign in</body></html>")}
	c := newTestClient(t, h)
	_, err := c.AccessAudit.Logins(nil).Page(context.Background(), 0)
	if !errors.Is(err, riskcloud.ErrUnexpectedResponse) {
		t.Fatalf("err = %v, want ErrUnexpectedResponse", err)
	}
	if apiErr := (*riskcloud.APIError)(nil); errors.As(err, &apiErr) {
		t.Errorf("err = %v is an *APIError; the status was 200", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "text/html") || strings.Contains(msg, "sign in") ||
		!strings.HasPrefix(msg, "riskcloud: GET "+errLoginsPath+": ") {
		t.Errorf("err = %q, want the method, path and content type, not the page", msg)
	}
	if n := len(h.requests()); n != 1 {
		t.Errorf("requests = %d, want 1: a 200 that is not JSON is not retried", n)
	}
}
