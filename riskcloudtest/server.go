package riskcloudtest

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
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

// Server is an in-memory Risk Cloud serving HTTP on loopback. Build it with
// [NewServer] and stop it with [Server.Close]. Its methods are safe for
// concurrent use, including while it serves requests.
type Server struct {
	// URL is the base URL to give riskcloud.NewClient, such as
	// "http://127.0.0.1:41234" (plus the path prefix, if any).
	URL string
	// Token is the bearer token the server accepts; empty when the server
	// issues tokens through client credentials ([WithClientCredentials]).
	Token string

	// Settings, fixed by NewServer.
	prefix                 string
	tls                    bool
	clientID, clientSecret string
	tokenLife              time.Duration
	now                    func() time.Time // the clock tokens expire by
	forbidden              bool
	anyToken               bool // RegisterResponders: any non-empty bearer token
	latency                time.Duration
	maxSize                int
	arrivals               int
	beforePage             func(*Server, int)

	srv       *httptest.Server
	transport *http.Transport
	closing   chan struct{} // closed by Close, to end latency waits
	closeOnce sync.Once

	mu       sync.Mutex
	log      auditLog
	faults   []Fault
	issued   string // the token the last exchange issued
	expires  time.Time
	arrived  int // arrivals so far, to make each distinct
	stats    Stats
	requests []Request

	inFlight    atomic.Int64
	connections atomic.Int64
}

// Stats counts what a [Server] has seen.
type Stats struct {
	Requests     int // every request, whatever its path
	PageRequests int // requests to the access-audit endpoints
	Exchanges    int // successful token exchanges
	Connections  int // connections accepted
	MaxInFlight  int // most requests being served at the same time
}

// Request is what the server saw of a request: never its headers, which
// carry credentials.
type Request struct {
	Method string
	Path   string // as received, including any path prefix
	Query  url.Values
}

// NewServer starts a Risk Cloud with an empty log on a loopback port. The
// caller must Close it; tests usually write
//
//	srv := riskcloudtest.NewServer()
//	t.Cleanup(srv.Close)
func NewServer(opts ...Option) *Server {
	s := newServer()
	for _, opt := range opts {
		opt(s)
	}
	if s.clientID != "" {
		s.Token = ""
	}
	s.srv = httptest.NewUnstartedServer(s)
	s.srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.connections.Add(1)
		}
	}
	// The client side gets a pool deep enough for many concurrent pages, so
	// that a benchmark measures the client, not reconnects.
	s.transport = &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, ForceAttemptHTTP2: false}
	if s.tls {
		s.srv.StartTLS()
		roots := x509.NewCertPool()
		roots.AddCert(s.srv.Certificate())
		s.transport.TLSClientConfig = &tls.Config{RootCAs: roots}
	} else {
		s.srv.Start()
	}
	s.URL = s.srv.URL + s.prefix
	return s
}

// newServer returns a server's state with the defaults, not yet listening.
func newServer() *Server {
	return &Server{
		closing:   make(chan struct{}),
		now:       time.Now,
		Token:     "rct_" + randomHex(16),
		tokenLife: 365 * 24 * time.Hour,
		maxSize:   2000,
	}
}

// Close shuts the server down and closes the idle connections of the
// clients it handed out. Requests still waiting out [WithLatency] are
// dropped; Close waits for the others, and for [WithBeforePage] hooks, to
// finish. Calling Close more than once is safe.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	s.srv.Close()
	s.transport.CloseIdleConnections()
}

// Client returns a riskcloud client of this server: its URL, its token (or
// client credentials), a transport that trusts it, and retries that wait
// 1 ms, so that tests of failures run fast. opts are applied after these and
// override them, except the credentials: pass none (to use others, call
// riskcloud.NewClient with s.URL and [Server.HTTPClient]). Client panics if
// an option is invalid, as a test helper may.
func (s *Server) Client(opts ...riskcloud.Option) *riskcloud.Client {
	creds := riskcloud.WithToken(s.Token)
	if s.clientID != "" {
		creds = riskcloud.WithClientCredentials(s.clientID, s.clientSecret)
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
func (s *Server) Add(entries ...riskcloud.Entry) {
	s.AddFor(DefaultEmail, entries...)
}

// AddFor files entries under the user email, as [Server.Add] does.
func (s *Server) AddFor(email string, entries ...riskcloud.Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.add(normalEmail(email), entries)
}

// RemoveOldest deletes the n oldest entries, as retention does.
func (s *Server) RemoveOldest(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.removeOldest(n)
}

// Len returns the number of entries in the log.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.log.recs)
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

// RevokeToken invalidates the token the last exchange issued, as an
// exchange by another integration of the same key would. Clients see 401
// until they exchange again.
func (s *Server) RevokeToken() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.issued = ""
}

// IssuedToken returns the token the last exchange issued, "" when none is
// valid: with [WithClientCredentials], for tests that check a token never
// leaks into output.
func (s *Server) IssuedToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// Stats returns what the server has seen so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	st := s.stats
	s.mu.Unlock()
	st.Connections = int(s.connections.Load())
	return st
}

// Requests returns the requests the server has seen, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Query = cloneValues(r.Query)
		out[i] = r
	}
	return out
}

// authorized reports whether the request carries the token the server
// accepts. Callers hold s.mu.
func (s *Server) authorized(r *http.Request) bool {
	got := r.Header.Get("Authorization")
	switch {
	case s.anyToken:
		return len(got) > len("Bearer ") && got[:len("Bearer ")] == "Bearer "
	case s.clientID != "":
		return s.issued != "" && got == "Bearer "+s.issued && s.now().Before(s.expires)
	}
	return got == "Bearer "+s.Token
}

// exchangeOK reports whether r carries the server's client credentials.
func (s *Server) exchangeOK(r *http.Request) bool {
	if s.clientID == "" && !s.anyToken {
		return false
	}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(s.clientID+":"+s.clientSecret))
	return s.anyToken || r.Header.Get("Authorization") == want
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
