package riskcloud

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// These tests drive the credentialSource directly, with an exchange
// function in place of the token endpoint: the rules of token and
// invalidate without a server.

// issuer is a token endpoint: it issues T1, T2, …, each after gate (when
// set) lets it, or fails with err.
type issuer struct {
	mu     sync.Mutex
	issued int
	basics []string
	life   time.Duration
	err    error
	gate   chan struct{}
}

func (is *issuer) exchange(ctx context.Context, basic string) (issuedToken, error) {
	if is.gate != nil {
		select {
		case <-is.gate:
		case <-ctx.Done():
			return issuedToken{}, ctx.Err()
		}
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	is.basics = append(is.basics, basic)
	if is.err != nil {
		return issuedToken{}, is.err
	}
	is.issued++
	return issuedToken{access: fmt.Sprintf("T%d", is.issued), life: is.life}, nil
}

func (is *issuer) count() int {
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.issued
}

// sourceCache is a TokenCache holding one token.
type sourceCache struct {
	mu     sync.Mutex
	token  string
	expiry time.Time
}

func (c *sourceCache) Load(context.Context) (string, time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token, c.expiry, nil
}

func (c *sourceCache) Store(_ context.Context, token string, expiry time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.token, c.expiry = token, expiry
	return nil
}

func newTestSource(is *issuer, cache TokenCache) *credentialSource {
	s := &credentialSource{clientID: "id", clientSecret: "secret", exchange: is.exchange,
		logger: slog.New(slog.DiscardHandler)}
	if cache != nil {
		s.cache = cache
	}
	return s
}

func mustToken(t *testing.T, s tokenSource, fresh bool) bearerToken {
	t.Helper()
	tok, err := s.token(context.Background(), fresh)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestCredentialSource_rules: which token comes next, from the cache or an
// exchange, after each sequence of calls.
func TestCredentialSource_rules(t *testing.T) {
	t.Parallel()
	type step struct {
		invalidate string // a header to invalidate first ("" for none)
		fresh      bool
		want       string // the header token returns
		cached     bool
	}
	tests := []struct {
		name      string
		cache     *sourceCache // nil: no cache
		steps     []step
		exchanges int
	}{
		{"lazy, then kept", nil, []step{
			{want: "Bearer T1"}, {want: "Bearer T1"},
		}, 1},
		{"rejected: exchanged again", nil, []step{
			{want: "Bearer T1"}, {invalidate: "Bearer T1", want: "Bearer T2"}, {want: "Bearer T2"},
		}, 2},
		{"a rejection of another token keeps the current one", nil, []step{
			{want: "Bearer T1"}, {invalidate: "Bearer old", want: "Bearer T1"},
		}, 1},
		{"cache first", &sourceCache{token: "C"}, []step{
			{want: "Bearer C", cached: true}, {want: "Bearer C", cached: true},
		}, 0},
		{"cache's token rejected: exchanged and stored", &sourceCache{token: "C"}, []step{
			{want: "Bearer C", cached: true}, {invalidate: "Bearer C", want: "Bearer T1"},
		}, 1},
		{"fresh skips a cached current token", &sourceCache{token: "C"}, []step{
			{want: "Bearer C", cached: true}, {fresh: true, want: "Bearer T1"}, {want: "Bearer T1"},
		}, 1},
		{"fresh skips the cache", &sourceCache{token: "C"}, []step{
			{invalidate: "Bearer X", fresh: true, want: "Bearer T1"},
		}, 1},
		{"a cache token inside the expiry margin", &sourceCache{token: "C", expiry: time.Now().Add(30 * time.Second)}, []step{
			{want: "Bearer T1"},
		}, 1},
		{"a cache token with control characters", &sourceCache{token: "C\r\nX: y"}, []step{
			{want: "Bearer T1"},
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := &issuer{}
			var cache TokenCache
			if tt.cache != nil {
				cache = tt.cache
			}
			s := newTestSource(is, cache)
			for i, st := range tt.steps {
				if st.invalidate != "" && !s.invalidate(bearerToken{header: st.invalidate}) {
					t.Fatalf("step %d: invalidate = false, want true", i)
				}
				got := mustToken(t, s, st.fresh)
				if got.header != st.want || got.cached != st.cached {
					t.Errorf("step %d: token %q (cached %v), want %q (cached %v)", i, got.header, got.cached, st.want, st.cached)
				}
			}
			if n := is.count(); n != tt.exchanges {
				t.Errorf("exchanges = %d, want %d", n, tt.exchanges)
			}
			if tt.cache != nil && tt.exchanges > 0 {
				if tok, _, _ := tt.cache.Load(context.Background()); tok != fmt.Sprintf("T%d", tt.exchanges) {
					t.Errorf("cache holds %q, want the last exchanged token", tok)
				}
			}
		})
	}
}

// TestCredentialSource_renewedElsewhere: after a 401 to its own token, the
// source takes the token another process stored in the cache rather than
// exchanging; once that one is rejected too, it never takes it again.
func TestCredentialSource_renewedElsewhere(t *testing.T) {
	t.Parallel()
	cache := &sourceCache{}
	is := &issuer{}
	s := newTestSource(is, cache)
	t1 := mustToken(t, s, false)
	cache.Store(context.Background(), "C2", time.Time{}) // another process renewed
	s.invalidate(t1)
	if got := mustToken(t, s, false); got.header != "Bearer C2" || !got.cached {
		t.Fatalf("token = %+v, want the cache's C2", got)
	}
	s.invalidate(bearerToken{header: "Bearer C2", cached: true})
	if got := mustToken(t, s, false); got.header != "Bearer T2" {
		t.Errorf("token = %+v, want a new exchange, not the rejected C2 again", got)
	}
	if n := is.count(); n != 2 {
		t.Errorf("exchanges = %d, want 2", n)
	}
}

// TestCredentialSource_expiry: an exchanged token is replaced a tenth of
// its life (at most a minute) before it expires.
func TestCredentialSource_expiry(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		for _, tt := range []struct {
			life, refreshAfter time.Duration
		}{
			{time.Hour, time.Hour - time.Minute},
			{100 * time.Second, 90 * time.Second},
		} {
			is := &issuer{life: tt.life}
			s := newTestSource(is, nil)
			mustToken(t, s, false)
			time.Sleep(tt.refreshAfter - time.Second)
			if got := mustToken(t, s, false); got.header != "Bearer T1" {
				t.Errorf("life %v: token %q a second before the refresh, want T1", tt.life, got.header)
			}
			time.Sleep(time.Second)
			if got := mustToken(t, s, false); got.header != "Bearer T2" {
				t.Errorf("life %v: token %q at the refresh, want T2", tt.life, got.header)
			}
		}
	})
}

// TestCredentialSource_singleFlight: goroutines that need a token while an
// exchange is in flight share it, whatever their number.
func TestCredentialSource_singleFlight(t *testing.T) {
	t.Parallel()
	for _, n := range []int{2, 5, 32} {
		synctest.Test(t, func(t *testing.T) {
			is := &issuer{gate: make(chan struct{})}
			s := newTestSource(is, nil)
			got := make([]string, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { got[i] = mustToken(t, s, false).header })
			}
			synctest.Wait()
			close(is.gate)
			wg.Wait()
			if c := is.count(); c != 1 {
				t.Errorf("%d goroutines: %d exchanges, want 1", n, c)
			}
			if slices.ContainsFunc(got, func(h string) bool { return h != "Bearer T1" }) {
				t.Errorf("%d goroutines got %v, want T1 for all", n, got)
			}
		})
	}
}

// TestCredentialSource_waiters: how a goroutine waiting on another's
// exchange ends: with the other's error, with a new exchange when the
// other gave up (its ctx ended) or when it needs a fresh token and the
// other's came from the cache, and with its own ctx's error.
func TestCredentialSource_waiters(t *testing.T) {
	t.Parallel()
	t.Run("failed exchange: shared error", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			failed := errors.New("riskcloud: POST /token: 500")
			is := &issuer{gate: make(chan struct{}), err: failed}
			s := newTestSource(is, nil)
			errs := make(chan error, 2)
			for range 2 {
				go func() { _, err := s.token(context.Background(), false); errs <- err }()
			}
			synctest.Wait()
			close(is.gate)
			for range 2 {
				if err := <-errs; !errors.Is(err, failed) {
					t.Errorf("err = %v, want the exchange's", err)
				}
			}
			if len(is.basics) != 1 {
				t.Errorf("%d exchanges, want 1", len(is.basics))
			}
		})
	})
	t.Run("abandoned exchange: a live waiter starts its own", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			is := &issuer{gate: make(chan struct{})}
			s := newTestSource(is, nil)
			ctx, cancel := context.WithCancel(context.Background())
			first := make(chan error, 1)
			go func() { _, err := s.token(ctx, false); first <- err }()
			synctest.Wait()
			second := make(chan bearerToken, 1)
			go func() { second <- mustToken(t, s, false) }()
			synctest.Wait()
			cancel()
			if err := <-first; !errors.Is(err, context.Canceled) {
				t.Errorf("first: %v, want context.Canceled", err)
			}
			synctest.Wait()
			close(is.gate)
			if got := <-second; got.header != "Bearer T1" {
				t.Errorf("second got %q, want T1 from its own exchange", got.header)
			}
		})
	})
	t.Run("fresh waiter: a cached result will not do", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			cache := &blockingCache{sourceCache: sourceCache{token: "C"}, loading: make(chan struct{}), release: make(chan struct{})}
			is := &issuer{}
			s := newTestSource(is, cache)
			first := make(chan bearerToken, 1)
			go func() { first <- mustToken(t, s, false) }() // loads the cache, held
			<-cache.loading
			fresh := make(chan bearerToken, 1)
			go func() { fresh <- mustToken(t, s, true) }() // joins the flight
			synctest.Wait()
			close(cache.release)
			if got := <-first; got.header != "Bearer C" {
				t.Errorf("first got %q, want the cache's C", got.header)
			}
			if got := <-fresh; got.header != "Bearer T1" {
				t.Errorf("fresh got %q, want T1 from an exchange", got.header)
			}
		})
	})
	t.Run("own ctx ends while waiting", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			is := &issuer{gate: make(chan struct{})}
			s := newTestSource(is, nil)
			go s.token(context.Background(), false)
			synctest.Wait()
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			if _, err := s.token(ctx, false); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want DeadlineExceeded", err)
			}
			close(is.gate)
			synctest.Wait()
		})
	})
}

// blockingCache holds its first Load until release is closed.
type blockingCache struct {
	sourceCache
	once             sync.Once
	loading, release chan struct{}
}

func (c *blockingCache) Load(ctx context.Context) (string, time.Time, error) {
	c.once.Do(func() {
		close(c.loading)
		<-c.release
	})
	return c.sourceCache.Load(ctx)
}

// TestCredentialSource_rejectedBounded: the source remembers the last
// maxRejected tokens rejected, newest last, whatever their number.
func TestCredentialSource_rejectedBounded(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, maxRejected - 1, maxRejected, maxRejected + 1, 3 * maxRejected} {
		s := newTestSource(&issuer{}, nil)
		var all []string
		for i := range n {
			h := fmt.Sprintf("Bearer R%d", i)
			all = append(all, h, h) // each twice: remembered once
			s.invalidate(bearerToken{header: h})
			s.invalidate(bearerToken{header: h})
		}
		want := slices.Compact(all)[max(0, n-maxRejected):]
		if !slices.Equal(s.rejected, want) {
			t.Errorf("n=%d: rejected %v, want %v", n, s.rejected, want)
		}
	}
}

// TestTokenSource_static: a static token or none cannot be renewed.
func TestTokenSource_static(t *testing.T) {
	t.Parallel()
	for _, s := range []tokenSource{noAuth{}, &staticToken{bearer: bearerToken{header: "Bearer S"}}} {
		tok := mustToken(t, s, false)
		if s.invalidate(tok) {
			t.Errorf("%T: invalidate = true, want false", s)
		}
		if again := mustToken(t, s, true); again != tok {
			t.Errorf("%T: token changed to %+v", s, again)
		}
	}
}

// TestCredentialSource_exchangeSendsBasic: the exchange gets the Basic
// credentials, base64(id:secret) unescaped, and secrets lists them with
// the token in use.
func TestCredentialSource_exchangeSendsBasic(t *testing.T) {
	t.Parallel()
	is := &issuer{}
	s := &credentialSource{clientID: "a b", clientSecret: "c:d", exchange: is.exchange, logger: slog.New(slog.DiscardHandler)}
	mustToken(t, s, false)
	if want := "Basic YSBiOmM6ZA=="; len(is.basics) != 1 || is.basics[0] != want {
		t.Errorf("exchange got %q, want %q", is.basics, want)
	}
	if got, want := s.secrets(), []string{"a b", "c:d", "YSBiOmM6ZA==", "T1"}; !slices.Equal(got, want) {
		t.Errorf("secrets = %q, want %q", got, want)
	}
}
