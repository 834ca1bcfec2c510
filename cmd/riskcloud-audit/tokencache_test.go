package main

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

const (
	testClientID = "client-7f3a"
	testSecret   = "secret-c0ffee-d00d"
)

// credsServer starts a server that issues tokens for the test credentials,
// and returns the environment of a run against it with its own cache.
func credsServer(t *testing.T, opts ...riskcloudtest.Option) (*riskcloudtest.Server, map[string]string) {
	t.Helper()
	srv := newServer(t, append([]riskcloudtest.Option{riskcloudtest.WithClientCredentials(testClientID, testSecret)}, opts...)...)
	srv.Add(entriesAt(30, testEnd)...)
	env := map[string]string{
		envURL:           srv.URL,
		envClientID:      testClientID,
		envClientSecret:  testSecret,
		"XDG_CACHE_HOME": t.TempDir(),
	}
	return srv, env
}

// mustRun runs the command and requires it to list all 30 entries.
func mustRun(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return mustRunWith(t, harness{env: env}, args...)
}

// mustRunWith is mustRun with more of the harness set.
func mustRunWith(t *testing.T, h harness, args ...string) result {
	t.Helper()
	res := h.run(t, append(args, "--size", "10", "attempts", riskcloudtest.DefaultEmail)...)
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	if n := len(jsonLines(t, res.stdout)); n != 30 {
		t.Fatalf("%d entries, want 30", n)
	}
	return res
}

// onlyCacheFile returns the one token file in env's cache and its content.
func onlyCacheFile(t *testing.T, env map[string]string) (string, cachedToken) {
	t.Helper()
	files := cacheFiles(t, env["XDG_CACHE_HOME"])
	if len(files) != 1 {
		t.Fatalf("%d cache files, want 1: %q", len(files), files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var ct cachedToken
	if err := json.Unmarshal(data, &ct); err != nil {
		t.Fatal(err)
	}
	return files[0], ct
}

func writeCacheFile(t *testing.T, file string, ct cachedToken) {
	t.Helper()
	data, err := json.Marshal(ct)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func exchanges(srv *riskcloudtest.Server) int { return srv.Stats().Exchanges }

// warnings counts the cache warnings in stderr.
func warnings(stderr string) int { return strings.Count(stderr, "warning: token cache") }

func TestTokenCache_secondRunDoesNotExchange(t *testing.T) {
	t.Parallel()
	srv, env := credsServer(t)

	first := mustRun(t, env)
	if n := exchanges(srv); n != 1 {
		t.Fatalf("%d exchanges after the first run, want 1", n)
	}
	file, ct := onlyCacheFile(t, env)
	second := mustRun(t, env)
	if n := exchanges(srv); n != 1 {
		t.Errorf("%d exchanges after the second run, want still 1", n)
	}
	if first.stdout != second.stdout || first.stderr != "" || second.stderr != "" {
		t.Errorf("runs differ: stderr %q, %q", first.stderr, second.stderr)
	}

	if ct.URL != strings.ToLower(srv.URL) || ct.ClientID != testClientID || ct.AccessToken != srv.IssuedToken() ||
		ct.Expires.Before(time.Now().Add(364*24*time.Hour)) {
		t.Errorf("cached %+v", ct)
	}
	data, _ := os.ReadFile(file)
	if strings.Contains(string(data), testSecret) {
		t.Error("the cache file holds the secret")
	}
	if runtime.GOOS != "windows" {
		if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("cache file mode %v, %v; want 0600", fi.Mode(), err)
		}
		if fi, err := os.Stat(filepath.Dir(file)); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("cache directory mode %v, %v; want 0700", fi.Mode(), err)
		}
	}
	if tmp, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".token-*")); len(tmp) != 0 {
		t.Errorf("temporary files left behind: %q", tmp)
	}
}

func TestTokenCache_expired(t *testing.T) {
	t.Parallel()
	later := func() time.Time { return time.Now().Add(2 * 365 * 24 * time.Hour) }
	for _, tt := range []struct {
		name    string
		now     func() time.Time // of the second run
		expires time.Duration    // from now, written into the file; 0: as cached
	}{
		{name: "expired by the clock", now: later},
		{name: "expired in the file", expires: -time.Hour},
		{name: "within the SDK's renewal margin", expires: 30 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, env := credsServer(t)
			mustRun(t, env)
			file, ct := onlyCacheFile(t, env)
			old := ct.AccessToken
			if tt.expires != 0 {
				ct.Expires = time.Now().Add(tt.expires)
				writeCacheFile(t, file, ct)
			}

			res := mustRunWith(t, harness{env: env, now: tt.now})
			if n := exchanges(srv); n != 2 {
				t.Errorf("%d exchanges, want 2", n)
			}
			if _, ct := onlyCacheFile(t, env); ct.AccessToken == old || ct.AccessToken != srv.IssuedToken() {
				t.Errorf("cache not renewed: %+v", ct)
			}
			if res.stderr != "" {
				t.Errorf("stderr %q, want nothing", res.stderr)
			}
		})
	}
}

func TestTokenCache_revoked(t *testing.T) {
	t.Parallel()
	srv, env := credsServer(t)
	mustRun(t, env)
	_, before := onlyCacheFile(t, env)

	srv.RevokeToken() // another integration of the key exchanged
	res := mustRun(t, env)
	if n := exchanges(srv); n != 2 {
		t.Errorf("%d exchanges, want 2", n)
	}
	_, after := onlyCacheFile(t, env)
	if after.AccessToken == before.AccessToken || after.AccessToken != srv.IssuedToken() {
		t.Error("the cache does not hold the renewed token")
	}
	assertNoSecrets(t, res, before.AccessToken, after.AccessToken)
	if res.stderr != "" {
		t.Errorf("stderr %q, want nothing", res.stderr)
	}

	mustRun(t, env) // and the renewed token is reused
	if n := exchanges(srv); n != 2 {
		t.Errorf("%d exchanges after a third run, want 2", n)
	}
}

// A run whose token is revoked by another run sharing the cache takes that
// run's token from the cache rather than exchanging (and revoking it) again.
func TestTokenCache_renewedByAnotherRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var (
		once    sync.Once
		renewed string
		hookErr error
	)
	srv, env := credsServer(t, riskcloudtest.WithBeforePage(func(s *riskcloudtest.Server, page int) {
		if page == 1 {
			once.Do(func() { renewed, hookErr = renewElsewhere(s, dir) })
		}
	}))
	env["XDG_CACHE_HOME"] = dir

	res := mustRun(t, env, "--prefetch", "0")
	if hookErr != nil {
		t.Fatal(hookErr)
	}
	// Pages 0, 1 and 2, and page 2 again after its 401.
	if st := srv.Stats(); st.Exchanges != 2 || st.PageRequests != 4 {
		t.Errorf("%d exchanges and %d page requests, want 2 (the run's and the other's) and 4", st.Exchanges, st.PageRequests)
	}
	if _, ct := onlyCacheFile(t, env); ct.AccessToken != renewed || renewed != srv.IssuedToken() {
		t.Error("the cache does not hold the other run's token")
	}
	assertNoSecrets(t, res, renewed)
}

// renewElsewhere exchanges the test credentials at s, as another run would,
// and stores the token in the cache under dir.
func renewElsewhere(s *riskcloudtest.Server, dir string) (string, error) {
	req, err := http.NewRequest(http.MethodPost, s.URL+"/api/v1/account/token", nil)
	if err != nil {
		return "", err
	}
	req.SetBasicAuth(testClientID, testSecret)
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		return "", errors.New("no token from the exchange")
	}
	c := newFileTokenCache(s.URL, testClientID, testSecret, func() (string, error) { return dir, nil }, time.Now)
	return body.AccessToken, c.Store(context.Background(), body.AccessToken, time.Now().Add(time.Hour))
}

func TestTokenCache_wrongSecretIsNotAnsweredFromCache(t *testing.T) {
	t.Parallel()
	srv, env := credsServer(t)
	mustRun(t, env)
	_, good := onlyCacheFile(t, env)

	wrong := map[string]string{}
	for k, v := range env {
		wrong[k] = v
	}
	wrong[envClientSecret] = "not-the-secret"
	res := harness{env: wrong}.run(t, "logins")
	if res.code != exitAPI || !strings.Contains(res.stderr, "401") || warnings(res.stderr) != 0 {
		t.Errorf("exit %d, stderr %q; want 1 and a 401", res.code, res.stderr)
	}
	assertNoSecrets(t, res, good.AccessToken, "not-the-secret")
	if _, ct := onlyCacheFile(t, env); ct.AccessToken != good.AccessToken {
		t.Error("a rejected exchange replaced the cached token")
	}
	mustRun(t, env)
	if n := exchanges(srv); n != 1 {
		t.Errorf("%d exchanges, want 1", n)
	}
}

func TestTokenCache_keyedByURLAndClient(t *testing.T) {
	t.Parallel()
	srvA, env := credsServer(t)
	srvB := newServer(t, riskcloudtest.WithClientCredentials(testClientID, testSecret))
	srvB.Add(entriesAt(30, testEnd)...)
	envB := map[string]string{}
	for k, v := range env {
		envB[k] = v
	}
	envB[envURL] = srvB.URL

	mustRun(t, env)
	mustRun(t, envB)
	mustRun(t, env)
	mustRun(t, envB)
	if a, b := exchanges(srvA), exchanges(srvB); a != 1 || b != 1 {
		t.Errorf("exchanges: %d and %d, want 1 each", a, b)
	}
	if n := len(cacheFiles(t, env["XDG_CACHE_HOME"])); n != 2 {
		t.Errorf("%d cache files, want 2", n)
	}
}

func TestTokenCache_disabled(t *testing.T) {
	t.Parallel()
	srv, env := credsServer(t)
	mustRun(t, env, "--no-token-cache")
	mustRun(t, env, "--no-token-cache")
	if n := exchanges(srv); n != 2 {
		t.Errorf("%d exchanges, want 2", n)
	}
	if entries, _ := os.ReadDir(env["XDG_CACHE_HOME"]); len(entries) != 0 {
		t.Errorf("the cache directory holds %d entries, want none", len(entries))
	}
}

func TestTokenCache_readableByOthers(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	t.Parallel()
	srv, env := credsServer(t)
	mustRun(t, env)
	file, _ := onlyCacheFile(t, env)
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	res := mustRun(t, env)
	if n := exchanges(srv); n != 2 {
		t.Errorf("%d exchanges, want 2: a token others could read is not used", n)
	}
	if !strings.Contains(res.stderr, "readable by other users") || warnings(res.stderr) != 1 {
		t.Errorf("stderr %q, want one warning", res.stderr)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("new cache file mode %v, %v; want 0600", fi.Mode(), err)
	}
}

func TestTokenCache_damagedFile(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		damage  func(t *testing.T, file string, ct cachedToken)
		warning string // "": none
	}{
		{name: "not JSON", damage: content(`{"access_token":`), warning: "damaged"},
		{name: "empty", damage: content(""), warning: "damaged"},
		{name: "control character", damage: content(`{"access_token":"abc\ndef"}`), warning: "damaged"},
		{name: "other client", damage: content(`{"url":"x","client_id":"y","access_token":"abc"}`), warning: "damaged"},
		{name: "no secret check", damage: func(t *testing.T, file string, ct cachedToken) {
			ct.SecretCheck = ""
			writeCacheFile(t, file, ct)
		}},
		{name: "other secret's check", damage: func(t *testing.T, file string, ct cachedToken) {
			ct.SecretCheck = strings.Repeat("0", 64)
			writeCacheFile(t, file, ct)
		}},
		{name: "unreadable", damage: func(t *testing.T, file string, _ cachedToken) {
			if runtime.GOOS == "windows" || os.Geteuid() == 0 {
				t.Skip("the file would still be readable")
			}
			if err := os.Chmod(file, 0); err != nil {
				t.Fatal(err)
			}
		}, warning: "permission denied"},
		{name: "a FIFO", damage: func(t *testing.T, file string, _ cachedToken) {
			if err := os.Remove(file); err != nil {
				t.Fatal(err)
			}
			mkfifo(t, file)
		}, warning: "not a regular file"},
		{name: "a symbolic link to a valid token", damage: func(t *testing.T, file string, _ cachedToken) {
			// A link is not used, even to a file that would be.
			elsewhere := filepath.Join(t.TempDir(), "token.json")
			if err := os.Rename(file, elsewhere); err != nil {
				t.Fatal(err)
			}
			symlink(t, elsewhere, file)
		}, warning: "not a regular file"},
		{name: "a directory", damage: func(t *testing.T, file string, _ cachedToken) {
			if err := os.Remove(file); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(file, 0o700); err != nil {
				t.Fatal(err)
			}
		}, warning: "not a regular file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, env := credsServer(t)
			mustRun(t, env)
			file, ct := onlyCacheFile(t, env)
			tt.damage(t, file, ct)

			res := mustRun(t, env)
			if n := exchanges(srv); n != 2 {
				t.Errorf("%d exchanges, want 2", n)
			}
			if tt.warning == "" && res.stderr != "" {
				t.Errorf("stderr %q, want nothing", res.stderr)
			}
			if tt.warning != "" && (!strings.Contains(res.stderr, tt.warning) || warnings(res.stderr) != 1) {
				t.Errorf("stderr %q, want one warning about %q", res.stderr, tt.warning)
			}
			if tt.name == "a directory" {
				return // which stays in the way: each run exchanges
			}
			if _, ct := onlyCacheFile(t, env); ct.AccessToken != srv.IssuedToken() {
				t.Error("the damaged file was not replaced")
			}
		})
	}
}

// symlink makes a symbolic link at link to target, or skips t where the
// user may not.
func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		if runtime.GOOS == "windows" {
			t.Skipf("no symbolic links: %v", err)
		}
		t.Fatal(err)
	}
}

// content returns a damage that replaces the cache file with s.
func content(s string) func(*testing.T, string, cachedToken) {
	return func(t *testing.T, file string, _ cachedToken) {
		t.Helper()
		if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTokenCache_unwritable(t *testing.T) {
	t.Parallel()
	srv, env := credsServer(t)
	// The cache root is a file, so no directory can be made in it.
	root := filepath.Join(t.TempDir(), "cache")
	if err := os.WriteFile(root, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env["XDG_CACHE_HOME"] = root
	res := mustRun(t, env)
	mustRun(t, env)
	if n := exchanges(srv); n != 2 {
		t.Errorf("%d exchanges, want 2", n)
	}
	if warnings(res.stderr) != 1 || !strings.Contains(res.stderr, "invalidating the last") {
		t.Errorf("stderr %q, want one warning", res.stderr)
	}
}

func TestTokenCache_staticTokenIsNotCached(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(entriesAt(3, testEnd)...)
	env := tokenEnv(srv)
	env["XDG_CACHE_HOME"] = t.TempDir()
	harness{env: env}.run(t, "logins")
	if entries, _ := os.ReadDir(env["XDG_CACHE_HOME"]); len(entries) != 0 {
		t.Errorf("the cache directory holds %d entries, want none", len(entries))
	}
}

func TestFileTokenCache_LoadStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	cache := func(baseURL, secret string, now time.Time) *fileTokenCache {
		t.Helper()
		c := newFileTokenCache(baseURL, "id", secret, func() (string, error) { return dir, nil }, func() time.Time { return now })
		if c == nil {
			t.Fatalf("no cache for %q", baseURL)
		}
		return c
	}
	load := func(c *fileTokenCache) (string, time.Time) {
		t.Helper()
		token, expiry, err := c.Load(ctx)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		return token, expiry
	}

	c := cache("https://ACME.logicgate.com/proxy/", "secret", at)
	if token, _ := load(c); token != "" {
		t.Errorf("empty cache: Load = %q", token)
	}
	expiry := at.Add(time.Hour)
	if err := c.Store(ctx, "tok-1", expiry); err != nil {
		t.Fatal(err)
	}
	if token, got := load(c); token != "tok-1" || !got.Equal(expiry) {
		t.Errorf("Load = %q, %v; want tok-1, %v", token, got, expiry)
	}
	if token, _ := load(cache("https://acme.logicgate.com/proxy", "secret", at)); token != "tok-1" {
		t.Errorf("same instance spelt differently: Load = %q, want tok-1", token)
	}
	for name, other := range map[string]*fileTokenCache{
		"other secret":   cache("https://acme.logicgate.com/proxy", "rotated", at),
		"other instance": cache("https://acme.logicgate.com", "secret", at),
		"expired":        cache("https://acme.logicgate.com/proxy", "secret", expiry),
	} {
		if token, _ := load(other); token != "" {
			t.Errorf("%s: Load = %q, want none", name, token)
		}
	}

	// A zero expiry is unknown, not past.
	if err := c.Store(ctx, "tok-2", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if token, got := load(cache("https://acme.logicgate.com/proxy", "secret", at.AddDate(10, 0, 0))); token != "tok-2" || !got.IsZero() {
		t.Errorf("Load = %q, %v; want tok-2 and no expiry", token, got)
	}
	if err := c.err(); err != nil {
		t.Errorf("err() = %v", err)
	}
	if c := newFileTokenCache("http://[::1", "id", "secret", os.UserCacheDir, time.Now); c != nil {
		t.Error("a cache for a URL that does not parse")
	}
}

func TestFileTokenCache_noCacheDirectory(t *testing.T) {
	t.Parallel()
	noDir := func() (string, error) { return "", errors.New("$HOME is not defined") }
	c := newFileTokenCache("https://acme.logicgate.com", "id", "secret", noDir, time.Now)
	if token, _, err := c.Load(context.Background()); token != "" || err == nil {
		t.Errorf("Load = %q, %v; want none and an error", token, err)
	}
	if err := c.Store(context.Background(), "tok", time.Time{}); err == nil {
		t.Error("Store succeeded")
	}
	if err := c.err(); err == nil || !strings.Contains(err.Error(), "HOME") {
		t.Errorf("err() = %v, want the missing directory", err)
	}
}

func TestFileTokenCache_Load_notRegular(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	newCache := func(t *testing.T) *fileTokenCache {
		t.Helper()
		dir := t.TempDir()
		c := newFileTokenCache("https://acme.logicgate.com", "id", "secret", func() (string, error) { return dir, nil }, time.Now)
		if err := os.MkdirAll(filepath.Dir(c.file), 0o700); err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name    string
		make    func(t *testing.T, file string)
		removed bool
	}{
		{"FIFO", func(t *testing.T, file string) { mkfifo(t, file) }, true},
		{"symbolic link to a valid token", func(t *testing.T, file string) {
			// The token file of the same credentials, elsewhere.
			other := newCache(t)
			if err := other.Store(ctx, "tok-elsewhere", time.Time{}); err != nil {
				t.Fatal(err)
			}
			symlink(t, other.file, file)
		}, true},
		{"dangling symbolic link", func(t *testing.T, file string) {
			symlink(t, filepath.Join(t.TempDir(), "none"), file)
		}, true},
		{"directory", func(t *testing.T, file string) {
			if err := os.Mkdir(file, 0o700); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCache(t)
			tt.make(t, c.file)

			// A FIFO would make Load wait: a writer's open lets it return.
			done := make(chan struct{})
			var (
				token string
				err   error
			)
			go func() {
				defer close(done)
				token, _, err = c.Load(ctx)
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				if w, err := os.OpenFile(c.file, os.O_WRONLY|cacheOpenFlags, 0); err == nil {
					w.Close()
				}
				<-done
				t.Fatal("Load waited on a FIFO")
			}

			if token != "" || err == nil || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("Load = %q, %v; want no token and an error", token, err)
			}
			if _, err := os.Lstat(c.file); tt.removed != errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Lstat after Load: %v; want it removed: %v", err, tt.removed)
			}
			if !tt.removed {
				return
			}
			if err := c.Store(ctx, "tok-new", time.Time{}); err != nil {
				t.Fatal(err)
			}
			if token, _, err := c.Load(ctx); token != "tok-new" || err != nil {
				t.Errorf("after Store: Load = %q, %v; want tok-new", token, err)
			}
		})
	}
}

func TestFileTokenCache_Store_syncsBeforeRename(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	c := newFileTokenCache("https://acme.logicgate.com", "id", "secret", func() (string, error) { return dir, nil }, time.Now)
	if err := c.Store(ctx, "tok-1", time.Time{}); err != nil {
		t.Fatal(err)
	}

	errSync := errors.New("sync failed")
	synced := 0
	c.fsync = func(f *os.File) error {
		synced++
		if f.Name() == c.file {
			t.Errorf("synced the cache file itself, not a temporary one")
		}
		if data, err := os.ReadFile(f.Name()); err != nil || !strings.Contains(string(data), `"tok-2"`) {
			t.Errorf("synced before the token was written: %q, %v", data, err)
		}
		if token, _, _ := c.Load(ctx); token != "tok-1" {
			t.Errorf("renamed before the sync: Load = %q", token)
		}
		return errSync
	}
	if err := c.Store(ctx, "tok-2", time.Time{}); !errors.Is(err, errSync) {
		t.Errorf("Store = %v, want %v", err, errSync)
	}
	if synced != 1 {
		t.Errorf("%d syncs, want 1", synced)
	}
	// A file that could not be synced does not replace the old one.
	if token, _, _ := c.Load(ctx); token != "tok-1" {
		t.Errorf("Load = %q, want tok-1", token)
	}
	if files, _ := filepath.Glob(filepath.Join(filepath.Dir(c.file), "*")); len(files) != 1 {
		t.Errorf("files left behind: %q", files)
	}
}
