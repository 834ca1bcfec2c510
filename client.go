package riskcloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Version is the SDK's version, sent in the User-Agent header.
const Version = "0.1.0"

// maxPageBody caps a successful response body. A page of 2,000 entries (the
// usual server cap) is well under 1 MiB; anything near this is not a page.
const maxPageBody = 32 << 20

// Client talks to one Risk Cloud instance. Build it with [NewClient]; the
// zero value is not usable. A Client is safe for concurrent use by many
// goroutines and never changes after NewClient returns. Reuse one: it holds
// the connection pool and, with client credentials, the exchanged token.
//
// Printing a Client (with any fmt verb or slog) shows only its base URL.
type Client struct {
	// AccessAudit reads who logged in and who failed to.
	AccessAudit *AccessAuditService

	baseURL   *url.URL
	http      *http.Client
	noFollow  *http.Client // a copy of http that follows no redirect, for the token exchange
	retry     retryPolicy
	auth      authorizer
	logger    *slog.Logger
	userAgent string
}

// NewClient returns a client for the Risk Cloud instance at baseURL, such as
// "https://acme.logicgate.com". The URL may carry a path prefix (a proxy's);
// it must not carry a user, password, query or fragment, and must be https
// unless its host is loopback (localhost, 127.0.0.0/8, ::1).
//
// NewClient checks every option and returns the first problem as an error
// wrapping [ErrInvalidArgument]; it sends no request and reads no
// environment variable. With neither [WithToken] nor [WithClientCredentials]
// the client sends no credentials.
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	u, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	cfg := defaultConfig()
	for _, opt := range opts {
		if opt == nil {
			return nil, invalidArg("Option", "is nil")
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.token != "" && cfg.clientID != "" {
		return nil, invalidArg("WithToken", "cannot be combined with WithClientCredentials; choose one")
	}
	if cfg.tokenCache != nil && cfg.clientID == "" {
		return nil, invalidArg("WithTokenCache", "needs WithClientCredentials: only exchanged tokens are cached")
	}

	c := &Client{
		baseURL:   u,
		http:      httpClient(cfg.httpClient, u),
		retry:     retryPolicy{max: cfg.retryMax, waitMin: cfg.retryWaitMin, waitMax: cfg.retryWaitMax},
		logger:    cfg.logger,
		userAgent: "riskcloud-go/" + Version,
	}
	c.noFollow = noRedirects(c.http)
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if cfg.userAgent != "" {
		c.userAgent = cfg.userAgent + " " + c.userAgent
	}
	switch {
	case cfg.token != "":
		c.auth = &staticToken{header: "Bearer " + cfg.token}
	case cfg.clientID != "":
		c.auth = newTokenSource(c, cfg.clientID, cfg.clientSecret, cfg.tokenCache)
	default:
		c.auth = noAuth{}
	}
	c.AccessAudit = &AccessAuditService{client: c}
	return c, nil
}

// httpClient copies the caller's client, or builds one with a pooled
// transport sized for a few concurrent page requests per host, and wraps
// its CheckRedirect in the SDK's redirect policy for base (see
// redirectPolicy).
func httpClient(hc *http.Client, base *url.URL) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
	} else {
		c = http.Client{Transport: newTransport(), Timeout: DefaultAttemptTimeout}
	}
	// The wrapper, not net/http, applies the per-attempt timeout: a Client
	// with a Timeout and a RoundTripper it does not know runs a goroutine
	// and a timer per request to enforce it.
	c.Transport = attemptTransport{rt: c.Transport, timeout: c.Timeout}
	c.Timeout = 0
	c.CheckRedirect = redirectPolicy(base, c.CheckRedirect)
	return &c
}

// newTransport returns a transport like http.DefaultTransport's, built
// afresh rather than cloned, so that a test's httpmock.Activate (which swaps
// http.DefaultTransport) can neither reach the SDK nor break it, and with an
// idle pool that keeps a connection for each of several concurrent pages.
func newTransport() *http.Transport {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   MaxPrefetch + 1, // a walk's requests in flight, at most
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
	}
}

// attemptTransport sends one attempt through rt, within timeout (0: no
// limit) from sending the request to closing the response body, as
// http.Client.Timeout does. It also hides rt's CloseIdleConnections from
// retryablehttp, which calls it whenever a request fails or its ctx ends:
// prefetching ends a walk by cancelling the requests sent ahead, and that
// would close the idle connections every other request of the client is
// about to reuse. The transport still discards a broken connection itself.
// A nil rt is http.DefaultTransport, read at each request as http.Client
// does.
type attemptTransport struct {
	rt      http.RoundTripper
	timeout time.Duration
}

func (t attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rt := t.rt
	if rt == nil {
		rt = http.DefaultTransport
	}
	if t.timeout <= 0 {
		return rt.RoundTrip(req)
	}
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	resp, err := rt.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose ends an attempt's context when its body is closed: after
// the body is read to its end, when the connection is already back in the
// pool.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// String returns "riskcloud.Client(" + base URL + ")".
//
// String, Format and LogValue have value receivers so that they cover a
// Client value as well as a pointer: printed field by field, a value would
// show what its credentials pointer points to.
func (c Client) String() string {
	if c.baseURL == nil {
		return "riskcloud.Client()"
	}
	return "riskcloud.Client(" + c.baseURL.String() + ")"
}

// Format prints c as [Client.String] does, for every verb, so that no verb
// reaches a credential.
func (c Client) Format(f fmt.State, _ rune) {
	io.WriteString(f, c.String())
}

// LogValue logs c as its base URL.
func (c Client) LogValue() slog.Value {
	return slog.StringValue(c.String())
}

// response is a successful response with its body read in full.
type response struct {
	body   []byte
	header http.Header
	// redactor hides the request's secrets from errors about the body.
	redactor *redactor
}

// get sends an authenticated GET for the endpoint path with the encoded
// query, renewing client credentials once if the token was rejected.
func (c *Client) get(ctx context.Context, path, query string) (*response, error) {
	authz, err := c.auth.authorization(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := c.send(ctx, http.MethodGet, path, query, authz)
	// A token generated elsewhere invalidates ours: one fresh exchange and
	// one more try, outside the retry budget. A token from a TokenCache
	// (another process renewed it) comes first; if it is stale too, the
	// fresh exchange still follows.
	for fresh := false; isUnauthorized(err); fresh = true {
		renewed, cached, ok, rerr := c.auth.renew(ctx, authz, fresh)
		if rerr != nil {
			return nil, rerr
		}
		if !ok {
			break
		}
		c.logger.LogAttrs(ctx, slog.LevelDebug, "riskcloud: token rejected, retrying with a new one",
			slog.String("method", http.MethodGet), slog.String("path", c.baseURL.Path+path), slog.Bool("cached", cached))
		authz = renewed
		resp, err = c.send(ctx, http.MethodGet, path, query, authz)
		if !cached || fresh {
			break
		}
	}
	return resp, err
}

// isUnauthorized reports a 401 that rejected the credentials sent, not one
// answered to a redirected request that went without them.
func isUnauthorized(err error) bool {
	apiErr := (*APIError)(nil)
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized && !apiErr.stripped
}

// send is the pipeline every request goes through: build the request, send
// it with retries, check the status, and read the body. authz is the
// Authorization header's value, "" for none. It never puts the query string
// or a header into an error.
func (c *Client) send(ctx context.Context, method, path, query, authz string) (*response, error) {
	fullPath := c.baseURL.Path + path
	u := *c.baseURL
	u.Path = fullPath
	u.RawQuery = query

	req, err := retryablehttp.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("riskcloud: %s %s: %w", method, fullPath, redactURLError(err))
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}

	red := newRedactor(c.auth, authz, query)
	var body []byte
	req.SetResponseHandler(func(resp *http.Response) error {
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return nil // read by newAPIError below
		}
		var err error
		body, err = readSuccessBody(resp, red)
		return err
	})

	resp, err := c.retryClient(ctx, method, fullPath, red).Do(req)
	if resp != nil {
		defer resp.Body.Close()
	}
	if err != nil {
		return nil, c.requestError(ctx, method, fullPath, err, red)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		apiErr := newAPIError(method, fullPath, resp, red)
		// A redirect to another origin went without the credentials (see
		// redirectPolicy): a 401 there must not pass for a rejected token,
		// nor start an exchange that invalidates the key's token elsewhere.
		apiErr.stripped = authz != "" && resp.Request != nil && !hasAuthorization(resp.Request.Header)
		return nil, apiErr
	}
	return &response{body: body, header: resp.Header, redactor: red}, nil
}

// requestError turns a failed attempt into an error that names the method
// and path but not the URL: net/http's *url.Error repeats the query string.
// It matches ctx.Err() once ctx has ended, ErrRedirect for a redirect not
// followed, ErrUnexpectedResponse for a 2xx body the client cannot use,
// and ErrNetwork for anything else: no usable response came back. What
// net/http quotes of a response it could not parse (a status line, a
// header line) may echo the request, so red's secrets are redacted.
func (c *Client) requestError(ctx context.Context, method, path string, err error, red *redactor) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("riskcloud: %s %s: %w", method, path, ctxErr)
	}
	if urlErr := (*url.Error)(nil); errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	err = fmt.Errorf("riskcloud: %s %s: %w", method, path, err)
	switch {
	case errors.Is(err, ErrUnexpectedResponse):
	case errors.As(err, new(*redirectError)):
		err = &kindError{err: err, kind: ErrRedirect}
	default:
		err = &kindError{err: err, kind: ErrNetwork}
	}
	return red.redactErr(err)
}

// bodyError is a problem with a successful response's body. Permanent ones
// are not retried; a body cut short is.
type bodyError struct {
	err       error
	permanent bool
}

func (e *bodyError) Error() string { return e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// readSuccessBody reads a 2xx body through the size cap after checking that
// it claims to be JSON (or does not say). The Content-Type it quotes
// otherwise is redacted first: quoting escapes characters a secret may hold.
func readSuccessBody(resp *http.Response, red *redactor) ([]byte, error) {
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		mediaType, _, err := mime.ParseMediaType(ct)
		if err != nil || (mediaType != "application/json" && !strings.HasSuffix(mediaType, "+json")) {
			return nil, &bodyError{permanent: true,
				err: unexpected("%d response is %q, not JSON", resp.StatusCode, clip(red.redact(ct)))}
		}
	}
	body, err := readCapped(resp.Body, resp.ContentLength, maxPageBody)
	if errors.Is(err, errBodyTooLarge) {
		return nil, &bodyError{permanent: true,
			err: unexpected("response body exceeds %d MiB", maxPageBody>>20)}
	}
	if err != nil {
		return nil, &bodyError{err: fmt.Errorf("reading response body: %w", err)}
	}
	return body, nil
}

var errBodyTooLarge = errors.New("body too large")

// readCapped reads r to its end, or fails with errBodyTooLarge past limit
// bytes. Unlike io.ReadAll (or bytes.Buffer) over a LimitReader, its buffer
// grows to about limit at most (not to twice that, to see the byte after
// it), so a huge body costs at most about 1.5×limit while it is read. size
// is the declared length, -1 when unknown; a declared length over the
// limit fails before reading anything.
func readCapped(r io.Reader, size int64, limit int) ([]byte, error) {
	if size > int64(limit) {
		return nil, errBodyTooLarge
	}
	capacity := 64 << 10
	if size > 0 {
		capacity = int(min(size+1, int64(limit)+1)) // +1: room to see the end
	}
	buf := make([]byte, 0, capacity)
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(cap(buf), limit+1-len(buf)))
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), limit+1)])
		buf = buf[:len(buf)+n]
		if len(buf) > limit {
			return nil, errBodyTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
