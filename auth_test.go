package riskcloud_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
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

const tokenEndpoint = "/api/v1/account/token"

// credFake returns a server (newServer) that issues tokens for id and secret at the
// exchange and accepts only the latest one.
func credFake(t *testing.T, n int, id, secret string, opts ...riskcloudtest.Option) *riskcloudtest.Server {
	t.Helper()
	return newServer(t, n, append([]riskcloudtest.Option{riskcloudtest.WithClientCredentials(id, secret)}, opts...)...)
}

// newCredClient returns a client of h through handlerTransport that
// authenticates with client credentials, with retries that wait a
// millisecond. opts come after the defaults and so override them.
func newCredClient(t *testing.T, h http.Handler, id, secret string, opts ...riskcloud.Option) *riskcloud.Client {
	t.Helper()
	return newClientWith(t, &handlerTransport{h: h}, riskcloud.WithClientCredentials(id, secret), opts...)
}

// basic is the Authorization header of an exchange, as Risk Cloud
// documents it: base64 of id:secret, not URL-escaped first.
func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

// walk reads every entry of the logins, in pages of size.
func walk(t *testing.T, ctx context.Context, c *riskcloud.Client, size int) ([]riskcloud.Entry, error) {
	t.Helper()
	return collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: size}).All(ctx))
}

func TestClient_auth_staticTokenOnEveryRequest(t *testing.T) {
	t.Parallel()
	f := newServer(t, 35)
	c := newTestClient(t, f)
	for range 2 {
		if _, err := walk(t, context.Background(), c, 10); err != nil {
			t.Fatal(err)
		}
	}
	seen := f.Requests()
	if len(seen) != 8 {
		t.Errorf("requests = %d, want 8", len(seen))
	}
	for i, r := range seen {
		if string(r.Authorization) != "Bearer "+testToken {
			t.Errorf("request %d Authorization = %q", i, string(r.Authorization))
		}
		if r.Path == testPrefix+tokenEndpoint {
			t.Errorf("request %d is a token exchange", i)
		}
	}
}

func TestClient_auth_staticTokenRejected(t *testing.T) {
	t.Parallel()
	f := newServer(t, 35, riskcloudtest.WithToken("another-token"))
	c := newTestClient(t, f)
	_, err := walk(t, context.Background(), c, 10)
	if !errors.Is(err, riskcloud.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if asAPIError(t, err).StatusCode != 401 {
		t.Errorf("err = %v, want status 401", err)
	}
	if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("err = %q contains the token", err)
	}
	if n := len(f.Requests()); n != 1 {
		t.Errorf("requests = %d, want 1 (no retry, no exchange)", n)
	}
}

func TestClient_auth_noCredentials(t *testing.T) {
	t.Parallel()
	f := newServer(t, 25, riskcloudtest.WithoutAuthentication())
	c, err := riskcloud.NewClient(testBase, riskcloud.WithHTTPClient(&http.Client{Transport: &handlerTransport{h: f}}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := walk(t, context.Background(), c, 10); err != nil {
		t.Fatal(err)
	}
	seen := f.Requests()
	if len(seen) != 3 {
		t.Errorf("requests = %d, want 3", len(seen))
	}
	for i, r := range seen {
		if r.Authorization != "" {
			t.Errorf("request %d Authorization = %q, want none", i, string(r.Authorization))
		}
	}

	// Rejected: nothing to renew, so one request and ErrUnauthorized.
	f = newServer(t, 25)
	c, err = riskcloud.NewClient(testBase, riskcloud.WithHTTPClient(&http.Client{Transport: &handlerTransport{h: f}}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := walk(t, context.Background(), c, 10); !errors.Is(err, riskcloud.ErrUnauthorized) {
		t.Errorf("err = %v, want ErrUnauthorized", err)
	}
	if n := len(f.Requests()); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}

// exchangeRecorder passes requests to h, keeping the body and the
// Content-Length of each token exchange.
type exchangeRecorder struct {
	h      http.Handler
	mu     sync.Mutex
	bodies []string
	length []int64
}

func (er *exchangeRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, tokenEndpoint) {
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(r.Body)
		}
		er.mu.Lock()
		er.bodies = append(er.bodies, string(body))
		er.length = append(er.length, r.ContentLength)
		er.mu.Unlock()
	}
	er.h.ServeHTTP(w, r)
}

// TestClient_auth_clientCredentials_lazyAndReused: NewClient sends
// nothing; the first request exchanges once, with Basic base64(id:secret)
// exactly (not URL-escaped) and no body; later requests and walks reuse
// the token.
func TestClient_auth_clientCredentials_lazyAndReused(t *testing.T) {
	t.Parallel()
	// Characters that URL-escaping (RFC 6749 §2.3.1) would change.
	const id, secret = "id+/=&?% é", "s+/=&:%2F ü-SECRET"
	f := credFake(t, 35, id, secret)
	rec := &exchangeRecorder{h: f}
	c := newCredClient(t, rec, id, secret)
	if n := len(f.Requests()); n != 0 {
		t.Fatalf("NewClient sent %d requests, want none", n)
	}

	for range 3 {
		got, err := walk(t, context.Background(), c, 10)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(tags(t, got), tagsOf(f.Entries())) {
			t.Fatalf("got %v", tags(t, got))
		}
	}
	if _, err := c.AccessAudit.Logins(nil).Page(context.Background(), 1); err != nil {
		t.Fatal(err)
	}

	seen := f.Requests()
	if len(seen) != 1+3*4+1 {
		t.Errorf("requests = %d, want 14 (one exchange, 13 pages)", len(seen))
	}
	ex := seen[0]
	if ex.Method != http.MethodPost || ex.Path != testPrefix+tokenEndpoint {
		t.Fatalf("first request = %s %s, want POST %s", ex.Method, ex.Path, testPrefix+tokenEndpoint)
	}
	if want := basic(id, secret); string(ex.Authorization) != want {
		t.Errorf("exchange Authorization = %q, want %q", string(ex.Authorization), want)
	}
	if len(ex.Query) != 0 {
		t.Errorf("exchange query = %v, want none", ex.Query)
	}
	if len(rec.bodies) != 1 || rec.bodies[0] != "" || rec.length[0] > 0 {
		t.Errorf("exchange bodies = %q, Content-Length %v; want one empty", rec.bodies, rec.length)
	}
	for i, r := range seen[1:] {
		if r.Path == testPrefix+tokenEndpoint {
			t.Errorf("request %d is another exchange", i+1)
		}
		if string(r.Authorization) != "Bearer issued-1-SECRET" {
			t.Errorf("request %d Authorization = %q, want the exchanged token", i+1, string(r.Authorization))
		}
	}
}

// TestClient_auth_clientCredentials_concurrentShareOneExchange: goroutines
// that need a token while an exchange is in flight wait for it rather than
// start their own, both for the first token and when they all draw a 401
// with a revoked one. The exchange is held until every walk is blocked
// (synctest.Wait).
func TestClient_auth_clientCredentials_concurrentShareOneExchange(t *testing.T) {
	t.Parallel()
	const walkers = 20
	for _, revoked := range []bool{false, true} {
		t.Run(fmt.Sprintf("revoked=%v", revoked), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := credFake(t, 25, testID, testSecret)
				var hold atomic.Bool
				release := make(chan struct{})
				var held atomic.Int64
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if strings.HasSuffix(r.URL.Path, tokenEndpoint) && hold.Load() {
						held.Add(1)
						<-release
					}
					f.ServeHTTP(w, r)
				})
				c := newCredClient(t, h, testID, testSecret)
				wantExchanges, minPages, maxPages := 1, walkers*3, walkers*3
				if revoked {
					if _, err := c.AccessAudit.Logins(nil).Page(t.Context(), 0); err != nil {
						t.Fatal(err)
					}
					// The first walker's request draws a 401; walkers that
					// ask for a token after that wait for the new one
					// rather than send the rejected one, but some may have
					// sent theirs already.
					f.RevokeToken()
					wantExchanges, minPages, maxPages = 2, 1+walkers*3+1, 1+walkers*(1+3)
				}
				hold.Store(true)

				var wg sync.WaitGroup
				results := make([][]riskcloud.Entry, walkers)
				errs := make([]error, walkers)
				for i := range walkers {
					wg.Go(func() {
						results[i], errs[i] = walk(t, t.Context(), c, 10)
					})
				}
				synctest.Wait() // every walker is waiting for a token
				if n := held.Load(); n != 1 {
					t.Errorf("%d exchanges in flight, want 1", n)
				}
				close(release)
				wg.Wait()

				for i := range walkers {
					if errs[i] != nil {
						t.Errorf("walker %d: %v", i, errs[i])
					} else if !slices.Equal(tags(t, results[i]), tagsOf(f.Entries())) {
						t.Errorf("walker %d got %v", i, tags(t, results[i]))
					}
				}
				if n := exchanges(f); n != wantExchanges {
					t.Errorf("exchanges = %d, want %d", n, wantExchanges)
				}
				if n := f.Stats().PageRequests; n < minPages || n > maxPages {
					t.Errorf("page requests = %d, want %d to %d", n, minPages, maxPages)
				}
			})
		})
	}
}

// TestClient_auth_clientCredentials_expiry: a token is replaced shortly
// before it expires, before it is used, so no request draws a 401.
func TestClient_auth_clientCredentials_expiry(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const ttl = time.Hour
		f := credFake(t, 25, testID, testSecret, riskcloudtest.WithTokenLifetime(ttl))
		c := newCredClient(t, f, testID, testSecret)
		ctx := t.Context()

		steps := []struct {
			sleep     time.Duration // before the walk
			exchanges int           // in all, after it
		}{
			{0, 1},
			{30 * time.Minute, 1},                   // half-way: reused
			{ttl/2 - time.Second, 2},                // a second before expiry: replaced
			{ttl + time.Second, 3},                  // past expiry of the second token: replaced
			{time.Minute, 3},                        // the third is fresh
			{ttl - time.Minute - 10*time.Second, 4}, // 10 s before expiry, inside the margin: replaced
		}
		pages := 0
		for i, st := range steps {
			time.Sleep(st.sleep)
			before := len(f.Requests())
			got, err := walk(t, ctx, c, 10)
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			if len(got) != 25 {
				t.Errorf("step %d: got %d entries", i, len(got))
			}
			pages += 3
			if n := exchanges(f); n != st.exchanges {
				t.Errorf("step %d: exchanges = %d, want %d", i, n, st.exchanges)
			}
			if n := f.Stats().PageRequests; n != pages {
				t.Errorf("step %d: page requests = %d, want %d (a request drew a 401)", i, n, pages)
				pages = n
			}
			if seen := f.Requests(); i > 0 && steps[i-1].exchanges < st.exchanges && seen[before].Path != testPrefix+tokenEndpoint {
				t.Errorf("step %d: first request %s, want the exchange before any page", i, seen[before].Path)
			}
		}
	})
}

// TestClient_auth_clientCredentials_revokedMidWalk: a token generated
// elsewhere invalidates ours; the client exchanges once more and repeats
// the rejected request once, outside the retry budget.
func TestClient_auth_clientCredentials_revokedMidWalk(t *testing.T) {
	t.Parallel()
	for _, retries := range []int{3, 0} {
		t.Run(fmt.Sprintf("retries=%d", retries), func(t *testing.T) {
			t.Parallel()
			f := credFake(t, 50, testID, testSecret)
			c := newCredClient(t, f, testID, testSecret, riskcloud.WithRetry(retries, time.Millisecond, time.Millisecond))
			var got []riskcloud.Entry
			for e, err := range c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 10}).All(context.Background()) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, e)
				if len(got) == 15 { // mid-way through page 1: page 2 draws a 401
					f.RevokeToken()
				}
			}
			if !slices.Equal(tags(t, got), tagsOf(f.Entries())) {
				t.Errorf("got %v, want every entry once", tags(t, got))
			}
			var trace []string
			for _, r := range f.Requests() {
				if r.Path == testPrefix+tokenEndpoint {
					trace = append(trace, "POST")
				} else {
					trace = append(trace, r.Query.Get("page")+" "+strings.TrimPrefix(string(r.Authorization), "Bearer "))
				}
			}
			want := []string{"POST", "0 issued-1-SECRET", "1 issued-1-SECRET", "2 issued-1-SECRET",
				"POST", "2 issued-2-SECRET", "3 issued-2-SECRET", "4 issued-2-SECRET"}
			if !slices.Equal(trace, want) {
				t.Errorf("requests = %q\nwant       %q", trace, want)
			}
		})
	}
}

// TestClient_auth_clientCredentials_freshTokenRejected: when the new token
// is rejected too, the caller gets ErrUnauthorized, with no third exchange.
func TestClient_auth_clientCredentials_freshTokenRejected(t *testing.T) {
	t.Parallel()
	f := credFake(t, 50, testID, testSecret)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Query().Get("page") == "2" {
			f.FailNext(1, riskcloudtest.Fault{Status: http.StatusUnauthorized, Body: `{"status":401,"message":"Full authentication is required"}`})
		}
		f.ServeHTTP(w, r)
	})
	c := newCredClient(t, h, testID, testSecret)
	got, err := walk(t, context.Background(), c, 10)
	if !errors.Is(err, riskcloud.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if len(got) != 20 {
		t.Errorf("got %d entries before the error, want 20", len(got))
	}
	if n := exchanges(f); n != 2 {
		t.Errorf("exchanges = %d, want 2", n)
	}
	seen := f.Requests()
	if last := seen[len(seen)-1]; last.Path == testPrefix+tokenEndpoint || last.Query.Get("page") != "2" {
		t.Errorf("last request = %s %v, want page 2 with the fresh token", last.Path, last.Query)
	}
	if n := len(seen); n != 6 {
		t.Errorf("requests = %d, want 6 (POST, 0, 1, 2, POST, 2)", n)
	}
}

func TestClient_auth_clientCredentials_wrongSecret(t *testing.T) {
	t.Parallel()
	const wrong = "wrong-SECRET-value"
	f := credFake(t, 25, testID, testSecret)
	c := newCredClient(t, f, testID, wrong)
	_, err := walk(t, context.Background(), c, 10)
	if !errors.Is(err, riskcloud.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	apiErr := asAPIError(t, err)
	if apiErr.Method != http.MethodPost || apiErr.Path != testPrefix+tokenEndpoint {
		t.Errorf("Method, Path = %q, %q; want the exchange", apiErr.Method, apiErr.Path)
	}
	msg := err.Error()
	for _, leak := range []string{wrong, "SECRET", testID, basic(testID, wrong), strings.TrimPrefix(basic(testID, wrong), "Basic ")} {
		if strings.Contains(msg, leak) {
			t.Errorf("err = %q contains %q", msg, leak)
		}
	}
	if n := len(f.Requests()); n != 1 {
		t.Errorf("requests = %d, want 1 (the exchange, not retried)", n)
	}
}

// TestClient_auth_clientCredentials_exchangeRetried: the exchange is a
// POST, but it is retried like a GET.
func TestClient_auth_clientCredentials_exchangeRetried(t *testing.T) {
	t.Parallel()
	t.Run("once", func(t *testing.T) {
		t.Parallel()
		f := credFake(t, 5, testID, testSecret)
		f.FailNext(1, statusFault(503))
		c := newCredClient(t, f, testID, testSecret)
		if _, err := walk(t, context.Background(), c, 10); err != nil {
			t.Fatal(err)
		}
		if n := exchanges(f); n != 2 {
			t.Errorf("exchanges = %d, want 2 (503, then 200)", n)
		}
	})
	t.Run("past the budget", func(t *testing.T) {
		t.Parallel()
		f := credFake(t, 5, testID, testSecret)
		f.FailNext(5, statusFault(503))
		c := newCredClient(t, f, testID, testSecret, riskcloud.WithRetry(2, time.Millisecond, time.Millisecond))
		_, err := walk(t, context.Background(), c, 10)
		apiErr := checkStatus(t, err, 503)
		if apiErr.Method != http.MethodPost || apiErr.Path != testPrefix+tokenEndpoint {
			t.Errorf("Method, Path = %q, %q; want the exchange", apiErr.Method, apiErr.Path)
		}
		if n := len(f.Requests()); n != 3 {
			t.Errorf("requests = %d, want 3 exchanges and no page", n)
		}
	})
}

// TestClient_auth_clientCredentials_abandonedExchange: when the goroutine
// running an exchange gives up (its ctx ended), a goroutine waiting for
// that exchange with a live ctx is not failed with the other's error: it
// exchanges itself. And a waiter whose own ctx ends stops waiting at once.
func TestClient_auth_clientCredentials_abandonedExchange(t *testing.T) {
	t.Parallel()
	for _, cancelWaiter := range []bool{false, true} {
		t.Run(fmt.Sprintf("cancelWaiter=%v", cancelWaiter), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := credFake(t, 25, testID, testSecret)
				var arrived atomic.Int64
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if strings.HasSuffix(r.URL.Path, tokenEndpoint) && arrived.Add(1) == 1 {
						// Hold the first exchange until its caller gives up.
						<-r.Context().Done()
						writeJSON(w, http.StatusServiceUnavailable, `{"status":503,"message":"too late"}`)
						return
					}
					f.ServeHTTP(w, r)
				})
				c := newCredClient(t, h, testID, testSecret)

				ctxA, cancelA := context.WithCancel(t.Context())
				ctxB, cancelB := context.WithCancel(t.Context())
				defer cancelA()
				defer cancelB()
				var gotA, gotB []riskcloud.Entry
				var errA, errB error
				doneA, doneB := make(chan struct{}), make(chan struct{})
				go func() { defer close(doneA); gotA, errA = walk(t, ctxA, c, 10) }()
				synctest.Wait() // A runs the exchange, held by the handler
				go func() { defer close(doneB); gotB, errB = walk(t, ctxB, c, 10) }()
				synctest.Wait() // B waits for A's exchange
				if n := arrived.Load(); n != 1 {
					t.Fatalf("exchanges started = %d, want 1 (B must wait for A's)", n)
				}

				if cancelWaiter {
					start := time.Now()
					cancelB()
					<-doneB
					if !errors.Is(errB, context.Canceled) || len(gotB) != 0 || time.Since(start) != 0 {
						t.Errorf("waiter: %d entries, err %v, after %v; want context.Canceled at once", len(gotB), errB, time.Since(start))
					}
					cancelA()
					<-doneA
					if !errors.Is(errA, context.Canceled) {
						t.Errorf("exchanger: err = %v, want context.Canceled", errA)
					}
					return
				}

				cancelA()
				<-doneA
				<-doneB
				if !errors.Is(errA, context.Canceled) || len(gotA) != 0 {
					t.Errorf("A: %d entries, err %v; want context.Canceled", len(gotA), errA)
				}
				if errB != nil {
					t.Fatalf("B: %v, want a token of its own", errB)
				}
				if !slices.Equal(tags(t, gotB), tagsOf(f.Entries())) {
					t.Errorf("B got %v", tags(t, gotB))
				}
				if n := arrived.Load(); n != 2 {
					t.Errorf("exchanges started = %d, want 2 (A's abandoned, B's)", n)
				}
			})
		})
	}
}

// TestClient_auth_redirectAuthorization: net/http drops Authorization on a
// redirect to another host and keeps it on the same host; the SDK must not
// add it back on every hop.
func TestClient_auth_redirectAuthorization(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		target string // where the base host redirects page requests
		want   string // the Authorization the target sees
	}{
		{"other host", "https://other.example.test", ""},
		{"same host", "https://rc.example.test/moved", "Bearer " + testToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newServer(t, 25, riskcloudtest.WithoutAuthentication()) // the target accepts anything
			var mu sync.Mutex
			var auths []string
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Host == "rc.example.test" && strings.HasPrefix(r.URL.Path, testPrefix) {
					http.Redirect(w, r, tt.target+r.URL.RequestURI(), http.StatusFound)
					return
				}
				mu.Lock()
				auths = append(auths, r.Header.Get("Authorization"))
				mu.Unlock()
				r2 := r.Clone(r.Context())
				r2.URL.Path = strings.TrimPrefix(r.URL.Path, "/moved")
				f.ServeHTTP(w, r2)
			})
			c := newTestClient(t, h)
			got, err := walk(t, context.Background(), c, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 25 {
				t.Errorf("got %d entries, want 25", len(got))
			}
			if len(auths) != 3 {
				t.Errorf("target saw %d requests, want 3", len(auths))
			}
			for i, a := range auths {
				if a != tt.want {
					t.Errorf("target request %d Authorization = %q, want %q", i, a, tt.want)
				}
			}
		})
	}
}

func TestNewClient_credentialOptions_invalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []riskcloud.Option
		want string // the option the error names
	}{
		{"token and credentials", []riskcloud.Option{riskcloud.WithToken(testToken), riskcloud.WithClientCredentials(testID, testSecret)}, "WithToken"},
		{"credentials and token", []riskcloud.Option{riskcloud.WithClientCredentials(testID, testSecret), riskcloud.WithToken(testToken)}, "WithClientCredentials"},
		{"empty token", []riskcloud.Option{riskcloud.WithToken("")}, "WithToken"},
		{"empty client ID", []riskcloud.Option{riskcloud.WithClientCredentials("", testSecret)}, "WithClientCredentials"},
		{"empty secret", []riskcloud.Option{riskcloud.WithClientCredentials(testID, "")}, "WithClientCredentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := riskcloud.NewClient(testBase, tt.opts...)
			if !errors.Is(err, riskcloud.ErrInvalidArgument) {
				t.Fatalf("NewClient = %v, %v; want ErrInvalidArgument", c, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to name %s", err, tt.want)
			}
			for _, leak := range []string{testToken, testSecret, "SECRET"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("err = %q contains %q", err, leak)
				}
			}
		})
	}
}

// TestClient_auth_clientCredentials_secretsNotLogged: at the lowest slog
// level, through an exchange that is retried, a revoked token and a
// re-exchange, no record holds the secret, the Basic credentials or a token.
func TestClient_auth_clientCredentials_secretsNotLogged(t *testing.T) {
	t.Parallel()
	f := credFake(t, 25, testID, testSecret)
	f.FailNext(1, statusFault(503))
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.Level(math.MinInt)}))
	c := newCredClient(t, f, testID, testSecret, riskcloud.WithLogger(logger))
	n := 0
	for _, err := range c.AccessAudit.Attempts(testEmail, &riskcloud.ListOptions{Size: 10}).All(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 5 {
			f.RevokeToken()
		}
	}
	if got := exchanges(f); got != 3 {
		t.Fatalf("exchanges = %d, want 3 (503, 200, and after the revocation)", got)
	}
	out := buf.String()
	if !strings.Contains(out, tokenEndpoint) {
		t.Fatalf("no record of the exchange:\n%s", out)
	}
	b64 := strings.TrimPrefix(basic(testID, testSecret), "Basic ")
	for _, leak := range []string{testSecret, "SECRET", "issued-", b64, "Basic", "Bearer", "alice"} {
		if strings.Contains(out, leak) {
			t.Errorf("log contains %q:\n%s", leak, out)
		}
	}
}
