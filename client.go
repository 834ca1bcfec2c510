package riskcloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-querystring/query"
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
	// Audits reads the v2 audits, whose entries name their user.
	Audits *AuditService

	baseURL   *url.URL
	http      *http.Client
	noFollow  *http.Client // a copy of http that follows no redirect, for the token exchange
	retry     retryPolicy
	auth      tokenSource
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
		c.auth = &staticToken{bearer: bearerToken{header: "Bearer " + cfg.token}}
	case cfg.clientID != "":
		c.auth = &credentialSource{clientID: cfg.clientID, clientSecret: cfg.clientSecret,
			exchange: c.exchangeToken, cache: cfg.tokenCache, logger: c.logger}
	default:
		c.auth = noAuth{}
	}
	c.AccessAudit = &AccessAuditService{client: c}
	c.Audits = &AuditService{client: c}
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

// The pipeline. A page request runs through these steps, in this order in
// the file (go-github's NewRequest → Do → CheckResponse, with auth and
// retries as steps of their own):
//
//	getPage          the chain for one page, from building to decoding
//	newRequest       build: the URL under the base URL's path, and the query
//	Client.authorize authorize (auth.go): a token; on a 401 to it, the next token and one more send
//	Client.send      send: httpRequest, sendWithRetries (retry.go), then checkResponse
//	checkResponse    check: a status other than 2xx is an *APIError
//	decode           the Pager's decoder, last step of getPage
//
// The token exchange (Client.exchangeToken, auth.go) runs newRequest and
// send, with the client credentials in place of the authorize step.

// operation is a kind of request the SDK makes. It decides how the
// pipeline sends the request, retries it and words its errors.
type operation struct {
	method string
	// idempotent: the server may see the request again without harm, so
	// it is retried.
	idempotent bool
	// exchange: it carries the client secret, so it follows no redirect,
	// and its 401 rejects the credentials rather than a token.
	exchange bool
}

var (
	// readPage is a GET of a page of the API.
	readPage = operation{method: http.MethodGet, idempotent: true}
	// tokenExchange is the POST of the client credentials. Repeating it
	// only issues another token, and the one it replaces is invalid either
	// way, so it is retried like a GET.
	tokenExchange = operation{method: http.MethodPost, idempotent: true, exchange: true}
)

// request is a request built by newRequest: what to send, and what the
// pipeline needs to know of it. Each send makes an http.Request of its own
// from it (see Client.httpRequest).
type request struct {
	op    operation
	url   string // the base URL with the path and the query
	path  string // the full path, which errors and log records name
	query string // encoded; in the URL only, and redacted from what the server quotes
}

// wrap prefixes err with the request's method and path.
func (r *request) wrap(err error) error { return errorFor(r.op.method, r.path, err) }

// response is a successful response with its body read in full.
type response struct {
	body []byte
	// redactor hides the request's secrets from errors about the body.
	redactor *redactor
}

// getPage requests page n of the endpoint at path, with q (a struct with
// url tags) as its query, and decodes it with decode.
func getPage[T any](ctx context.Context, c *Client, path string, n int, q any,
	decode func(body []byte) (*Page[T], pageMeta, error)) (*Page[T], pageMeta, error) {
	req, err := c.newRequest(readPage, path, q)
	if err != nil {
		return nil, pageMeta{}, err
	}
	resp, err := c.authorize(ctx, req)
	if err != nil {
		return nil, pageMeta{}, err
	}
	page, meta, err := decode(resp.body)
	if err != nil {
		// A decode error quotes a short value, which may echo the request.
		return nil, pageMeta{}, resp.redactor.redactErr(req.wrap(unexpected("page %d: %w", n, err)))
	}
	return page, meta, nil
}

// newRequest builds a request for op at the endpoint path, appended to the
// base URL's path so that a proxy's prefix stays, with q (a struct with
// url tags, or nil) as its query.
func (c *Client) newRequest(op operation, path string, q any) (*request, error) {
	req := &request{op: op, path: c.baseURL.Path + path}
	if q != nil {
		v, err := query.Values(q)
		if err != nil {
			return nil, req.wrap(fmt.Errorf("encoding query: %w", err))
		}
		req.query = v.Encode()
	}
	u := *c.baseURL
	u.Path = req.path
	u.RawQuery = req.query
	req.url = u.String()
	return req, nil
}

// send sends req under ctx with authz as its Authorization header ("" for
// none), with retries, and checks the response. It never puts the query
// string or a header into an error.
func (c *Client) send(ctx context.Context, req *request, authz string) (*response, error) {
	hreq, err := c.httpRequest(ctx, req, authz)
	if err != nil {
		return nil, err
	}
	red := newRedactor(c.auth, authz, req.query)
	resp, body, err := c.sendWithRetries(hreq, req, red)
	if resp != nil {
		defer resp.Body.Close()
	}
	if err != nil {
		return nil, transportError(ctx, req, err, red)
	}
	if err := checkResponse(req, resp, authz, red); err != nil {
		return nil, err
	}
	return &response{body: body, redactor: red}, nil
}

// httpRequest makes the http.Request of one send of req, bound to ctx: it
// asks for JSON, names the SDK, and carries authz ("" for none) as its
// Authorization header. Each send has its own, so that no request is
// changed once sent, as net/http's RoundTripper contract asks.
func (c *Client) httpRequest(ctx context.Context, req *request, authz string) (*http.Request, error) {
	hreq, err := http.NewRequestWithContext(ctx, req.op.method, req.url, nil)
	if err != nil {
		return nil, req.wrap(withoutURL(err))
	}
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", c.userAgent)
	if authz != "" {
		hreq.Header.Set("Authorization", authz)
	}
	return hreq, nil
}

// checkResponse turns a final response whose status is not 2xx into an
// error: an *APIError, or for the token exchange, which follows no
// redirect (see noRedirects), a redirect not followed.
func checkResponse(req *request, resp *http.Response, authz string, red *redactor) error {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	if req.op.exchange && resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		// The Location and the body are left out: a server may put
		// anything there.
		status := strings.TrimSpace(fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode)))
		return req.wrap(refusedRedirect(fmt.Errorf("%s: the token exchange was redirected and the redirect was not followed "+
			"(credentials go to the base URL only: check that it is the instance's own address)", status)))
	}
	apiErr := newAPIError(req.op.method, req.path, resp, red)
	apiErr.exchange = req.op.exchange
	// A redirect to another origin went without the credentials (see
	// redirectPolicy): a 401 there must not pass for a rejected token,
	// nor start an exchange that invalidates the key's token elsewhere.
	apiErr.stripped = authz != "" && resp.Request != nil && !hasAuthorization(resp.Request.Header)
	return apiErr
}

// transportError turns a request that got no response into an error that
// names the method and path but not the URL: net/http's *url.Error repeats
// the query string. It matches ctx.Err() once ctx has ended, ErrRedirect
// for a redirect not followed, ErrUnexpectedResponse for a 2xx body the
// client cannot use, and ErrNetwork for anything else: no usable response
// came back. What net/http quotes of a response it could not parse (a
// status line, a header line) may echo the request, so red's secrets are
// redacted.
func transportError(ctx context.Context, req *request, err error, red *redactor) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return req.wrap(ctxErr)
	}
	err = req.wrap(withoutURL(err))
	if !errors.Is(err, ErrUnexpectedResponse) && !errors.Is(err, ErrRedirect) {
		err = &sentinelError{ErrNetwork, err}
	}
	return red.redactErr(err)
}

// withoutURL drops the URL (and so the query string) from a net/http
// error, keeping what went wrong.
func withoutURL(err error) error {
	if urlErr := (*url.Error)(nil); errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}
