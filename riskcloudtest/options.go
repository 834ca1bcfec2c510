package riskcloudtest

import (
	"slices"
	"strconv"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// Option configures a [Server] built by [NewServer].
type Option func(*Server)

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
	return func(s *Server) { s.auth.clientID, s.auth.clientSecret = id, secret }
}

// WithTokenLifetime sets how long an exchanged token is accepted (default a
// year; at least a second, as expires_in counts seconds).
func WithTokenLifetime(d time.Duration) Option {
	return func(s *Server) { s.cfg.tokenLife = max(d, time.Second) }
}

// WithClock makes the server read the time from now when it issues and
// checks tokens (default time.Now), so that a test can expire a token
// without waiting for it.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.cfg.now = now }
}

// WithoutAdmin makes the key's user lack the Admin > All entitlement: every
// access-audit request with a valid token gets 403 Forbidden.
func WithoutAdmin() Option {
	return func(s *Server) { s.cfg.forbidden = true }
}

// WithLatency delays every response by d, as a distant server does. A
// request cancelled meanwhile gets no response.
func WithLatency(d time.Duration) Option {
	return func(s *Server) { s.cfg.latency = d }
}

// WithFaults answers the first n requests with f instead; see
// [Server.FailNext].
func WithFaults(n int, f Fault) Option {
	return func(s *Server) { s.queueFaults(n, f) }
}

// WithMaxPageSize clamps the page size the server uses, and reports, to n
// (default 2,000, Spring's usual cap; 0 or less means no cap).
func WithMaxPageSize(n int) Option {
	return func(s *Server) { s.cfg.maxSize = n }
}

// WithArrivals adds n new logins at the head of the log before each page
// request except a walk's first (page 0), as a busy instance does while a
// client walks its pages. Each arrival is newer than every entry before it.
func WithArrivals(n int) Option {
	return func(s *Server) { s.cfg.arrivals = n }
}

// WithBeforePage calls fn before the server answers each page request
// that passed its checks (token, email), with the page number it will
// answer; fn may change the log ([Server.Add], [Server.RemoveOldest],
// [Server.RevokeToken]…) to stage what happens between two requests. Calls
// of fn never overlap, and each page is built from the log as fn left it,
// before the next call: a hook that blocks holds up every page request.
func WithBeforePage(fn func(s *Server, page int)) Option {
	return func(s *Server) { s.cfg.beforePage = fn }
}

// WithPathPrefix serves the API under prefix ("/proxy"), as behind a
// reverse proxy; [Server.URL] includes it.
func WithPathPrefix(prefix string) Option {
	return func(s *Server) { s.cfg.prefix = prefix }
}

// WithTLS serves HTTPS with a self-signed certificate, which
// [Server.Client] and [Server.HTTPClient] trust.
func WithTLS() Option {
	return func(s *Server) { s.cfg.tls = true }
}

// WithEntries adds entries as [Server.Add] does.
func WithEntries(entries ...riskcloud.Entry) Option {
	return func(s *Server) { s.log.add(DefaultEmail, nil, entries) }
}

// WithoutAuthentication makes the server answer every access-audit request
// whatever its Authorization, or none, as an instance behind a proxy that
// authenticates does. The token exchange still needs
// [WithClientCredentials].
func WithoutAuthentication() Option {
	return func(s *Server) { s.cfg.noAuth = true }
}

// WithTokenIssuer makes the nth successful exchange (from 1) issue the
// token issue(n) instead of a random one, so that a test knows the tokens a
// client will hold: to tell which one a [Request] carried, or to look for
// them in logs. issue must return distinct, non-empty tokens.
func WithTokenIssuer(issue func(n int) string) Option {
	return func(s *Server) { s.cfg.issue = issue }
}

// WithoutPageFields leaves the named meta fields out of every page, as a
// server of another make or version may: "number", "size",
// "totalElements", "totalPages", "first", "last", "empty" and
// "numberOfElements". It panics on any other name.
func WithoutPageFields(fields ...string) Option {
	for _, f := range fields {
		if !slices.Contains(pageFields, f) {
			panic("riskcloudtest: WithoutPageFields: no page field " + strconv.Quote(f))
		}
	}
	return func(s *Server) {
		if s.cfg.omit == nil {
			s.cfg.omit = map[string]bool{}
		}
		for _, f := range fields {
			s.cfg.omit[f] = true
		}
	}
}

// WithPageIgnored makes the server ignore the page parameter and answer
// page 0 to every request, as a proxy that drops the query string does: a
// client must notice rather than walk page 0 forever.
func WithPageIgnored() Option {
	return func(s *Server) { s.cfg.ignorePage = true }
}

// WithEchoedPageSize makes a page report the size asked for when
// [WithMaxPageSize] clamped it, as a server that echoes its parameters
// does: a full page then holds fewer entries than its size says.
func WithEchoedPageSize() Option {
	return func(s *Server) { s.cfg.echoSize = true }
}

// WithCreatedEncoding sets how v2 pages write each entry's created instant
// (default [CreatedMillis], a number of epoch milliseconds): the API's spec
// declares a string and shows a number, so a client must read both. Entries
// added with a Raw of their own are sent as given whatever the encoding.
func WithCreatedEncoding(enc CreatedEncoding) Option {
	return func(s *Server) { s.cfg.v2.created = enc }
}

// WithOldestFirst makes v2 pages list entries oldest first, the exact
// reverse of the default newest first (entries with equal created times
// included), to test that nothing assumes an order the API does not
// document. v1 pages stay newest first, as v1 documents.
func WithOldestFirst() Option {
	return func(s *Server) { s.cfg.v2.oldestFirst = true }
}

// WithRequestHistory keeps only the last n requests for [Server.Requests]
// (0: none), so that a server that runs for long, such as riskcloud-audit
// serve, holds bounded memory. Without it every request is kept. A
// negative n panics.
func WithRequestHistory(n int) Option {
	if n < 0 {
		panic("riskcloudtest: WithRequestHistory: negative n")
	}
	return func(s *Server) { s.cfg.history = n }
}
