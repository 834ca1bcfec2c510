package riskcloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// tokenPath is where client credentials are exchanged for a bearer token.
const tokenPath = "/api/v1/account/token"

// TokenCache keeps the token that client credentials were exchanged for
// beyond the life of one [Client] (in a file, a secrets manager), so that a
// program that runs often reuses it instead of exchanging again: every
// exchange invalidates the token that any other holder of the same key is
// using, including the previous run of the same program. See
// [WithTokenCache].
//
// A TokenCache serves one Risk Cloud instance and one client ID: key what
// it keeps by both (and by the secret, so that a rotated secret is not
// answered from the cache), and protect it as you would the secret. Its
// methods may be called from several goroutines, though never at the same
// time by one Client.
type TokenCache interface {
	// Load returns the cached token and when it expires (the zero time when
	// unknown), or "" when there is none. The client ignores a token that
	// expires within a minute or has just been rejected, and exchanges
	// instead.
	Load(ctx context.Context) (token string, expiry time.Time, err error)
	// Store keeps a token the client has just obtained, replacing any other.
	// Its ctx carries the values of the request that needed the token but
	// is never cancelled: the exchange has already invalidated the token
	// the cache held, so the new one must not be lost.
	Store(ctx context.Context, token string, expiry time.Time) error
}

// authorizer supplies the Authorization header of each request. The
// credentials stay behind it, out of reach of fmt and slog.
type authorizer interface {
	// authorization returns the header value for the next request ("" for none).
	authorization(ctx context.Context) (string, error)
	// renew returns a new header value after rejected drew a 401, or
	// ok == false when these credentials cannot be renewed. With fresh
	// set, the value comes from a new exchange, never from a TokenCache;
	// cached reports that it came from one.
	renew(ctx context.Context, rejected string, fresh bool) (value string, cached, ok bool, err error)
	// secrets returns the credentials a server's text must not carry into
	// an error or a log: every value the authorizer knows.
	secrets() []string
}

// noAuth sends no credentials.
type noAuth struct{}

func (noAuth) authorization(context.Context) (string, error) { return "", nil }
func (noAuth) secrets() []string                             { return nil }
func (noAuth) renew(context.Context, string, bool) (string, bool, bool, error) {
	return "", false, false, nil
}

// staticToken sends the token given to WithToken. A rejected static token
// cannot be renewed: the caller must generate a new one.
type staticToken struct{ header string }

func (t *staticToken) authorization(context.Context) (string, error) { return t.header, nil }
func (t *staticToken) secrets() []string                             { return []string{strings.TrimPrefix(t.header, "Bearer ")} }
func (*staticToken) renew(context.Context, string, bool) (string, bool, bool, error) {
	return "", false, false, nil
}

// tokenSource exchanges client credentials for a bearer token and caches
// it. The exchange runs lazily, under the ctx of the request that needs it,
// and at most one at a time: goroutines that need a token while an exchange
// is in flight wait for its result rather than starting their own, because
// every exchange invalidates the token that any other holder of the same
// key is using.
type tokenSource struct {
	client       *Client
	clientID     string
	clientSecret string
	cache        TokenCache // nil: the token lives only as long as the Client

	mu      sync.Mutex
	current *bearerToken // nil until the first exchange
	flight  *exchange    // the exchange in progress, if any
}

// bearerToken is an exchanged token and when to stop using it.
type bearerToken struct {
	header  string    // "Bearer " + access token
	refresh time.Time // zero: no known expiry, used until rejected
	cached  bool      // taken from the TokenCache, not exchanged by this client
}

// exchange is one token request that several goroutines may wait on.
type exchange struct {
	done      chan struct{}
	token     *bearerToken
	err       error
	abandoned bool // the ctx of the goroutine that ran it ended
}

// maxExpiryMargin is how long before its expiry a token is replaced, so that
// it does not expire in flight. Short-lived tokens use a tenth of their life.
const maxExpiryMargin = time.Minute

func newTokenSource(c *Client, clientID, secret string, cache TokenCache) *tokenSource {
	return &tokenSource{client: c, clientID: clientID, clientSecret: secret, cache: cache}
}

func (ts *tokenSource) authorization(ctx context.Context) (string, error) {
	t, err := ts.token(ctx, "", false)
	if err != nil {
		return "", err
	}
	return t.header, nil
}

// secrets returns the client ID, the secret, their Basic encoding and the
// token in use, if any.
func (ts *tokenSource) secrets() []string {
	out := []string{ts.clientID, ts.clientSecret, basicCredentials(ts.clientID, ts.clientSecret)}
	ts.mu.Lock()
	if ts.current != nil {
		out = append(out, strings.TrimPrefix(ts.current.header, "Bearer "))
	}
	ts.mu.Unlock()
	return out
}

func (ts *tokenSource) renew(ctx context.Context, rejected string, fresh bool) (string, bool, bool, error) {
	t, err := ts.token(ctx, rejected, fresh)
	if err != nil {
		return "", false, false, err
	}
	return t.header, t.cached, true, nil
}

// token returns the current token unless it is due for refresh, is the
// rejected one, or (with fresh) came from the TokenCache; otherwise it
// joins the exchange in flight or starts one.
// If the goroutine running an exchange gives up because its own ctx ended,
// a waiter whose ctx is still live starts a new one.
func (ts *tokenSource) token(ctx context.Context, rejected string, fresh bool) (*bearerToken, error) {
	for {
		ts.mu.Lock()
		if t := ts.current; t != nil && t.header == rejected {
			// Known to be rejected: hand it to no one while its
			// replacement is on its way.
			ts.current = nil
		}
		if t := ts.current; t != nil && !(fresh && t.cached) && (t.refresh.IsZero() || time.Now().Before(t.refresh)) {
			ts.mu.Unlock()
			return t, nil
		}
		if ex := ts.flight; ex != nil {
			ts.mu.Unlock()
			select {
			case <-ex.done:
			case <-ctx.Done():
				return nil, fmt.Errorf("riskcloud: waiting for a token: %w", ctx.Err())
			}
			if ex.err == nil && fresh && ex.token.cached {
				continue // a cached token is what failed this caller already
			}
			if ex.err == nil {
				return ex.token, nil
			}
			if ex.abandoned && ctx.Err() == nil {
				continue
			}
			return nil, ex.err
		}
		ex := &exchange{done: make(chan struct{})}
		ts.flight = ex
		ts.mu.Unlock()

		ex.token, ex.err = ts.obtain(ctx, rejected, fresh)
		ex.abandoned = ex.err != nil && ctx.Err() != nil

		ts.mu.Lock()
		if ex.err == nil {
			ts.current = ex.token
		}
		ts.flight = nil
		ts.mu.Unlock()
		close(ex.done)
		return ex.token, ex.err
	}
}

// obtain returns a token from the cache when it holds a live one other
// than rejected (unless fresh is set), and otherwise exchanges the credentials and stores the new
// token in the cache. The cache's failures are logged, never returned: it
// saves exchanges, and a walk must not fail for want of it.
func (ts *tokenSource) obtain(ctx context.Context, rejected string, fresh bool) (*bearerToken, error) {
	c := ts.client
	if ts.cache != nil && !fresh {
		token, expiry, err := ts.cache.Load(ctx)
		now := time.Now()
		switch {
		case err != nil:
			c.logger.LogAttrs(ctx, slog.LevelDebug, "riskcloud: token cache: load failed", slog.String("error", err.Error()))
		case token == "" || "Bearer "+token == rejected || strings.ContainsFunc(token, isCTL):
		case expiry.IsZero():
			return &bearerToken{header: "Bearer " + token, cached: true}, nil
		case expiry.Sub(now) > maxExpiryMargin:
			// The cache does not know the token's whole life, so the margin
			// cannot shrink for short-lived ones: a token with less than the
			// full margin left could expire in flight.
			refresh := expiry.Add(-maxExpiryMargin)
			c.logger.LogAttrs(ctx, slog.LevelDebug, "riskcloud: token from cache", slog.Time("refresh", refresh))
			return &bearerToken{header: "Bearer " + token, refresh: refresh, cached: true}, nil
		}
	}
	t, token, expiry, err := ts.exchange(ctx)
	if err != nil {
		return nil, err
	}
	if ts.cache != nil {
		// The exchange has already invalidated the token the cache held:
		// store the new one even if the request that needed it is giving up.
		if err := ts.cache.Store(context.WithoutCancel(ctx), token, expiry); err != nil {
			c.logger.LogAttrs(ctx, slog.LevelDebug, "riskcloud: token cache: store failed", slog.String("error", err.Error()))
		}
	}
	return t, nil
}

// isCTL reports a character that may not appear in a header value.
func isCTL(r rune) bool { return r < ' ' || r == 0x7f }

// exchange posts the credentials, Basic base64(id:secret) as Risk Cloud
// documents it (not URL-escaped first, as generic OAuth would), and reads
// the token from the JSON answer. It returns the token both as the header
// to send and as the access token with its expiry (zero when the server
// gave none), for the cache.
func (ts *tokenSource) exchange(ctx context.Context) (t *bearerToken, token string, expiry time.Time, err error) {
	c := ts.client
	basic := "Basic " + basicCredentials(ts.clientID, ts.clientSecret)
	obtained := time.Now()
	resp, err := c.send(ctx, http.MethodPost, tokenPath, "", basic)
	if apiErr := (*APIError)(nil); errors.As(err, &apiErr) && apiErr.StatusCode >= 300 && apiErr.StatusCode <= 399 {
		// The exchange follows no redirect (see noRedirects). The Location
		// and the body are left out of the error: a server may put
		// anything there.
		status := strings.TrimSpace(fmt.Sprintf("%d %s", apiErr.StatusCode, http.StatusText(apiErr.StatusCode)))
		return nil, "", time.Time{}, fmt.Errorf("riskcloud: POST %s%s: %w", c.baseURL.Path, tokenPath,
			&redirectError{fmt.Errorf("%s: the token exchange was redirected and the redirect was not followed "+
				"(credentials go to the base URL only: check that it is the instance's own address)", status)})
	}
	if err != nil {
		return nil, "", time.Time{}, err
	}
	var body struct {
		AccessToken string          `json:"access_token"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	if err := json.Unmarshal(resp.body, &body); err != nil || body.AccessToken == "" || strings.ContainsFunc(body.AccessToken, isCTL) {
		// The JSON error could quote the token; say only what is missing.
		return nil, "", time.Time{}, fmt.Errorf("riskcloud: POST %s%s: %w",
			c.baseURL.Path, tokenPath, unexpected("no usable access_token in the token response"))
	}
	t = &bearerToken{header: "Bearer " + body.AccessToken}
	if life, ok := expiresIn(body.ExpiresIn); ok {
		expiry = obtained.Add(life)
		t.refresh = obtained.Add(life - min(maxExpiryMargin, life/10))
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "riskcloud: token exchanged",
		slog.String("path", c.baseURL.Path+tokenPath), slog.Time("refresh", t.refresh))
	return t, body.AccessToken, expiry, nil
}

// expiresIn reads expires_in, in seconds, from a number or a numeric string.
func expiresIn(raw json.RawMessage) (time.Duration, bool) {
	s := strings.Trim(string(raw), `" `)
	secs, err := strconv.ParseFloat(s, 64)
	if err != nil || secs <= 0 || secs > 100*365*24*3600 {
		return 0, false
	}
	return time.Duration(secs * float64(time.Second)), true
}
