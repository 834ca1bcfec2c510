package riskcloud_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// memCache is a TokenCache in memory, shared by the clients of a test as a
// file would be by the runs of a program.
type memCache struct {
	mu            sync.Mutex
	token         string
	expiry        time.Time
	loads, stores int
	loadErr       error
	storeErr      error
	// cancellable counts Stores given a ctx that could be cancelled: the
	// exchanged token must be stored even if the request gives up.
	cancellable int
}

func (m *memCache) Load(context.Context) (string, time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.loads++
	return m.token, m.expiry, m.loadErr
}

func (m *memCache) Store(ctx context.Context, token string, expiry time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stores++
	if ctx.Done() != nil {
		m.cancellable++
	}
	if m.storeErr != nil {
		return m.storeErr
	}
	m.token, m.expiry = token, expiry
	return nil
}

func (m *memCache) get() (string, time.Time, int, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.token, m.expiry, m.loads, m.stores
}

// TestClient_tokenCache_reusedAcrossClients: a second client (the next run
// of a program) takes the token from the cache and does not exchange.
func TestClient_tokenCache_reusedAcrossClients(t *testing.T) {
	t.Parallel()
	f := credFake(t, 25, testID, testSecret, riskcloudtest.WithTokenLifetime(time.Hour))
	cache := &memCache{}
	before := time.Now()
	for run := range 3 {
		c := newCredClient(t, f, testID, testSecret, riskcloud.WithTokenCache(cache))
		if _, err := walk(t, t.Context(), c, 10); err != nil { // a ctx that can be cancelled
			t.Fatalf("run %d: %v", run, err)
		}
	}
	if n := exchanges(f); n != 1 {
		t.Errorf("exchanges = %d over 3 clients sharing a cache, want 1", n)
	}
	token, expiry, loads, stores := cache.get()
	if token != "issued-1-SECRET" || stores != 1 || loads != 3 {
		t.Errorf("cache holds %q after %d loads, %d stores; want issued-1-SECRET, 3, 1", token, loads, stores)
	}
	if cache.cancellable != 0 {
		t.Errorf("Store got a cancellable ctx")
	}
	if expiry.Before(before.Add(time.Hour)) || expiry.After(time.Now().Add(time.Hour)) {
		t.Errorf("stored expiry %v, want an hour after the exchange", expiry)
	}
	for _, r := range f.Requests() {
		if r.Path != testPrefix+tokenEndpoint && string(r.Authorization) != "Bearer issued-1-SECRET" {
			t.Errorf("a page was requested with %q", string(r.Authorization))
		}
	}
}

// TestClient_tokenCache_unusable: a cached token that has expired, is about
// to, is unknown to the server or cannot go in a header is replaced by an
// exchange, which is stored.
func TestClient_tokenCache_unusable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		token       string
		expiry      time.Duration // from now; 0: unknown
		pageRejects int           // pages answered 401 before the exchange
	}{
		{"empty", "", 0, 0},
		{"expired", "issued-0-SECRET", -time.Second, 0},
		{"inside the expiry margin", "issued-0-SECRET", 5 * time.Second, 0},
		{"rejected by the server", "stale-SECRET", time.Hour, 1},
		{"rejected, with no known expiry", "stale-SECRET", 0, 1},
		{"a control character", "bad\r\nX-Injected: 1", time.Hour, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := credFake(t, 5, testID, testSecret)
			cache := &memCache{token: tt.token}
			if tt.expiry != 0 {
				cache.expiry = time.Now().Add(tt.expiry)
			}
			c := newCredClient(t, f, testID, testSecret, riskcloud.WithTokenCache(cache))
			got, err := walk(t, context.Background(), c, 10)
			if err != nil || len(got) != 5 {
				t.Fatalf("walk: %d entries, %v", len(got), err)
			}
			if n := exchanges(f); n != 1 {
				t.Errorf("exchanges = %d, want 1", n)
			}
			if n := f.Stats().PageRequests; n != 1+tt.pageRejects {
				t.Errorf("page requests = %d, want %d", n, 1+tt.pageRejects)
			}
			if token, _, _, _ := cache.get(); token != "issued-1-SECRET" {
				t.Errorf("cache holds %q, want the new token", token)
			}
		})
	}
}

// TestClient_tokenCache_renewedElsewhere: when another process sharing the
// cache has exchanged (invalidating this client's token), the 401 is
// answered from the cache, not by yet another exchange that would in turn
// invalidate the other process's token.
func TestClient_tokenCache_renewedElsewhere(t *testing.T) {
	t.Parallel()
	f := credFake(t, 5, testID, testSecret)
	cache := &memCache{}
	a := newCredClient(t, f, testID, testSecret, riskcloud.WithTokenCache(cache))
	if _, err := walk(t, context.Background(), a, 10); err != nil {
		t.Fatal(err)
	}
	// The other process finds issued-1 revoked (by a third party) and
	// renews it; the cache now holds issued-2.
	f.RevokeToken()
	b := newCredClient(t, f, testID, testSecret, riskcloud.WithTokenCache(cache))
	if _, err := walk(t, context.Background(), b, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := walk(t, context.Background(), a, 10); err != nil {
		t.Fatalf("a after b renewed: %v", err)
	}
	if n := exchanges(f); n != 2 {
		t.Errorf("exchanges = %d, want 2 (a's first, b's renewal)", n)
	}
	seen := f.Requests()
	if last := seen[len(seen)-1]; string(last.Authorization) != "Bearer issued-2-SECRET" {
		t.Errorf("a's last page went with %q, want the token b stored", string(last.Authorization))
	}
}

// TestClient_tokenCache_failuresAreQuiet: a cache that cannot load or
// store costs exchanges, never a failed walk, and its errors reach only the
// debug log.
func TestClient_tokenCache_failuresAreQuiet(t *testing.T) {
	t.Parallel()
	f := credFake(t, 5, testID, testSecret)
	cache := &memCache{loadErr: errors.New("disk on fire"), storeErr: errors.New("read-only file system")}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for range 2 {
		c := newCredClient(t, f, testID, testSecret, riskcloud.WithTokenCache(cache), riskcloud.WithLogger(logger))
		if _, err := walk(t, context.Background(), c, 10); err != nil {
			t.Fatalf("walk with a broken cache: %v", err)
		}
	}
	if n := exchanges(f); n != 2 {
		t.Errorf("exchanges = %d, want 2 (one per client)", n)
	}
	for _, want := range []string{"disk on fire", "read-only file system"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("debug log lacks %q:\n%s", want, logs.String())
		}
	}
	for _, secret := range []string{"issued-1-SECRET", "issued-2-SECRET", testSecret} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("debug log holds a secret %q", secret)
		}
	}
}

func TestNewClient_WithTokenCache_invalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []riskcloud.Option
	}{
		{"nil cache", []riskcloud.Option{riskcloud.WithClientCredentials(testID, testSecret), riskcloud.WithTokenCache(nil)}},
		{"with a static token", []riskcloud.Option{riskcloud.WithToken(testToken), riskcloud.WithTokenCache(&memCache{})}},
		{"without credentials", []riskcloud.Option{riskcloud.WithTokenCache(&memCache{})}},
	}
	for _, tt := range tests {
		_, err := riskcloud.NewClient(testBase, tt.opts...)
		var argErr *riskcloud.ArgumentError
		if !errors.Is(err, riskcloud.ErrInvalidArgument) || !errors.As(err, &argErr) || argErr.Name != "WithTokenCache" {
			t.Errorf("%s: err = %v, want an ArgumentError naming WithTokenCache", tt.name, err)
		}
	}
}

// TestClient_tokenCache_cachedRenewalStaleToo: when the token the cache
// offers after a 401 is stale as well (a third party exchanged since), the
// client still makes the one fresh exchange DESIGN promises, rather than
// failing the request.
func TestClient_tokenCache_cachedRenewalStaleToo(t *testing.T) {
	t.Parallel()
	f := credFake(t, 5, testID, testSecret)
	cache := &memCache{}
	a := newCredClient(t, f, testID, testSecret, riskcloud.WithTokenCache(cache))
	if _, err := walk(t, context.Background(), a, 10); err != nil { // issued-1, stored
		t.Fatal(err)
	}
	f.RevokeToken()
	b := newCredClient(t, f, testID, testSecret, riskcloud.WithTokenCache(cache))
	if _, err := walk(t, context.Background(), b, 10); err != nil { // issued-2, stored
		t.Fatal(err)
	}
	third := newCredClient(t, f, testID, testSecret) // no cache: issued-3
	if _, err := walk(t, context.Background(), third, 10); err != nil {
		t.Fatal(err)
	}

	got, err := walk(t, context.Background(), a, 10)
	if err != nil || len(got) != 5 {
		t.Fatalf("a: %d entries, %v; want the walk to recover with a fresh exchange", len(got), err)
	}
	if n := exchanges(f); n != 4 {
		t.Errorf("exchanges = %d, want 4 (a, b, the third party, a's fresh one)", n)
	}
	if token, _, _, _ := cache.get(); token != "issued-4-SECRET" {
		t.Errorf("cache holds %q, want a's fresh token", token)
	}
	seen := f.Requests()
	var auths []string
	for _, r := range seen[len(seen)-4:] {
		auths = append(auths, strings.TrimPrefix(r.Path, testPrefix)+" "+string(r.Authorization))
	}
	want := []string{
		"/api/v1/access-audit/logins Bearer issued-1-SECRET",
		"/api/v1/access-audit/logins Bearer issued-2-SECRET",
		tokenEndpoint + " " + basic(testID, testSecret),
		"/api/v1/access-audit/logins Bearer issued-4-SECRET",
	}
	if strings.Join(auths, "\n") != strings.Join(want, "\n") {
		t.Errorf("a's last requests:\n%s\nwant:\n%s", strings.Join(auths, "\n"), strings.Join(want, "\n"))
	}
}
