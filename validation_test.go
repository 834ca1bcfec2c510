package riskcloud_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// checkInvalid fails the test unless err wraps ErrInvalidArgument, is an
// *ArgumentError for field, names field in its message, and contains none
// of hidden.
func checkInvalid(t *testing.T, err error, field string, hidden ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want an invalid %s", field)
	}
	if !errors.Is(err, riskcloud.ErrInvalidArgument) {
		t.Errorf("err = %v, want it to wrap ErrInvalidArgument", err)
	}
	var argErr *riskcloud.ArgumentError
	if !errors.As(err, &argErr) || argErr.Name != field {
		t.Errorf("err = %#v, want an *ArgumentError for %s", err, field)
	}
	if !strings.Contains(err.Error(), field) {
		t.Errorf("err = %q does not name %s", err, field)
	}
	for _, h := range hidden {
		if h != "" && strings.Contains(strings.ToLower(err.Error()), strings.ToLower(h)) {
			t.Errorf("err = %q repeats %q", err, h)
		}
	}
}

func TestNewClient_invalidBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		url    string
		hidden string // must not appear in the error
	}{
		{"empty", "", ""},
		{"ftp scheme", "ftp://x", ""},
		{"no scheme", "acme.logicgate.com", ""},
		{"no scheme, with a port", "acme.logicgate.com:443", ""},
		{"no scheme, with a path", "acme.logicgate.com/proxy", ""},
		{"http to a remote host", "http://acme.logicgate.com", ""},
		{"http to a name that starts with localhost", "http://localhost.evil.example", ""},
		{"http to an address outside 127.0.0.0/8", "http://128.0.0.1", ""},
		{"http to the unspecified address", "http://0.0.0.0:8080", ""},
		{"user and password", "https://bob:hunter2-pw@acme.logicgate.com", "hunter2-pw"},
		{"user only", "https://bob@acme.logicgate.com", ""},
		{"password over http", "http://bob:hunter2-pw@localhost", "hunter2-pw"},
		{"password and a bad port", "https://bob:hunter2-pw@acme.logicgate.com:port", "hunter2-pw"},
		{"password and an ftp scheme", "ftp://bob:hunter2-pw@acme.logicgate.com", "hunter2-pw"},
		{"query", "https://acme.logicgate.com/proxy?token=tok-123", "tok-123"},
		{"empty query", "https://acme.logicgate.com/?", ""},
		{"fragment", "https://acme.logicgate.com/#top", ""},
		{"empty fragment", "https://acme.logicgate.com#", ""},
		{"no host", "https:///api", ""},
		{"no host name, only a port", "https://:443", ""},
		{"opaque", "https:acme.logicgate.com", ""},
		{"newline", "https://acme.logicgate.com/\n", ""},
		// Other schemes, credentials and escapes. A percent-encoded control
		// character decodes into the path, which every error repeats.
		{"javascript scheme", "javascript:alert(1)", ""},
		{"file scheme", "file:///etc/passwd", ""},
		{"ws scheme to loopback", "ws://localhost:8080", ""},
		{"wss scheme", "wss://acme.logicgate.com", ""},
		{"mailto scheme", "mailto:alice@example.com", "alice"},
		{"a scheme that starts with https", "httpss://acme.logicgate.com", ""},
		{"password with an empty user", "https://:hunter2-pw@acme.logicgate.com", "hunter2-pw"},
		{"user and password, upper-case scheme", "HTTPS://bob:hunter2-pw@acme.logicgate.com/proxy", "hunter2-pw"},
		{"user and password on loopback", "http://bob:hunter2-pw@127.0.0.1:8080", "hunter2-pw"},
		{"query without a path", "https://acme.logicgate.com?token=tok-123", "tok-123"},
		{"query holding an email", "https://acme.logicgate.com/proxy?email=alice%40example.com", "alice"},
		{"fragment after a path prefix", "https://acme.logicgate.com/proxy#tok-123", "tok-123"},
		{"U+0085 in the path", "https://acme.logicgate.com/pro\u0085xy", ""},
		{"percent-encoded CR LF in the path", "https://acme.logicgate.com/proxy%0d%0aX-Injected:%201", ""},
		{"percent-encoded NUL in the path", "https://acme.logicgate.com/proxy%00", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := riskcloud.NewClient(tt.url,
				riskcloud.WithHTTPClient(&http.Client{Transport: refuseTransport{t}}), riskcloud.WithToken(testToken))
			if c != nil {
				t.Errorf("NewClient(%q) returned a client", tt.url)
			}
			checkInvalid(t, err, "baseURL", tt.hidden)
		})
	}
}

// recordingTransport answers every request with an empty last page and
// records it.
type recordingTransport struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (rt *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	rt.reqs = append(rt.reqs, req)
	rt.mu.Unlock()
	return (&handlerTransport{h: jsonPage(emptyPageBody)}).RoundTrip(req)
}

func (rt *recordingTransport) requests() []*http.Request {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return append([]*http.Request(nil), rt.reqs...)
}

var emptyPageBody = []byte(`{"content":[],"number":0,"size":20,"totalElements":0,"totalPages":0,"first":true,"last":true}`)

func TestNewClient_validBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  string
		want string // the URL of a Logins request, without its query
	}{
		{"https", "https://acme.logicgate.com", "https://acme.logicgate.com/api/v1/access-audit/logins"},
		{"https with a trailing slash", "https://acme.logicgate.com/", "https://acme.logicgate.com/api/v1/access-audit/logins"},
		{"https with a path prefix", "https://gw.example.com/risk/cloud/", "https://gw.example.com/risk/cloud/api/v1/access-audit/logins"},
		{"https with a port", "https://acme.logicgate.com:8443/proxy", "https://acme.logicgate.com:8443/proxy/api/v1/access-audit/logins"},
		{"upper-case scheme", "HTTPS://acme.logicgate.com", "https://acme.logicgate.com/api/v1/access-audit/logins"},
		{"http to localhost", "http://localhost", "http://localhost/api/v1/access-audit/logins"},
		{"http to LOCALHOST with a port", "http://LOCALHOST:8080", "http://LOCALHOST:8080/api/v1/access-audit/logins"},
		{"http to 127.0.0.2", "http://127.0.0.2:8080", "http://127.0.0.2:8080/api/v1/access-audit/logins"},
		{"http to ::1", "http://[::1]:9000", "http://[::1]:9000/api/v1/access-audit/logins"},
		{"http to ::1 with a prefix", "http://[::1]:9000/p", "http://[::1]:9000/p/api/v1/access-audit/logins"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rt := &recordingTransport{}
			c, err := riskcloud.NewClient(tt.url, riskcloud.WithHTTPClient(&http.Client{Transport: rt}))
			if err != nil {
				t.Fatalf("NewClient(%q): %v", tt.url, err)
			}
			if len(rt.requests()) != 0 {
				t.Fatal("NewClient sent a request")
			}
			if _, err := c.AccessAudit.Logins(nil).Page(context.Background(), 0); err != nil {
				t.Fatal(err)
			}
			reqs := rt.requests()
			if len(reqs) != 1 {
				t.Fatalf("requests = %d, want 1", len(reqs))
			}
			u := *reqs[0].URL
			u.RawQuery = ""
			if u.String() != tt.want {
				t.Errorf("request URL = %s, want %s", u.String(), tt.want)
			}
		})
	}
}

func TestNewClient_invalidOption(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opts  []riskcloud.Option
		field string
	}{
		{"empty token", []riskcloud.Option{riskcloud.WithToken("")}, "WithToken"},
		{"token with CRLF", []riskcloud.Option{riskcloud.WithToken(testToken + "\r\nX-Injected: 1")}, "WithToken"},
		{"empty client ID", []riskcloud.Option{riskcloud.WithClientCredentials("", "s")}, "WithClientCredentials"},
		{"empty secret", []riskcloud.Option{riskcloud.WithClientCredentials("id", "")}, "WithClientCredentials"},
		{"client ID with a colon", []riskcloud.Option{riskcloud.WithClientCredentials("id:x", testSecret)}, "WithClientCredentials"},
		{"token, then client credentials", []riskcloud.Option{
			riskcloud.WithToken(testToken), riskcloud.WithClientCredentials(testID, testSecret)}, "WithToken"},
		{"client credentials, then token", []riskcloud.Option{
			riskcloud.WithClientCredentials(testID, testSecret), riskcloud.WithToken(testToken)}, "WithToken"},
		{"nil HTTP client", []riskcloud.Option{riskcloud.WithHTTPClient(nil)}, "WithHTTPClient"},
		{"negative retries", []riskcloud.Option{riskcloud.WithRetry(-1, time.Second, 30*time.Second)}, "WithRetry"},
		{"negative wait", []riskcloud.Option{riskcloud.WithRetry(1, -time.Second, time.Second)}, "WithRetry"},
		{"maximum wait below minimum", []riskcloud.Option{riskcloud.WithRetry(1, 2*time.Second, time.Second)}, "WithRetry"},
		{"empty user agent", []riskcloud.Option{riskcloud.WithUserAgent("")}, "WithUserAgent"},
		{"blank user agent", []riskcloud.Option{riskcloud.WithUserAgent("  ")}, "WithUserAgent"},
		{"user agent with CRLF", []riskcloud.Option{riskcloud.WithUserAgent("myapp/1.0\r\nX-Injected: 1")}, "WithUserAgent"},
		{"nil option", []riskcloud.Option{nil}, "Option"},
		{"nil option after valid ones", []riskcloud.Option{riskcloud.WithRetry(0, 0, 0), nil}, "Option"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := append([]riskcloud.Option{riskcloud.WithHTTPClient(&http.Client{Transport: refuseTransport{t}})}, tt.opts...)
			c, err := riskcloud.NewClient("https://acme.logicgate.com", opts...)
			if c != nil {
				t.Error("NewClient returned a client")
			}
			checkInvalid(t, err, tt.field, testToken, testSecret)
			if strings.Contains(tt.name, "then") && !strings.Contains(err.Error(), "WithClientCredentials") {
				t.Errorf("err = %q, want it to name both options", err)
			}
		})
	}
}

func TestNewClient_noCredentialsIsValid(t *testing.T) {
	t.Parallel()
	rt := &recordingTransport{}
	c, err := riskcloud.NewClient("https://acme.logicgate.com", riskcloud.WithHTTPClient(&http.Client{Transport: rt}),
		riskcloud.WithRetry(0, 0, 0), riskcloud.WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AccessAudit.Logins(nil).Page(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if auth := rt.requests()[0].Header.Get("Authorization"); auth != "" {
		t.Errorf("Authorization = %q, want none", auth)
	}
}

func TestPager_invalidInput(t *testing.T) {
	t.Parallel()
	var overInt32 int64 = math.MaxInt32 + 1
	if int64(int(overInt32)) != overInt32 {
		t.Skip("int is 32 bits")
	}
	tests := []struct {
		name  string
		pager func(*riskcloud.AccessAuditService) *riskcloud.Pager[riskcloud.Entry]
		field string
	}{
		{"Attempts with an empty email", func(s *riskcloud.AccessAuditService) *riskcloud.Pager[riskcloud.Entry] {
			return s.Attempts("", nil)
		}, "email"},
		{"Attempts with a display name", func(s *riskcloud.AccessAuditService) *riskcloud.Pager[riskcloud.Entry] {
			return s.Attempts("Alice <alice@example.com>", nil)
		}, "email"},
		{"Attempts with CRLF", func(s *riskcloud.AccessAuditService) *riskcloud.Pager[riskcloud.Entry] {
			return s.Attempts("alice@example.com\r\nX: y", nil)
		}, "email"},
		{"Attempts with two addresses", func(s *riskcloud.AccessAuditService) *riskcloud.Pager[riskcloud.Entry] {
			return s.Attempts("alice@example.com, bob@example.com", nil)
		}, "email"},
		{"Attempts with no domain", func(s *riskcloud.AccessAuditService) *riskcloud.Pager[riskcloud.Entry] {
			return s.Attempts("alice", nil)
		}, "email"},
		{"Attempts with a trailing space", func(s *riskcloud.AccessAuditService) *riskcloud.Pager[riskcloud.Entry] {
			return s.Attempts("alice@example.com ", nil)
		}, "email"},
		{"Attempts with a comment", func(s *riskcloud.AccessAuditService) *riskcloud.Pager[riskcloud.Entry] {
			return s.Attempts("alice@example.com (Alice)", nil)
		}, "email"},
		{"Attempts with a differing opts.Email", func(s *riskcloud.AccessAuditService) *riskcloud.Pager[riskcloud.Entry] {
			return s.Attempts("alice@example.com", &riskcloud.ListOptions{Email: "bob@example.com"})
		}, "ListOptions.Email"},
		{"Attempts with a negative size", func(s *riskcloud.AccessAuditService) *riskcloud.Pager[riskcloud.Entry] {
			return s.Attempts("alice@example.com", &riskcloud.ListOptions{Size: -5})
		}, "ListOptions.Size"},
		{"Logins with a display name in Email", func(s *riskcloud.AccessAuditService) *riskcloud.Pager[riskcloud.Entry] {
			return s.Logins(&riskcloud.ListOptions{Email: "Alice <alice@example.com>"})
		}, "ListOptions.Email"},
		{"Failures with a newline in Email", func(s *riskcloud.AccessAuditService) *riskcloud.Pager[riskcloud.Entry] {
			return s.Failures(&riskcloud.ListOptions{Email: "alice@example.com\nX: y"})
		}, "ListOptions.Email"},
		{"negative Size", func(s *riskcloud.AccessAuditService) *riskcloud.Pager[riskcloud.Entry] {
			return s.Logins(&riskcloud.ListOptions{Size: -1})
		}, "ListOptions.Size"},
		{"negative Page", func(s *riskcloud.AccessAuditService) *riskcloud.Pager[riskcloud.Entry] {
			return s.Failures(&riskcloud.ListOptions{Page: -1})
		}, "ListOptions.Page"},
		{"negative Limit", func(s *riskcloud.AccessAuditService) *riskcloud.Pager[riskcloud.Entry] {
			return s.Logins(&riskcloud.ListOptions{Limit: -1})
		}, "ListOptions.Limit"},
		{"negative Prefetch", func(s *riskcloud.AccessAuditService) *riskcloud.Pager[riskcloud.Entry] {
			return s.Logins(&riskcloud.ListOptions{Prefetch: -1})
		}, "ListOptions.Prefetch"},
		{"Size above 2147483647", func(s *riskcloud.AccessAuditService) *riskcloud.Pager[riskcloud.Entry] {
			return s.Logins(&riskcloud.ListOptions{Size: int(overInt32)})
		}, "ListOptions.Size"},
		{"Page above 2147483647", func(s *riskcloud.AccessAuditService) *riskcloud.Pager[riskcloud.Entry] {
			return s.Logins(&riskcloud.ListOptions{Page: int(overInt32)})
		}, "ListOptions.Page"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := refusingClient(t)
			p := tt.pager(c.AccessAudit)
			ctx := context.Background()
			hidden := []string{"alice", "bob"}

			_, err := p.Page(ctx, 0)
			checkInvalid(t, err, tt.field, hidden...)

			var pageErrs []error
			for page, err := range p.Pages(ctx) {
				if page != nil {
					t.Errorf("Pages yielded a page")
				}
				pageErrs = append(pageErrs, err)
			}
			if len(pageErrs) != 1 {
				t.Fatalf("Pages yielded %d times, want once", len(pageErrs))
			}
			checkInvalid(t, pageErrs[0], tt.field, hidden...)

			var entryErrs []error
			for e, err := range p.All(ctx) {
				if e.Raw != nil {
					t.Errorf("All yielded an entry")
				}
				entryErrs = append(entryErrs, err)
			}
			if len(entryErrs) != 1 {
				t.Fatalf("All yielded %d times, want once", len(entryErrs))
			}
			checkInvalid(t, entryErrs[0], tt.field, hidden...)
		})
	}
}

func TestPager_Page_invalidNumber(t *testing.T) {
	t.Parallel()
	var overInt32 int64 = math.MaxInt32 + 1
	for _, n := range []int64{-1, math.MinInt32, overInt32} {
		if int64(int(n)) != n {
			continue // int is 32 bits
		}
		c := refusingClient(t)
		_, err := c.AccessAudit.Attempts(testEmail, nil).Page(context.Background(), int(n))
		checkInvalid(t, err, "page", "alice")
	}
}

func TestPager_prefetchIsAccepted(t *testing.T) {
	t.Parallel()
	for _, prefetch := range []int{1, 3, riskcloud.MaxPrefetch, 1 << 20} {
		f := newServer(t, 45)
		c := newTestClient(t, f)
		got, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 10, Prefetch: prefetch}).All(context.Background()))
		if err != nil {
			t.Fatalf("Prefetch %d: %v", prefetch, err)
		}
		if !slices.Equal(tags(t, got), tagsOf(f.Entries())) {
			t.Errorf("Prefetch %d: got %v\nwant %v", prefetch, tags(t, got), tagsOf(f.Entries()))
		}

		got, err = collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 10, Prefetch: prefetch, Limit: 15}).All(context.Background()))
		if err != nil {
			t.Fatalf("Prefetch %d with Limit: %v", prefetch, err)
		}
		if !slices.Equal(tags(t, got), tagsOf(f.Entries()[:15])) {
			t.Errorf("Prefetch %d with Limit 15: got %v", prefetch, tags(t, got))
		}
	}
}

func TestPager_optionsAreCopied(t *testing.T) {
	t.Parallel()
	f := newServer(t, 0)
	addFor(f, mixed(40))
	c := newTestClient(t, f)

	opts := &riskcloud.ListOptions{Size: 5, Email: testEmail, Limit: 7}
	logins := c.AccessAudit.Logins(opts)
	attempts := c.AccessAudit.Attempts(testEmail, opts)
	// Changes after the Pagers were made, including invalid ones, change nothing.
	*opts = riskcloud.ListOptions{Size: -1, Page: 3, Email: "Bob <bob@example.com>", Limit: -1, Since: logEnd.Add(time.Hour)}

	for name, p := range map[string]*riskcloud.Pager[riskcloud.Entry]{"Logins": logins, "Attempts": attempts} {
		before := len(f.Requests())
		got, err := collect(t, p.All(context.Background()))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != 7 {
			t.Errorf("%s: got %d entries, want 7 (the Limit given)", name, len(got))
		}
		for _, r := range f.Requests()[before:] {
			if r.Query["size"][0] != "5" || r.Query["email"][0] != testEmail {
				t.Errorf("%s: query = %v, want size 5 and the email given", name, r.Query)
			}
		}
		if r := f.Requests()[before]; r.Query["page"][0] != "0" {
			t.Errorf("%s: first page = %v, want 0", name, r.Query["page"])
		}
	}
}

func TestClient_userAgent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []riskcloud.Option
		want string
	}{
		{"default", nil, "riskcloud-go/" + riskcloud.Version},
		{"WithUserAgent", []riskcloud.Option{riskcloud.WithUserAgent("myapp/1.0")}, "myapp/1.0 riskcloud-go/" + riskcloud.Version},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rt := &recordingTransport{}
			c := newTestClientTransport(t, rt, tt.opts...)
			if _, err := c.AccessAudit.Logins(nil).Page(context.Background(), 0); err != nil {
				t.Fatal(err)
			}
			if got := rt.requests()[0].Header.Get("User-Agent"); got != tt.want {
				t.Errorf("User-Agent = %q, want %q", got, tt.want)
			}
		})
	}
}
