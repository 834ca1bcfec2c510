package riskcloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
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

// tokenSource supplies the Authorization header of each request, in the
// spirit of x/oauth2's TokenSource, and learns which token the server
// rejected. The credentials stay behind it, out of reach of fmt and slog.
type tokenSource interface {
	// token returns the token for the next request; the zero bearerToken
	// sends no Authorization header. With fresh set, only a token
	// exchanged after the call began will do: the caller was just
	// rejected with one the TokenCache gave.
	token(ctx context.Context, fresh bool) (bearerToken, error)
	// invalidate reports that rejected drew a 401, so that token never
	// hands it out again. It returns false when the source has no other
	// token to offer.
	invalidate(rejected bearerToken) bool
	// secrets returns the credentials a server's text must not carry into
	// an error or a log: every value the source knows.
	secrets() []string
}

// bearerToken is a token and when to stop using it.
type bearerToken struct {
	header  string    // the Authorization header's value: "Bearer " + access token
	refresh time.Time // zero: no known expiry, used until rejected
	cached  bool      // taken from the TokenCache, not exchanged by this client
}

// authorize sends req with a token from c.auth. A token generated
// elsewhere invalidates ours, so a 401 to the token sent makes the source
// drop it, and req is sent once more with the next token, outside the
// retry budget. With a TokenCache the next may be one another process
// stored; if that is stale too, a last send goes with a freshly exchanged
// token. A static token is not renewed: its 401 is the answer.
func (c *Client) authorize(ctx context.Context, req *request) (*response, error) {
	tok, err := c.auth.token(ctx, false)
	if err != nil {
		return nil, err
	}
	resp, err := c.send(ctx, req, tok.header)
	if !isUnauthorized(err) || !c.auth.invalidate(tok) {
		return resp, err
	}
	tok, resp, err = c.sendRenewed(ctx, req, false)
	if !tok.cached || !isUnauthorized(err) || !c.auth.invalidate(tok) {
		return resp, err
	}
	_, resp, err = c.sendRenewed(ctx, req, true)
	return resp, err
}

// sendRenewed sends req again with the source's next token, which with
// fresh is a newly exchanged one, and returns that token with the result.
func (c *Client) sendRenewed(ctx context.Context, req *request, fresh bool) (bearerToken, *response, error) {
	tok, err := c.auth.token(ctx, fresh)
	if err != nil {
		return bearerToken{}, nil, err
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "riskcloud: token rejected, retrying with a new one",
		slog.String("method", req.op.method), slog.String("path", req.path), slog.Bool("cached", tok.cached))
	resp, err := c.send(ctx, req, tok.header)
	return tok, resp, err
}

// isUnauthorized reports a 401 that rejected the credentials sent, not one
// answered to a redirected request that went without them.
func isUnauthorized(err error) bool {
	apiErr := (*APIError)(nil)
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized && !apiErr.stripped
}

// noAuth sends no credentials.
type noAuth struct{}

func (noAuth) token(context.Context, bool) (bearerToken, error) { return bearerToken{}, nil }
func (noAuth) invalidate(bearerToken) bool                      { return false }
func (noAuth) secrets() []string                                { return nil }

// staticToken sends the token given to WithToken. A rejected static token
// cannot be renewed: the caller must generate a new one.
type staticToken struct{ bearer bearerToken }

func (t *staticToken) token(context.Context, bool) (bearerToken, error) { return t.bearer, nil }
func (*staticToken) invalidate(bearerToken) bool                        { return false }
func (t *staticToken) secrets() []string {
	return []string{strings.TrimPrefix(t.bearer.header, "Bearer ")}
}

// issuedToken is what the token endpoint answered: the access token and
// how long it lives (0 when the server did not say).
type issuedToken struct {
	access string
	life   time.Duration
}

// credentialSource exchanges client credentials for a bearer token and
// keeps it. The exchange runs lazily, under the ctx of the request that
// needs it, and at most one at a time: goroutines that need a token while
// an exchange is in flight wait for its result rather than starting their
// own, because every exchange invalidates the token that any other holder
// of the same key is using.
type credentialSource struct {
	clientID     string
	clientSecret string
	// exchange posts the Basic credentials (the header's value) to the
	// token endpoint: Client.exchangeToken, through the client's pipeline.
	exchange func(ctx context.Context, basic string) (issuedToken, error)
	cache    TokenCache // nil: the token lives only as long as the Client
	logger   *slog.Logger

	mu       sync.Mutex
	current  *bearerToken // nil until the first exchange, and once rejected
	flight   *exchange    // the exchange in progress, if any
	rejected []string     // headers that drew a 401, newest last, at most maxRejected
}

// maxRejected bounds the rejected tokens a credentialSource remembers, so
// as not to take them from the TokenCache again. Each costs an exchange,
// so a handful covers any burst.
const maxRejected = 8

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

// secrets returns the client ID, the secret, their Basic encoding and the
// token in use, if any.
func (s *credentialSource) secrets() []string {
	out := []string{s.clientID, s.clientSecret, basicCredentials(s.clientID, s.clientSecret)}
	s.mu.Lock()
	if s.current != nil {
		out = append(out, strings.TrimPrefix(s.current.header, "Bearer "))
	}
	s.mu.Unlock()
	return out
}

// invalidate drops rejected, so that no goroutine is handed it while its
// replacement is on its way, and remembers it, so that it is not taken
// from the TokenCache again.
func (s *credentialSource) invalidate(rejected bearerToken) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current != nil && s.current.header == rejected.header {
		s.current = nil
	}
	if !slices.Contains(s.rejected, rejected.header) {
		s.rejected = append(s.rejected[max(0, len(s.rejected)+1-maxRejected):], rejected.header)
	}
	return true
}

// token returns the current token unless it is due for refresh or (with
// fresh) came from the TokenCache; otherwise it joins the exchange in
// flight or starts one. If the goroutine running an exchange gives up
// because its own ctx ended, a waiter whose ctx is still live starts a new
// one.
func (s *credentialSource) token(ctx context.Context, fresh bool) (bearerToken, error) {
	for {
		s.mu.Lock()
		if t := s.current; t != nil && !(fresh && t.cached) && (t.refresh.IsZero() || time.Now().Before(t.refresh)) {
			s.mu.Unlock()
			return *t, nil
		}
		if ex := s.flight; ex != nil {
			s.mu.Unlock()
			select {
			case <-ex.done:
			case <-ctx.Done():
				return bearerToken{}, fmt.Errorf("riskcloud: waiting for a token: %w", ctx.Err())
			}
			switch {
			case ex.err == nil && fresh && ex.token.cached:
				continue // a cached token is what failed this caller already
			case ex.err == nil:
				return *ex.token, nil
			case ex.abandoned && ctx.Err() == nil:
				continue
			}
			return bearerToken{}, ex.err
		}
		ex := &exchange{done: make(chan struct{})}
		s.flight = ex
		s.mu.Unlock()
		return s.run(ctx, ex, fresh)
	}
}

// run obtains a token for the exchange ex, which this goroutine started,
// and hands the result to every goroutine waiting on it.
func (s *credentialSource) run(ctx context.Context, ex *exchange, fresh bool) (bearerToken, error) {
	ex.token, ex.err = s.obtain(ctx, fresh)
	ex.abandoned = ex.err != nil && ctx.Err() != nil

	s.mu.Lock()
	if ex.err == nil {
		s.current = ex.token
	}
	s.flight = nil
	s.mu.Unlock()
	close(ex.done)
	if ex.err != nil {
		return bearerToken{}, ex.err
	}
	return *ex.token, nil
}

// obtain returns a token from the cache when it holds a live one not known
// to be rejected (unless fresh is set), and otherwise exchanges the
// credentials and stores the new token in the cache. The cache's failures
// are logged, never returned: it saves exchanges, and a walk must not fail
// for want of it.
func (s *credentialSource) obtain(ctx context.Context, fresh bool) (*bearerToken, error) {
	if s.cache != nil && !fresh {
		if t := s.fromCache(ctx); t != nil {
			return t, nil
		}
	}
	obtained := time.Now()
	issued, err := s.exchange(ctx, "Basic "+basicCredentials(s.clientID, s.clientSecret))
	if err != nil {
		return nil, err
	}
	t := &bearerToken{header: "Bearer " + issued.access}
	var expiry time.Time
	if issued.life > 0 {
		expiry = obtained.Add(issued.life)
		t.refresh = obtained.Add(issued.life - min(maxExpiryMargin, issued.life/10))
	}
	s.logger.LogAttrs(ctx, slog.LevelDebug, "riskcloud: token exchanged", slog.Time("refresh", t.refresh))
	if s.cache != nil {
		// The exchange has already invalidated the token the cache held:
		// store the new one even if the request that needed it is giving up.
		if err := s.cache.Store(context.WithoutCancel(ctx), issued.access, expiry); err != nil {
			s.logger.LogAttrs(ctx, slog.LevelDebug, "riskcloud: token cache: store failed", slog.String("error", err.Error()))
		}
	}
	return t, nil
}

// fromCache returns the cache's token, or nil when it has none that is
// live, fits in a header and was not rejected.
func (s *credentialSource) fromCache(ctx context.Context) *bearerToken {
	token, expiry, err := s.cache.Load(ctx)
	if err != nil {
		s.logger.LogAttrs(ctx, slog.LevelDebug, "riskcloud: token cache: load failed", slog.String("error", err.Error()))
		return nil
	}
	header := "Bearer " + token
	s.mu.Lock()
	rejected := slices.Contains(s.rejected, header)
	s.mu.Unlock()
	switch {
	case token == "" || rejected || strings.ContainsFunc(token, isCTL):
		return nil
	case expiry.IsZero():
		return &bearerToken{header: header, cached: true}
	case time.Until(expiry) > maxExpiryMargin:
		// The cache does not know the token's whole life, so the margin
		// cannot shrink for short-lived ones: a token with less than the
		// full margin left could expire in flight.
		refresh := expiry.Add(-maxExpiryMargin)
		s.logger.LogAttrs(ctx, slog.LevelDebug, "riskcloud: token from cache", slog.Time("refresh", refresh))
		return &bearerToken{header: header, refresh: refresh, cached: true}
	}
	return nil
}

// isCTL reports a character that may not appear in a header value.
func isCTL(r rune) bool { return r < ' ' || r == 0x7f }

// exchangeToken is the credentialSource's exchange: it posts the
// credentials, basic being "Basic " + base64(id:secret) as Risk Cloud
// documents it (not URL-escaped first, as generic OAuth would), through
// the pipeline, and reads the token from the JSON answer.
func (c *Client) exchangeToken(ctx context.Context, basic string) (issuedToken, error) {
	req, err := c.newRequest(tokenExchange, tokenPath, nil)
	if err != nil {
		return issuedToken{}, err
	}
	resp, err := c.send(ctx, req, basic)
	if err != nil {
		return issuedToken{}, err
	}
	var body struct {
		AccessToken string          `json:"access_token"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	if err := json.Unmarshal(resp.body, &body); err != nil || body.AccessToken == "" || strings.ContainsFunc(body.AccessToken, isCTL) {
		// The JSON error could quote the token; say only what is missing.
		return issuedToken{}, req.wrap(unexpected("no usable access_token in the token response"))
	}
	life, _ := expiresIn(body.ExpiresIn)
	return issuedToken{access: body.AccessToken, life: life}, nil
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
