package riskcloud_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/riskcloud-go/riskcloud"
)

// Fuzz targets. `go test` runs their seeds (the f.Add calls and
// testdata/fuzz/<Target>/, built from the recorded pages and error bodies
// in testdata/); scripts/fuzz.sh runs them for longer, and what it finds
// lands in testdata/fuzz/<Target>/ as a new seed.

// transportFunc answers requests with a function.
type transportFunc func(*http.Request) (*http.Response, error)

func (f transportFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// FuzzPager_page serves a fuzzed body as page 0 of Logins (and an empty
// page after it) and reads it with Page and with All. Neither may panic;
// a 200 that cannot be read is ErrUnexpectedResponse; every entry decoded
// is UTC and re-decodes from its Raw to itself; and All yields exactly the
// entries Page returns, since nothing precedes page 0.
func FuzzPager_page(f *testing.F) {
	for _, s := range []string{
		`{"content":[]}`,
		`[{"type":"Login","timestamp":1793534400000}]`,
		`{"content":[{"type":"Login","timestamp":"2026-11-01T12:00:00Z","remoteAddress":"203.0.113.7"}],"number":0,"size":1,"totalElements":2,"totalPages":2,"last":false}`,
		`{"content":[{},{}],"number":0,"size":-1,"totalElements":-1,"totalPages":0}`,
		`{"Content":[{"TYPE":"Login","\u0074imestamp":"1793534400000","remoteAddreſs":"a"}],"content":[{"type":"LoginFail"},null],"LAST":true}`,
		"[{\"message\":\"\\ud83d\\ude00 \xff\",\"x\":[[{}]]} ,{\"type\":null}]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var requests atomic.Int64
		rt := transportFunc(func(req *http.Request) (*http.Response, error) {
			requests.Add(1)
			h := http.Header{"Content-Type": {"application/json"}}
			if req.URL.Query().Get("page") == "0" {
				return rawResponse(req, http.StatusOK, h, string(body)), nil
			}
			return rawResponse(req, http.StatusOK, h, `{"content":[]}`), nil
		})
		c := newTestClientTransport(t, rt, noRetries)
		ctx := context.Background()
		pager := c.AccessAudit.Logins(nil)

		var (
			page       *riskcloud.Page[riskcloud.Entry]
			got        []riskcloud.Entry
			perr, aerr error
		)
		noPanic(t, "Page", func() { page, perr = pager.Page(ctx, 0) })
		noPanic(t, "All", func() { got, aerr = collect(t, pager.All(ctx)) })
		if perr != nil {
			checkPageError(t, "Page", perr)
		} else {
			checkEntries(t, "Page", page.Content)
		}
		checkEntries(t, "All", got)
		if aerr != nil {
			checkPageError(t, "All", aerr)
		}
		switch {
		case perr != nil && aerr == nil:
			t.Errorf("Page failed (%v) but All read the same body", perr)
		case perr == nil && aerr == nil && !slicesEqualRaw(got, page.Content):
			t.Errorf("All yielded %d entries, Page returned %d", len(got), len(page.Content))
		}
		if n := requests.Load(); n > 3 {
			t.Errorf("requests = %d, want at most 3 (Page, then All's two pages)", n)
		}
	})
}

// checkPageError checks the error of a 200 whose page could not be read.
func checkPageError(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, riskcloud.ErrUnexpectedResponse) {
		t.Errorf("%s: err = %v, want ErrUnexpectedResponse", what, err)
	}
	if errors.As(err, new(*riskcloud.APIError)) {
		t.Errorf("%s: err = %v is an *APIError; the status was 200", what, err)
	}
	if !utf8.ValidString(err.Error()) {
		t.Errorf("%s: err = %q is not valid UTF-8", what, err)
	}
}

// checkEntries checks that each entry is UTC and that its Raw decodes to
// the same entry.
func checkEntries(t *testing.T, what string, es []riskcloud.Entry) {
	t.Helper()
	for i, e := range es {
		if e.Timestamp.Location() != time.UTC {
			t.Errorf("%s: entry %d: Timestamp %v is not UTC", what, i, e.Timestamp)
		}
		if e.Raw == nil {
			t.Errorf("%s: entry %d has no Raw", what, i)
			continue
		}
		var again riskcloud.Entry
		if err := json.Unmarshal(e.Raw, &again); err != nil {
			t.Errorf("%s: entry %d: its Raw %s does not decode: %v", what, i, e.Raw, err)
			continue
		}
		if again.Type != e.Type || !again.Timestamp.Equal(e.Timestamp) || again.Message != e.Message ||
			again.RemoteAddress != e.RemoteAddress || !bytes.Equal(again.Raw, e.Raw) {
			t.Errorf("%s: entry %d = %+v\nre-decoded from its Raw = %+v", what, i, e, again)
		}
	}
}

func slicesEqualRaw(a, b []riskcloud.Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i].Raw, b[i].Raw) {
			return false
		}
	}
	return true
}

// checkTimestampDecode adds to FuzzEntry_UnmarshalJSON_timestamp what the
// decoding of obj into e (with err) must also satisfy: an error is a
// *TimestampError or a JSON error; decoding is deterministic; and a
// timestamp that decodes survives a round trip through the forms the API
// may send, RFC 3339 and epoch milliseconds (or, for a time within 1e11 ms
// of 1970, epoch seconds).
func checkTimestampDecode(t *testing.T, obj string, e riskcloud.Entry, err error) {
	t.Helper()
	var again riskcloud.Entry
	errAgain := json.Unmarshal([]byte(obj), &again)
	if err != nil {
		var tsErr *riskcloud.TimestampError
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		if !errors.As(err, &tsErr) && !errors.As(err, &syntax) && !errors.As(err, &typ) {
			t.Errorf("Unmarshal(%s): err = %v (%T), want a *TimestampError or a JSON error", obj, err, err)
		}
		if errAgain == nil || errAgain.Error() != err.Error() {
			t.Errorf("Unmarshal(%s) twice: %v, then %v", obj, err, errAgain)
		}
		return
	}
	if errAgain != nil || again.Timestamp != e.Timestamp || !bytes.Equal(again.Raw, e.Raw) {
		t.Errorf("Unmarshal(%s) twice: %v, then %v (err %v)", obj, e.Timestamp, again.Timestamp, errAgain)
	}
	ts := e.Timestamp
	if ts.IsZero() {
		return
	}
	if y := ts.Year(); y >= 1 && y <= 9999 {
		iso := `{"timestamp":"` + ts.Format(time.RFC3339Nano) + `"}`
		var r riskcloud.Entry
		if err := json.Unmarshal([]byte(iso), &r); err != nil || !r.Timestamp.Equal(ts) {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v, decoded from %s", iso, r.Timestamp, err, ts, obj)
		}
	}
	// Epoch milliseconds below 1e11 in magnitude (1966-10-31 to
	// 1973-03-03) do not round-trip as milliseconds: the SDK reads a number
	// that small as epoch seconds, since no login of this API is that old
	// and servers that send seconds are common. What holds instead is that
	// the same number is read as seconds, and that the time's epoch seconds
	// round-trip.
	ms := ts.UnixMilli()
	want := time.UnixMilli(ms)
	if -1e11 < ms && ms < 1e11 {
		want = time.Unix(ms, 0)
		secs := `{"timestamp":` + strconv.FormatInt(ts.Unix(), 10) + `}`
		var r riskcloud.Entry
		if err := json.Unmarshal([]byte(secs), &r); err != nil || !r.Timestamp.Equal(time.Unix(ts.Unix(), 0)) {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v, decoded from %s", secs, r.Timestamp, err, time.Unix(ts.Unix(), 0).UTC(), obj)
		}
	}
	millis := `{"timestamp":` + strconv.FormatInt(ms, 10) + `}`
	var r riskcloud.Entry
	if err := json.Unmarshal([]byte(millis), &r); err != nil || !r.Timestamp.Equal(want) {
		t.Errorf("Unmarshal(%s) = %v, %v; want %v, decoded from %s", millis, r.Timestamp, err, want.UTC(), obj)
	}
}

// maxAPIErrorLen bounds Error() of an *APIError: method, path, status and
// its text, property and message (each capped at 512 bytes and an
// ellipsis), and the 401 or 403 hint.
const maxAPIErrorLen = 1400

// FuzzAPIError_body serves a fuzzed non-2xx status, Content-Type,
// Retry-After and body to a Logins request that carries a token and an
// email filter. The caller must get an *APIError with that status and the
// matching sentinel, and no other; its text must be valid UTF-8 with no
// control characters (a server's CR LF must not forge a log line), bounded
// in length, and hold neither the token nor the email, even if the server
// itself sent them.
func FuzzAPIError_body(f *testing.F) {
	f.Add(404, "", "", []byte(""))
	f.Add(503, "application/json", "120", []byte(`{"status":503,"message":"down for maintenance"}`))
	f.Add(401, "application/json; charset=utf-8", "", []byte(`{"error":"Unauthorized","message":"Full authentication is required"}`))
	f.Add(429, "text/plain", "Wed, 21 Oct 2015 07:28:00 GMT", []byte("slow down"))
	f.Add(400, "text/plain", "", []byte("Bearer "+testToken+" email=alice%40example.com"))
	f.Add(400, "application/json", "", []byte(`{"message":"\u0074ok-SECRET-0123456789 ALICE@example.com"}`))
	f.Fuzz(func(t *testing.T, status int, contentType, retryAfter string, body []byte) {
		code := 300 + int(uint(status)%300)
		rt := transportFunc(func(req *http.Request) (*http.Response, error) {
			h := http.Header{}
			if contentType != "" {
				h.Set("Content-Type", contentType)
			}
			if retryAfter != "" {
				h.Set("Retry-After", retryAfter)
			}
			return rawResponse(req, code, h, string(body)), nil
		})
		c := newTestClientTransport(t, rt, noRetries)
		var err error
		noPanic(t, "Page", func() {
			_, err = c.AccessAudit.Logins(&riskcloud.ListOptions{Email: testEmail}).Page(context.Background(), 0)
		})
		var apiErr *riskcloud.APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("status %d: err = %v (%T), want an *APIError", code, err, err)
		}
		if apiErr.StatusCode != code {
			t.Errorf("StatusCode = %d, want %d", apiErr.StatusCode, code)
		}
		want := map[int]error{401: riskcloud.ErrUnauthorized, 403: riskcloud.ErrForbidden,
			404: riskcloud.ErrNotFound, 429: riskcloud.ErrRateLimited}[code]
		if want == nil {
			want = []error{riskcloud.ErrRedirect, riskcloud.ErrBadRequest, riskcloud.ErrServer}[code/100-3]
		}
		for _, sentinel := range []error{riskcloud.ErrUnauthorized, riskcloud.ErrForbidden, riskcloud.ErrNotFound,
			riskcloud.ErrRateLimited, riskcloud.ErrRedirect, riskcloud.ErrBadRequest, riskcloud.ErrServer, riskcloud.ErrNetwork} {
			if got := errors.Is(err, sentinel); got != (sentinel == want) {
				t.Errorf("status %d: errors.Is(err, %v) = %v", code, sentinel, got)
			}
		}
		if errors.Is(err, riskcloud.ErrUnexpectedResponse) {
			t.Errorf("status %d: err matches ErrUnexpectedResponse", code)
		}
		if apiErr.RetryAfter < 0 || apiErr.RetryAfter > 24*time.Hour {
			t.Errorf("RetryAfter = %v for %q, want within [0, 24h]", apiErr.RetryAfter, retryAfter)
		}

		msg := err.Error()
		if !utf8.ValidString(msg) {
			t.Errorf("Error() = %q is not valid UTF-8", msg)
		}
		if i := strings.IndexFunc(msg, unicode.IsControl); i >= 0 {
			r, _ := utf8.DecodeRuneInString(msg[i:])
			t.Errorf("Error() = %q holds the control character %U", msg, r)
		}
		if len(msg) > maxAPIErrorLen {
			t.Errorf("Error() is %d bytes, want at most %d", len(msg), maxAPIErrorLen)
		}
		// Even when the server sends them (echoing the request), the
		// client redacts the token and the email it knows.
		for _, secret := range []string{testToken, testEmail, url.QueryEscape(testEmail)} {
			if strings.Contains(strings.ToLower(msg), strings.ToLower(secret)) {
				t.Errorf("Error() = %q holds %q", msg, secret)
			}
		}
		if !bytes.Contains(bytes.ToLower(body), []byte("alice")) && strings.Contains(strings.ToLower(msg), "alice") {
			t.Errorf("Error() = %q holds the email", msg)
		}
	})
}
