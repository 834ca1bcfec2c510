package riskcloudtest

import (
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// Option configures a [Server] built by [NewServer].
type Option func(*Server)

// Fault is a response the server sends instead of the real one; see
// [Server.FailNext] and [WithFaults].
type Fault struct {
	// Status is the response's status code; 0 means 500. Cut and Reset
	// ignore it.
	Status int
	// RetryAfter, when set, is sent as the Retry-After header: seconds
	// ("2") or an HTTP date.
	RetryAfter string
	// Body is sent as the response body; when empty, the server sends Risk
	// Cloud's JSON error body for Status.
	Body string
	// ContentType is sent as the Content-Type header; when empty,
	// application/json.
	ContentType string
	// Cut serves the real response but drops the connection halfway through
	// its body, as a failing network does.
	Cut bool
	// Reset drops the connection before sending anything.
	Reset bool
}

// WithToken sets the bearer token the server accepts (default: a random
// one, in [Server.Token]).
func WithToken(token string) Option {
	return func(s *Server) { s.Token = token }
}

// WithClientCredentials makes the server issue its tokens: a client must
// exchange id and secret at POST /api/v1/account/token. Each exchange issues
// a new token and invalidates the one before, as Risk Cloud does; tokens
// live a year unless [WithTokenLifetime] says otherwise. [Server.Token] is
// then empty and [Server.Client] uses the credentials.
func WithClientCredentials(id, secret string) Option {
	return func(s *Server) { s.clientID, s.clientSecret = id, secret }
}

// WithTokenLifetime sets how long an exchanged token is accepted (default a
// year; at least a second, as expires_in counts seconds).
func WithTokenLifetime(d time.Duration) Option {
	return func(s *Server) { s.tokenLife = max(d, time.Second) }
}

// WithClock makes the server read the time from now when it issues and
// checks tokens (default time.Now), so that a test can expire a token
// without waiting for it.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
}

// WithoutAdmin makes the key's user lack the Admin > All entitlement: every
// access-audit request with a valid token gets 403 Forbidden.
func WithoutAdmin() Option {
	return func(s *Server) { s.forbidden = true }
}

// WithLatency delays every response by d, as a distant server does. A
// request cancelled meanwhile gets no response.
func WithLatency(d time.Duration) Option {
	return func(s *Server) { s.latency = d }
}

// WithFaults answers the first n requests with f instead; see
// [Server.FailNext].
func WithFaults(n int, f Fault) Option {
	return func(s *Server) { s.queueFaults(n, f) }
}

// WithMaxPageSize clamps the page size the server uses, and reports, to n
// (default 2,000, Spring's usual cap; 0 or less means no cap).
func WithMaxPageSize(n int) Option {
	return func(s *Server) { s.maxSize = n }
}

// WithArrivals adds n new logins at the head of the log before each page
// request except a walk's first (page 0), as a busy instance does while a
// client walks its pages. Each arrival is newer than every entry before it.
func WithArrivals(n int) Option {
	return func(s *Server) { s.arrivals = n }
}

// WithBeforePage calls fn before the server answers each page request, with
// the page number asked for; fn may change the log ([Server.Add],
// [Server.RemoveOldest]) to stage what happens between two requests.
func WithBeforePage(fn func(s *Server, page int)) Option {
	return func(s *Server) { s.beforePage = fn }
}

// WithPathPrefix serves the API under prefix ("/proxy"), as behind a
// reverse proxy; [Server.URL] includes it.
func WithPathPrefix(prefix string) Option {
	return func(s *Server) { s.prefix = prefix }
}

// WithTLS serves HTTPS with a self-signed certificate, which
// [Server.Client] and [Server.HTTPClient] trust.
func WithTLS() Option {
	return func(s *Server) { s.tls = true }
}

// WithEntries adds entries as [Server.Add] does.
func WithEntries(entries ...riskcloud.Entry) Option {
	return func(s *Server) { s.log.add(DefaultEmail, entries) }
}
