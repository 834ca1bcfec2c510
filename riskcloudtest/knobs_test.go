package riskcloudtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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

// do sends a request to srv through its own client, with the given
// Authorization (none when empty), and returns the status and body.
func do(t *testing.T, srv *riskcloudtest.Server, method, pathQuery, auth string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+pathQuery, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func deref(n *int) int {
	if n == nil {
		return -1
	}
	return *n
}

func basicAuth(id, secret string) string {
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth(id, secret)
	return req.Header.Get("Authorization")
}

// TestNewHandler_inProcess: a handler server needs no socket, so it works
// inside a synctest bubble, where its latency costs no real time and the
// in-process transport turns Reset and Cut into what a client sees of a
// dropped connection.
func TestNewHandler_inProcess(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := riskcloudtest.NewHandler(riskcloudtest.WithPathPrefix("/rc"), riskcloudtest.WithLatency(time.Minute))
		defer srv.Close()
		srv.Add(logins(30)...)
		if srv.URL != "https://riskcloud.test/rc" {
			t.Errorf("URL = %q", srv.URL)
		}
		srv.FailNext(1, riskcloudtest.Fault{Reset: true})
		srv.FailNext(1, riskcloudtest.Fault{Cut: true})
		start := time.Now()
		got, err := walk(t, srv.Client().AccessAudit.Logins(&riskcloud.ListOptions{Size: 10}))
		if err != nil || !slices.Equal(addrs(got), addrs(logins(30))) {
			t.Fatalf("walk: %d entries, %v", len(got), err)
		}
		// Reset, Cut, then pages 0, 1 and 2, a minute each; the retries'
		// 1 ms waits come on top.
		if took := time.Since(start); took < 5*time.Minute || took > 5*time.Minute+time.Second {
			t.Errorf("walk took %v on the bubble's clock, want 5m", took)
		}
		if st := srv.Stats(); st.PageRequests != 5 || st.Connections != 0 {
			t.Errorf("stats %+v, want 5 page requests and no connection", st)
		}
	})
}

func TestNewHandler_faultsAtTheTransport(t *testing.T) {
	t.Parallel()
	srv := riskcloudtest.NewHandler()
	srv.Add(logins(300)...)
	rt := srv.HTTPClient().Transport

	srv.FailNext(1, riskcloudtest.Fault{Reset: true})
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/access-audit/logins", nil)
	if resp, err := rt.RoundTrip(req); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("Reset: %v, %v; want ECONNRESET", resp, err)
	}

	srv.FailNext(1, riskcloudtest.Fault{Cut: true})
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/api/v1/access-audit/logins?size=300", nil)
	req.Header.Set("Authorization", "Bearer "+srv.Token)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !errors.Is(err, io.ErrUnexpectedEOF) || len(b) == 0 || int64(len(b)) >= resp.ContentLength {
		t.Errorf("Cut: %d, %d of %d bytes, %v; want 200, part of the body, unexpected EOF", resp.StatusCode, len(b), resp.ContentLength, err)
	}
}

func TestServer_WithoutAuthentication(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithoutAuthentication())
	srv.Add(logins(3)...)
	for _, auth := range []string{"", "Bearer whatever", "Basic Zm9vOmJhcg=="} {
		if status, body := do(t, srv, http.MethodGet, "/api/v1/access-audit/logins", auth); status != 200 || !strings.Contains(body, `"totalElements":3`) {
			t.Errorf("Authorization %q: %d %s", auth, status, body)
		}
	}
	// Nothing to exchange: the exchange still wants client credentials.
	if status, _ := do(t, srv, http.MethodPost, "/api/v1/account/token", basicAuth("id", "secret")); status != 401 {
		t.Errorf("exchange: %d, want 401", status)
	}
}

// TestServer_WithTokenIssuer: the tokens are the issuer's, in order, and
// the recorded requests show which one each page carried.
func TestServer_WithTokenIssuer(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithClientCredentials("id", "secret"),
		riskcloudtest.WithTokenIssuer(func(n int) string { return fmt.Sprintf("token-%d", n) }))
	srv.Add(logins(3)...)
	c := srv.Client()
	if _, err := walk(t, c.AccessAudit.Logins(nil)); err != nil {
		t.Fatal(err)
	}
	if got := srv.IssuedToken(); got != "token-1" {
		t.Errorf("IssuedToken = %q, want token-1", got)
	}
	srv.RevokeToken()
	if _, err := walk(t, c.AccessAudit.Logins(nil)); err != nil {
		t.Fatal(err)
	}
	var trace []string
	for _, r := range srv.Requests() {
		trace = append(trace, string(r.Authorization))
	}
	want := []string{basicAuth("id", "secret"), "Bearer token-1", "Bearer token-1", basicAuth("id", "secret"), "Bearer token-2"}
	if !slices.Equal(trace, want) {
		t.Errorf("Authorization of each request:\n%q\nwant\n%q", trace, want)
	}
}

// TestCredential_neverPrints: a recorded Request prints no credential
// with any verb, nor does its Authorization alone.
func TestCredential_neverPrints(t *testing.T) {
	t.Parallel()
	tests := []struct{ header, shown string }{
		{"Bearer s3cr3t-token", "Bearer [redacted]"},
		{"basic czNjcjN0", "basic [redacted]"},
		{"s3cr3t-token", "[redacted]"}, // no scheme: the whole header may be the secret
		{"Token s3cr3t-token", "[redacted]"},
		{"", ""},
	}
	for _, tt := range tests {
		cred := riskcloudtest.Credential(tt.header)
		if got := cred.String(); got != tt.shown {
			t.Errorf("String of %q = %q, want %q", tt.header, got, tt.shown)
		}
		r := riskcloudtest.Request{Method: "GET", Path: "/x", Authorization: cred}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			for _, v := range []any{r, &r, cred} {
				if s := fmt.Sprintf(verb, v); strings.Contains(s, "s3cr3t") || strings.Contains(s, "czNjcjN0") {
					t.Errorf("Sprintf(%q, %T) = %s", verb, v, s)
				}
			}
		}
		if b, _ := json.Marshal(r); strings.Contains(string(b), "s3cr3t") || strings.Contains(string(b), "czNjcjN0") {
			t.Errorf("JSON of a Request = %s", b)
		}
		if string(cred) != tt.header {
			t.Errorf("string(Credential) = %q, want the header as sent, to compare", string(cred))
		}
	}
}

func TestServer_WithoutPageFields(t *testing.T) {
	t.Parallel()
	all := []string{"number", "size", "totalElements", "totalPages", "first", "last", "empty", "numberOfElements"}
	for _, left := range append([][]string{nil, all}, all[:3], all[5:]) {
		srv := newServer(t, riskcloudtest.WithoutPageFields(left...))
		srv.Add(logins(25)...)
		_, body, _ := get(t, srv, "/api/v1/access-audit/logins?page=1&size=10")
		var fields map[string]json.RawMessage
		if err := json.Unmarshal([]byte(body), &fields); err != nil {
			t.Fatal(err)
		}
		for _, f := range all {
			if _, ok := fields[f]; ok == slices.Contains(left, f) {
				t.Errorf("without %v: field %s present: %v", left, f, ok)
			}
		}
		if string(fields["content"]) == "" || string(fields["content"]) == "[]" {
			t.Errorf("without %v: content %s", left, fields["content"])
		}
		// The SDK reads the whole log whichever fields are missing.
		if got, err := walk(t, srv.Client().AccessAudit.Logins(&riskcloud.ListOptions{Size: 10})); err != nil || len(got) != 25 {
			t.Errorf("without %v: walk gave %d entries, %v", left, len(got), err)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("WithoutPageFields(\"pageable\") did not panic")
		}
	}()
	riskcloudtest.WithoutPageFields("pageable")
}

func TestServer_WithPageIgnored(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithPageIgnored())
	srv.Add(logins(30)...)
	_, first, _ := get(t, srv, "/api/v1/access-audit/logins?page=0&size=10")
	_, third, _ := get(t, srv, "/api/v1/access-audit/logins?page=2&size=10")
	var p springPage
	json.Unmarshal([]byte(third), &p)
	if first != third || p.Number == nil || *p.Number != 0 {
		t.Errorf("page 2 = %s\nwant page 0 = %s", third, first)
	}
	_, err := walk(t, srv.Client().AccessAudit.Logins(&riskcloud.ListOptions{Size: 10}))
	if !errors.Is(err, riskcloud.ErrUnexpectedResponse) {
		t.Errorf("walk: %v, want ErrUnexpectedResponse", err)
	}
}

func TestServer_WithEchoedPageSize(t *testing.T) {
	t.Parallel()
	for _, echo := range []bool{false, true} {
		opts := []riskcloudtest.Option{riskcloudtest.WithMaxPageSize(10)}
		if echo {
			opts = append(opts, riskcloudtest.WithEchoedPageSize())
		}
		srv := newServer(t, opts...)
		srv.Add(logins(45)...)
		for _, tt := range []struct {
			query      string
			size, held int
		}{{"size=50", 50, 10}, {"size=7", 7, 7}, {"", 20, 10}} {
			_, body, _ := get(t, srv, "/api/v1/access-audit/logins?"+tt.query)
			var p springPage
			json.Unmarshal([]byte(body), &p)
			want := tt.held // the size used
			if echo {
				want = tt.size // the size asked for, or the default
			}
			if p.Size == nil || *p.Size != want || len(p.Content) != tt.held {
				t.Errorf("echo %v, %q: size %d with %d entries, want %d with %d", echo, tt.query, deref(p.Size), len(p.Content), want, tt.held)
			}
		}
		if got, err := walk(t, srv.Client().AccessAudit.Logins(&riskcloud.ListOptions{Size: 50})); err != nil || len(got) != 45 {
			t.Errorf("echo %v: walk gave %d entries, %v", echo, len(got), err)
		}
	}
}

func TestServer_RevokeToken_staticToken(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(logins(3)...)
	c := srv.Client(riskcloud.WithRetry(0, 0, 0))
	if _, err := walk(t, c.AccessAudit.Logins(nil)); err != nil {
		t.Fatal(err)
	}
	srv.RevokeToken()
	if _, err := walk(t, c.AccessAudit.Logins(nil)); !errors.Is(err, riskcloud.ErrUnauthorized) {
		t.Errorf("after RevokeToken: %v, want ErrUnauthorized", err)
	}
	if status, _ := do(t, srv, http.MethodGet, "/api/v1/access-audit/logins", "Bearer "); status != 401 {
		t.Errorf("an empty token: %d, want 401", status)
	}
}

func TestServer_RollCredentials(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithClientCredentials("id", "old"))
	srv.Add(logins(3)...)
	old := srv.Client()
	if _, err := walk(t, old.AccessAudit.Logins(nil)); err != nil {
		t.Fatal(err)
	}
	srv.RollCredentials("id", "new")
	if srv.IssuedToken() != "" {
		t.Error("the issued token survived the roll")
	}
	// The old client's token is rejected, and so is its exchange.
	if _, err := walk(t, old.AccessAudit.Logins(nil)); !errors.Is(err, riskcloud.ErrUnauthorized) {
		t.Errorf("old credentials: %v, want ErrUnauthorized", err)
	}
	// Server.Client picks the new ones up.
	if got, err := walk(t, srv.Client().AccessAudit.Logins(nil)); err != nil || len(got) != 3 {
		t.Errorf("new credentials: %d entries, %v", len(got), err)
	}
	if n := srv.Stats().Exchanges; n != 2 {
		t.Errorf("exchanges = %d, want 2 (old, then new)", n)
	}

	// A static-token server issues tokens once rolled.
	static := newServer(t)
	static.RollCredentials("id", "secret")
	if status, _ := do(t, static, http.MethodGet, "/api/v1/access-audit/logins", "Bearer "+static.Token); status != 401 {
		t.Errorf("static token after the roll: %d, want 401", status)
	}
	if status, _ := do(t, static, http.MethodPost, "/api/v1/account/token", basicAuth("id", "secret")); status != 200 {
		t.Errorf("exchange after the roll: %d, want 200", status)
	}
}

// TestServer_Entries: every user's entries, newest first, as a page
// carries them, whatever the order they were added in.
func TestServer_Entries(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	if es := srv.Entries(); len(es) != 0 {
		t.Errorf("empty log: %v", es)
	}
	es := logins(6)
	srv.AddFor("bob@example.com", es[1], es[4])
	srv.Add(es[5], es[0], es[3], es[2])
	odd := riskcloud.Entry{Type: "SsoLogin", Timestamp: t0.Add(-time.Hour), Raw: json.RawMessage(`{"type":"SsoLogin","timestamp":"not a time","x":1}`)}
	srv.Add(odd)
	got := srv.Entries()
	if len(got) != 7 || !slices.Equal(addrs(got[:6]), addrs(es)) {
		t.Fatalf("Entries = %v, want the 6 newest first, then the odd one", addrs(got))
	}
	if string(got[6].Raw) != string(odd.Raw) || got[6].Type != "SsoLogin" || !got[6].Timestamp.Equal(odd.Timestamp) {
		t.Errorf("an entry whose Raw does not decode: %+v", got[6])
	}
	page, err := srv.Client().AccessAudit.Logins(&riskcloud.ListOptions{Size: 6}).Page(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range page.Content {
		if string(e.Raw) != string(got[i].Raw) {
			t.Errorf("entry %d: Raw %s, page has %s", i, got[i].Raw, e.Raw)
		}
	}
}

// TestServer_Shift: the log's count never changes as Shift adds and
// deletes, however often a page is read meanwhile.
func TestServer_Shift(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(logins(50)...)
	srv.Shift(1, riskcloud.Entry{Type: riskcloud.Login, Timestamp: t0.Add(time.Millisecond)})
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; !stop.Load(); i++ {
			srv.Shift(3, riskcloud.Entry{Type: riskcloud.Login, Timestamp: t0.Add(time.Duration(3*i+1) * time.Second)},
				riskcloud.Entry{Type: riskcloud.Login, Timestamp: t0.Add(time.Duration(3*i+2) * time.Second)},
				riskcloud.Entry{Type: riskcloud.Login, Timestamp: t0.Add(time.Duration(3*i+3) * time.Second)})
		}
	})
	for range 200 {
		_, body, _ := get(t, srv, "/api/v1/access-audit/logins?size=1")
		if !strings.Contains(body, `"totalElements":50,`) {
			stop.Store(true)
			t.Fatalf("a page saw the log mid-shift: %s", body)
		}
	}
	stop.Store(true)
	wg.Wait()
	if got := srv.Entries(); len(got) != 50 || !got[0].Timestamp.After(t0) {
		t.Errorf("after the shifts: %d entries, newest %v", len(got), got[0].Timestamp)
	}
}

// TestServer_WithBeforePage_oneStep: hooks never overlap, and each page
// is built from the log as its own hook left it, however many pages are
// requested at once.
func TestServer_WithBeforePage_oneStep(t *testing.T) {
	t.Parallel()
	var inHook, overlaps atomic.Int64
	srv := newServer(t, riskcloudtest.WithBeforePage(func(s *riskcloudtest.Server, page int) {
		if inHook.Add(1) > 1 {
			overlaps.Add(1)
		}
		defer inHook.Add(-1)
		time.Sleep(time.Millisecond) // room for another request to overlap
		s.Add(riskcloud.Entry{Type: riskcloud.Login, Timestamp: t0.Add(time.Duration(s.Len()+1) * time.Second)})
	}))
	srv.Add(logins(10)...)
	var wg sync.WaitGroup
	totals := make(chan int, 16)
	for range 16 {
		wg.Go(func() {
			_, body, _ := get(t, srv, "/api/v1/access-audit/logins?size=1")
			var p springPage
			json.Unmarshal([]byte(body), &p)
			totals <- *p.TotalElements
		})
	}
	wg.Wait()
	close(totals)
	var seen []int
	for n := range totals {
		seen = append(seen, n)
	}
	slices.Sort(seen)
	// Each hook adds one entry before its page is built: the pages count
	// 11 to 26, each once.
	for i, n := range seen {
		if n != 11+i {
			t.Fatalf("page counts %v, want 11 to 26 each once", seen)
		}
	}
	if n := overlaps.Load(); n != 0 {
		t.Errorf("hooks overlapped %d times", n)
	}
}

// TestFault_ServeHTTP: a Fault answers alone as it would from a queue, for
// handlers that fail requests by a rule of their own.
func TestFault_ServeHTTP(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	riskcloudtest.Fault{Status: 429, RetryAfter: "3"}.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/access-audit", nil))
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "3" || rec.Header().Get("Content-Type") != "application/json" ||
		!strings.Contains(rec.Body.String(), `"status":429`) || !strings.Contains(rec.Body.String(), `"path":"/api/v1/access-audit"`) {
		t.Errorf("429: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	rec = httptest.NewRecorder()
	riskcloudtest.Fault{Status: 200, ContentType: "text/html", Body: "<html>"}.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/html" || rec.Body.String() != "<html>" {
		t.Errorf("HTML: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}

	// Over a connection, Reset drops it, and Cut sends half its body.
	for _, f := range []riskcloudtest.Fault{{Reset: true}, {Cut: true, Status: 503, Body: `{"status":503,"message":"cut in the middle of this"}`}} {
		ts := httptest.NewServer(f)
		resp, err := ts.Client().Get(ts.URL)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		ts.Close()
		if f.Reset && err == nil || f.Cut && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%+v: err = %v", f, err)
		}
	}
}

// TestServer_WithRequestHistory: Requests holds exactly the last n
// requests, oldest first, whatever the count, and none with 0; the default
// keeps all.
func TestServer_WithRequestHistory(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ history, sent int }{{0, 5}, {1, 1}, {1, 7}, {3, 2}, {3, 3}, {3, 5}, {3, 6}, {3, 11}, {-1, 9}} {
		opts := []riskcloudtest.Option{riskcloudtest.WithoutAuthentication()}
		if tt.history >= 0 {
			opts = append(opts, riskcloudtest.WithRequestHistory(tt.history))
		}
		srv := riskcloudtest.NewHandler(opts...)
		for i := range tt.sent {
			do(t, srv, http.MethodGet, fmt.Sprintf("/api/v1/access-audit/logins?page=%d", i), "")
		}
		var pages []string
		for _, r := range srv.Requests() {
			pages = append(pages, r.Query.Get("page"))
		}
		var want []string
		first := 0
		if tt.history >= 0 {
			first = max(0, tt.sent-tt.history)
		}
		for i := first; i < tt.sent; i++ {
			want = append(want, fmt.Sprint(i))
		}
		if !slices.Equal(pages, want) {
			t.Errorf("history %d, %d sent: Requests pages %v, want %v", tt.history, tt.sent, pages, want)
		}
		if st := srv.Stats(); st.Requests != tt.sent {
			t.Errorf("history %d: Stats().Requests = %d, want %d (the bound is on history only)", tt.history, st.Requests, tt.sent)
		}
		srv.Close()
	}
}
