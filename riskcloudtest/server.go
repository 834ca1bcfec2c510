package riskcloudtest

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// DefaultEmail is the user [Server.Add] files entries under.
const DefaultEmail = "alice@example.com"

// handlerHost is the host of a [NewHandler] server's URL: its requests never
// leave the process, so the name need not resolve.
const handlerHost = "https://riskcloud.test"

// Server is an in-memory Risk Cloud. Build it with [NewServer] (on
// loopback) or [NewHandler] (in-process) and stop it with [Server.Close].
// Its methods are safe for concurrent use, including while it serves
// requests.
type Server struct {
	// URL is the base URL to give riskcloud.NewClient, such as
	// "http://127.0.0.1:41234" (plus the path prefix, if any).
	URL string
	// Token is the bearer token the server accepts; empty when the server
	// issues tokens through client credentials ([WithClientCredentials]).
	Token string

	cfg config // fixed by NewServer

	srv       *httptest.Server // nil for NewHandler
	transport http.RoundTripper
	closing   chan struct{} // closed by Close, to end latency waits
	closeOnce sync.Once

	// pageMu makes each WithBeforePage hook and the page built after it
	// one step, whatever other requests do meanwhile.
	pageMu sync.Mutex

	mu       sync.Mutex
	log      auditLog
	faults   []Fault
	auth     authState
	arrived  int // arrivals so far, to make each distinct
	stats    Stats
	requests []Request

	inFlight    atomic.Int64
	connections atomic.Int64
}

// config is what the options set; it does not change once the server runs.
type config struct {
	prefix     string
	tls        bool
	latency    time.Duration
	now        func() time.Time // the clock tokens expire by
	forbidden  bool
	maxSize    int
	echoSize   bool
	ignorePage bool
	omit       map[string]bool // page fields left out
	arrivals   int
	beforePage func(*Server, int)
	tokenLife  time.Duration
	issue      func(n int) string // the nth exchange's token
	anyToken   bool               // RegisterResponders: any non-empty bearer token
	noAuth     bool               // WithoutAuthentication
	history    int                // requests kept for Requests; -1: all
	v2         v2Config
}

// v2Config is what only v2 pages heed.
type v2Config struct {
	created     CreatedEncoding // how created is written
	oldestFirst bool
}

// Stats counts what a [Server] has seen.
type Stats struct {
	Requests     int // every request, whatever its path
	PageRequests int // requests to the access-audit endpoints, v1 and v2
	Exchanges    int // successful token exchanges
	Connections  int // connections accepted
	MaxInFlight  int // most requests being served at the same time
}

// Request is what the server saw of a request. Its only header is
// Authorization, whose credentials never print.
type Request struct {
	Method        string
	Path          string // as received, including any path prefix
	Query         url.Values
	Authorization Credential
}

// NewServer starts a Risk Cloud with an empty log on a loopback port. The
// caller must Close it; tests usually write
//
//	srv := riskcloudtest.NewServer()
//	t.Cleanup(srv.Close)
func NewServer(opts ...Option) *Server {
	s := configured(opts)
	s.srv = httptest.NewUnstartedServer(s)
	s.srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.connections.Add(1)
		}
	}
	// The client side gets a pool deep enough for many concurrent pages, so
	// that a benchmark measures the client, not reconnects.
	transport := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, ForceAttemptHTTP2: false}
	if s.cfg.tls {
		s.srv.StartTLS()
		roots := x509.NewCertPool()
		roots.AddCert(s.srv.Certificate())
		transport.TLSClientConfig = &tls.Config{RootCAs: roots}
	} else {
		s.srv.Start()
	}
	s.transport = transport
	s.URL = s.srv.URL + s.cfg.prefix
	return s
}

// NewHandler returns a Risk Cloud that does not listen: it answers the
// requests given to its ServeHTTP, by an httptest.Server, a router of the
// test's own, or the in-process transport of [Server.HTTPClient] and
// [Server.Client], which need no socket and so work inside a
// testing/synctest bubble. Its URL is https://riskcloud.test plus the path
// prefix; any host reaches it. Close ends latency waits and is optional.
func NewHandler(opts ...Option) *Server {
	s := configured(opts)
	s.transport = inProcess{s}
	s.URL = handlerHost + s.cfg.prefix
	return s
}

// configured returns a server's state with the defaults and opts applied.
func configured(opts []Option) *Server {
	s := newServer()
	for _, opt := range opts {
		opt(s)
	}
	if s.auth.clientID != "" {
		s.Token = ""
	}
	s.auth.token = s.Token
	return s
}

// newServer returns a server's state with the defaults, not yet listening.
func newServer() *Server {
	return &Server{
		Token:   "rct_" + randomHex(16),
		closing: make(chan struct{}),
		cfg: config{
			now:       time.Now,
			tokenLife: 365 * 24 * time.Hour,
			maxSize:   2000,
			issue:     func(int) string { return "rct_" + randomHex(16) },
			history:   -1,
		},
	}
}

// Close shuts the server down and closes the idle connections of the
// clients it handed out. Requests still waiting out [WithLatency] are
// dropped; Close waits for the others, and for [WithBeforePage] hooks, to
// finish. Calling Close more than once is safe.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	if s.srv == nil {
		return
	}
	s.srv.Close()
	s.transport.(*http.Transport).CloseIdleConnections()
}

// Client returns a riskcloud client of this server: its URL, its token (or
// client credentials), a transport that trusts it, and retries that wait
// 1 ms, so that tests of failures run fast. opts are applied after these and
// override them, except the credentials: pass none (to use others, call
// riskcloud.NewClient with s.URL and [Server.HTTPClient]). Client panics if
// an option is invalid, as a test helper may.
func (s *Server) Client(opts ...riskcloud.Option) *riskcloud.Client {
	creds := riskcloud.WithToken(s.Token)
	if id, secret := s.credentials(); id != "" {
		creds = riskcloud.WithClientCredentials(id, secret)
	}
	all := append([]riskcloud.Option{
		riskcloud.WithHTTPClient(s.HTTPClient()),
		creds,
		riskcloud.WithRetry(riskcloud.DefaultRetryMax, time.Millisecond, time.Millisecond),
	}, opts...)
	c, err := riskcloud.NewClient(s.URL, all...)
	if err != nil {
		panic("riskcloudtest: Server.Client: " + err.Error())
	}
	return c
}

// HTTPClient returns an http.Client whose transport reaches this server
// (and trusts its certificate with [WithTLS]). Its idle connections close
// with the server.
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{Transport: s.transport}
}

// Add files entries under [DefaultEmail]. The log stays newest first by
// Timestamp whatever the order given; entries with equal timestamps keep
// their order (the first is the newest), and are newer than those already
// there. An entry's Type picks the endpoint that serves it (Login: logins,
// LoginFail: failures; both: the user's attempts). The server sends an
// entry's Raw when it holds valid JSON, else its fields.
//
// v2 pages serve the same entries, each with an id and a user: one of
// [MadeUpUsers], picked by the entry's RemoteAddress (see the package
// doc's Users section).
func (s *Server) Add(entries ...riskcloud.Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.add(DefaultEmail, nil, entries)
}

// AddFor files entries under the user email, as [Server.Add] does; in v2
// pages they belong to that user, whose id is derived from the email and
// whose name from its local part.
func (s *Server) AddFor(email string, entries ...riskcloud.Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.add(normalEmail(email), userFor(email), entries)
}

// RemoveOldest deletes the n oldest entries, as retention does.
func (s *Server) RemoveOldest(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.removeOldest(n)
}

// Shift adds entries under [DefaultEmail], then deletes the n oldest, in
// one step: no request sees the log in between. It stages a busy log under
// steady retention, whose count stays the same while its pages move.
func (s *Server) Shift(n int, entries ...riskcloud.Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.add(DefaultEmail, nil, entries)
	s.log.removeOldest(n)
}

// Len returns the number of entries in the log, those only v2 serves
// included.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.log.recs)
}

// Entries returns every user's entries, newest first, as the v1 endpoints
// send them: each one's Raw holds its JSON in a page. A test compares what a
// walk yielded with it, or reads the newest timestamp to stage arrivals.
// Records only v2 serves (see [Server.AddAudits]) are not among them.
func (s *Server) Entries() []riskcloud.Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	recs := s.log.view(viewKey{})
	out := make([]riskcloud.Entry, len(recs))
	for i, r := range recs {
		out[len(out)-1-i] = r.entry()
	}
	return out
}

// FailNext answers the next n requests, to any endpoint, with f instead of
// the real response. Faults queued earlier come first.
func (s *Server) FailNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queueFaults(n, f)
}

func (s *Server) queueFaults(n int, f Fault) {
	for range n {
		s.faults = append(s.faults, f)
	}
}

// Stats returns what the server has seen so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	st := s.stats
	s.mu.Unlock()
	st.Connections = int(s.connections.Load())
	return st
}

// Requests returns the requests the server has seen, oldest first (the
// last n of them with [WithRequestHistory]).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.requests
	if n := s.cfg.history; n >= 0 && len(kept) > n {
		kept = kept[len(kept)-n:]
	}
	out := make([]Request, len(kept))
	for i, r := range kept {
		r.Query = cloneValues(r.Query)
		out[i] = r
	}
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	return hex.EncodeToString(b)
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
