package riskcloud_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// testBase is the base URL of the test servers. It carries a path prefix,
// as a proxy's would, so that an endpoint that drops the base path fails.
const (
	testBase   = "https://rc.example.test/proxy"
	testPrefix = "/proxy"
	testToken  = "tok-SECRET-0123456789"
	testID     = "client-id-42"
	testSecret = "s3cr3t-SECRET-value"
	testEmail  = "alice@example.com"
)

// newServer returns an in-process Risk Cloud holding entries(n, ""), to be
// reached through handlerTransport at testBase: it accepts testToken, caps
// no page size, and issues "issued-N-SECRET" tokens when opts give it
// client credentials. opts come after these and so override them.
func newServer(t *testing.T, n int, opts ...riskcloudtest.Option) *riskcloudtest.Server {
	t.Helper()
	all := append([]riskcloudtest.Option{
		riskcloudtest.WithPathPrefix(testPrefix),
		riskcloudtest.WithToken(testToken),
		riskcloudtest.WithMaxPageSize(0),
		riskcloudtest.WithTokenIssuer(func(n int) string { return fmt.Sprintf("issued-%d-SECRET", n) }),
		riskcloudtest.WithEntries(entries(n, "")...),
	}, opts...)
	srv := riskcloudtest.NewHandler(all...)
	t.Cleanup(srv.Close)
	return srv
}

// withoutFields leaves the named meta fields out of the server's pages;
// omit is a set, as the tables that pick fields keep it.
func withoutFields(omit map[string]bool) riskcloudtest.Option {
	var fields []string
	for f, ok := range omit {
		if ok {
			fields = append(fields, f)
		}
	}
	return riskcloudtest.WithoutPageFields(fields...)
}

// userEntry is an entry and the user it belongs to (v1 entries carry no
// email, so the server files them under one).
type userEntry struct {
	email string
	entry riskcloud.Entry
}

// addFor files each entry under its user.
func addFor(srv *riskcloudtest.Server, es []userEntry) {
	for _, e := range es {
		srv.AddFor(e.email, e.entry)
	}
}

// logEnd is the timestamp of the newest entry of a test log.
var logEnd = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// entries makes n distinct logins of testEmail, newest first, one second
// apart, ending at logEnd. Each has a unique "tag" field: tag plus its index.
func entries(n int, tag string) []riskcloud.Entry {
	out := make([]riskcloud.Entry, n)
	for i := range out {
		out[i] = makeEntry(i, tag, logEnd.Add(-time.Duration(i)*time.Second), riskcloud.Login)
	}
	return out
}

// mixed makes n entries like entries, but every third a failure and every
// other one bob's, for tests of the endpoints' filters.
func mixed(n int) []userEntry {
	out := make([]userEntry, n)
	for i := range out {
		typ, email := riskcloud.Login, testEmail
		if i%3 == 0 {
			typ = riskcloud.LoginFail
		}
		if i%2 == 1 {
			email = "bob@example.com"
		}
		out[i] = userEntry{email, makeEntry(i, "m", logEnd.Add(-time.Duration(i)*time.Second), typ)}
	}
	return out
}

func makeEntry(i int, tag string, ts time.Time, typ riskcloud.EntryType) riskcloud.Entry {
	msg := "null"
	if typ == riskcloud.LoginFail {
		msg = `"Bad credentials"`
	}
	addr := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
	raw := fmt.Sprintf(`{"type":%q,"timestamp":%d,"message":%s,"remoteAddress":%q,"tag":%q}`,
		typ, ts.UnixMilli(), msg, addr, tag+strconv.Itoa(i))
	var e riskcloud.Entry
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		panic(err)
	}
	return e
}

// newer makes n logins of testEmail newer than any in srv's log, newest
// first, tagged tag plus an index.
func newer(srv *riskcloudtest.Server, n int, tag string) []riskcloud.Entry {
	head := logEnd
	if es := srv.Entries(); len(es) > 0 {
		head = es[0].Timestamp
	}
	out := make([]riskcloud.Entry, n)
	for i := range out {
		out[i] = makeEntry(i, tag, head.Add(time.Duration(n-i)*time.Millisecond), riskcloud.Login)
	}
	return out
}

// arrive adds newer(srv, n, tag) at the head of the log, as new logins
// arrive.
func arrive(srv *riskcloudtest.Server, n int, tag string) {
	srv.Add(newer(srv, n, tag)...)
}

// statusFault is a canned error response with the server's message "boom
// <status>", and a Retry-After header if one is given.
func statusFault(status int, retryAfter ...string) riskcloudtest.Fault {
	return riskcloudtest.Fault{Status: status, RetryAfter: strings.Join(retryAfter, ""),
		Body: fmt.Sprintf(`{"status":%d,"message":"boom %d"}`, status, status)}
}

// exchanges counts the requests srv saw at the token endpoint, answered or
// not.
func exchanges(srv *riskcloudtest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Path == testPrefix+tokenEndpoint {
			n++
		}
	}
	return n
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// handlerTransport answers requests by calling a handler in-process: no
// sockets, so tests run in parallel and inside synctest bubbles, where the
// fake clock makes retry waits instant and exact.
type handlerTransport struct {
	h http.Handler
	// cut, when set, is called for each response; if it returns n ≥ 0 the
	// body is cut short after n bytes, as a dropped connection would.
	cut func() int
	// fail, when set, may fail a request before it reaches the handler, as
	// a refused or reset connection would.
	fail func(*http.Request) error
}

func (t *handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.fail != nil {
		if err := t.fail(req); err != nil {
			return nil, err
		}
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	if t.cut != nil {
		if n := t.cut(); n >= 0 {
			body, _ := io.ReadAll(resp.Body)
			resp.ContentLength = int64(len(body))
			resp.Body = io.NopCloser(io.MultiReader(strings.NewReader(string(body[:min(n, len(body))])), errReader{io.ErrUnexpectedEOF}))
		}
	}
	return resp, nil
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// newTestClient returns a client of h through handlerTransport, with
// retries that wait a millisecond. opts come after the defaults and so
// override them.
func newTestClient(t *testing.T, h http.Handler, opts ...riskcloud.Option) *riskcloud.Client {
	t.Helper()
	return newTestClientTransport(t, &handlerTransport{h: h}, opts...)
}

func newTestClientTransport(t *testing.T, rt http.RoundTripper, opts ...riskcloud.Option) *riskcloud.Client {
	t.Helper()
	return newClientWith(t, rt, riskcloud.WithToken(testToken), opts...)
}

// newClientWith returns a client of the fake base URL through rt, with the
// given credentials and retries that wait a millisecond; opts override.
func newClientWith(t *testing.T, rt http.RoundTripper, credentials riskcloud.Option, opts ...riskcloud.Option) *riskcloud.Client {
	t.Helper()
	all := append([]riskcloud.Option{
		riskcloud.WithHTTPClient(&http.Client{Transport: rt}),
		credentials,
		riskcloud.WithRetry(3, time.Millisecond, time.Millisecond),
	}, opts...)
	c, err := riskcloud.NewClient(testBase, all...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// collect ranges over seq and returns what it yielded, stopping at the
// first error.
func collect[T any](t *testing.T, seq func(func(T, error) bool)) ([]T, error) {
	t.Helper()
	var out []T
	for e, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

// tags returns the "tag" field of each entry's Raw, which names it uniquely.
func tags(t *testing.T, es []riskcloud.Entry) []string {
	t.Helper()
	out := make([]string, len(es))
	for i, e := range es {
		var v struct{ Tag string }
		if err := json.Unmarshal(e.Raw, &v); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		out[i] = v.Tag
	}
	return out
}

// tagsOf returns the "tag" field of each entry's Raw, as tags does.
func tagsOf(es []riskcloud.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		var v struct{ Tag string }
		json.Unmarshal(e.Raw, &v)
		out[i] = v.Tag
	}
	return out
}

// floodBody is a response body of limit bytes, generated as it is read so
// that the test holds none of it: head once, then fill over and over. It
// counts what is read and whether it was closed.
type floodBody struct {
	head, fill []byte
	limit      int64

	mu     sync.Mutex
	read   int64
	closed bool
}

func (b *floodBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.read >= b.limit {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && b.read < b.limit {
		var src []byte
		if h := int64(len(b.head)); b.read < h {
			src = b.head[b.read:]
		} else {
			src = b.fill[(b.read-h)%int64(len(b.fill)):]
		}
		m := copy(p[n:], src[:min(int64(len(src)), b.limit-b.read)])
		n += m
		b.read += int64(m)
	}
	return n, nil
}

func (b *floodBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	return nil
}

// floodTransport answers every request with status and a new body from
// newBody, declaring its length or not, and keeps the bodies so that a test
// can see how much of each was read.
type floodTransport struct {
	status  int
	declare bool
	newBody func() *floodBody

	mu     sync.Mutex
	bodies []*floodBody
}

func (rt *floodTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	b := rt.newBody()
	rt.mu.Lock()
	rt.bodies = append(rt.bodies, b)
	rt.mu.Unlock()
	length := int64(-1)
	if rt.declare {
		length = b.limit
	}
	return &http.Response{
		StatusCode: rt.status, Status: fmt.Sprintf("%d %s", rt.status, http.StatusText(rt.status)),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: b, ContentLength: length, Request: req,
	}, nil
}

// failNext queues faults on srv, one request each, in order.
func failNext(srv *riskcloudtest.Server, faults ...riskcloudtest.Fault) {
	for _, f := range faults {
		srv.FailNext(1, f)
	}
}
