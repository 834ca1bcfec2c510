package riskcloudtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// logins makes n logins from distinct addresses, newest first, a second apart
// ending at t0.
func logins(n int) []riskcloud.Entry {
	out := make([]riskcloud.Entry, n)
	for i := range out {
		out[i] = riskcloud.Entry{Type: riskcloud.Login, Timestamp: t0.Add(-time.Duration(i) * time.Second), RemoteAddress: fmt.Sprintf("10.0.%d.%d", i/256, i%256)}
	}
	return out
}

func newServer(t *testing.T, opts ...riskcloudtest.Option) *riskcloudtest.Server {
	t.Helper()
	srv := riskcloudtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// springPage is the JSON of a page as Risk Cloud sends it.
type springPage struct {
	Content          []json.RawMessage `json:"content"`
	Number           *int              `json:"number"`
	Size             *int              `json:"size"`
	TotalElements    *int              `json:"totalElements"`
	TotalPages       *int              `json:"totalPages"`
	First, Last      *bool
	Empty            *bool `json:"empty"`
	NumberOfElements *int  `json:"numberOfElements"`
}

// get sends a GET with srv's token and returns the status and body.
func get(t *testing.T, srv *riskcloudtest.Server, pathQuery string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+pathQuery, nil)
	req.Header.Set("Authorization", "Bearer "+srv.Token)
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

func walk(t *testing.T, p *riskcloud.Pager[riskcloud.Entry]) ([]riskcloud.Entry, error) {
	t.Helper()
	var out []riskcloud.Entry
	for e, err := range p.All(context.Background()) {
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

func addrs(es []riskcloud.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.RemoteAddress
	}
	return out
}

func TestServer_springPages(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(logins(45)...)

	tests := []struct {
		query                               string
		number, size, elements, pages, from int
		first, last                         bool
	}{
		{"", 0, 20, 20, 3, 0, true, false},
		{"?page=1", 1, 20, 20, 3, 20, false, false},
		{"?page=2", 2, 20, 5, 3, 40, false, true},
		{"?page=3", 3, 20, 0, 3, 0, false, true},
		{"?page=0&size=45", 0, 45, 45, 1, 0, true, true},
		{"?page=1&size=7", 1, 7, 7, 7, 7, false, false},
	}
	for _, tt := range tests {
		status, body, h := get(t, srv, "/api/v1/access-audit/logins"+tt.query)
		if status != 200 || h.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %d %q", tt.query, status, h.Get("Content-Type"))
		}
		var p springPage
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatalf("%s: %v in %s", tt.query, err, body)
		}
		if *p.Number != tt.number || *p.Size != tt.size || *p.TotalElements != 45 || *p.TotalPages != tt.pages ||
			*p.First != tt.first || *p.Last != tt.last || *p.NumberOfElements != tt.elements || *p.Empty != (tt.elements == 0) ||
			len(p.Content) != tt.elements {
			t.Errorf("%s: got %s", tt.query, body)
		}
		for i, raw := range p.Content {
			var e riskcloud.Entry
			if err := json.Unmarshal(raw, &e); err != nil {
				t.Fatal(err)
			}
			if want := t0.Add(-time.Duration(tt.from+i) * time.Second); !e.Timestamp.Equal(want) {
				t.Errorf("%s: entry %d at %v, want %v (newest first)", tt.query, i, e.Timestamp, want)
			}
		}
		for _, field := range []string{`"pageable":{`, `"sort":{`} {
			if !strings.Contains(body, field) {
				t.Errorf("%s: no %s in %s", tt.query, field, body)
			}
		}
	}
}

func TestServer_pageParams_likeSpring(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithMaxPageSize(10))
	srv.Add(logins(30)...)
	tests := []struct{ query, want string }{
		{"?size=50", `"size":10,"number":0`}, // clamped
		{"?size=0", `"size":10,"number":0`},  // default 20, then clamped
		{"?page=-1", `"size":10,"number":0`}, // negative page is page 0
		{"?page=x&size=y", `"number":0`},     // unreadable: defaults
		{"?page=2&size=4", `"size":4,"number":2`},
		{"?page=99999999999&size=4", `"size":4,"number":0`}, // not a Java int
	}
	for _, tt := range tests {
		_, body, _ := get(t, srv, "/api/v1/access-audit/logins"+tt.query)
		if !strings.Contains(body, tt.want) {
			t.Errorf("%s: want %s in %s", tt.query, tt.want, body)
		}
	}

	def := newServer(t)
	def.Add(logins(2100)...)
	if _, body, _ := get(t, def, "/api/v1/access-audit/logins?size=5000"); !strings.Contains(body, `"size":2000,`) {
		t.Errorf("default cap: want size 2000, got %.200s", body[strings.Index(body, `"last"`):])
	}
}

func TestServer_Add_keepsNewestFirst(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	at := func(sec int, addr string) riskcloud.Entry {
		return riskcloud.Entry{Type: riskcloud.Login, Timestamp: t0.Add(time.Duration(sec) * time.Second), RemoteAddress: addr}
	}
	srv.Add(at(1, "b"), at(5, "e"), at(3, "c"))
	srv.Add(at(4, "d"), at(0, "a"))
	// Equal timestamps: the first of a batch is the newest, and a later
	// batch is newer than what is there.
	srv.Add(at(3, "c2"), at(3, "c1"))
	got, err := walk(t, srv.Client().AccessAudit.Logins(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"e", "d", "c2", "c1", "c", "b", "a"}
	if !slices.Equal(addrs(got), want) {
		t.Errorf("got %v, want %v", addrs(got), want)
	}
	if srv.Len() != 7 {
		t.Errorf("Len = %d", srv.Len())
	}
}

func TestServer_endpoints(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	alice := []riskcloud.Entry{
		{Type: riskcloud.Login, Timestamp: t0, RemoteAddress: "a-login"},
		{Type: riskcloud.LoginFail, Timestamp: t0.Add(-time.Second), Message: "Bad credentials", RemoteAddress: "a-fail"},
	}
	bob := []riskcloud.Entry{
		{Type: riskcloud.LoginFail, Timestamp: t0.Add(-time.Minute), Message: "User is disabled", RemoteAddress: "b-fail"},
		{Type: riskcloud.Login, Timestamp: t0.Add(-2 * time.Minute), RemoteAddress: "b-login"},
	}
	srv.Add(alice...)
	srv.AddFor("Bob@Example.com", bob...)
	aa := srv.Client().AccessAudit

	tests := []struct {
		name  string
		pager *riskcloud.Pager[riskcloud.Entry]
		want  []string
	}{
		{"attempts alice", aa.Attempts(riskcloudtest.DefaultEmail, nil), []string{"a-login", "a-fail"}},
		{"attempts bob, any case", aa.Attempts("bob@example.com", nil), []string{"b-fail", "b-login"}},
		{"attempts nobody", aa.Attempts("carol@example.com", nil), []string{}},
		{"logins", aa.Logins(nil), []string{"a-login", "b-login"}},
		{"failures", aa.Failures(nil), []string{"a-fail", "b-fail"}},
		{"failures of bob", aa.Failures(&riskcloud.ListOptions{Email: "bob@example.com"}), []string{"b-fail"}},
		{"logins of alice", aa.Logins(&riskcloud.ListOptions{Email: riskcloudtest.DefaultEmail}), []string{"a-login"}},
	}
	for _, tt := range tests {
		got, err := walk(t, tt.pager)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !slices.Equal(addrs(got), tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, addrs(got), tt.want)
		}
	}
	f, _ := walk(t, aa.Failures(nil))
	if f[0].Message != "Bad credentials" || f[1].Message != "User is disabled" {
		t.Errorf("messages: %q, %q", f[0].Message, f[1].Message)
	}
}

func TestServer_errorsLikeRiskCloud(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithPathPrefix("/proxy"))
	tests := []struct {
		name, path string
		auth       string
		status     int
		body       string
	}{
		{"attempts needs an email", "/api/v1/access-audit", "ok", 400, `{"property":"email","value":"","message":"must not be blank"}`},
		{"a malformed email", "/api/v1/access-audit?email=nobody", "ok", 400, `"property":"email","value":"nobody","message":"must be a well-formed email address"`},
		{"no token", "/api/v1/access-audit/logins", "", 401, `"status":401,"error":"Unauthorized"`},
		{"wrong token", "/api/v1/access-audit/failures", "Bearer nope", 401, `"path":"/proxy/api/v1/access-audit/failures"`},
		{"no token before no email", "/api/v1/access-audit", "", 401, `"status":401`},
		{"no token before a bad email", "/api/v1/access-audit?email=nobody", "", 401, `"status":401`},
		{"unknown path", "/api/v2/audits/other", "ok", 404, `"status":404`},
		{"outside the prefix", "/../api/v1/access-audit/logins", "ok", 404, `"status":404`},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
		switch tt.auth {
		case "ok":
			req.Header.Set("Authorization", "Bearer "+srv.Token)
		case "":
		default:
			req.Header.Set("Authorization", tt.auth)
		}
		resp, err := srv.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.body) {
			t.Errorf("%s: %d %s, want %d with %s", tt.name, resp.StatusCode, b, tt.status, tt.body)
		}
	}
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/api/v1/access-audit/logins", nil)
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: %d", resp.StatusCode)
	}
}

func TestServer_sdkSeesTypedErrors(t *testing.T) {
	t.Parallel()
	noAdmin := newServer(t, riskcloudtest.WithoutAdmin())
	noAdmin.Add(logins(3)...)
	_, err := walk(t, noAdmin.Client().AccessAudit.Logins(nil))
	if !errors.Is(err, riskcloud.ErrForbidden) || !strings.Contains(err.Error(), "Access is denied") {
		t.Errorf("without Admin: %v", err)
	}

	srv := newServer(t, riskcloudtest.WithToken("the-right-one"))
	if srv.Token != "the-right-one" {
		t.Fatalf("Token = %q", srv.Token)
	}
	_, err = walk(t, srv.Client(riskcloud.WithRetry(0, 0, 0)).AccessAudit.Logins(nil))
	if err != nil {
		t.Fatalf("right token: %v", err)
	}
	c, _ := riskcloud.NewClient(srv.URL, riskcloud.WithToken("wrong"), riskcloud.WithHTTPClient(srv.HTTPClient()))
	_, err = walk(t, c.AccessAudit.Logins(nil))
	var apiErr *riskcloud.APIError
	if !errors.Is(err, riskcloud.ErrUnauthorized) || !errors.As(err, &apiErr) || apiErr.Message != "Full authentication is required to access this resource" {
		t.Errorf("wrong token: %v", err)
	}
}

func TestServer_randomTokens(t *testing.T) {
	t.Parallel()
	a, b := newServer(t), newServer(t)
	if a.Token == "" || a.Token == b.Token {
		t.Errorf("tokens %q and %q: want distinct, non-empty", a.Token, b.Token)
	}
}

func TestServer_clientCredentials(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithClientCredentials("id-1", "secret-1"))
	srv.Add(logins(50)...)
	if srv.Token != "" {
		t.Errorf("Token = %q with client credentials, want empty", srv.Token)
	}
	c := srv.Client()
	got, err := walk(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 10}))
	if err != nil || len(got) != 50 {
		t.Fatalf("walk: %d entries, %v", len(got), err)
	}
	if n := srv.Stats().Exchanges; n != 1 {
		t.Errorf("exchanges after one walk of 5 pages: %d, want 1", n)
	}

	// Another integration's exchange rotates the token: the first client
	// sees 401 and exchanges once more.
	other := srv.Client()
	if _, err := walk(t, other.AccessAudit.Logins(&riskcloud.ListOptions{Limit: 1})); err != nil {
		t.Fatal(err)
	}
	if _, err := walk(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Limit: 1})); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	issued := srv.IssuedToken()
	srv.RevokeToken()
	if issued == "" || srv.IssuedToken() != "" {
		t.Errorf("IssuedToken = %q before RevokeToken, %q after", issued, srv.IssuedToken())
	}
	if _, err := walk(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Limit: 1})); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if n := srv.Stats().Exchanges; n != 4 {
		t.Errorf("exchanges: %d, want 4 (first, other's, after rotation, after revocation)", n)
	}

	// Wrong credentials: the exchange answers 401.
	bad, _ := riskcloud.NewClient(srv.URL, riskcloud.WithClientCredentials("id-1", "wrong"), riskcloud.WithHTTPClient(srv.HTTPClient()))
	if _, err := walk(t, bad.AccessAudit.Logins(nil)); !errors.Is(err, riskcloud.ErrUnauthorized) {
		t.Errorf("wrong secret: %v", err)
	}
	// A static token is not accepted in this mode.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/account/token", nil)
	req.SetBasicAuth("id-1", "secret-1")
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if tok.AccessToken == "" || tok.TokenType != "bearer" || tok.ExpiresIn != 365*24*3600 {
		t.Errorf("exchange answered %+v", tok)
	}
}

func TestServer_WithTokenLifetime(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	clock := t0
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	srv := newServer(t, riskcloudtest.WithClientCredentials("id", "secret"),
		riskcloudtest.WithTokenLifetime(90*time.Second), riskcloudtest.WithClock(now))
	srv.Add(logins(3)...)

	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/account/token", nil)
	req.SetBasicAuth("id", "secret")
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"expires_in":90,`) {
		t.Errorf("exchange: %s", b)
	}

	// The SDK reads the real clock, so it keeps the token; the server's
	// clock says it has expired: a 401, one more exchange, and the walk
	// goes on.
	c := srv.Client()
	if _, err := walk(t, c.AccessAudit.Logins(nil)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	clock = clock.Add(89 * time.Second)
	mu.Unlock()
	if _, err := walk(t, c.AccessAudit.Logins(nil)); err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().Exchanges; n != 2 {
		t.Errorf("exchanges before expiry: %d, want 2 (the raw one, the client's)", n)
	}
	mu.Lock()
	clock = clock.Add(2 * time.Second)
	mu.Unlock()
	if _, err := walk(t, c.AccessAudit.Logins(nil)); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if n := srv.Stats().Exchanges; n != 3 {
		t.Errorf("exchanges after expiry: %d, want 3", n)
	}
}

func TestServer_FailNext(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(logins(5)...)

	srv.FailNext(2, riskcloudtest.Fault{Status: 429, RetryAfter: "1"})
	srv.FailNext(1, riskcloudtest.Fault{Status: 502, Body: "<html><title>502 Bad Gateway</title></html>", ContentType: "text/html"})
	status, body, h := get(t, srv, "/api/v1/access-audit/logins")
	if status != 429 || h.Get("Retry-After") != "1" || !strings.Contains(body, `"status":429`) {
		t.Errorf("first fault: %d %q %s", status, h.Get("Retry-After"), body)
	}
	// The SDK retries the rest and gets the page.
	got, err := walk(t, srv.Client().AccessAudit.Logins(nil))
	if err != nil || len(got) != 5 {
		t.Fatalf("walk: %d, %v", len(got), err)
	}
	if n := srv.Stats().PageRequests; n != 4 {
		t.Errorf("page requests: %d, want 4 (one raw, two faults, one answer)", n)
	}

	srv.FailNext(riskcloud.DefaultRetryMax+1, riskcloudtest.Fault{Status: 503})
	_, err = walk(t, srv.Client().AccessAudit.Logins(nil))
	var apiErr *riskcloud.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Errorf("past the budget: %v", err)
	}
}

func TestServer_FailNext_brokenConnections(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(logins(300)...)

	srv.FailNext(1, riskcloudtest.Fault{Reset: true})
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/access-audit/logins", nil)
	if resp, err := srv.HTTPClient().Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("Reset: got a response %d, want a transport error", resp.StatusCode)
	}

	srv.FailNext(1, riskcloudtest.Fault{Cut: true})
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/api/v1/access-audit/logins?size=300", nil)
	req.Header.Set("Authorization", "Bearer "+srv.Token)
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !errors.Is(err, io.ErrUnexpectedEOF) || len(b) == 0 {
		t.Errorf("Cut: %d, %d bytes, %v; want 200, part of the body, unexpected EOF", resp.StatusCode, len(b), err)
	}

	// The SDK survives both.
	srv.FailNext(1, riskcloudtest.Fault{Reset: true})
	srv.FailNext(1, riskcloudtest.Fault{Cut: true})
	got, err := walk(t, srv.Client().AccessAudit.Logins(&riskcloud.ListOptions{Size: 100}))
	if err != nil || len(got) != 300 {
		t.Errorf("walk: %d, %v", len(got), err)
	}
}

func TestServer_WithFaults(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithFaults(1, riskcloudtest.Fault{}))
	if status, body, _ := get(t, srv, "/api/v1/access-audit/logins"); status != 500 || !strings.Contains(body, `"status":500`) {
		t.Errorf("zero Fault: %d %s, want 500", status, body)
	}
	if status, _, _ := get(t, srv, "/api/v1/access-audit/logins"); status != 200 {
		t.Errorf("after the fault: %d", status)
	}
}

func TestServer_WithLatency(t *testing.T) {
	t.Parallel()
	const latency = 30 * time.Millisecond
	srv := newServer(t, riskcloudtest.WithLatency(latency))
	srv.Add(logins(3)...)
	start := time.Now()
	got, err := walk(t, srv.Client().AccessAudit.Logins(nil))
	if err != nil || len(got) != 3 {
		t.Fatalf("walk: %d, %v", len(got), err)
	}
	if took := time.Since(start); took < latency {
		t.Errorf("a page took %v, want at least the latency, %v", took, latency)
	}
}

func TestServer_WithLatency_cancelled(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithLatency(time.Hour))
	srv.Add(logins(3)...)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := srv.Client().AccessAudit.Logins(nil).Page(ctx, 0)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
	if n := srv.Stats().PageRequests; n != 1 {
		t.Errorf("page requests = %d, want the one the deadline cut short", n)
	}
}

// TestServer_Close_duringLatency: Close drops requests still waiting out
// their latency instead of waiting an hour for them.
func TestServer_Close_duringLatency(t *testing.T) {
	t.Parallel()
	srv := riskcloudtest.NewServer(riskcloudtest.WithLatency(time.Hour))
	srv.Add(logins(3)...)
	sent := make(chan struct{})
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { close(sent) },
	})
	done := make(chan error)
	go func() {
		_, err := srv.Client(riskcloud.WithRetry(0, 0, 0)).AccessAudit.Logins(nil).Page(ctx, 0)
		done <- err
	}()
	<-sent
	// The handler counts the request before it waits out the latency.
	for srv.Stats().PageRequests == 0 {
		runtime.Gosched()
	}
	srv.Close() // hangs for an hour if latency waits ignore Close
	srv.Close() // and may be called again
	if err := <-done; err == nil {
		t.Error("the request waiting out its latency succeeded after Close")
	}
}

func TestServer_WithArrivals_walkIsExactlyOnce(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithArrivals(7))
	srv.Add(logins(100)...)
	got, err := walk(t, srv.Client().AccessAudit.Logins(&riskcloud.ListOptions{Size: 10}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(addrs(got), addrs(logins(100))) {
		t.Errorf("walk under arrivals: got %d entries %v…", len(got), addrs(got)[:min(len(got), 12)])
	}
	if srv.Len() <= 100 {
		t.Errorf("Len = %d: no entries arrived", srv.Len())
	}
}

func TestServer_WithBeforePage_retention(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithBeforePage(func(s *riskcloudtest.Server, page int) {
		if page == 2 {
			s.RemoveOldest(5)
		}
	}))
	srv.Add(logins(50)...)
	got, err := walk(t, srv.Client().AccessAudit.Logins(&riskcloud.ListOptions{Size: 10}))
	if err != nil {
		t.Fatal(err)
	}
	if want := addrs(logins(45)); !slices.Equal(addrs(got), want) {
		t.Errorf("got %d entries, want the 45 that remain", len(got))
	}
}

func TestServer_WithTLS(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithTLS(), riskcloudtest.WithPathPrefix("/rc"))
	srv.Add(logins(3)...)
	if !strings.HasPrefix(srv.URL, "https://127.0.0.1:") || !strings.HasSuffix(srv.URL, "/rc") {
		t.Errorf("URL = %s", srv.URL)
	}
	got, err := walk(t, srv.Client().AccessAudit.Logins(nil))
	if err != nil || len(got) != 3 {
		t.Errorf("walk: %d, %v", len(got), err)
	}
	// A client that does not trust the certificate is refused.
	c, _ := riskcloud.NewClient(srv.URL, riskcloud.WithToken(srv.Token), riskcloud.WithRetry(0, 0, 0))
	if _, err := walk(t, c.AccessAudit.Logins(nil)); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted: %v", err)
	}
}

func TestServer_RequestsAndStats(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(logins(95)...)
	if _, err := walk(t, srv.Client().AccessAudit.Failures(&riskcloud.ListOptions{Size: 50, Email: "x@example.com"})); err != nil {
		t.Fatal(err)
	}
	if _, err := walk(t, srv.Client().AccessAudit.Logins(&riskcloud.ListOptions{Size: 10})); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 11 || reqs[0].Path != "/api/v1/access-audit/failures" || reqs[0].Query.Get("email") != "x@example.com" ||
		reqs[0].Query.Get("size") != "50" || reqs[10].Query.Get("page") != "9" {
		t.Errorf("requests: %+v", reqs)
	}
	st := srv.Stats()
	// A sequential walk reuses one connection for all of its pages.
	if st.Requests != 11 || st.PageRequests != 11 || st.Connections != 1 || st.MaxInFlight != 1 {
		t.Errorf("stats: %+v", st)
	}
	for _, r := range reqs {
		if strings.Contains(fmt.Sprint(r), srv.Token) {
			t.Errorf("a recorded request holds the token: %v", r)
		}
	}
}

func TestServer_concurrentWalksAndWrites(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(logins(400)...)
	c := srv.Client()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			opts := &riskcloud.ListOptions{Size: 25 + i}
			got, err := walk(t, c.AccessAudit.Logins(opts))
			if err != nil || len(got) < 400 {
				t.Errorf("walk %d: %d entries, %v", i, len(got), err)
			}
		})
	}
	wg.Go(func() {
		for i := range 50 {
			srv.Add(riskcloud.Entry{Type: riskcloud.Login, Timestamp: t0.Add(time.Duration(i+1) * time.Second), RemoteAddress: "new"})
			_ = srv.Stats()
			_ = srv.Requests()
		}
	})
	wg.Wait()
	if srv.Len() != 450 {
		t.Errorf("Len = %d", srv.Len())
	}
}

func TestServer_keepsRaw(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	raw := `{"type":"Login","timestamp":"2026-11-01T12:00:00Z","message":null,"remoteAddress":"::1","userAgent":"curl/8"}`
	var e riskcloud.Entry
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		t.Fatal(err)
	}
	srv.Add(e)
	got, err := walk(t, srv.Client().AccessAudit.Logins(nil))
	if err != nil || len(got) != 1 || string(got[0].Raw) != raw {
		t.Errorf("got %v, %v; want Raw sent as given", got, err)
	}
}

func TestServer_WithEntries(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithEntries(logins(3)...), riskcloudtest.WithEntries(logins(2)...))
	got, err := walk(t, srv.Client().AccessAudit.Attempts(riskcloudtest.DefaultEmail, nil))
	if err != nil || len(got) != 5 || srv.Len() != 5 {
		t.Errorf("got %d entries (Len %d), %v; want the 5 given to WithEntries", len(got), srv.Len(), err)
	}
}

// TestServer_Add_timesNear1970: the client reads an epoch number below
// 1e11 as seconds, so the fake must not send one for an entry it was given
// with a time that close to 1970, or the time would change on the way.
func TestServer_Add_timesNear1970(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	times := []time.Time{
		time.UnixMilli(100_000_000_000).UTC(),  // the first millisecond sent as a number
		time.UnixMilli(99_999_999_999).UTC(),   // the last that is not
		time.Unix(0, 0).UTC().Add(time.Second), // 1970
		time.UnixMilli(-100_000_000_000).UTC(), // 1966, sent as a number
	}
	for i, ts := range times {
		srv.Add(riskcloud.Entry{Type: riskcloud.Login, Timestamp: ts, RemoteAddress: fmt.Sprint("10.0.0.", i)})
	}
	got, err := walk(t, srv.Client().AccessAudit.Logins(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(times) {
		t.Fatalf("got %d entries, want %d", len(got), len(times))
	}
	for i, e := range got {
		if !e.Timestamp.Equal(times[i]) {
			t.Errorf("entry %d: Timestamp = %v, want %v", i, e.Timestamp, times[i])
		}
	}
}
