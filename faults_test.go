package riskcloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
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

// The fault matrix walks a log of several pages through every fault the
// issue lists. A fault hits one page mid-walk, so that the entries before
// it, the retries, and the entries after it all show. Every row runs in a
// synctest bubble: waits and timeouts cost no real time, and the fake clock
// lets a row assert how long the walk waited, which proves which waits the
// retry policy took.
const (
	matrixEntries = 57 // six pages of ten, the last one short
	matrixSize    = 10
	matrixAt      = 2 // the page a fault hits
	matrixRetries = 3
	matrixWaitMin = time.Second
	matrixWaitMax = 10 * time.Second
	matrixTimeout = 30 * time.Second // WithHTTPClient's Timeout: per attempt
)

const (
	all     = -1 // faultRow.yield: the whole log
	forever = -1 // injection.times: every attempt
	atToken = -1 // injection.at: the token exchange instead of a page
)

// action answers one attempt in place of the server (or mangles the
// server's answer, through next).
type action func(req *http.Request, next http.RoundTripper) (*http.Response, error)

// injection makes the attempts at one page (or at the token exchange) fail.
type injection struct {
	at    int
	times int
	act   action
}

// timing is how long, on the fake clock, a row's walk must take: fixed
// waits (Retry-After, timeouts, a deadline, time passing mid-walk) plus the
// jittered backoff before each of the first jittered retries of one request.
type timing struct {
	fixed    time.Duration
	jittered int
}

// faultRow is one row of the matrix.
type faultRow struct {
	name    string
	entries int  // log length; 0 means matrixEntries
	size    int  // ListOptions.Size; 0 means matrixSize
	creds   bool // client credentials instead of a static token
	inject  injection
	setup   riskcloudtest.Option                            // knobs and beforePage hooks
	rewrite func(page int, body map[string]json.RawMessage) // a server whose pages lie
	// deadline, if set, is the caller's ctx deadline.
	deadline time.Duration

	// yield is how many entries, from the head of the log as it was when
	// the walk began, the walk yields (before its error, if any).
	yield int
	// drift: the log changed during the walk; the walk must yield every
	// entry of the original log still present, once, in order, and no other.
	drift bool
	check func(t *testing.T, err error) // nil: the walk ends without error
	// gets and posts count the attempts at the pages and at the token
	// exchange: the retry policy's promise.
	gets, posts int
	wait        timing
}

// matrixTransport counts every attempt and applies the row's injection.
type matrixTransport struct {
	next http.RoundTripper
	inj  injection

	mu          sync.Mutex
	gets, posts int
	hits        int
}

func (m *matrixTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	token := req.Method == http.MethodPost
	m.mu.Lock()
	if token {
		m.posts++
	} else {
		m.gets++
	}
	target := m.inj.act != nil && (m.inj.at == atToken && token ||
		m.inj.at != atToken && !token && req.URL.Query().Get("page") == strconv.Itoa(m.inj.at))
	hit := target && (m.inj.times == forever || m.hits < m.inj.times)
	if hit {
		m.hits++
	}
	m.mu.Unlock()
	if hit {
		return m.inj.act(req, m.next)
	}
	return m.next.RoundTrip(req)
}

func (m *matrixTransport) counts() (gets, posts int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.gets, m.posts
}

// rawResponse builds a response by hand rather than through a recorder,
// which would sniff a Content-Type the row means to leave out.
func rawResponse(req *http.Request, status int, header http.Header, body string) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{
		Status: strconv.Itoa(status) + " " + http.StatusText(status), StatusCode: status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: header, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)),
		Request: req,
	}
}

// respond answers with status, a Content-Type ("" for none), body and
// header pairs whose values are computed at the time of the attempt.
func respond(status int, contentType, body string, header ...func() (string, string)) action {
	return func(req *http.Request, _ http.RoundTripper) (*http.Response, error) {
		h := http.Header{}
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		for _, kv := range header {
			k, v := kv()
			h.Set(k, v)
		}
		return rawResponse(req, status, h, body), nil
	}
}

func retryAfterSecs(s string) func() (string, string) {
	return func() (string, string) { return "Retry-After", s }
}

// retryAfterDate asks for a wait of d as an HTTP date. synctest's clock
// starts on a whole second, so the date is exact.
func retryAfterDate(d time.Duration) func() (string, string) {
	return func() (string, string) { return "Retry-After", time.Now().Add(d).UTC().Format(http.TimeFormat) }
}

func jsonStatus(status int) action {
	return respond(status, "application/json", fmt.Sprintf(`{"status":%d,"message":"boom %d"}`, status, status))
}

// resetConn fails the attempt before any response, as a connection reset
// by the peer does.
func resetConn(*http.Request, http.RoundTripper) (*http.Response, error) { return nil, connReset() }

// cutBody passes the server's answer on with its body cut short after n
// bytes, as a dropped connection leaves it.
func cutBody(n int) action {
	return func(req *http.Request, next http.RoundTripper) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body = io.NopCloser(io.MultiReader(strings.NewReader(string(body[:min(n, len(body))])), errReader{io.ErrUnexpectedEOF}))
		return resp, nil
	}
}

// hang never answers: the attempt ends when its ctx does (the per-attempt
// timeout or the caller's deadline).
func hang(req *http.Request, _ http.RoundTripper) (*http.Response, error) {
	<-req.Context().Done()
	return nil, req.Context().Err()
}

// metaRewrite passes the fake's pages through edit, to serve pages whose
// meta fields lie. Entries keep their bytes: they are raw JSON throughout.
type metaRewrite struct {
	next http.Handler
	edit func(page int, body map[string]json.RawMessage)
}

func (h metaRewrite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	h.next.ServeHTTP(rec, r)
	var body map[string]json.RawMessage
	if r.Method != http.MethodGet || rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil {
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		return
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	h.edit(page, body)
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(body)
}

// Checks of the error a row ends with.

func wantIs(target error) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		if !errors.Is(err, target) {
			t.Errorf("err = %v, want %v", err, target)
		}
		if target != context.DeadlineExceeded && errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v is a timeout", err)
		}
	}
}

// wantStatus wants an *APIError with status that matches sentinel (nil:
// none of the sentinels), with path as its path, and whose message
// contains message.
func wantStatus(status int, sentinel error, path, message string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		apiErr := asAPIError(t, err)
		if apiErr.StatusCode != status {
			t.Errorf("StatusCode = %d, want %d", apiErr.StatusCode, status)
		}
		if apiErr.Path != testPrefix+path || apiErr.Method == "" {
			t.Errorf("Method, Path = %q, %q; want %q", apiErr.Method, apiErr.Path, testPrefix+path)
		}
		if !strings.Contains(apiErr.Message, message) {
			t.Errorf("Message = %q, want %q in it", apiErr.Message, message)
		}
		for _, s := range []error{riskcloud.ErrUnauthorized, riskcloud.ErrForbidden, riskcloud.ErrNotFound, riskcloud.ErrRateLimited, riskcloud.ErrUnexpectedResponse} {
			if got := errors.Is(err, s); got != (s == sentinel) {
				t.Errorf("errors.Is(err, %v) = %v", s, got)
			}
		}
	}
}

// wantUnexpected wants ErrUnexpectedResponse, not an *APIError (the
// status was 200), with each of also in its chain or text.
func wantUnexpected(also ...string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		if !errors.Is(err, riskcloud.ErrUnexpectedResponse) {
			t.Errorf("err = %v, want ErrUnexpectedResponse", err)
		}
		if errors.As(err, new(*riskcloud.APIError)) {
			t.Errorf("err = %v is an *APIError; the status was 200", err)
		}
		for _, a := range also {
			if !strings.Contains(err.Error(), a) {
				t.Errorf("err = %q, want %q in it", err, a)
			}
		}
	}
}

// wantTransport wants target in the chain and no *APIError: no response came.
func wantTransport(target error) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		wantIs(target)(t, err)
		if errors.As(err, new(*riskcloud.APIError)) {
			t.Errorf("err = %v is an *APIError; no response came", err)
		}
	}
}

func both(checks ...func(*testing.T, error)) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		for _, c := range checks {
			c(t, err)
		}
	}
}

// Log changes between page requests.

// growBefore inserts n new entries at the head of the log before page is
// built, once.
func growBefore(page, n int) riskcloudtest.Option {
	done := false
	return riskcloudtest.WithBeforePage(func(f *riskcloudtest.Server, p int) {
		if p == page && !done {
			done = true
			arrive(f, n, fmt.Sprintf("new%d-", p))
		}
	})
}

// driftEvery inserts grow entries at the head and drops drop from the tail
// before every page request but the first.
func driftEvery(grow, drop int) riskcloudtest.Option {
	round := 0
	return riskcloudtest.WithBeforePage(func(f *riskcloudtest.Server, _ int) {
		if round > 0 {
			arrive(f, grow, fmt.Sprintf("new%d-", round))
			f.RemoveOldest(drop)
		}
		round++
	})
}

// dropBefore deletes the n oldest entries before page is built, once.
func dropBefore(page, n int) riskcloudtest.Option {
	done := false
	return riskcloudtest.WithBeforePage(func(f *riskcloudtest.Server, p int) {
		if p == page && !done {
			done = true
			f.RemoveOldest(n)
		}
	})
}

// beforePage runs do before page is built, once.
func beforePage(page int, do func(f *riskcloudtest.Server)) riskcloudtest.Option {
	done := false
	return riskcloudtest.WithBeforePage(func(f *riskcloudtest.Server, p int) {
		if p == page && !done {
			done = true
			do(f)
		}
	})
}

func setJSON(body map[string]json.RawMessage, key, value string) {
	body[key] = json.RawMessage(value)
}

// faultRows is the matrix. Unless a row says otherwise the log holds 57
// entries in pages of 10 (pages 0 to 5), the fault hits page 2, and the
// client retries 3 times, waiting 1 s to 10 s: a fault that heals within
// the budget costs its retries and nothing else (6 pages + retries), one
// that outlasts it ends the walk after 2 pages and 1+3 attempts at page 2,
// and one that is not retried after 2 pages and 1 attempt.
// faultRows returns the rows of the matrix for a walk of l, whose path
// the errors of failed pages name.
func faultRows(t *testing.T, l listing) []faultRow {
	t.Helper()
	const (
		pages = 6 // of the matrix log
		ok    = pages
		spent = matrixAt + 1 + matrixRetries // attempts when a fault outlasts the budget
		once  = matrixAt + 1                 // attempts when a fault is not retried
	)
	logins := l.path
	proxy502 := string(readTestdata(t, "proxy_502.html"))
	emptyNull := string(readTestdata(t, "page_content_null.json"))

	rows := []faultRow{
		// 429 and Retry-After: waits are the server's (capped at waitMax), not jittered.
		{name: "429 Retry-After seconds once", inject: injection{matrixAt, 1, respond(429, "application/json", `{"status":429,"message":"slow down"}`, retryAfterSecs("2"))},
			yield: all, gets: ok + 1, wait: timing{fixed: 2 * time.Second}},
		{name: "429 Retry-After HTTP date once", inject: injection{matrixAt, 1, respond(429, "application/json", `{"status":429,"message":"slow down"}`, retryAfterDate(3*time.Second))},
			yield: all, gets: ok + 1, wait: timing{fixed: 3 * time.Second}},
		{name: "429 Retry-After above waitMax once", inject: injection{matrixAt, 1, respond(429, "", "", retryAfterSecs("3600"))},
			yield: all, gets: ok + 1, wait: timing{fixed: matrixWaitMax}},
		{name: "429 Retry-After up to the budget", inject: injection{matrixAt, matrixRetries, respond(429, "application/json", `{"status":429,"message":"slow down"}`, retryAfterSecs("2"))},
			yield: all, gets: ok + matrixRetries, wait: timing{fixed: matrixRetries * 2 * time.Second}},
		{name: "429 Retry-After forever", inject: injection{matrixAt, forever, respond(429, "application/json", `{"status":429,"message":"slow down"}`, retryAfterSecs("2"))},
			yield: matrixAt * matrixSize, gets: spent, wait: timing{fixed: matrixRetries * 2 * time.Second},
			check: both(wantStatus(429, riskcloud.ErrRateLimited, logins, "slow down"), func(t *testing.T, err error) {
				if apiErr := asAPIError(t, err); apiErr.RetryAfter != 2*time.Second {
					t.Errorf("RetryAfter = %v, want 2s", apiErr.RetryAfter)
				}
			})},
		{name: "429 without Retry-After forever", inject: injection{matrixAt, forever, jsonStatus(429)},
			yield: matrixAt * matrixSize, gets: spent, wait: timing{jittered: matrixRetries},
			check: wantStatus(429, riskcloud.ErrRateLimited, logins, "boom 429")},
	}

	for _, s := range []int{500, 502, 503, 504} {
		rows = append(rows,
			faultRow{name: fmt.Sprintf("%d once", s), inject: injection{matrixAt, 1, jsonStatus(s)},
				yield: all, gets: ok + 1, wait: timing{jittered: 1}},
			faultRow{name: fmt.Sprintf("%d up to the budget", s), inject: injection{matrixAt, matrixRetries, jsonStatus(s)},
				yield: all, gets: ok + matrixRetries, wait: timing{jittered: matrixRetries}},
			faultRow{name: fmt.Sprintf("%d past the budget", s), inject: injection{matrixAt, forever, jsonStatus(s)},
				yield: matrixAt * matrixSize, gets: spent, wait: timing{jittered: matrixRetries},
				check: wantStatus(s, nil, logins, fmt.Sprintf("boom %d", s))},
		)
	}

	rows = append(rows,
		faultRow{name: "503 once on the first page", inject: injection{0, 1, jsonStatus(503)},
			yield: all, gets: ok + 1, wait: timing{jittered: 1}},
		faultRow{name: "504 once on the last page", inject: injection{pages - 1, 1, jsonStatus(504)},
			yield: all, gets: ok + 1, wait: timing{jittered: 1}},

		// Transport faults: no response at all, or one cut short.
		faultRow{name: "connection reset before the headers once", inject: injection{matrixAt, 1, resetConn},
			yield: all, gets: ok + 1, wait: timing{jittered: 1}},
		faultRow{name: "connection reset up to the budget", inject: injection{matrixAt, matrixRetries, resetConn},
			yield: all, gets: ok + matrixRetries, wait: timing{jittered: matrixRetries}},
		faultRow{name: "connection reset forever", inject: injection{matrixAt, forever, resetConn},
			yield: matrixAt * matrixSize, gets: spent, wait: timing{jittered: matrixRetries},
			check: wantTransport(syscall.ECONNRESET)},
		faultRow{name: "body cut short mid-JSON once", inject: injection{matrixAt, 1, cutBody(100)},
			yield: all, gets: ok + 1, wait: timing{jittered: 1}},
		faultRow{name: "body cut short up to the budget", inject: injection{matrixAt, matrixRetries, cutBody(100)},
			yield: all, gets: ok + matrixRetries, wait: timing{jittered: matrixRetries}},
		faultRow{name: "body cut short forever", inject: injection{matrixAt, forever, cutBody(100)},
			yield: matrixAt * matrixSize, gets: spent, wait: timing{jittered: matrixRetries},
			check: wantTransport(io.ErrUnexpectedEOF)},
		faultRow{name: "response slower than the attempt timeout once", inject: injection{matrixAt, 1, hang},
			yield: all, gets: ok + 1, wait: timing{fixed: matrixTimeout, jittered: 1}},
		faultRow{name: "response slower than the attempt timeout forever", inject: injection{matrixAt, forever, hang},
			yield: matrixAt * matrixSize, gets: spent, wait: timing{fixed: (1 + matrixRetries) * matrixTimeout, jittered: matrixRetries},
			check: wantTransport(context.DeadlineExceeded)},
		// The caller's deadline is no attempt timeout: it ends the walk,
		// with no retry.
		faultRow{name: "caller's deadline during a slow response", inject: injection{matrixAt, forever, hang}, deadline: 20 * time.Second,
			yield: matrixAt * matrixSize, gets: once, wait: timing{fixed: 20 * time.Second},
			check: wantTransport(context.DeadlineExceeded)},

		// Bodies that are not a page.
		faultRow{name: "proxy HTML 502 page once", inject: injection{matrixAt, 1, respond(502, "text/html", proxy502)},
			yield: all, gets: ok + 1, wait: timing{jittered: 1}},
		faultRow{name: "proxy HTML 502 page forever", inject: injection{matrixAt, forever, respond(502, "text/html", proxy502)},
			yield: matrixAt * matrixSize, gets: spent, wait: timing{jittered: matrixRetries},
			check: both(wantStatus(502, nil, logins, "HTML page: 502 Bad Gateway"), func(t *testing.T, err error) {
				if strings.Contains(err.Error(), "<") || strings.Contains(err.Error(), "padding") {
					t.Errorf("err = %q quotes the page", err)
				}
			})},
		faultRow{name: "200 with an HTML page", inject: injection{matrixAt, forever, respond(200, "text/html; charset=utf-8", "<html><head><title>Sign in</title></head></html>")},
			yield: matrixAt * matrixSize, gets: once, check: wantUnexpected("text/html")},
		faultRow{name: "200 with an HTML page and no Content-Type", inject: injection{matrixAt, forever, respond(200, "", "<html><head><title>Sign in</title></head></html>")},
			yield: matrixAt * matrixSize, gets: once, check: wantUnexpected()},
		faultRow{name: "200 with truncated JSON", inject: injection{matrixAt, forever, respond(200, "application/json", `{"content":[{"type":"Login","timestamp":17935`)},
			yield: matrixAt * matrixSize, gets: once, check: wantUnexpected("page 2")},
		faultRow{name: "200 with malformed JSON", inject: injection{matrixAt, forever, respond(200, "application/json", `{"content":[{"type":"Login",,}],"number":2}`)},
			yield: matrixAt * matrixSize, gets: once, check: wantUnexpected("page 2")},
		faultRow{name: "200 with no body", inject: injection{matrixAt, forever, respond(200, "application/json", "")},
			yield: matrixAt * matrixSize, gets: once, check: wantUnexpected()},
		faultRow{name: "content null on an empty log", inject: injection{0, forever, respond(200, "application/json", emptyNull)},
			yield: 0, gets: 1},
		// An empty page ends the walk, whatever its other fields say.
		faultRow{name: "content null mid-walk", rewrite: func(page int, body map[string]json.RawMessage) {
			if page == matrixAt {
				setJSON(body, "content", "null")
			}
		}, yield: matrixAt * matrixSize, gets: once},

		// Credentials that stop working mid-walk.
		faultRow{name: "static token rotated mid-walk", setup: beforePage(matrixAt-1, (*riskcloudtest.Server).RevokeToken),
			yield: matrixAt * matrixSize, gets: once,
			check: wantStatus(401, riskcloud.ErrUnauthorized, logins, "Full authentication is required")},
		faultRow{name: "client credentials: token rotated mid-walk", creds: true,
			setup: beforePage(matrixAt-1, (*riskcloudtest.Server).RevokeToken),
			yield: all, gets: ok + 1, posts: 2},
		// A token whose announced life ends mid-walk is replaced before
		// it is used: one more exchange, and no 401.
		faultRow{name: "client credentials: token expires mid-walk", creds: true,
			setup: func(f *riskcloudtest.Server) {
				riskcloudtest.WithTokenLifetime(time.Hour)(f)
				beforePage(matrixAt-1, func(*riskcloudtest.Server) { time.Sleep(time.Hour) })(f)
			},
			yield: all, gets: ok, posts: 2, wait: timing{fixed: time.Hour}},
		faultRow{name: "client credentials: token exchange 503 once", creds: true, inject: injection{atToken, 1, jsonStatus(503)},
			yield: all, gets: ok, posts: 2, wait: timing{jittered: 1}},
		faultRow{name: "client credentials: token exchange 503 forever", creds: true, inject: injection{atToken, forever, jsonStatus(503)},
			yield: 0, posts: 1 + matrixRetries, wait: timing{jittered: matrixRetries},
			check: wantStatus(503, nil, "/api/v1/account/token", "boom 503")},

		// A live log: entries arrive at the head, and retention deletes
		// the oldest, between page requests.
		faultRow{name: "log grows by 1", setup: growBefore(matrixAt, 1), drift: true, gets: 6},
		faultRow{name: "log grows by size-1", setup: growBefore(matrixAt, matrixSize-1), drift: true, gets: 7},
		faultRow{name: "log grows by size", setup: growBefore(matrixAt, matrixSize), drift: true, gets: 7},
		// The walk jumps a page ahead: page 3 holds nothing new.
		faultRow{name: "log grows by 2×size+1", setup: growBefore(matrixAt, 2*matrixSize+1), drift: true, gets: 7},
		// Each page then brings 7 new entries: 10+7×6 = 52, and page 7 the last 5.
		faultRow{name: "log grows by 3 before every page", setup: driftEvery(3, 0), drift: true, gets: 8},
		faultRow{name: "log shrinks by 5", setup: dropBefore(matrixAt, 5), drift: true, gets: 6},
		faultRow{name: "log shrinks by 3 before every page", setup: driftEvery(0, 3), drift: true, gets: 5},
		faultRow{name: "log grows and shrinks by 4 before every page", setup: driftEvery(4, 4), drift: true, gets: 6},

		// Servers that page in their own way.
		faultRow{name: "server clamps size", size: 50, setup: riskcloudtest.WithMaxPageSize(matrixSize),
			yield: all, gets: ok},
		faultRow{name: "server clamps size and echoes the size asked", size: 50, setup: func(f *riskcloudtest.Server) {
			riskcloudtest.WithMaxPageSize(matrixSize)(f)
			riskcloudtest.WithEchoedPageSize()(f)
		},
			yield: all, gets: ok},
		faultRow{name: "server ignores page", setup: riskcloudtest.WithPageIgnored(),
			yield: matrixSize, gets: 2, check: wantUnexpected("ignor")},
		// "Stops on last, on an empty page, or past the latest
		// totalPages, whichever comes first" (DESIGN.md).
		faultRow{name: "last true early while totalPages says more", rewrite: func(page int, body map[string]json.RawMessage) {
			if page == matrixAt {
				setJSON(body, "last", "true")
			}
		}, yield: (matrixAt + 1) * matrixSize, gets: matrixAt + 1},
		faultRow{name: "last false on the final page while totalPages says it is the last", entries: 60,
			rewrite: func(_ int, body map[string]json.RawMessage) { setJSON(body, "last", "false") },
			yield:   all, gets: 6},
		faultRow{name: "totalPages says fewer pages while last is false", entries: 60,
			rewrite: func(_ int, body map[string]json.RawMessage) {
				setJSON(body, "last", "false")
				setJSON(body, "totalPages", "3")
			},
			yield: 3 * matrixSize, gets: 3},
		faultRow{name: "totalPages says more pages and last is never true", entries: 60,
			rewrite: func(_ int, body map[string]json.RawMessage) {
				setJSON(body, "last", "false")
				setJSON(body, "totalPages", "99")
			},
			yield: all, gets: 7}, // the seventh page is empty
		faultRow{name: "absurd meta numbers", rewrite: func(page int, body map[string]json.RawMessage) {
			setJSON(body, "size", "2147483647")
			setJSON(body, "totalPages", "2147483647")
			setJSON(body, "numberOfElements", "2147483647")
			if page%2 == 0 {
				setJSON(body, "totalElements", "9223372036854775807")
			} else {
				setJSON(body, "totalElements", "0")
			}
		}, yield: all, gets: ok},
		// A negative count or index is no page: a totalPages of -1 would
		// end the walk here, as if the log ended.
		faultRow{name: "negative meta", rewrite: func(page int, body map[string]json.RawMessage) {
			if page == matrixAt {
				setJSON(body, "totalPages", "-1")
			}
		}, yield: matrixAt * matrixSize, gets: once, check: wantUnexpected(`"totalPages" is -1`)},
		faultRow{name: "more entries than the size asked for", rewrite: func(page int, body map[string]json.RawMessage) {
			if page == matrixAt {
				var content []json.RawMessage
				json.Unmarshal(body["content"], &content)
				content = append(content, content[0])
				b, _ := json.Marshal(content)
				body["content"] = b
			}
		}, yield: matrixAt * matrixSize, gets: once, check: wantUnexpected("more than the 10 entries asked for")},
	)
	return rows
}

// TestFaults_matrix runs every row of faultRows: a walk of Logins, with an
// email filter, a debug logger and the row's fault, checking the entries
// yielded, the error, the attempts, the time waited, and that no credential
// or email reached the error or the log.
func TestFaults_matrix(t *testing.T) {
	t.Parallel()
	rows := faultRows(t, v1Logins)
	var checked atomic.Int64
	t.Cleanup(func() {
		t.Logf("fault matrix: %d rows, %d entries checked", len(rows), checked.Load())
	})
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				checked.Add(int64(runFaultRow(t, v1Logins, row)))
			})
		})
	}
}

// TestFaults_matrixV2 runs the rows of the matrix that are not about v1's
// page format or a changing log (v2walk_test.go's and v2churn_test.go's)
// against a walk of Audits.Access: its transient faults, bad bodies and
// credentials.
func TestFaults_matrixV2(t *testing.T) {
	t.Parallel()
	var checked atomic.Int64
	rows := 0
	for _, row := range faultRows(t, v2Access) {
		if row.drift || row.rewrite != nil {
			continue
		}
		rows++
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				checked.Add(int64(runFaultRow(t, v2Access, row)))
			})
		})
	}
	t.Cleanup(func() {
		t.Logf("v2 fault matrix: %d rows, %d entries checked", rows, checked.Load())
	})
}

// runFaultRow runs one row as a walk of l and returns the number of
// entries it checked. It is no helper, so that a failure names the check
// that failed.
func runFaultRow(t *testing.T, l listing, row faultRow) int {
	n := row.entries
	if n == 0 {
		n = matrixEntries
	}
	var opts []riskcloudtest.Option
	if row.creds {
		opts = append(opts, riskcloudtest.WithClientCredentials(testID, testSecret))
	}
	if row.setup != nil {
		opts = append(opts, row.setup)
	}
	f := newServer(t, n, opts...)
	orig := l.keys(f)
	var h http.Handler = f
	if row.rewrite != nil {
		h = metaRewrite{next: f, edit: row.rewrite}
	}
	mt := &matrixTransport{next: &handlerTransport{h: h}, inj: row.inject}
	creds := riskcloud.WithToken(testToken)
	if row.creds {
		creds = riskcloud.WithClientCredentials(testID, testSecret)
	}
	logger, text, _ := debugLogger()
	c, err := riskcloud.NewClient(testBase,
		riskcloud.WithHTTPClient(&http.Client{Transport: mt, Timeout: matrixTimeout}),
		creds,
		riskcloud.WithRetry(matrixRetries, matrixWaitMin, matrixWaitMax),
		riskcloud.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}

	ctx := t.Context()
	if row.deadline > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, row.deadline)
		defer cancel()
	}
	size := row.size
	if size == 0 {
		size = matrixSize
	}
	start := time.Now()
	got, err := l.walk(ctx, c, size)
	elapsed := time.Since(start)

	switch {
	case row.check == nil && err != nil:
		t.Errorf("err = %v, want none", err)
	case row.check != nil && err == nil:
		t.Errorf("no error after %d entries", len(got))
	case row.check != nil:
		row.check(t, err)
		if strings.Contains(err.Error(), "giving up") {
			t.Errorf("err = %q: retryablehttp's words, not ours", err)
		}
		assertNoSecrets(t, "err.Error()", err.Error())
		assertNoSecrets(t, "%+v of err", fmt.Sprintf("%+v", err))
	}

	gotKeys := got
	switch {
	case row.drift:
		checkExactlyOnce(t, gotKeys, orig, l.keys(f))
	case row.yield == all:
		if !slices.Equal(gotKeys, orig) {
			t.Errorf("got %d entries %v\nwant all %d %v", len(got), gotKeys, len(orig), orig)
		}
	default:
		if !slices.Equal(gotKeys, orig[:row.yield]) {
			t.Errorf("got %d entries %v\nwant the first %d", len(got), gotKeys, row.yield)
		}
	}

	gets, posts := mt.counts()
	if gets != row.gets || posts != row.posts {
		t.Errorf("attempts: %d page requests and %d token exchanges, want %d and %d", gets, posts, row.gets, row.posts)
	}
	lo, hi := row.wait.fixed, row.wait.fixed
	for i := range row.wait.jittered {
		l, h := backoffBounds(matrixWaitMin, matrixWaitMax, i)
		lo, hi = lo+l, hi+h
	}
	if elapsed < lo || elapsed > hi {
		t.Errorf("the walk took %v on the fake clock, want [%v, %v]", elapsed, lo, hi)
	}

	log := text.String()
	assertNoSecrets(t, "debug log", log)
	if !strings.Contains(log, "riskcloud: request") {
		t.Errorf("no request in the debug log:\n%s", log)
	}
	return len(got)
}
