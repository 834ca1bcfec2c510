package riskcloud

import (
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"
)

// Defaults for a [Client] built without the corresponding option.
const (
	DefaultRetryMax       = 4                // retries after the first attempt
	DefaultRetryWaitMin   = 1 * time.Second  // first backoff
	DefaultRetryWaitMax   = 30 * time.Second // longest backoff, and cap on Retry-After
	DefaultAttemptTimeout = 60 * time.Second // per attempt, when the SDK builds the http.Client
)

// Option configures a [Client]. Options are applied in order by [NewClient],
// which returns the first error one reports; an invalid option's error wraps
// [ErrInvalidArgument] and names the option.
type Option func(*config) error

// config collects what the options set. It lives only during NewClient:
// the Client keeps what it needs in its own fields, so nothing here can be
// printed or changed later.
type config struct {
	token        string
	clientID     string
	clientSecret string
	httpClient   *http.Client
	retryMax     int
	retryWaitMin time.Duration
	retryWaitMax time.Duration
	logger       *slog.Logger
	userAgent    string
	tokenCache   TokenCache
}

func defaultConfig() config {
	return config{
		retryMax:     DefaultRetryMax,
		retryWaitMin: DefaultRetryWaitMin,
		retryWaitMax: DefaultRetryWaitMax,
	}
}

// WithToken authenticates every request with a static bearer token, such as
// one generated in Risk Cloud's profile page. A rejected token is reported
// as [ErrUnauthorized] at once; it is never retried. It cannot be combined
// with [WithClientCredentials]. An empty token is an error.
func WithToken(token string) Option {
	return func(c *config) error {
		if token == "" {
			return invalidArg("WithToken", "token is empty")
		}
		if strings.ContainsFunc(token, unicode.IsControl) {
			return invalidArg("WithToken", "token contains a control character")
		}
		c.token = token
		return nil
	}
}

// WithClientCredentials authenticates with an API client ID and secret,
// exchanged for a bearer token at POST /api/v1/account/token.
//
// The exchange happens lazily, on the first request that needs a token, and
// as rarely as possible: the token is cached until shortly before it expires
// and shared by every goroutine (one exchange in flight at a time). Each
// exchange invalidates the token any other integration of the same key
// holds, so share one Client rather than building one per task. When a
// request is rejected with 401 (the token was regenerated elsewhere), the
// client exchanges once more and repeats that request once.
//
// It cannot be combined with [WithToken]. An empty ID or secret is an error.
func WithClientCredentials(clientID, secret string) Option {
	return func(c *config) error {
		switch {
		case clientID == "":
			return invalidArg("WithClientCredentials", "client ID is empty")
		case secret == "":
			return invalidArg("WithClientCredentials", "secret is empty")
		case strings.ContainsFunc(clientID, unicode.IsControl):
			return invalidArg("WithClientCredentials", "client ID contains a control character")
		case strings.Contains(clientID, ":"):
			// Basic authentication splits at the first colon.
			return invalidArg("WithClientCredentials", "client ID contains a colon")
		}
		c.clientID, c.clientSecret = clientID, secret
		return nil
	}
}

// WithTokenCache makes a client with [WithClientCredentials] look in tc for
// a token before it exchanges the credentials, and store in tc each token it
// obtains. A token the server rejects with 401 is replaced by one the cache
// holds if it is another (a process sharing the cache renewed it), else by
// a new exchange; if the cache's token is rejected too, a new exchange
// follows, so a request is repeated at most twice for want of a token. The cache's errors are logged at debug level and
// otherwise ignored: without it the client only exchanges more often.
//
// It requires WithClientCredentials; a nil tc is an error.
func WithTokenCache(tc TokenCache) Option {
	return func(c *config) error {
		if tc == nil {
			return invalidArg("WithTokenCache", "cache is nil")
		}
		c.tokenCache = tc
		return nil
	}
}

// WithHTTPClient sends every attempt through a copy of hc. Its Transport
// (httpmock's MockTransport, a proxy, otelhttp), Timeout (applied to each
// attempt, and afresh to each redirect hop within it; 0 is no limit), CheckRedirect and Jar are
// honoured; around CheckRedirect the SDK refuses a redirect from https to
// http, and takes the Authorization header off a redirected request once
// it has left the base URL's scheme, host and port, even if the
// CheckRedirect puts it back. The token exchange follows no redirect, so
// CheckRedirect is never asked about it. Without this option the SDK uses
// its own transport and a 60 s per-attempt timeout. A nil hc is an error.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return invalidArg("WithHTTPClient", "client is nil")
		}
		c.httpClient = hc
		return nil
	}
}

// WithRetry sets the retry policy: up to max retries after the first
// attempt (0 disables retries), with a jittered exponential backoff from
// waitMin up to waitMax, which also caps a server's Retry-After. Retried are
// transport errors, 429, 500, 502, 503, 504 and a 200 whose body is cut
// short, all from one budget. Not retried, as they would fail the same way:
// a certificate that does not verify, a server at an https URL that does
// not speak TLS, a redirect refused. The default is 4 retries, 1 s to 30 s.
// Each retry is logged (see [WithLogger]).
//
// The budget counts what the server may see. net/http's own immediate
// resend of a GET on a new connection, after a kept-alive one closed
// before answering, is one of the retries (and costs no wait). Over plain
// http the last send allowed cannot be resent, so the server sees a request
// at most max+1 times; over https, where HTTP/2 may be in use, net/http may
// resend the last send once more. A redirect followed is not a retry.
//
// A negative max or wait, or waitMax below waitMin, is an error.
func WithRetry(max int, waitMin, waitMax time.Duration) Option {
	return func(c *config) error {
		switch {
		case max < 0:
			return invalidArg("WithRetry", "max must not be negative (0 disables retries)")
		case waitMin < 0:
			return invalidArg("WithRetry", "waitMin must not be negative")
		case waitMax < waitMin:
			return invalidArg("WithRetry", "waitMax must not be less than waitMin")
		}
		c.retryMax, c.retryWaitMin, c.retryWaitMax = max, waitMin, waitMax
		return nil
	}
}

// WithLogger sends debug records of each attempt, retry and token exchange
// to l: method, path, status, attempt and wait, never the query string, a
// header, a body or a credential. A nil l, like the default, logs nothing.
//
// Each retry is one record, logged as the wait begins, with the message
// "riskcloud: retrying" and these attributes:
//
//	method   the request's method, "GET" (or "POST" for the token exchange)
//	path     the request's path, under the base URL's path prefix
//	attempt  the number of the attempt that failed, from 1
//	wait     the time.Duration before the next attempt
//	reason   why: the status ("429 Too Many Requests") or the kind of failure
//	         ("connection refused", "connection reset", "connection closed",
//	         "timeout", "host name lookup failed", "response body cut short",
//	         "network error")
//	status   the failed attempt's HTTP status; absent when no response came
//
// so that a program can say "retrying in 5s (429 Too Many Requests)".
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// WithUserAgent puts ua before the SDK's own product token in the
// User-Agent header ("ua riskcloud-go/x.y.z"), so Risk Cloud's logs can tell
// integrations apart. An empty ua or one with control characters is an error.
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		switch {
		case strings.TrimSpace(ua) == "":
			return invalidArg("WithUserAgent", "user agent is empty")
		case strings.ContainsFunc(ua, unicode.IsControl):
			return invalidArg("WithUserAgent", "user agent contains a control character")
		}
		c.userAgent = ua
		return nil
	}
}
