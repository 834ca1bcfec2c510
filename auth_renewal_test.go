package riskcloud_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// Renewal races between goroutines sharing one client. Each test holds
// requests at chosen points with channels and lets synctest.Wait tell when
// every other goroutine is blocked, so the interleaving is exact.

// tokenServer answers exchanges with T1, T2, … and pages with 200 for the
// tokens in valid, 401 for others. hold, when it returns a channel for a
// request, blocks the request on it first.
type tokenServer struct {
	mu     sync.Mutex
	issued int
	valid  map[string]bool
	log    []string
	hold   func(r *http.Request) chan struct{}
}

func (s *tokenServer) RoundTrip(req *http.Request) (*http.Response, error) {
	if s.hold != nil {
		if ch := s.hold(req); ch != nil {
			<-ch
		}
	}
	respond := func(code int, body string) (*http.Response, error) {
		return &http.Response{StatusCode: code, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), ContentLength: -1, Request: req}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if strings.HasSuffix(req.URL.Path, tokenEndpoint) {
		s.issued++
		tok := fmt.Sprintf("T%d", s.issued)
		s.valid = map[string]bool{"Bearer " + tok: true} // an exchange invalidates the last token
		s.log = append(s.log, "exchange "+tok)
		return respond(200, `{"access_token":"`+tok+`","expires_in":3600}`)
	}
	auth := req.Header.Get("Authorization")
	page := req.URL.Query().Get("page")
	s.log = append(s.log, "page "+page+" "+strings.TrimPrefix(auth, "Bearer "))
	if !s.valid[auth] {
		return respond(401, `{"status":401,"message":"bad token"}`)
	}
	return respond(200, `{"content":[],"number":`+page+`,"last":true,"totalElements":0}`)
}

func (s *tokenServer) exchanges() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// revokeAll invalidates every token, as an exchange elsewhere would.
func (s *tokenServer) revokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.valid = nil
}

func (s *tokenServer) requests() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.log, "\n")
}

// TestClient_auth_rejectedTokenNotHandedOut: while the client replaces a
// token that drew a 401, another request that needs a token waits for the
// new one instead of being given the one known to be rejected.
func TestClient_auth_rejectedTokenNotHandedOut(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		slowPage, exchangeHeld := make(chan struct{}), make(chan struct{})
		var once sync.Once
		srv := &tokenServer{}
		srv.hold = func(r *http.Request) chan struct{} {
			switch {
			case r.URL.Query().Get("page") == "2" && r.Header.Get("Authorization") == "Bearer T1":
				return slowPage
			case strings.HasSuffix(r.URL.Path, tokenEndpoint) && srv.exchanges() == 2:
				var ch chan struct{}
				once.Do(func() { ch = exchangeHeld })
				return ch
			}
			return nil
		}
		c := newClientWith(t, srv, riskcloud.WithClientCredentials(testID, testSecret), riskcloud.WithRetry(0, 0, 0))
		page := func(n int) error { _, err := c.AccessAudit.Logins(nil).Page(t.Context(), n); return err }

		if err := page(0); err != nil { // T1
			t.Fatal(err)
		}
		slow := make(chan error, 1)
		go func() { slow <- page(2) }() // sends T1 and is held
		synctest.Wait()
		srv.revokeAll()
		if err := page(1); err != nil { // a 401 with T1, then T2
			t.Fatal(err)
		}
		srv.revokeAll()
		other := make(chan error, 1)
		go func() { other <- page(3) }() // a 401 with T2; the exchange for T3 is held
		synctest.Wait()
		close(slowPage) // page 2's T1 draws a 401 while T3 is on its way
		synctest.Wait()
		close(exchangeHeld)
		if err := <-slow; err != nil {
			t.Errorf("page 2: %v\nrequests:\n%s", err, srv.requests())
		}
		if err := <-other; err != nil {
			t.Errorf("page 3: %v", err)
		}
		if strings.Contains(srv.requests(), "page 2 T2") {
			t.Errorf("page 2 was sent with T2, which the client knew was rejected:\n%s", srv.requests())
		}
	})
}

// staleCache hands out a different stale token on each of its first three
// loads (other processes storing tokens a third party then invalidated);
// the third load is held until released.
type staleCache struct {
	mu             sync.Mutex
	loads          int
	stored         string
	inThird, third chan struct{}
}

func (c *staleCache) Load(context.Context) (string, time.Time, error) {
	c.mu.Lock()
	c.loads++
	n := c.loads
	c.mu.Unlock()
	switch n {
	case 1, 2:
		return fmt.Sprintf("stale-%d", n), time.Time{}, nil
	case 3:
		close(c.inThird)
		<-c.third
		return "stale-3", time.Time{}, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stored, time.Time{}, nil
}

func (c *staleCache) Store(_ context.Context, token string, _ time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stored = token
	return nil
}

// TestClient_tokenCache_freshRenewalIsFresh: a request whose cached
// renewal was rejected too gets a freshly exchanged token, even when
// another goroutine's renewal, which it joins, comes from the cache.
func TestClient_tokenCache_freshRenewalIsFresh(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		held := make(chan struct{})
		srv := &tokenServer{}
		srv.hold = func(r *http.Request) chan struct{} {
			if r.URL.Query().Get("page") == "0" && r.Header.Get("Authorization") == "Bearer stale-2" {
				return held
			}
			return nil
		}
		cache := &staleCache{inThird: make(chan struct{}), third: make(chan struct{})}
		c := newClientWith(t, srv, riskcloud.WithClientCredentials(testID, testSecret),
			riskcloud.WithTokenCache(cache), riskcloud.WithRetry(0, 0, 0))
		page := func(n int) error { _, err := c.AccessAudit.Logins(nil).Page(t.Context(), n); return err }

		first := make(chan error, 1)
		go func() { first <- page(0) }() // stale-1: 401; the cache's stale-2 is sent and held
		synctest.Wait()
		second := make(chan error, 1)
		go func() { second <- page(1) }() // stale-2: 401; its renewal loads the cache a third time, held
		<-cache.inThird
		close(held) // page 0's stale-2 draws a 401: it needs a fresh token
		synctest.Wait()
		close(cache.third) // the renewal it joined returns stale-3, from the cache
		if err := <-first; err != nil {
			t.Errorf("page 0: %v\nrequests:\n%s", err, srv.requests())
		}
		if err := <-second; err != nil {
			t.Errorf("page 1: %v\nrequests:\n%s", err, srv.requests())
		}
		if strings.Contains(srv.requests(), "page 0 stale-3") {
			t.Errorf("page 0's fresh renewal was given the cache's stale-3:\n%s", srv.requests())
		}
	})
}
