package riskcloud

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors. Compare with [errors.Is]: an [*APIError] matches the
// sentinel of its status, and an invalid argument wraps ErrInvalidArgument.
// Every error a [Pager] returns matches one of them, or, when ctx ended,
// ctx.Err().
var (
	// ErrInvalidArgument is wrapped by every error returned for bad input,
	// before any request is sent. See [ArgumentError].
	ErrInvalidArgument = errors.New("riskcloud: invalid argument")

	// ErrUnauthorized is matched by a 401 response: the token is missing,
	// expired, or was invalidated by generating a new one elsewhere, or the
	// client credentials were rejected.
	ErrUnauthorized = errors.New("riskcloud: unauthorized")

	// ErrForbidden is matched by a 403 response: the key's user lacks the
	// Admin > All entitlement these endpoints require.
	ErrForbidden = errors.New("riskcloud: forbidden")

	// ErrNotFound is matched by a 404 response, most often a base URL that
	// does not point at a Risk Cloud instance (or a wrong proxy prefix), or,
	// from [AuditService], a tenant without the v2 (beta) audit API.
	ErrNotFound = errors.New("riskcloud: not found")

	// ErrRateLimited is matched by a 429 response that outlasted the retries.
	ErrRateLimited = errors.New("riskcloud: rate limited")

	// ErrBadRequest is matched by a 4xx response that has no sentinel of
	// its own (400, 405, 409, 422 …): the server refused the request as
	// sent. It is not retried, and sending it again will not help; the
	// APIError's Message and Property say what the server objected to.
	ErrBadRequest = errors.New("riskcloud: bad request")

	// ErrServer is matched by a 5xx response that outlasted the retries
	// (500, 502, 503 and 504 are retried; 501 and others are not): the
	// server, or a proxy in front of it, failed. Try again later.
	ErrServer = errors.New("riskcloud: server error")

	// ErrRedirect is matched when the server sent the request elsewhere and
	// the client did not get there: a redirect from https to http (refused,
	// as it would send the token in the clear), more than 10 redirects, a
	// redirect that WithHTTPClient's CheckRedirect refused (its error is
	// wrapped too) or left to the caller (http.ErrUseLastResponse), a 3xx
	// response that net/http does not follow (no Location header, or 300
	// and 304), and any redirect of the token exchange, which would carry
	// the client secret wherever it points. The base URL most likely points
	// at a sign-in page or the wrong scheme. It is not retried. A 3xx
	// response to a page request is an [*APIError].
	ErrRedirect = errors.New("riskcloud: redirect not followed")

	// ErrNetwork is matched when no usable response came back after the
	// retries: the name did not resolve, the connection was refused, reset
	// or timed out (WithHTTPClient's Timeout, or the default 60 s per
	// attempt), the certificate failed verification, the server at an
	// https URL did not speak TLS, what came back was not HTTP, or a 2xx
	// body was cut short. The cause stays in the chain for errors.As
	// (*net.OpError, *net.DNSError, *tls.CertificateVerificationError,
	// tls.RecordHeaderError, http.ErrSchemeMismatch,
	// io.ErrUnexpectedEOF …), unless its
	// text quoted a secret of the request (see [APIError.Message]). A ctx
	// that ended is not ErrNetwork: the error then matches ctx.Err().
	ErrNetwork = errors.New("riskcloud: network error")

	// ErrUnexpectedResponse is wrapped when a successful response cannot be
	// used: it is not JSON, is malformed, is over 32 MiB, holds more entries
	// than a page may (see [ListOptions] Size), carries a negative count or
	// page number, carries a timestamp that cannot be parsed, or pages in a
	// way that would lose or repeat entries (for example, a server that
	// ignores the page parameter). An
	// [*APIError] whose status is not one a server should send (below 200
	// or above 599) matches it too.
	ErrUnexpectedResponse = errors.New("riskcloud: unexpected response")
)

// APIError is a response with a status other than 2xx, after any retries.
// Its message reads like
//
//	riskcloud: GET /api/v1/access-audit/logins: 403 Forbidden: Access is denied (...)
//
// It never contains the query string, a header or a credential; Message is
// the server's own words, passed on as sent (trimmed, and summarised when the
// body is an HTML page rather than JSON), except that any credential or
// email filter of the request the server quotes back is replaced by
// "[redacted]".
type APIError struct {
	// StatusCode is the HTTP status of the final response.
	StatusCode int
	// Message is the server's error message; for a non-JSON body, the page's
	// title or its first line of text. Empty when the body had none. The
	// request's token, client ID, secret, Basic credentials and email
	// filter, as sent or escaped (URL, HTML, JSON) and in any letter case,
	// are replaced by "[redacted]" before it is cut to 512 bytes.
	Message string
	// Property names the request field the server rejected, for errors shaped
	// {"property","value","message"}; empty otherwise, and redacted as
	// Message is. The rejected value the server echoes is not kept: it may
	// be an email address.
	Property string
	// Method and Path identify the request (the path only, never the query).
	Method string
	Path   string
	// RetryAfter is the wait the server asked for in a Retry-After header,
	// zero when it sent none.
	RetryAfter time.Duration

	// stripped records that the request was answered after a redirect to
	// another origin took its credentials off (see redirectPolicy): its 401
	// or 403 says nothing of them.
	stripped bool
	// exchange records that the request was the token exchange, whose 401
	// rejects the client credentials rather than a token.
	exchange bool
}

// Error reports the method, path, status and the server's message.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "riskcloud: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" || e.Property != "" {
		b.WriteString(": ")
		if e.Property != "" {
			b.WriteString(e.Property)
			if e.Message != "" {
				b.WriteString(": ")
			}
		}
		b.WriteString(e.Message)
	}
	switch {
	case e.stripped:
		b.WriteString(" (after a redirect to another origin, which the request reached without its credentials: check that the base URL is the instance's own address)")
	case e.StatusCode == http.StatusForbidden:
		b.WriteString(" (the API key's user needs the Admin > All entitlement to read the access audit)")
	case e.StatusCode == http.StatusNotFound && strings.HasSuffix(e.Path, auditsPath):
		b.WriteString(" (this Risk Cloud may not have the v2 audit API, in beta since v2025.5.1; the v1 access audit is on every tenant)")
	case e.StatusCode == http.StatusUnauthorized:
		if e.exchange {
			b.WriteString(" (the client ID and secret were rejected)")
		} else {
			b.WriteString(" (the token is invalid or expired; generating a new one elsewhere invalidates the old)")
		}
	}
	return b.String()
}

// Is reports whether target is the sentinel for e's status: ErrUnauthorized
// (401), ErrForbidden (403), ErrNotFound (404), ErrRateLimited (429),
// ErrBadRequest (any other 4xx), ErrServer (5xx), ErrRedirect (3xx), or
// ErrUnexpectedResponse (any status outside 200 to 599).
func (e *APIError) Is(target error) bool {
	if e.stripped && target == ErrRedirect {
		return true
	}
	switch s := e.StatusCode; {
	case s == http.StatusUnauthorized:
		return target == ErrUnauthorized
	case s == http.StatusForbidden:
		return target == ErrForbidden
	case s == http.StatusNotFound:
		return target == ErrNotFound
	case s == http.StatusTooManyRequests:
		return target == ErrRateLimited
	case 300 <= s && s < 400:
		return target == ErrRedirect
	case 400 <= s && s < 500:
		return target == ErrBadRequest
	case 500 <= s && s < 600:
		return target == ErrServer
	}
	return target == ErrUnexpectedResponse
}

// ArgumentError is an input the SDK refused before sending anything. It
// wraps [ErrInvalidArgument]. The offending value is not repeated, as it may
// be an email address or a credential.
type ArgumentError struct {
	// Name is the argument or field, such as "email", "baseURL" or "ListOptions.Size".
	Name string
	// Problem says what is wrong with it.
	Problem string
}

// Error names the argument and the problem.
func (e *ArgumentError) Error() string {
	return "riskcloud: invalid argument: " + e.Name + ": " + e.Problem
}

// Unwrap returns [ErrInvalidArgument].
func (e *ArgumentError) Unwrap() error { return ErrInvalidArgument }

// sentinelError is a failure found by the SDK itself that matches one
// sentinel without repeating that sentinel's text, so that messages read
// "riskcloud: GET /path: what went wrong": a successful response it cannot
// use (ErrUnexpectedResponse), a redirect it refused to follow
// (ErrRedirect), a request that got no usable response (ErrNetwork).
type sentinelError struct {
	sentinel error
	err      error
}

func (e *sentinelError) Error() string        { return e.err.Error() }
func (e *sentinelError) Unwrap() error        { return e.err }
func (e *sentinelError) Is(target error) bool { return target == e.sentinel }

// unexpected formats an error that matches ErrUnexpectedResponse.
func unexpected(format string, args ...any) error {
	return &sentinelError{ErrUnexpectedResponse, fmt.Errorf(format, args...)}
}

// refusedRedirect marks err as a redirect not followed: it matches
// ErrRedirect, and retrying it would be refused again.
func refusedRedirect(err error) error { return &sentinelError{ErrRedirect, err} }

// errorFor prefixes err with the request it concerns, as every error of a
// request reads: "riskcloud: GET /prefix/api/v1/access-audit: " and the
// cause. It names the path, never the query string.
func errorFor(method, path string, err error) error {
	return fmt.Errorf("riskcloud: %s %s: %w", method, path, err)
}

func invalidArg(name, problem string) error {
	return &ArgumentError{Name: name, Problem: problem}
}

// maxErrorBody caps how much of an error response is read: enough for any
// JSON error or the start of a proxy's HTML page.
const maxErrorBody = 64 << 10

// maxMessageLen caps the server message kept in an APIError, so that a
// verbose proxy cannot flood logs through our error strings.
const maxMessageLen = 512

// newAPIError reads (a capped part of) resp's body and builds the error,
// with red's secrets redacted from the server's words before they are
// clipped: a clip inside a secret must leave none of it. A body longer
// than the cap loses any start of a secret the cap cut through.
func newAPIError(method, path string, resp *http.Response, red *redactor) *APIError {
	e := &APIError{StatusCode: resp.StatusCode, Method: method, Path: path}
	e.RetryAfter, _ = retryAfter(resp.Header, time.Now())
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if len(body) == maxErrorBody {
		body = red.trimPartial(body)
	}
	message, property := parseErrorBody(resp.Header.Get("Content-Type"), body)
	e.Message, e.Property = clip(red.redact(message)), clip(red.redact(property))
	return e
}

// parseErrorBody extracts the server's message from an error body, not yet
// clipped: JSON shaped {"status","message"} or {"property","value","message"}
// (or Spring's {"error","message"}), an HTML page (its title), or plain
// text (its first line).
func parseErrorBody(contentType string, body []byte) (message, property string) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return "", ""
	}
	if body[0] == '{' {
		var v struct {
			Message  json.RawMessage `json:"message"`
			Error    json.RawMessage `json:"error"`
			Property json.RawMessage `json:"property"`
		}
		if json.Unmarshal(body, &v) == nil {
			message = jsonText(v.Message)
			if message == "" {
				message = jsonText(v.Error)
			}
			return message, jsonText(v.Property)
		}
	}
	mediaType, _, _ := mime.ParseMediaType(contentType)
	if mediaType == "text/html" || looksLikeHTML(body) {
		return htmlSummary(body), ""
	}
	line, _, _ := bytes.Cut(body, []byte("\n"))
	return string(line), ""
}

// jsonText renders a JSON value as text: a string unquoted, null as "",
// anything else as its JSON.
func jsonText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

var (
	titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	h1RE    = regexp.MustCompile(`(?is)<h1[^>]*>(.*?)</h1>`)
	tagRE   = regexp.MustCompile(`(?s)<[^>]*>`)
)

func looksLikeHTML(body []byte) bool {
	head := bytes.ToLower(body[:min(len(body), 512)])
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.Contains(head, []byte("<html"))
}

// htmlSummary names an HTML error page by its title or first heading
// instead of quoting the page.
func htmlSummary(body []byte) string {
	for _, re := range []*regexp.Regexp{titleRE, h1RE} {
		if m := re.FindSubmatch(body); m != nil {
			text := strings.Join(strings.Fields(html.UnescapeString(tagRE.ReplaceAllString(string(m[1]), " "))), " ")
			if text != "" {
				return "HTML page: " + text
			}
		}
	}
	return "HTML page with no title"
}

// clip trims space and invalid UTF-8 and caps the length of a server message.
func clip(s string) string { return clipTo(s, maxMessageLen) }

// clipTo trims space and invalid UTF-8 from s, turns control and
// invisible characters into spaces (a server's CR LF must not forge a line
// in the caller's log), and cuts it to at most n bytes, at a rune boundary,
// marking a cut with "…".
func clipTo(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.ContainsFunc(s, notGraphic) {
		s = strings.Map(func(r rune) rune {
			if notGraphic(r) {
				return ' '
			}
			return r
		}, s)
	}
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimRightFunc(s[:cut], unicode.IsSpace) + "…"
}
