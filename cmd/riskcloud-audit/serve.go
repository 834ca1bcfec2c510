package main

// serve: riskcloudtest's Risk Cloud as a standalone server, so that what is
// not a Go test (a Python script, a Filebeat or Vector config, a Postman
// collection) can be tried against the same fake.

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

const (
	// defaultServeAddr is where serve listens unless --addr says otherwise:
	// loopback, because the SDK and the CLI accept http:// only there.
	defaultServeAddr = "127.0.0.1:8080"
	// maxArrivalsPerMinute bounds --arrivals: a typo such as 1e12 would
	// otherwise fill the memory within seconds.
	maxArrivalsPerMinute = 1_000_000
	// shutdownGrace is how long a stopping server lets requests in flight
	// finish before it drops their connections.
	shutdownGrace = 2 * time.Second
)

// serveConfig is what the serve command was asked for.
type serveConfig struct {
	addr              string        // default 127.0.0.1:8080
	entries           int           // entries in the log at start
	seed              int64         // the seed of the generated entries
	arrivalsPerMinute float64       // new entries arriving at the head per minute (0 = none)
	latency           time.Duration // added to every response
}

// check rejects what no server can do, before anything listens.
func (cfg serveConfig) check() error {
	switch {
	case cfg.entries < 0:
		return usagef("--entries must not be negative")
	case math.IsNaN(cfg.arrivalsPerMinute) || cfg.arrivalsPerMinute < 0:
		return usagef("--arrivals must be a number of entries a minute, 0 or more")
	case cfg.arrivalsPerMinute > maxArrivalsPerMinute:
		return usagef("--arrivals must be at most %d a minute", maxArrivalsPerMinute)
	case cfg.latency < 0:
		return usagef("--latency must not be negative")
	}
	return nil
}

// runServe serves a generated Risk Cloud on cfg.addr until ctx ends, then
// returns nil. Its first two lines on stdout are RISKCLOUD_URL=… and
// RISKCLOUD_TOKEN=…, shell-quoted where needed, for eval or a dotenv file;
// two comment lines follow with client credentials for the token exchange.
// Each request is logged on stderr. A config or address that cannot be
// served is a usage error, returned before anything is printed on stdout.
func runServe(ctx context.Context, cfg serveConfig, stdout, stderr io.Writer) error {
	if err := cfg.check(); err != nil {
		return err
	}
	if cfg.addr == "" {
		cfg.addr = defaultServeAddr
	}
	ln, err := listen(cfg.addr)
	if err != nil {
		return err
	}
	defer ln.Close() // Shutdown closes it too; this covers the early returns
	start := time.Now()
	f, err := newFake(ctx, cfg, start)
	if err != nil {
		return err
	}
	defer f.srv.Close()
	if ctx.Err() != nil {
		return nil // stopped while starting, as asked
	}

	baseURL := serveURL(cfg.addr, ln.Addr())
	if err := f.writeEnv(stdout, baseURL); err != nil {
		return fmt.Errorf("writing the server's URL and token: %w", err)
	}
	// Every line on stderr goes through one log.Logger, which writes each
	// whole: the handlers log concurrently, and the caller's writer need
	// not be safe for that.
	logger := log.New(stderr, "", 0)
	announce(logger, cfg, baseURL)
	stopping := make(chan struct{})
	live := &liveServer{
		fake:     f.srv,
		handler:  logRequests(delay(f.srv, cfg.latency, stopping), logger),
		stopping: stopping,
	}
	if cfg.arrivalsPerMinute > 0 {
		live.arrivals = &arrivals{perMinute: cfg.arrivalsPerMinute, seed: cfg.seed, start: start}
	}
	return live.serve(ctx, ln, logger)
}

// announce says on stderr what is served where, and how to stop it.
func announce(logger *log.Logger, cfg serveConfig, baseURL string) {
	logger.Printf("%s: serve: %d entries (seed %d) at %s, %g arrivals a minute, latency %v; stop with Ctrl-C or SIGTERM",
		name, cfg.entries, cfg.seed, baseURL, cfg.arrivalsPerMinute, cfg.latency)
	if host, _, _ := net.SplitHostPort(cfg.addr); !isLoopbackHost(host) && !isUnspecified(host) {
		logger.Printf("%s: serve: note: the SDK and this CLI accept http:// only for a loopback host", name)
	}
}

// liveServer is the fake as serve runs it.
type liveServer struct {
	fake     *riskcloudtest.Server
	handler  http.Handler  // fake, behind --latency and the request log
	stopping chan struct{} // closed at the stop, to drop the requests waiting out --latency
	arrivals *arrivals     // nil when none arrive
}

// serve serves on ln until ctx ends.
func (l *liveServer) serve(ctx context.Context, ln net.Listener, logger *log.Logger) error {
	hs := &http.Server{
		Handler:           l.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          logger, // net/http's lines start "http: "
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	arrivalsCtx, stopArrivals := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if l.arrivals != nil {
		wg.Go(func() { l.arrivals.run(arrivalsCtx, l.fake) })
	}
	defer wg.Wait()
	defer stopArrivals()

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	close(l.stopping) // so that a stop is prompt whatever --latency
	grace, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(grace); err != nil {
		hs.Close()
	}
	if serveErr != nil {
		return fmt.Errorf("serving: %w", serveErr)
	}
	<-served // http.ErrServerClosed, now that Shutdown ran
	logger.Printf("%s: serve: stopped", name)
	return nil
}

// listen opens the listener, naming the flag and the fix in its errors.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		var opErr *net.OpError
		if errors.As(err, &opErr) && opErr.Err != nil {
			err = opErr.Err // without "listen tcp", which says nothing to the user
		}
		return nil, usagef("--addr %q: cannot listen: %v (want HOST:PORT, such as %s, or 127.0.0.1:0 for any free port)", addr, err, defaultServeAddr)
	}
	return ln, nil
}

// serveURL is the base URL of a server listening at bound, asked for as
// addr: the host as given (so that "localhost" stays a name), loopback for
// an unspecified one (":0", "0.0.0.0:0", "[::]:0"), and the real port.
func serveURL(addr string, bound net.Addr) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = ""
	}
	switch {
	case host == "" || host == "0.0.0.0":
		host = "127.0.0.1"
	case isUnspecified(host):
		host = "::1"
	}
	port := "0"
	if tcp, ok := bound.(*net.TCPAddr); ok {
		port = fmt.Sprint(tcp.Port)
	}
	return (&url.URL{Scheme: "http", Host: net.JoinHostPort(host, port)}).String()
}

func isUnspecified(host string) bool {
	ip := net.ParseIP(host)
	return host == "" || (ip != nil && ip.IsUnspecified())
}

func isLoopbackHost(host string) bool {
	ip := net.ParseIP(host)
	return strings.EqualFold(host, "localhost") || (ip != nil && ip.IsLoopback())
}

// fake is the served Risk Cloud and the credentials it was given.
type fake struct {
	srv                    *riskcloudtest.Server
	token                  string // exchanged at start, printed as RISKCLOUD_TOKEN
	clientID, clientSecret string
}

// newFake starts a Risk Cloud with client credentials, so that the token
// exchange is served too, and exchanges them once for the token it prints.
// As on Risk Cloud, a client's later exchange invalidates that token.
func newFake(ctx context.Context, cfg serveConfig, start time.Time) (*fake, error) {
	f := &fake{clientID: "rcc_" + rand.Text(), clientSecret: "rcs_" + rand.Text()}
	// No WithLatency: it would delay this exchange too, and so the first
	// lines; serve adds --latency in front of the fake instead (delay).
	f.srv = riskcloudtest.NewServer(riskcloudtest.WithClientCredentials(f.clientID, f.clientSecret),
		// serve logs each request itself and may run for days: keep none.
		riskcloudtest.WithRequestHistory(0))
	fillDemo(f.srv, cfg.entries, cfg.seed, start)

	// In-process: the exchange goes through the fake's own handler, not the
	// network, and is not logged as a client's request.
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, f.srv.URL+"/api/v1/account/token", nil)
	req.SetBasicAuth(f.clientID, f.clientSecret)
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	f.token = f.srv.IssuedToken()
	if f.token == "" && ctx.Err() == nil {
		f.srv.Close()
		return nil, fmt.Errorf("serve: the fake refused its own client credentials (status %d)", rec.Code)
	}
	return f, nil
}

// writeEnv writes the contract's two lines, then the client credentials as
// comments: as variables they would clash with RISKCLOUD_TOKEN, which the
// CLI refuses to take together with them.
func (f *fake) writeEnv(w io.Writer, baseURL string) error {
	_, err := fmt.Fprintf(w, "%s=%s\n%s=%s\n"+
		"# client credentials for POST /api/v1/account/token; as on Risk Cloud, each exchange invalidates the token before it, RISKCLOUD_TOKEN's too:\n"+
		"# %s=%s %s=%s\n",
		envURL, shellQuote(baseURL), envToken, shellQuote(f.token),
		envClientID, shellQuote(f.clientID), envClientSecret, shellQuote(f.clientSecret))
	return err
}

// shellQuote returns s as one word for a POSIX shell: as is when it holds
// only characters no shell treats specially, else in single quotes.
func shellQuote(s string) string {
	safe := s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_@%+=:,./-", r))
	}) < 0
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// loggedParams are the query parameters a request line shows as sent: the
// paging and the filters, the caller's own test data. Any other parameter's
// value is replaced, as a misconfigured client may put a credential there.
var loggedParams = map[string]bool{
	"page": true, "size": true, "email": true,
	"user-id": true, "user-email": true, "type": true, "created-min": true, "created-max": true,
}

// delay makes h answer latency later, as a distant server does. A request
// whose client leaves meanwhile gets no answer; once stopping is closed,
// the waiting requests' connections are dropped, so that a stop is prompt.
func delay(h http.Handler, latency time.Duration, stopping <-chan struct{}) http.Handler {
	if latency <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(latency)
		defer t.Stop()
		select {
		case <-t.C:
			h.ServeHTTP(w, r)
		case <-r.Context().Done():
		case <-stopping:
			panic(http.ErrAbortHandler) // net/http drops the connection, quietly
		}
	})
}

// logRequests logs each request handled by h: its time, method, path and
// query (see loggedParams), status and duration. Never a header: the
// Authorization header carries the credentials.
func logRequests(h http.Handler, logger *log.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		began := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			status := "aborted" // the client left, or the server is stopping
			if sw.status != 0 {
				status = fmt.Sprint(sw.status)
			}
			logger.Printf("%s %s %s %s %v", began.UTC().Format("2006-01-02T15:04:05.000Z"),
				r.Method, loggedTarget(r.URL), status, time.Since(began).Round(time.Microsecond))
		}()
		h.ServeHTTP(sw, r)
	})
}

// loggedTarget is the request's path and query as logged, escaped so that
// no byte a client sent can break the log line.
func loggedTarget(u *url.URL) string {
	target := u.EscapedPath()
	q := u.Query()
	if len(q) == 0 {
		return target
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if !loggedParams[k] {
				v = "REDACTED"
			}
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v))
		}
	}
	return target + "?" + b.String()
}

// statusWriter remembers the status a handler sent.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush passes on, for the fake's bodies cut short, which flush first.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// arrivals schedules entries arriving at the head of the log, the k-th at
// start + k/perMinute minutes. Arrivals are counted from start rather than
// from tick to tick, so that their number follows the rate whatever the
// ticker's drift.
type arrivals struct {
	perMinute float64
	seed      int64
	start     time.Time
	added     int               // arrivals so far
	templates []riskcloud.Entry // generated once; arrival k is the k-th, cyclically, at its own time
}

// arrivalTemplates is how many generated entries the arrivals cycle
// through: enough for a few brute-force bursts among them.
const arrivalTemplates = 4096

// due returns the arrivals scheduled up to now and not yet returned, newest
// first, as Server.Add takes them. Their timestamps are never after now,
// nor before start (the newest entry at start). The same seed gives the
// same arrivals, however the instants asked at fall.
func (a *arrivals) due(now time.Time) []riskcloud.Entry {
	elapsed := now.Sub(a.start)
	total := int(math.Floor(a.perMinute * elapsed.Minutes()))
	if total <= a.added {
		return nil
	}
	if a.templates == nil {
		// Another seed than the initial log's, which would repeat it.
		a.templates = riskcloudtest.GenerateAt(arrivalTemplates, a.seed+1, a.start)
	}
	out := make([]riskcloud.Entry, total-a.added)
	for i := range out {
		k := a.added + len(out) - i // newest first
		at := a.start.Add(min(time.Duration(float64(k)/a.perMinute*float64(time.Minute)), elapsed))
		e := a.templates[(k-1)%len(a.templates)]
		// Without Raw, the fake sends the fields, at the new time.
		e.Timestamp, e.Raw = at.UTC().Truncate(time.Millisecond), nil
		out[i] = e
	}
	a.added = total
	return out
}

// tick is how often the arrivals are checked: once an arrival at slow
// rates, between 10 ms and a second.
func (a *arrivals) tick() time.Duration {
	return time.Duration(min(max(float64(time.Minute)/a.perMinute, float64(10*time.Millisecond)), float64(time.Second)))
}

// run adds the arrivals to fake as they fall due, until ctx ends.
func (a *arrivals) run(ctx context.Context, fake *riskcloudtest.Server) {
	t := time.NewTicker(a.tick())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if es := a.due(now); len(es) > 0 {
				fake.Add(es...)
			}
		}
	}
}
