package riskcloud_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// Hostile input: what validation_test.go, secrets_test.go and
// retry_test.go do not already cover.

// TestPager_invalidInput_emailControlCharacters: an email is one bare
// address with no control characters (DESIGN.md). Beyond CR and LF (see
// TestPager_invalidInput), that includes C0 and C1 controls, DEL, and the
// Unicode characters that break or reorder a line where the email may be
// shown: LINE SEPARATOR, PARAGRAPH SEPARATOR and RIGHT-TO-LEFT OVERRIDE.
// Each is refused before any request, on all three endpoints.
func TestPager_invalidInput_emailControlCharacters(t *testing.T) {
	t.Parallel()
	chars := []struct {
		name string
		r    string
	}{
		{"NUL", "\x00"},
		{"TAB", "\t"},
		{"CR", "\r"},
		{"ESC", "\x1b"},
		{"DEL", "\x7f"},
		{"U+0085 NEXT LINE", "\u0085"},
		{"U+009B CSI", "\u009b"},
		{"U+2028 LINE SEPARATOR", "\u2028"},
		{"U+2029 PARAGRAPH SEPARATOR", "\u2029"},
		{"U+202E RIGHT-TO-LEFT OVERRIDE", "\u202e"},
	}
	places := []struct {
		name  string
		email func(c string) string
	}{
		{"in the local part", func(c string) string { return "ali" + c + "ce@example.com" }},
		{"in the domain", func(c string) string { return "alice@exam" + c + "ple.com" }},
		{"at the end", func(c string) string { return "alice@example.com" + c }},
	}
	pagers := []struct {
		field string
		pager func(s *riskcloud.AccessAuditService, email string) *riskcloud.Pager[riskcloud.Entry]
	}{
		{"email", func(s *riskcloud.AccessAuditService, email string) *riskcloud.Pager[riskcloud.Entry] {
			return s.Attempts(email, nil)
		}},
		{"ListOptions.Email", func(s *riskcloud.AccessAuditService, email string) *riskcloud.Pager[riskcloud.Entry] {
			return s.Logins(&riskcloud.ListOptions{Email: email})
		}},
		{"ListOptions.Email", func(s *riskcloud.AccessAuditService, email string) *riskcloud.Pager[riskcloud.Entry] {
			return s.Failures(&riskcloud.ListOptions{Email: email})
		}},
	}
	for _, ch := range chars {
		for _, pl := range places {
			t.Run(ch.name+" "+pl.name, func(t *testing.T) {
				t.Parallel()
				c := refusingClient(t)
				email := pl.email(ch.r)
				for _, p := range pagers {
					pager := p.pager(c.AccessAudit, email)
					_, err := pager.Page(context.Background(), 0)
					checkInvalid(t, err, p.field, "alice", "example")
					_, err = collect(t, pager.All(context.Background()))
					checkInvalid(t, err, p.field, "alice", "example")
				}
			})
		}
	}
}

// TestPager_extremeValidOptions: the largest page and size the server can
// represent, and the largest limit, are valid; they reach the server as
// sent, and nothing in the walk's arithmetic overflows.
func TestPager_extremeValidOptions(t *testing.T) {
	t.Parallel()
	f := newServer(t, 25)
	c := newTestClient(t, f)
	opts := &riskcloud.ListOptions{Page: math.MaxInt32, Size: math.MaxInt32, Limit: math.MaxInt, Email: testEmail}
	got, err := collect(t, c.AccessAudit.Logins(opts).All(context.Background()))
	if err != nil || len(got) != 0 {
		t.Fatalf("got %d entries, err %v; want none: the page is past the end", len(got), err)
	}
	seen := f.Requests()
	if len(seen) != 1 {
		t.Fatalf("requests = %d, want 1", len(seen))
	}
	if q := seen[0].Query; q.Get("page") != "2147483647" || q.Get("size") != "2147483647" {
		t.Errorf("query = %v", q)
	}

	// From page 0, a limit larger than the log reads it all, in one page.
	got, err = collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: math.MaxInt32, Limit: math.MaxInt}).All(context.Background()))
	if err != nil || !slices.Equal(tags(t, got), tagsOf(f.Entries())) {
		t.Errorf("got %d entries, err %v; want all 25", len(got), err)
	}
}

// TestClient_retry_backoffDoesNotOverflow: with a very large waitMax, the
// exponential backoff must not overflow into a zero or negative wait after
// a few dozen retries: that would turn a patient client into one that
// hammers a failing server. The first 34 responses ask, with Retry-After: 0,
// to retry at once; the 35th asks for nothing, so the client waits its own
// backoff for retry 35, which is at least waitMin and (uncapped) about
// 2^34 s. The caller's deadline of an hour ends that wait.
func TestClient_retry_backoffDoesNotOverflow(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const (
			immediate = 34
			deadline  = time.Hour
		)
		f := newServer(t, 5)
		f.FailNext(immediate, statusFault(503, "0"))
		f.FailNext(6, statusFault(503))
		c := newTestClient(t, f, riskcloud.WithRetry(immediate+6, time.Second, math.MaxInt64))
		ctx, cancel := context.WithTimeout(t.Context(), deadline)
		defer cancel()
		start := time.Now()
		_, err := c.AccessAudit.Logins(nil).Page(ctx, 0)
		elapsed := time.Since(start)
		if n := len(f.Requests()); n != immediate+1 {
			t.Errorf("requests = %d, want %d: after the last Retry-After: 0, the client must back off, not retry at once", n, immediate+1)
		}
		if !errors.Is(err, context.DeadlineExceeded) || elapsed != deadline {
			t.Errorf("err = %v after %v; want the deadline's error after %v", err, elapsed, deadline)
		}
	})
}

// floodPage is a 1 GiB body that looks like the start of a page with
// endless entries.
func floodPage() *floodBody {
	return &floodBody{
		head:  []byte(`{"content":[`),
		fill:  []byte(`{"type":"LoginFail","timestamp":1793534400000,"message":"Bad credentials","remoteAddress":"203.0.113.7"},`),
		limit: 1 << 30,
	}
}

// TestClient_successBodyCap_boundedMemory: a 1 GiB page is refused after
// reading no more than the cap, is not retried (it would be as large
// again), and is never held in memory: the whole walk allocates well under
// a tenth of it, whether or not the response declares its length (a client
// that trusted Content-Length would allocate the whole GiB up front). It
// measures the process's allocations, so it does not run in parallel.
func TestClient_successBodyCap_boundedMemory(t *testing.T) {
	if raceDetector {
		t.Skip("reads tens of MiB, which takes seconds under -race; the run without -race covers it")
	}
	const (
		maxRead = 33 << 20 // the 32 MiB cap and a little
		// maxAlloc bounds all allocations of the walk: under a tenth of
		// the body. Reading up to the cap into a buffer that grows no
		// further than the cap allocates under twice the cap (a buffer
		// that doubled past it, as bytes.Buffer does, would take 128 MiB).
		maxAlloc = 96 << 20
	)
	for _, declare := range []bool{false, true} {
		t.Run(fmt.Sprintf("declared=%v", declare), func(t *testing.T) {
			rt := &floodTransport{status: 200, declare: declare, newBody: floodPage}
			c := newTestClientTransport(t, rt)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			got, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Email: testEmail}).All(context.Background()))
			runtime.ReadMemStats(&after)

			if !errors.Is(err, riskcloud.ErrUnexpectedResponse) || !strings.Contains(err.Error(), "exceeds") {
				t.Errorf("err = %v, want ErrUnexpectedResponse saying the body exceeds the cap", err)
			}
			if len(got) != 0 {
				t.Errorf("yielded %d entries of a page it could not read", len(got))
			}
			assertNoSecrets(t, "err.Error()", err.Error())
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > maxAlloc {
				t.Errorf("the walk allocated %d MiB, want under %d MiB", alloc>>20, maxAlloc>>20)
			} else {
				t.Logf("the walk allocated %d MiB", alloc>>20)
			}
			rt.mu.Lock()
			defer rt.mu.Unlock()
			if len(rt.bodies) != 1 {
				t.Errorf("requests = %d, want 1: a body over the cap is not retried", len(rt.bodies))
			}
			for i, b := range rt.bodies {
				b.mu.Lock()
				if b.read > maxRead {
					t.Errorf("response %d: read %d MiB, want at most %d", i, b.read>>20, maxRead>>20)
				}
				if declare && b.read != 0 {
					t.Errorf("response %d: read %d bytes of a body declared larger than the cap, want none", i, b.read)
				}
				if !b.closed {
					t.Errorf("response %d: body not closed", i)
				}
				b.mu.Unlock()
			}
		})
	}
}

// TestClient_TLS_verifiedByDefault: a server whose certificate the client
// does not trust is refused, with a certificate error, after one handshake:
// a certificate that failed will fail again, so it is not retried. This
// holds for the SDK's own transport and for a caller's. With the server's
// certificate trusted, the same walk succeeds.
func TestClient_TLS_verifiedByDefault(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		client  func(srv *httptest.Server) *http.Client // nil: no WithHTTPClient
		trusted bool
	}{
		{"SDK transport", nil, false},
		{"caller's client, default transport", func(*httptest.Server) *http.Client { return &http.Client{} }, false},
		{"caller's transport", func(*httptest.Server) *http.Client {
			return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{}}}
		}, false},
		{"server's certificate trusted", func(srv *httptest.Server) *http.Client { return srv.Client() }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newServer(t, 5)
			var hellos atomic.Int64
			srv := httptest.NewUnstartedServer(f)
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
			srv.TLS = &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
				hellos.Add(1)
				return nil, nil
			}}
			srv.StartTLS()
			defer srv.Close()

			logger, text, _ := debugLogger()
			opts := []riskcloud.Option{riskcloud.WithToken(testToken), riskcloud.WithLogger(logger),
				riskcloud.WithRetry(3, time.Millisecond, time.Millisecond)}
			if tt.client != nil {
				opts = append(opts, riskcloud.WithHTTPClient(tt.client(srv)))
			}
			c, err := riskcloud.NewClient(srv.URL+testPrefix, opts...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Email: testEmail}).All(context.Background()))
			assertNoSecrets(t, "debug log", text.String())
			if tt.trusted {
				if err != nil || len(got) != 5 {
					t.Fatalf("got %d entries, err %v; want 5", len(got), err)
				}
				return
			}
			var unknown x509.UnknownAuthorityError
			var verify *tls.CertificateVerificationError
			if !errors.As(err, &unknown) && !errors.As(err, &verify) {
				t.Fatalf("err = %v, want a certificate error", err)
			}
			assertNoSecrets(t, "err.Error()", err.Error())
			if n := hellos.Load(); n != 1 {
				t.Errorf("handshakes = %d, want 1: a refused certificate is not retried", n)
			}
			if n := len(f.Requests()); n != 0 {
				t.Errorf("the server answered %d requests over a connection the client should have refused", n)
			}
		})
	}
}

// TestSecrets_notInExportedValues prints, with every common verb, a value
// of each exported type the SDK hands back — pages, entries and each kind
// of error — after a walk that sent an exchanged token and an email filter.
// (Client, AccessAuditService, Pager and the options are checked in
// secrets_test.go. ListOptions is left out: it is the caller's own struct,
// and shows the email the caller put in it.)
func TestSecrets_notInExportedValues(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := fakeFor(t, true, 12)
	var (
		mu       sync.Mutex
		override *riskcloudtest.Fault // the next page request's answer, if set
	)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		o := override
		mu.Unlock()
		if o != nil && r.Method == http.MethodGet {
			(&faultOn{next: f, match: "/api/v1/access-audit", f: *o}).ServeHTTP(w, r)
			return
		}
		f.ServeHTTP(w, r)
	})
	serve := func(ft *riskcloudtest.Fault) {
		mu.Lock()
		override = ft
		mu.Unlock()
	}
	c := newCredentialsClient(t, &handlerTransport{h: h})
	opts := &riskcloud.ListOptions{Email: testEmail, Size: 5}

	page, err := c.AccessAudit.Logins(opts).Page(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := collect(t, c.AccessAudit.Attempts(testEmail, opts).All(ctx))
	if err != nil || len(entries) != 12 {
		t.Fatalf("got %d entries, err %v", len(entries), err)
	}
	var pages []*riskcloud.Page[riskcloud.Entry]
	for p, err := range c.AccessAudit.Failures(&riskcloud.ListOptions{Email: testEmail}).Pages(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p)
	}

	errs := map[string]error{}
	serve(&riskcloudtest.Fault{Status: 400, Body: `{"property":"email","value":"` + testEmail + `","message":"no such user"}`})
	_, errs["400 with the rejected email"] = c.AccessAudit.Logins(opts).Page(ctx, 0)
	serve(&riskcloudtest.Fault{Status: 403, Body: string(readTestdata(t, "error_status.json"))})
	_, errs["403"] = collect(t, c.AccessAudit.Attempts(testEmail, opts).All(ctx))
	serve(&riskcloudtest.Fault{Status: 200, Body: string(readTestdata(t, "page_bad_timestamp.json"))})
	_, errs["bad timestamp"] = collect(t, c.AccessAudit.Failures(opts).All(ctx))
	serve(&riskcloudtest.Fault{Status: 200, ContentType: "text/html", Body: "<html>Sign in, " + testEmail + "</html>"})
	_, errs["200 HTML"] = c.AccessAudit.Logins(opts).Page(ctx, 0)
	serve(nil)
	_, errs["invalid email"] = c.AccessAudit.Attempts("Alice <"+testEmail+">", opts).Page(ctx, 0)
	_, errs["email with CR LF"] = collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Email: testEmail + "\r\n"}).All(ctx))
	_, errs["negative page"] = c.AccessAudit.Attempts(testEmail, opts).Page(ctx, -1)

	values := map[string]any{
		"*Page": page, "Page": *page, "Pages": pages,
		"Entry": entries[0], "*Entry": &entries[0], "[]Entry": entries,
	}
	var apiErr *riskcloud.APIError
	var argErr *riskcloud.ArgumentError
	var tsErr *riskcloud.TimestampError
	for name, err := range errs {
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		values[name+": error"] = err
		switch {
		case errors.As(err, &apiErr):
			values[name+": *APIError"], values[name+": APIError"] = apiErr, *apiErr
		case errors.As(err, &argErr):
			values[name+": *ArgumentError"], values[name+": ArgumentError"] = argErr, *argErr
		case errors.As(err, &tsErr):
			values[name+": *TimestampError"], values[name+": TimestampError"] = tsErr, *tsErr
		}
	}
	for _, typ := range []string{"*APIError", "*ArgumentError", "*TimestampError"} {
		found := false
		for name := range values {
			found = found || strings.HasSuffix(name, ": "+typ)
		}
		if !found {
			t.Errorf("no %s among the errors", typ)
		}
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			assertNoSecrets(t, fmt.Sprintf("Sprintf(%q, %s)", verb, name), fmt.Sprintf(verb, v))
		}
	}
}

// stutterReader hands out at most chunk bytes per Read, and every other
// Read nothing at all (0, nil), as some readers may.
type stutterReader struct {
	r     io.Reader
	chunk int
	odd   bool
}

func (s *stutterReader) Read(p []byte) (int, error) {
	s.odd = !s.odd
	if s.odd {
		return 0, nil
	}
	return s.r.Read(p[:min(len(p), s.chunk)])
}

// TestClient_successBodyCap_boundary: a page of exactly the 32 MiB cap is
// read; one byte more is refused, declared or not, however the body's
// reader hands out its bytes.
func TestClient_successBodyCap_boundary(t *testing.T) {
	if raceDetector {
		t.Skip("reads 32 MiB bodies, slow under -race; the run without -race covers it")
	}
	const limit = 32 << 20
	page := func(n int) []byte {
		head := `{"content":[],"number":0,"totalElements":0,"last":true,"pad":"`
		b := make([]byte, n)
		copy(b, head)
		for i := len(head); i < n-2; i++ {
			b[i] = 'x'
		}
		copy(b[n-2:], `"}`)
		return b
	}
	for _, tt := range []struct {
		size    int
		declare bool
		chunk   int
		ok      bool
	}{
		{limit, false, 32 << 10, true},
		{limit, true, 32 << 10, true},
		{limit, false, 4093, true},
		{limit + 1, false, 32 << 10, false},
		{limit + 1, true, 32 << 10, false},
		{limit + 1, false, 4093, false},
		{200, false, 1, true},
	} {
		body := page(tt.size)
		rt := transportFunc(func(req *http.Request) (*http.Response, error) {
			length := int64(-1)
			if tt.declare {
				length = int64(len(body))
			}
			return &http.Response{
				StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, ContentLength: length,
				Body: io.NopCloser(&stutterReader{r: bytes.NewReader(body), chunk: tt.chunk}), Request: req,
			}, nil
		})
		c := newTestClientTransport(t, rt, riskcloud.WithRetry(0, 0, 0))
		_, err := c.AccessAudit.Logins(nil).Page(context.Background(), 0)
		if tt.ok && err != nil {
			t.Errorf("%d bytes (declared %v, chunks of %d): %v", tt.size, tt.declare, tt.chunk, err)
		}
		if !tt.ok && (!errors.Is(err, riskcloud.ErrUnexpectedResponse) || !strings.Contains(err.Error(), "exceeds 32 MiB")) {
			t.Errorf("%d bytes (declared %v, chunks of %d): err = %v, want one saying it exceeds 32 MiB", tt.size, tt.declare, tt.chunk, err)
		}
	}
}
