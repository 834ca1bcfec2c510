package riskcloud_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// Where credentials go when a server redirects: only to the base URL's
// scheme, host and port, whichever http.Client the SDK sends through, and
// nowhere at all from the token exchange, which follows no redirect.

// redirectClient is one way of building the http.Client under the SDK.
type redirectClient struct {
	name string
	// build returns the WithHTTPClient argument, sending through rt (nil:
	// net/http's default transport); a nil build means the SDK's own client.
	build func(rt http.RoundTripper, calls *redirectCalls) *http.Client
	// watched: the caller's CheckRedirect records its calls in calls.
	watched bool
}

// redirectClients are the SDK's own client and a caller's: without a
// CheckRedirect, with one that only watches, and with two that copy the
// first request's Authorization onto every hop (a common way around
// net/http dropping it), one under the canonical key and one under a key
// Header.Del would miss. Neither may carry the token off the origin.
func redirectClients() []redirectClient {
	return []redirectClient{
		{name: "SDK client"},
		{name: "WithHTTPClient", build: func(rt http.RoundTripper, _ *redirectCalls) *http.Client {
			return &http.Client{Transport: rt}
		}},
		{name: "WithHTTPClient and CheckRedirect", watched: true, build: func(rt http.RoundTripper, calls *redirectCalls) *http.Client {
			return &http.Client{Transport: rt, CheckRedirect: func(req *http.Request, via []*http.Request) error {
				calls.add(req)
				return nil
			}}
		}},
		{name: "WithHTTPClient and a CheckRedirect that copies Authorization", watched: true, build: func(rt http.RoundTripper, calls *redirectCalls) *http.Client {
			return &http.Client{Transport: rt, CheckRedirect: func(req *http.Request, via []*http.Request) error {
				calls.add(req)
				req.Header.Set("Authorization", via[0].Header.Get("Authorization"))
				return nil
			}}
		}},
		{name: "WithHTTPClient and a CheckRedirect that copies it under a lower-case key", watched: true, build: func(rt http.RoundTripper, calls *redirectCalls) *http.Client {
			return &http.Client{Transport: rt, CheckRedirect: func(req *http.Request, via []*http.Request) error {
				calls.add(req)
				req.Header["authorization"] = via[0].Header["Authorization"] // sent as is
				return nil
			}}
		}},
	}
}

// authorization returns the Authorization header of h under any spelling
// of its key: a handler called in-process sees keys as the client set them.
func authorization(h http.Header) string {
	for k, vs := range h {
		if strings.EqualFold(k, "Authorization") && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// redirectCalls records what a caller's CheckRedirect was shown: for each
// call, whether the request about to be sent carried Authorization.
type redirectCalls struct {
	mu   sync.Mutex
	auth []bool
}

func (rc *redirectCalls) add(req *http.Request) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.auth = append(rc.auth, authorization(req.Header) != "")
}

// check fails the test unless the caller's CheckRedirect ran n times and
// saw Authorization exactly when wantAuth.
func (rc *redirectCalls) check(t *testing.T, n int, wantAuth bool) {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.auth) != n {
		t.Errorf("caller's CheckRedirect ran %d times, want %d", len(rc.auth), n)
	}
	for i, auth := range rc.auth {
		if auth != wantAuth {
			t.Errorf("caller's CheckRedirect call %d saw Authorization: %v, want %v", i, auth, wantAuth)
		}
	}
}

// redirectTestClient returns a client of baseURL built the way rc says,
// with the static test token or, with creds, the test client credentials,
// and retries that do not wait. opts come last and so override.
func redirectTestClient(t *testing.T, rc redirectClient, baseURL string, rt http.RoundTripper, creds bool, calls *redirectCalls, opts ...riskcloud.Option) *riskcloud.Client {
	t.Helper()
	all := []riskcloud.Option{riskcloud.WithToken(testToken)}
	if creds {
		all = []riskcloud.Option{riskcloud.WithClientCredentials(testID, testSecret)}
	}
	all = append(all, riskcloud.WithRetry(2, 0, 0))
	if rc.build != nil {
		all = append(all, riskcloud.WithHTTPClient(rc.build(rt, calls)))
	}
	c, err := riskcloud.NewClient(baseURL, append(all, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// recording passes each request to h after keeping a copy.
type recording struct {
	h    http.Handler
	mu   sync.Mutex
	reqs []*http.Request
}

func (rec *recording) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, r.Clone(r.Context()))
	rec.mu.Unlock()
	rec.h.ServeHTTP(w, r)
}

// requests returns the requests seen so far.
func (rec *recording) requests() []*http.Request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]*http.Request(nil), rec.reqs...)
}

// assertAuthorization fails the test unless each of reqs carried the
// Authorization header want ("" for none). It names the scheme of a wrong
// header, never the credential.
func assertAuthorization(t *testing.T, where string, reqs []*http.Request, want string) {
	t.Helper()
	for i, r := range reqs {
		if got := authorization(r.Header); got != want {
			scheme, _, _ := strings.Cut(got, " ")
			t.Errorf("%s: request %d (%s %s) carried Authorization %q…, want %d bytes",
				where, i, r.Method, r.URL.Path, scheme, len(want))
		}
	}
}

// redirector answers every request under the base URL's prefix with a
// redirect of status code to target plus the request's URI, and passes any
// other request to next.
func redirector(code int, target string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, testPrefix+"/") {
			w.Header().Set("Location", target+r.URL.RequestURI())
			w.WriteHeader(code)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// underPrefix serves h under prefix, as a proxy that moved the API would.
func underPrefix(prefix string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, ok := strings.CutPrefix(r.URL.Path, prefix)
		if !ok {
			http.NotFound(w, r)
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = path
		h.ServeHTTP(w, r2)
	})
}

// startServer starts h on loopback and closes it when the test ends.
func startServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// redirectCodes are the statuses net/http follows.
var redirectCodes = []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
	http.StatusTemporaryRedirect, http.StatusPermanentRedirect}

// TestClient_redirect_otherPort: a redirect from the base URL's port to
// another port of the same host reaches it without the token, over real
// sockets and whichever http.Client the SDK sends through. (net/http alone
// keeps Authorization there: it compares host names, not ports.)
func TestClient_redirect_otherPort(t *testing.T) {
	t.Parallel()
	for _, rc := range redirectClients() {
		for _, code := range redirectCodes {
			t.Run(fmt.Sprintf("%s/%d", rc.name, code), func(t *testing.T) {
				t.Parallel()
				f := newServer(t, 3, riskcloudtest.WithoutAuthentication()) // the other port answers anyone
				other := &recording{h: f}
				b := startServer(t, other)
				a := startServer(t, redirector(code, b.URL, http.NotFoundHandler()))

				calls := &redirectCalls{}
				c := redirectTestClient(t, rc, a.URL+testPrefix, nil, false, calls)
				got, err := walk(t, context.Background(), c, 10)
				if err != nil {
					t.Fatalf("walk: %v", err)
				}
				if len(got) != 3 {
					t.Errorf("got %d entries, want the 3 the other port served", len(got))
				}
				reqs := other.requests()
				if len(reqs) != 1 {
					t.Errorf("the other port saw %d requests, want 1", len(reqs))
				}
				assertAuthorization(t, "other port", reqs, "")
				if rc.watched {
					calls.check(t, 1, false)
				}
			})
		}
	}
}

// TestClient_redirect_awayAndBack: once a redirect has left the base URL's
// origin, the token stays off even when a later hop returns to it: the
// host that sent the request away chose the URL it comes back to. So the
// request reaches the base host without the token, and the walk ends in a
// 401.
func TestClient_redirect_awayAndBack(t *testing.T) {
	t.Parallel()
	for _, rc := range redirectClients() {
		t.Run(rc.name, func(t *testing.T) {
			t.Parallel()
			back := &recording{h: underPrefix("/back", newServer(t, 3))}
			away := &recording{}
			b := httptest.NewUnstartedServer(away)
			t.Cleanup(b.Close)
			a := startServer(t, redirector(http.StatusTemporaryRedirect, "http://"+b.Listener.Addr().String(), back))
			away.h = redirector(http.StatusFound, a.URL+"/back", http.NotFoundHandler())
			b.Start()

			calls := &redirectCalls{}
			c := redirectTestClient(t, rc, a.URL+testPrefix, nil, false, calls)
			_, err := walk(t, context.Background(), c, 10)
			if !errors.Is(err, riskcloud.ErrUnauthorized) {
				t.Errorf("walk: err = %v, want ErrUnauthorized: the token must not come back", err)
			}
			assertAuthorization(t, "other port", away.requests(), "")
			reqs := back.requests()
			if len(reqs) != 1 {
				t.Errorf("the base host saw %d requests come back, want 1", len(reqs))
			}
			assertAuthorization(t, "base host, after the round trip", reqs, "")
			if rc.watched {
				calls.check(t, 2, false)
			}
		})
	}
}

// TestClient_redirect_sameOrigin: a redirect within the base URL's origin
// (a proxy that moved the API under another path) keeps the token, and the
// walk works.
func TestClient_redirect_sameOrigin(t *testing.T) {
	t.Parallel()
	for _, rc := range redirectClients() {
		for _, code := range []int{http.StatusFound, http.StatusTemporaryRedirect} {
			t.Run(fmt.Sprintf("%s/%d", rc.name, code), func(t *testing.T) {
				t.Parallel()
				moved := &recording{h: underPrefix("/moved", newServer(t, 25))}
				a := startServer(t, redirector(code, "/moved", moved))

				calls := &redirectCalls{}
				c := redirectTestClient(t, rc, a.URL+testPrefix, nil, false, calls)
				got, err := walk(t, context.Background(), c, 10)
				if err != nil {
					t.Fatalf("walk: %v", err)
				}
				if len(got) != 25 {
					t.Errorf("got %d entries, want 25", len(got))
				}
				reqs := moved.requests()
				if len(reqs) != 3 {
					t.Errorf("the moved API saw %d requests, want 3", len(reqs))
				}
				assertAuthorization(t, "moved API", reqs, "Bearer "+testToken)
				if rc.watched {
					calls.check(t, 3, true)
				}
			})
		}
	}
}

// TestClient_redirect_otherOrigin compares origins without sockets, through
// a transport that routes by host, for targets a loopback server cannot
// be: a subdomain (which net/http alone trusts with Authorization), another
// scheme on the same host and port, IPv6 literals, a default port spelled
// out. Only a caller's http.Client can carry such a transport.
func TestClient_redirect_otherOrigin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		base   string // the base URL, without the prefix
		target string // where the base URL redirects
		keep   bool   // the target is the base URL's origin
	}{
		{"subdomain", "https://rc.example.test", "https://evil.rc.example.test", false},
		{"subdomain of an explicit port", "https://rc.example.test:8443", "https://evil.rc.example.test:8443", false},
		{"other port", "https://rc.example.test", "https://rc.example.test:8443", false},
		{"other scheme", "http://localhost:8080", "https://localhost:8080", false},
		{"IPv6, other port", "http://[::1]:8080", "http://[::1]:8081", false},
		{"default port spelled out", "https://rc.example.test", "https://rc.example.test:443/moved", true},
		{"default port left out", "https://rc.example.test:443", "https://rc.example.test/moved", true},
		{"IPv6, same port", "http://[::1]:8080", "http://[::1]:8080/moved", true},
	}
	for _, rc := range redirectClients() {
		if rc.build == nil {
			continue
		}
		for _, tt := range tests {
			t.Run(rc.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				targetOrigin, _ := strings.CutSuffix(tt.target, "/moved")
				f := newServer(t, 5, riskcloudtest.WithoutAuthentication()) // the target answers anyone
				target := &recording{h: underPrefix("/moved", f)}
				if !tt.keep {
					target.h = f
				}
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Scheme+"://"+r.URL.Host == targetOrigin && (!tt.keep || strings.HasPrefix(r.URL.Path, "/moved/")) {
						target.ServeHTTP(w, r)
						return
					}
					redirector(http.StatusFound, tt.target, http.NotFoundHandler()).ServeHTTP(w, r)
				})

				calls := &redirectCalls{}
				c := redirectTestClient(t, rc, tt.base+testPrefix, &handlerTransport{h: h}, false, calls)
				got, err := walk(t, context.Background(), c, 10)
				if err != nil {
					t.Fatalf("walk: %v", err)
				}
				if len(got) != 5 {
					t.Errorf("got %d entries, want 5", len(got))
				}
				reqs := target.requests()
				if len(reqs) != 1 {
					t.Errorf("the target saw %d requests, want 1", len(reqs))
				}
				want := ""
				if tt.keep {
					want = "Bearer " + testToken
				}
				assertAuthorization(t, "target", reqs, want)
				if rc.watched {
					calls.check(t, 1, tt.keep)
				}
			})
		}
	}
}

// TestClient_redirect_tokenExchange: the token exchange follows no
// redirect, to another port or anywhere: the credentials go to the base
// URL only, the SDK never uses a token from elsewhere, nothing is retried,
// and the error says the exchange was redirected (matching
// ErrRedirect) without repeating where to.
func TestClient_redirect_tokenExchange(t *testing.T) {
	t.Parallel()
	const marker = "LOCATION-MARKER"
	const evilToken = "token-from-the-other-port"
	codes := append([]int{http.StatusMultipleChoices}, redirectCodes...) // 300 is sent without a Location
	for _, rc := range redirectClients() {
		for _, code := range codes {
			t.Run(fmt.Sprintf("%s/%d", rc.name, code), func(t *testing.T) {
				t.Parallel()
				other := &recording{h: jsonPage([]byte(`{"access_token":"` + evilToken + `","token_type":"bearer","expires_in":3600}`))}
				b := startServer(t, other)
				f := credFake(t, 3, testID, testSecret)
				base := &recording{h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == testPrefix+tokenEndpoint {
						if code != http.StatusMultipleChoices {
							w.Header().Set("Location", b.URL+r.URL.RequestURI()+"?"+marker)
						}
						w.WriteHeader(code)
						return
					}
					f.ServeHTTP(w, r)
				})}
				a := startServer(t, base)

				logger, text, js := debugLogger()
				calls := &redirectCalls{}
				c := redirectTestClient(t, rc, a.URL+testPrefix, nil, true, calls, riskcloud.WithLogger(logger))
				_, err := walk(t, context.Background(), c, 10)
				if !errors.Is(err, riskcloud.ErrRedirect) {
					t.Errorf("walk: err = %v, want ErrRedirect", err)
				}
				if err != nil {
					msg := err.Error()
					for _, want := range []string{"POST " + testPrefix + tokenEndpoint, "redirect", fmt.Sprint(code)} {
						if !strings.Contains(msg, want) {
							t.Errorf("err = %q, want %q in it", msg, want)
						}
					}
					for _, leak := range []string{marker, strings.TrimPrefix(b.URL, "http://")} {
						if strings.Contains(msg, leak) {
							t.Errorf("err = %q repeats the Location", msg)
						}
					}
					assertNoSecrets(t, "err.Error()", msg)
				}
				for _, log := range []string{text.String(), js.String()} {
					assertNoSecrets(t, "debug log", log)
					if strings.Contains(log, marker) {
						t.Errorf("debug log repeats the Location:\n%s", log)
					}
				}
				assertAuthorization(t, "other port", other.requests(), "")
				if n := len(other.requests()); n != 0 {
					t.Errorf("the other port saw %d requests, want 0: the exchange follows no redirect", n)
				}
				reqs := base.requests()
				for i, r := range reqs {
					if authorization(r.Header) == "Bearer "+evilToken {
						t.Errorf("request %d (%s %s) used the other port's token", i, r.Method, r.URL.Path)
					}
				}
				if len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].URL.Path != testPrefix+tokenEndpoint {
					t.Errorf("the base URL saw %d requests, want 1 exchange: no retry, no page", len(reqs))
				}
				if rc.watched {
					calls.check(t, 0, false)
				}
			})
		}
	}
}

// TestClient_redirect_refused: every redirect the client will not follow
// ends the request with an error matching ErrRedirect (and the
// caller's own error, when its CheckRedirect refused), without a retry.
func TestClient_redirect_refused(t *testing.T) {
	t.Parallel()
	errCaller := errors.New("the caller's CheckRedirect says no")
	tests := []struct {
		name          string
		target        string // where every request is redirected
		checkRedirect func(*http.Request, []*http.Request) error
		wantRequests  int
		wantErr       error // also matched, besides ErrRedirect
	}{
		{"https to http", "http://rc.example.test", nil, 1, nil},
		{"caller's CheckRedirect", "https://rc.example.test", func(*http.Request, []*http.Request) error { return errCaller }, 1, errCaller},
		{"more than 10", "https://rc.example.test", nil, 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			requests := 0
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				requests++
				mu.Unlock()
				w.Header().Set("Location", tt.target+r.URL.RequestURI())
				w.WriteHeader(http.StatusFound)
			})
			c := newTestClient(t, h, riskcloud.WithHTTPClient(&http.Client{
				Transport: &handlerTransport{h: h}, CheckRedirect: tt.checkRedirect}))
			_, err := walk(t, context.Background(), c, 10)
			if !errors.Is(err, riskcloud.ErrRedirect) {
				t.Errorf("err = %v, want ErrRedirect", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			mu.Lock()
			defer mu.Unlock()
			if requests != tt.wantRequests {
				t.Errorf("requests = %d, want %d: a refused redirect is not retried", requests, tt.wantRequests)
			}
		})
	}
}

// TestClient_redirect_checkRedirectMovesRequest: a caller's CheckRedirect
// that points a same-origin redirect at another host sends it there
// without the token.
func TestClient_redirect_checkRedirectMovesRequest(t *testing.T) {
	t.Parallel()
	f := newServer(t, 5, riskcloudtest.WithoutAuthentication()) // the other host answers anyone
	elsewhere := &recording{h: f}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Host == "elsewhere.example.test" {
			elsewhere.ServeHTTP(w, r)
			return
		}
		redirector(http.StatusFound, "/moved", http.NotFoundHandler()).ServeHTTP(w, r)
	})
	c := newTestClient(t, h, riskcloud.WithHTTPClient(&http.Client{
		Transport: &handlerTransport{h: h},
		CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			req.URL.Host = "elsewhere.example.test"
			req.URL.Path = strings.TrimPrefix(req.URL.Path, "/moved")
			return nil
		},
	}))
	if _, err := walk(t, context.Background(), c, 10); err != nil {
		t.Fatalf("walk: %v", err)
	}
	reqs := elsewhere.requests()
	if len(reqs) != 1 {
		t.Errorf("the other host saw %d requests, want 1", len(reqs))
	}
	assertAuthorization(t, "other host", reqs, "")
}

// TestClient_redirect_noReferer: net/http tells each redirect target where
// the request came from in a Referer header, which repeats the query and so
// the email filter. No hop of the SDK's requests carries one: the other
// port here must not learn whose logins were asked for.
func TestClient_redirect_noReferer(t *testing.T) {
	t.Parallel()
	for _, rc := range redirectClients() {
		t.Run(rc.name, func(t *testing.T) {
			t.Parallel()
			f := newServer(t, 0, riskcloudtest.WithoutAuthentication())
			addFor(f, mixed(6))
			other := &recording{h: f}
			b := startServer(t, other)
			a := startServer(t, redirector(http.StatusFound, b.URL, http.NotFoundHandler()))
			c := redirectTestClient(t, rc, a.URL+testPrefix, nil, false, &redirectCalls{})
			pager := c.AccessAudit.Failures(&riskcloud.ListOptions{Email: "bob@example.com"})
			if _, err := collect(t, pager.All(context.Background())); err != nil {
				t.Fatalf("walk: %v", err)
			}
			for i, r := range other.requests() {
				if ref := r.Header.Get("Referer"); ref != "" {
					t.Errorf("request %d carried Referer %q", i, ref)
				}
			}
		})
	}
}

// TestClient_redirect_strippedIsNoRejection: a page request redirected to
// another origin goes there without its token (see the tests above), and
// that origin answers 401. The 401 says nothing of the credentials: it
// must not start a token exchange, which invalidates the key's token for
// every other holder, nor tell the user to generate a new token. A
// reviewer saw two exchanges and "the token is invalid or expired".
func TestClient_redirect_strippedIsNoRejection(t *testing.T) {
	t.Parallel()
	for _, rc := range redirectClients() {
		t.Run(rc.name, func(t *testing.T) {
			t.Parallel()
			other := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, http.StatusUnauthorized, `{"status":401,"message":"Full authentication is required"}`)
			}))
			f := newServer(t, 3, riskcloudtest.WithClientCredentials(testID, testSecret))
			base := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, testPrefix+"/api/v1/access-audit") {
					w.Header().Set("Location", other.URL+r.URL.RequestURI())
					w.WriteHeader(http.StatusFound)
					return
				}
				f.ServeHTTP(w, r)
			}))
			c := redirectTestClient(t, rc, base.URL+testPrefix, nil, true, &redirectCalls{})
			_, err := collect(t, c.AccessAudit.Logins(nil).All(context.Background()))
			if !errors.Is(err, riskcloud.ErrRedirect) || !errors.Is(err, riskcloud.ErrUnauthorized) {
				t.Errorf("err = %v, want ErrRedirect and ErrUnauthorized", err)
			}
			if err != nil && strings.Contains(err.Error(), "token is invalid") {
				t.Errorf("err = %v, blames the token", err)
			}
			if exchanges := f.Stats().Exchanges; exchanges != 1 {
				t.Errorf("%d token exchanges, want the 1 that got the token", exchanges)
			}
		})
	}
}
