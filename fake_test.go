package riskcloud_test

import (
	"encoding/base64"
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
)

// testBase is the base URL of the fake. It carries a path prefix, as a
// proxy's would, so that an endpoint that drops the base path fails.
const (
	testBase   = "https://rc.example.test/proxy"
	testPrefix = "/proxy"
	testToken  = "tok-SECRET-0123456789"
	testID     = "client-id-42"
	testSecret = "s3cr3t-SECRET-value"
	testEmail  = "alice@example.com"
)

// fakeEntry is an entry of the fake log and the user it belongs to (v1
// entries carry no email, so the fake keeps it beside them).
type fakeEntry struct {
	email string
	entry riskcloud.Entry
}

// fakeServer is an in-memory Risk Cloud for this package's tests: the three
// access-audit endpoints and the token exchange, answering Spring pages, with
// knobs for what the walk and the pipeline must survive. It is safe for
// concurrent requests.
type fakeServer struct {
	t  *testing.T
	mu sync.Mutex

	log []fakeEntry // newest first

	// token is the bearer token the fake accepts; "" accepts any request.
	token string
	// With clientID set, tokens are issued by the exchange instead, each
	// exchange invalidating the previous token, and living tokenTTL.
	clientID, secret string
	tokenTTL         time.Duration
	issued           string
	issuedAt         time.Time
	exchanges        int

	// Paging knobs.
	maxSize    int                           // clamp on size; 0: none
	echoSize   bool                          // report the size asked for, not the clamped one
	omit       map[string]bool               // meta fields left out of every page
	ignorePage bool                          // always answer page 0
	beforePage func(f *fakeServer, page int) // runs (locked) before a page is built

	// Faults: the next responses, in order, are these instead.
	faults []fault

	requests []recorded
}

// fault is a canned response the fake sends instead of the real one.
type fault struct {
	status int
	header http.Header
	body   string
}

// recorded is what the fake saw of a request.
type recorded struct {
	method, path string
	query        map[string][]string
	auth         string
}

func newFake(t *testing.T, n int) *fakeServer {
	t.Helper()
	return &fakeServer{t: t, token: testToken, log: entries(n, "")}
}

// logEnd is the timestamp of the newest entry of a fake log.
var logEnd = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// entries makes n distinct logins of testEmail, newest first, one second
// apart, ending at logEnd. Each has a unique "tag" field: tag plus its index.
func entries(n int, tag string) []fakeEntry {
	out := make([]fakeEntry, n)
	for i := range out {
		out[i] = makeEntry(i, tag, logEnd.Add(-time.Duration(i)*time.Second), riskcloud.Login, testEmail)
	}
	return out
}

// mixed makes n entries like entries, but every third a failure and every
// other one bob's, for tests of the endpoints' filters.
func mixed(n int) []fakeEntry {
	out := make([]fakeEntry, n)
	for i := range out {
		typ, email := riskcloud.Login, testEmail
		if i%3 == 0 {
			typ = riskcloud.LoginFail
		}
		if i%2 == 1 {
			email = "bob@example.com"
		}
		out[i] = makeEntry(i, "m", logEnd.Add(-time.Duration(i)*time.Second), typ, email)
	}
	return out
}

func makeEntry(i int, tag string, ts time.Time, typ riskcloud.EntryType, email string) fakeEntry {
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
	return fakeEntry{email: email, entry: e}
}

// newer makes n entries newer than any in the log, for insertion at its head.
func (f *fakeServer) newer(n int, tag string) []fakeEntry {
	head := logEnd
	if len(f.log) > 0 {
		head = f.log[0].entry.Timestamp
	}
	out := make([]fakeEntry, n)
	for i := range out {
		out[i] = makeEntry(i, tag, head.Add(time.Duration(n-i)*time.Millisecond), riskcloud.Login, testEmail)
	}
	return out
}

// insertHead adds entries at the head of the log, as new logins arrive.
func (f *fakeServer) insertHead(es []fakeEntry) {
	f.log = append(append([]fakeEntry(nil), es...), f.log...)
}

// dropTail deletes the n oldest entries, as retention does.
func (f *fakeServer) dropTail(n int) {
	f.log = f.log[:max(0, len(f.log)-n)]
}

// fail queues faults for the next len(faults) requests.
func (f *fakeServer) fail(faults ...fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, faults...)
}

// seen returns the requests so far.
func (f *fakeServer) seen() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

// pageRequests counts requests to the access-audit endpoints.
func (f *fakeServer) pageRequests() int {
	n := 0
	for _, r := range f.seen() {
		if strings.HasPrefix(r.path, "/api/v1/access-audit") {
			n++
		}
	}
	return n
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path, ok := strings.CutPrefix(r.URL.Path, testPrefix)
	if !ok {
		writeJSON(w, http.StatusNotFound, `{"status":404,"message":"no such path"}`)
		return
	}
	f.requests = append(f.requests, recorded{method: r.Method, path: path, query: r.URL.Query(), auth: r.Header.Get("Authorization")})
	if len(f.faults) > 0 {
		ft := f.faults[0]
		f.faults = f.faults[1:]
		for k, vs := range ft.header {
			w.Header()[k] = vs
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(ft.status)
		io.WriteString(w, ft.body)
		return
	}
	switch {
	case path == "/api/v1/account/token" && r.Method == http.MethodPost:
		f.exchange(w, r)
	case r.Method != http.MethodGet:
		writeJSON(w, http.StatusMethodNotAllowed, `{"status":405,"message":"method not allowed"}`)
	case path == "/api/v1/access-audit":
		f.page(w, r, "", true)
	case path == "/api/v1/access-audit/logins":
		f.page(w, r, riskcloud.Login, false)
	case path == "/api/v1/access-audit/failures":
		f.page(w, r, riskcloud.LoginFail, false)
	default:
		writeJSON(w, http.StatusNotFound, `{"status":404,"message":"Not Found"}`)
	}
}

func (f *fakeServer) authorized(r *http.Request) bool {
	got := r.Header.Get("Authorization")
	switch {
	case f.clientID != "":
		return f.issued != "" && got == "Bearer "+f.issued &&
			(f.tokenTTL == 0 || time.Since(f.issuedAt) < f.tokenTTL)
	case f.token != "":
		return got == "Bearer "+f.token
	}
	return true
}

func (f *fakeServer) exchange(w http.ResponseWriter, r *http.Request) {
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(f.clientID+":"+f.secret))
	if f.clientID == "" || r.Header.Get("Authorization") != want {
		writeJSON(w, http.StatusUnauthorized, `{"status":401,"message":"Bad credentials"}`)
		return
	}
	f.exchanges++
	f.issued = fmt.Sprintf("issued-%d-SECRET", f.exchanges)
	f.issuedAt = time.Now()
	ttl := int64(365 * 24 * 3600)
	if f.tokenTTL > 0 {
		ttl = int64(f.tokenTTL / time.Second)
	}
	writeJSON(w, http.StatusOK, fmt.Sprintf(`{"access_token":%q,"token_type":"bearer","expires_in":%d,"scope":"read"}`, f.issued, ttl))
}

// revoke invalidates the issued token, as an exchange elsewhere would.
func (f *fakeServer) revoke() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.issued = "revoked"
}

func (f *fakeServer) page(w http.ResponseWriter, r *http.Request, typ riskcloud.EntryType, emailRequired bool) {
	if !f.authorized(r) {
		writeJSON(w, http.StatusUnauthorized, `{"status":401,"message":"Full authentication is required to access this resource"}`)
		return
	}
	q := r.URL.Query()
	email := q.Get("email")
	if emailRequired && email == "" {
		writeJSON(w, http.StatusBadRequest, `{"property":"email","value":"","message":"must not be empty"}`)
		return
	}
	page, size := 0, 20
	if v := q.Get("page"); v != "" {
		page, _ = strconv.Atoi(v)
	}
	if v := q.Get("size"); v != "" {
		size, _ = strconv.Atoi(v)
	}
	if page < 0 || size < 1 {
		writeJSON(w, http.StatusBadRequest, `{"status":400,"message":"page must be >= 0 and size >= 1"}`)
		return
	}
	asked := size
	if f.maxSize > 0 && size > f.maxSize {
		size = f.maxSize
	}
	if f.ignorePage {
		page = 0
	}
	if f.beforePage != nil {
		f.beforePage(f, page)
	}

	var match []fakeEntry
	for _, e := range f.log {
		if (typ == "" || e.entry.Type == typ) && (email == "" || e.email == email) {
			match = append(match, e)
		}
	}
	total := len(match)
	// In 64 bits, so that the largest page and size a Java server takes
	// cannot overflow on 32-bit machines.
	from64 := min(int64(page)*int64(size), int64(total))
	from, to := int(from64), int(min(from64+int64(size), int64(total)))
	var content []string
	for _, e := range match[from:to] {
		content = append(content, string(e.entry.Raw))
	}
	totalPages := (total + size - 1) / size
	reported := size
	if f.echoSize {
		reported = asked
	}
	meta := []struct {
		name, value string
	}{
		{"number", strconv.Itoa(page)},
		{"size", strconv.Itoa(reported)},
		{"totalElements", strconv.Itoa(total)},
		{"totalPages", strconv.Itoa(totalPages)},
		{"first", strconv.FormatBool(page == 0)},
		{"last", strconv.FormatBool(page >= totalPages-1)},
		{"empty", strconv.FormatBool(len(content) == 0)},
		{"numberOfElements", strconv.Itoa(len(content))},
	}
	var b strings.Builder
	b.WriteString(`{"content":[` + strings.Join(content, ",") + `]`)
	for _, m := range meta {
		if !f.omit[m.name] {
			b.WriteString(`,"` + m.name + `":` + m.value)
		}
	}
	b.WriteString(`,"pageable":{"pageNumber":` + strconv.Itoa(page) + `},"sort":{"sorted":true}}`)
	writeJSON(w, http.StatusOK, b.String())
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
func collect(t *testing.T, seq func(func(riskcloud.Entry, error) bool)) ([]riskcloud.Entry, error) {
	t.Helper()
	var out []riskcloud.Entry
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

// tagsOf returns the tags of the fake's entries.
func tagsOf(es []fakeEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		var v struct{ Tag string }
		json.Unmarshal(e.entry.Raw, &v)
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
