package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	stdlog "log"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// syncBuffer is a bytes.Buffer that a server's goroutines may write while
// a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// served is a runServe running in-process.
type served struct {
	url, token   string
	id, secret   string        // from the client credentials' comment line
	lines        []string      // every stdout line read by the time the env lines were
	stderr       *bytes.Buffer // not safe for concurrent use, as runServe may be given: read it after stop
	cancel       context.CancelFunc
	done         chan error
	started      time.Time // before runServe was called
	stopOnce     sync.Once
	stopErr      error
	stopDuration time.Duration
}

var (
	urlLine   = regexp.MustCompile(`^RISKCLOUD_URL=(http://127\.0\.0\.1:[1-9][0-9]*)$`)
	tokenLine = regexp.MustCompile(`^RISKCLOUD_TOKEN=(rct_[0-9a-f]{32})$`)
	credsLine = regexp.MustCompile(`^# RISKCLOUD_CLIENT_ID=(rcc_[A-Z2-7]+) RISKCLOUD_CLIENT_SECRET=(rcs_[A-Z2-7]+)$`)
)

// startServe runs runServe with cfg until the test ends (or stop), and
// reads its first four lines: the two variables and the credentials.
func startServe(t *testing.T, cfg serveConfig) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &served{stderr: &bytes.Buffer{}, cancel: cancel, done: make(chan error, 1), started: time.Now()}
	go func() {
		err := runServe(ctx, cfg, pw, s.stderr)
		pw.Close()
		s.done <- err
	}()
	t.Cleanup(func() { s.stop(t) })

	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		io.Copy(io.Discard, pr) // never block the server on a full pipe
	}()
	for range 4 {
		line, ok := <-lines
		if !ok {
			break
		}
		s.lines = append(s.lines, line)
	}
	var m1, m2, m4 []string
	if len(s.lines) == 4 {
		m1, m2, m4 = urlLine.FindStringSubmatch(s.lines[0]), tokenLine.FindStringSubmatch(s.lines[1]), credsLine.FindStringSubmatch(s.lines[3])
	}
	if m1 == nil || m2 == nil || m4 == nil || !strings.HasPrefix(s.lines[2], "# ") {
		err := s.stop(t)
		t.Fatalf("first lines:\n%s\nrunServe = %v; stderr %q", strings.Join(s.lines, "\n"), err, s.stderr)
	}
	s.url, s.token, s.id, s.secret = m1[1], m2[1], m4[1], m4[2]
	return s
}

// stop cancels runServe's ctx and waits for it to return, at most 10 s.
func (s *served) stop(t *testing.T) error {
	t.Helper()
	s.stopOnce.Do(func() {
		began := time.Now()
		s.cancel()
		select {
		case s.stopErr = <-s.done:
		case <-time.After(10 * time.Second):
			t.Fatal("runServe did not return within 10 s of its ctx ending")
		}
		s.stopDuration = time.Since(began)
	})
	return s.stopErr
}

// sdkClient returns a client of s's server with opts (the token, unless
// others are given), whose connections close with the test.
func sdkClient(t *testing.T, baseURL string, opts ...riskcloud.Option) *riskcloud.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	all := append([]riskcloud.Option{riskcloud.WithHTTPClient(&http.Client{Transport: tr}),
		riskcloud.WithRetry(1, time.Millisecond, time.Millisecond)}, opts...)
	c, err := riskcloud.NewClient(baseURL, all...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// walk returns every entry of the pager, failing t on an error.
func walk(t *testing.T, p *riskcloud.Pager[riskcloud.Entry]) []riskcloud.Entry {
	t.Helper()
	var out []riskcloud.Entry
	for e, err := range p.All(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// TestServe_sdkAndCLI reads the served log with the SDK and with the CLI's
// run, as the printed variables say, and checks the request log.
func TestServe_sdkAndCLI(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveConfig{addr: "127.0.0.1:0", entries: 300, seed: 7})
	c := sdkClient(t, s.url, riskcloud.WithToken(s.token))

	// Prefetch: requests in parallel, whose log lines stderr gets at once.
	all := walk(t, c.AccessAudit.Attempts(riskcloudtest.DefaultEmail, &riskcloud.ListOptions{Size: 40, Prefetch: 4}))
	logins := walk(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 40}))
	failures := walk(t, c.AccessAudit.Failures(&riskcloud.ListOptions{Size: 40}))
	if len(all) != 300 || len(logins)+len(failures) != 300 || len(failures) == 0 {
		t.Fatalf("%d attempts, %d logins, %d failures; want 300 generated entries", len(all), len(logins), len(failures))
	}
	// The log is the one --entries and --seed make, the newest at start.
	want := riskcloudtest.GenerateAt(300, 7, all[0].Timestamp)
	for i := range all {
		if string(all[i].Raw) != string(want[i].Raw) {
			t.Fatalf("entry %d = %s, want %s", i, all[i].Raw, want[i].Raw)
		}
	}
	if newest := all[0].Timestamp; newest.Before(s.started.Truncate(time.Millisecond)) || newest.After(time.Now()) {
		t.Errorf("newest entry at %v, want the server's start (after %v)", newest, s.started)
	}

	var stdout, stderr bytes.Buffer
	env := map[string]string{envURL: s.url, envToken: s.token}
	code := run(context.Background(), []string{"--format", "jsonl", "--size", "50", "failures"}, &stdout, &stderr,
		func(k string) string { return env[k] })
	if code != exitOK || len(jsonLines(t, stdout.String())) != len(failures) {
		t.Fatalf("CLI: exit %d, %d lines, want %d; stderr %q", code, len(jsonLines(t, stdout.String())), len(failures), stderr.String())
	}

	if err := s.stop(t); err != nil {
		t.Fatalf("runServe = %v, want nil", err)
	}
	log := s.stderr.String()
	for _, line := range []string{
		" GET /api/v1/access-audit?email=alice%40example.com&page=0&size=40 200 ",
		" GET /api/v1/access-audit/logins?page=1&size=40 200 ",
		" GET /api/v1/access-audit/failures?page=0&size=50 200 ",
	} {
		if !strings.Contains(log, line) {
			t.Errorf("stderr lacks %q:\n%s", line, log)
		}
	}
	assertNoSecrets(t, result{stderr: log}, s.token, s.secret)
	if strings.Contains(log, "Bearer") || strings.Contains(log, "Authorization") {
		t.Errorf("stderr shows a header:\n%s", log)
	}
}

// TestServe_tokenExchange exchanges the printed client credentials, with
// the SDK and with the CLI, and checks what Risk Cloud does then: the
// printed token no longer works.
func TestServe_tokenExchange(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveConfig{addr: "127.0.0.1:0", entries: 30, seed: 1})
	before := sdkClient(t, s.url, riskcloud.WithToken(s.token))
	if _, err := before.AccessAudit.Logins(nil).Page(context.Background(), 0); err != nil {
		t.Fatalf("the printed token: %v", err)
	}

	creds := sdkClient(t, s.url, riskcloud.WithClientCredentials(s.id, s.secret))
	if got := walk(t, creds.AccessAudit.Attempts(riskcloudtest.DefaultEmail, nil)); len(got) != 30 {
		t.Errorf("%d entries with client credentials, want 30", len(got))
	}
	_, err := before.AccessAudit.Logins(nil).Page(context.Background(), 0)
	if !errors.Is(err, riskcloud.ErrUnauthorized) {
		t.Errorf("the printed token after an exchange: %v, want ErrUnauthorized", err)
	}

	res := harness{env: map[string]string{envURL: s.url, envClientID: s.id, envClientSecret: s.secret}}.run(t, "--format", "csv", "logins")
	if res.code != exitOK || strings.Count(res.stdout, "\n") < 2 {
		t.Errorf("CLI with client credentials: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	s.stop(t)
	if log := s.stderr.String(); !strings.Contains(log, " POST /api/v1/account/token 200 ") {
		t.Errorf("stderr lacks the exchange:\n%s", log)
	}
	assertNoSecrets(t, result{stderr: s.stderr.String()}, s.token, s.secret)
}

// TestServe_arrivals checks that entries arrive at the head at no more than
// the rate asked for, each newer than the head before it and none in the
// future.
func TestServe_arrivals(t *testing.T) {
	t.Parallel()
	const perMinute = 60_000 // 1,000 a second
	s := startServe(t, serveConfig{addr: "127.0.0.1:0", entries: 10, seed: 3, arrivalsPerMinute: perMinute})
	c := sdkClient(t, s.url, riskcloud.WithToken(s.token))

	var head time.Time
	grew := 0
	deadline := time.Now().Add(20 * time.Second)
	for grew < 3 && time.Now().Before(deadline) {
		page, err := c.AccessAudit.Attempts(riskcloudtest.DefaultEmail, &riskcloud.ListOptions{Size: 5}).Page(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		if max := perMinute*now.Sub(s.started).Minutes() + 10; float64(page.TotalElements) > max {
			t.Fatalf("%d entries %v after the start, want at most %.0f", page.TotalElements, now.Sub(s.started), max)
		}
		newest := page.Content[0].Timestamp
		if newest.After(now) || newest.Before(head) {
			t.Fatalf("newest entry at %v, after one at %v, at %v", newest, head, now)
		}
		if newest.After(head) && !head.IsZero() {
			grew++
		}
		head = newest
		time.Sleep(20 * time.Millisecond) // polling a live log; arrivals take their time
	}
	if grew < 3 {
		t.Errorf("the head moved %d times in 20 s, want 3", grew)
	}
}

// TestServe_cancel checks that runServe returns nil promptly when ctx ends,
// even with a request waiting out --latency, and frees its port.
func TestServe_cancel(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveConfig{addr: "127.0.0.1:0", entries: 5, latency: time.Hour, arrivalsPerMinute: 1})
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	// Once the request is written, the server handles it, if only to drop
	// it: the stop below finds it either waiting or about to.
	wrote := make(chan struct{})
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { close(wrote) }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace),
		http.MethodGet, s.url+"/api/v1/access-audit/logins", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	got := make(chan error, 1)
	go func() {
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err == nil {
			resp.Body.Close()
		}
		got <- err
	}()
	<-wrote

	if err := s.stop(t); err != nil {
		t.Fatalf("runServe = %v, want nil", err)
	}
	if s.stopDuration > 5*time.Second {
		t.Errorf("runServe took %v to stop", s.stopDuration)
	}
	if err := <-got; err == nil {
		t.Errorf("the request waiting out an hour's latency got an answer")
	}
	u, _ := url.Parse(s.url)
	ln, err := net.Listen("tcp", u.Host)
	if err != nil {
		t.Fatalf("the port is not free after runServe returned: %v", err)
	}
	ln.Close()
}

// TestLiveServer_stopDropsWaiting stops a server while the test knows a
// request is waiting out an hour's latency: the stop must not wait for it,
// nor leave its handler behind.
func TestLiveServer_stopDropsWaiting(t *testing.T) {
	t.Parallel()
	fake := newServer(t)
	var log syncBuffer
	stopping := make(chan struct{})
	entered := make(chan struct{}, 1)
	logger := stdlog.New(&log, "", 0)
	inner := logRequests(delay(fake, time.Hour, stopping), logger)
	live := &liveServer{fake: fake, stopping: stopping, handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		inner.ServeHTTP(w, r)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- live.serve(ctx, ln, logger) }()

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	got := make(chan error, 1)
	go func() {
		resp, err := (&http.Client{Transport: tr}).Get("http://" + ln.Addr().String() + "/api/v1/access-audit/logins")
		if err == nil {
			resp.Body.Close()
		}
		got <- err
	}()
	<-entered
	began := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return within 10 s")
	}
	if took := time.Since(began); took >= shutdownGrace {
		t.Errorf("the stop took %v: it waited for the request", took)
	}
	if err := <-got; err == nil {
		t.Error("the waiting request got an answer")
	}
	if !strings.Contains(log.String(), " GET /api/v1/access-audit/logins aborted ") {
		t.Errorf("log %q", log.String())
	}
}

// TestDelay checks --latency on its own, where the test knows the request
// is waiting: a stop drops it at once, a client that leaves ends it, and
// otherwise the answer comes after the latency. The log says which.
func TestDelay(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	tests := []struct {
		name    string
		latency time.Duration
		end     string // "stop", "leave" or "" to wait
		status  string // as logged
	}{
		{"stopped", time.Hour, "stop", "aborted"},
		{"client leaves", time.Hour, "leave", "aborted"},
		{"answered", 20 * time.Millisecond, "", "200"},
		{"no latency", 0, "", "200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var log syncBuffer
			stopping := make(chan struct{})
			entered := make(chan struct{}, 1)
			h := logRequests(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				entered <- struct{}{}
				delay(ok, tt.latency, stopping).ServeHTTP(w, r)
			}), stdlog.New(&log, "", 0))
			srv := httptest.NewServer(h)
			defer srv.Close()
			defer srv.Client().Transport.(*http.Transport).CloseIdleConnections()

			ctx, leave := context.WithCancel(context.Background())
			defer leave()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/x", nil)
			began := time.Now()
			got := make(chan error, 1)
			go func() {
				resp, err := srv.Client().Do(req)
				if err == nil {
					resp.Body.Close()
				}
				got <- err
			}()
			<-entered
			switch tt.end {
			case "stop":
				close(stopping)
			case "leave":
				leave()
			}
			err := <-got
			if (err == nil) != (tt.end == "") {
				t.Errorf("request: %v", err)
			}
			if took := time.Since(began); tt.end == "" && took < tt.latency || tt.end != "" && took > 5*time.Second {
				t.Errorf("request took %v with latency %v", took, tt.latency)
			}
			srv.Close() // waits for the handler, and so its log line
			if line := log.String(); !strings.Contains(line, " GET /x "+tt.status+" ") {
				t.Errorf("log %q, want status %s", line, tt.status)
			}
		})
	}
}

// TestServe_badConfig checks that what cannot be served is a usage error
// naming the flag, returned before anything is printed.
func TestServe_badConfig(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() }) // after the parallel subtests, unlike a defer
	tests := []struct {
		name string
		cfg  serveConfig
		msg  string // in the error
	}{
		{"port out of range", serveConfig{addr: "127.0.0.1:99999"}, `--addr "127.0.0.1:99999": cannot listen: `},
		{"no port", serveConfig{addr: "127.0.0.1"}, `--addr "127.0.0.1": cannot listen: address 127.0.0.1: missing port in address`},
		{"port in use", serveConfig{addr: busy.Addr().String()}, "address already in use"},
		{"not an address", serveConfig{addr: "http://127.0.0.1:8080"}, "cannot listen"},
		{"negative entries", serveConfig{entries: -1}, "--entries must not be negative"},
		{"negative arrivals", serveConfig{arrivalsPerMinute: -1}, "--arrivals must be"},
		{"NaN arrivals", serveConfig{arrivalsPerMinute: math.NaN()}, "--arrivals must be"},
		{"infinite arrivals", serveConfig{arrivalsPerMinute: math.Inf(1)}, "--arrivals must be at most 1000000 a minute"},
		{"negative latency", serveConfig{latency: -time.Second}, "--latency must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Should the server start after all, it stops by itself.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var stdout, stderr syncBuffer
			err := runServe(ctx, tt.cfg, &stdout, &stderr)
			var usage *usageError
			if !errors.As(err, &usage) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("runServe = %v, want a usage error with %q", err, tt.msg)
			}
			if stdout.String() != "" {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
		})
	}
}

// TestArrivals_due checks the schedule at rates from one every four
// minutes to the most allowed, asked at irregular instants (in units of the
// interval between two arrivals, and a few absolute ones): as many arrivals
// as the rate says by each instant, newest first, each at or after the one
// before and the start, none after the instant asked at, and the same
// arrivals however the instants fall.
func TestArrivals_due(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 1, 18, 0, 0, 123_456_789, time.UTC)
	intervals := []float64{0, 0.3, 0, 0.7, 1, 2.5, 0.999, 0.001, 40, 1000, 3.2}
	for _, perMinute := range []float64{0.25, 1, 7, 60, 1000, 123_456.5, maxArrivalsPerMinute} {
		interval := float64(time.Minute) / perMinute
		a := &arrivals{perMinute: perMinute, seed: 5, start: start}
		prev := start.Truncate(time.Millisecond) // the initial log's newest
		now := start
		var got []riskcloud.Entry // oldest first
		for _, n := range intervals {
			now = now.Add(time.Duration(n*interval) + time.Nanosecond)
			batch := a.due(now)
			for i := len(batch) - 1; i >= 0; i-- {
				ts := batch[i].Timestamp
				if ts.Before(prev) || ts.After(now) || ts.Location() != time.UTC || len(batch[i].Raw) != 0 {
					t.Fatalf("%g/min: arrival at %v (raw %s), after one at %v, asked at %v", perMinute, ts, batch[i].Raw, prev, now)
				}
				prev = ts
				got = append(got, batch[i])
			}
			if want := int(math.Floor(perMinute * now.Sub(start).Minutes())); len(got) != want || a.added != want {
				t.Fatalf("%g/min: %d arrivals after %v, want %d", perMinute, len(got), now.Sub(start), want)
			}
		}
		if len(got) < 1000 {
			t.Fatalf("%g/min: only %d arrivals", perMinute, len(got))
		}
		b := &arrivals{perMinute: perMinute, seed: 5, start: start}
		again := b.due(now)
		for i := range again {
			if e, f := again[i], got[len(got)-1-i]; e.Type != f.Type || e.Timestamp != f.Timestamp || e.RemoteAddress != f.RemoteAddress || e.Message != f.Message {
				t.Fatalf("%g/min: arrival %d differs between two schedules: %+v, %+v", perMinute, i, e, f)
			}
		}
		if tick := a.tick(); tick < 10*time.Millisecond || tick > time.Second {
			t.Errorf("%g/min: tick %v", perMinute, tick)
		}
	}
}

func TestShellQuote(t *testing.T) {
	t.Parallel()
	for _, plain := range []string{"http://127.0.0.1:8080", "rct_0123abc", "rcc_ABC234", "a=b,c%d@e+f"} {
		if got := shellQuote(plain); got != plain {
			t.Errorf("shellQuote(%q) = %q, want it as is", plain, got)
		}
	}
	values := []string{"", "http://[::1]:8080", "it's", `a"b`, "$HOME", "`id`", "a b", "~root", "x;rm -rf /",
		"line\nbreak", "tab\there", `back\slash`, "*", "ünï", "'", "''"}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to eval the lines with")
	}
	for _, v := range values {
		line := "V=" + shellQuote(v)
		out, err := exec.Command(sh, "-c", `eval "$1"; printf '%s' "$V"`, "sh", line).Output()
		if err != nil || string(out) != v {
			t.Errorf("eval %q printed %q (%v), want %q", line, out, err, v)
		}
	}
}

func TestLoggedTarget(t *testing.T) {
	t.Parallel()
	tests := []struct{ raw, want string }{
		{"/api/v1/access-audit/logins", "/api/v1/access-audit/logins"},
		{"/api/v1/access-audit?size=5&email=Bob%2Bx@example.com&page=2", "/api/v1/access-audit?email=Bob%2Bx%40example.com&page=2&size=5"},
		{"/api/v1/access-audit/logins?access_token=rct_secret&page=0", "/api/v1/access-audit/logins?access_token=REDACTED&page=0"},
		{"/api/v1/access-audit?email=a%0A2026-01-01%20forged%20line%1B[2J", "/api/v1/access-audit?email=a%0A2026-01-01+forged+line%1B%5B2J"},
		{"/p%0Ath?created-min=1&type=LOGIN&user-id=u1&X=y", "/p%0Ath?X=REDACTED&created-min=1&type=LOGIN&user-id=u1"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := loggedTarget(u); got != tt.want {
			t.Errorf("loggedTarget(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestServeURL(t *testing.T) {
	t.Parallel()
	bound := &net.TCPAddr{IP: net.IPv4zero, Port: 41234}
	tests := []struct{ addr, want string }{
		{":0", "http://127.0.0.1:41234"},
		{"0.0.0.0:0", "http://127.0.0.1:41234"},
		{"[::]:0", "http://[::1]:41234"},
		{"127.0.0.1:0", "http://127.0.0.1:41234"},
		{"[::1]:8080", "http://[::1]:41234"},
		{"localhost:0", "http://localhost:41234"},
	}
	for _, tt := range tests {
		if got := serveURL(tt.addr, bound); got != tt.want {
			t.Errorf("serveURL(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// TestBinary_serve starts serve as a process, as a script would, reads its
// two lines, runs the CLI against it in every format, and stops it with
// SIGTERM.
func TestBinary_serve(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGTERM cannot be sent to a process on Windows")
	}
	t.Parallel()
	server, _ := command(t, nil, "serve", "--addr", "127.0.0.1:0", "--entries", "300", "--seed", "2")
	stderr := &syncBuffer{} // read while the server runs
	server.Stderr = stderr
	pipe, err := server.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			lines <- sc.Text()
		}
		io.Copy(io.Discard, pipe) // to EOF, before Wait closes the pipe
		close(lines)
		exited <- server.Wait()
	}()
	t.Cleanup(func() {
		server.Process.Kill() // a no-op once it has exited
		<-exited
	})

	var first []string
	for len(first) < 2 {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("stdout ended after %q; stderr %q", first, stderr)
			}
			first = append(first, line)
		case <-time.After(10 * time.Second):
			t.Fatalf("no two lines within 10 s, got %q; stderr %q", first, stderr)
		}
	}
	url, token := urlLine.FindStringSubmatch(first[0]), tokenLine.FindStringSubmatch(first[1])
	if url == nil || token == nil {
		t.Fatalf("first lines %q; stderr %q", first, stderr)
	}
	env := map[string]string{envURL: url[1], envToken: token[1]}

	t.Run("formats", func(t *testing.T) {
		for _, format := range formats {
			t.Run(format, func(t *testing.T) {
				t.Parallel()
				cmd, cliStderr := command(t, env, "--format", format, "logins", "--limit", "25", "--size", "10")
				out, code := exitCode(t, cmd)
				if code != exitOK || strings.TrimSpace(out) == "" {
					t.Errorf("exit %d, stdout %q, stderr %q", code, out, cliStderr)
				}
			})
		}
	})

	if err := server.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		exited <- err // for the cleanup
		if err != nil {
			t.Errorf("serve after SIGTERM: %v, want exit 0; stderr %q", err, stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve still running 10 s after SIGTERM")
	}
	// Each format's run read three pages: 25 entries, 10 a page.
	log := stderr.String()
	if n := strings.Count(log, " GET /api/v1/access-audit/logins?page=2&size=10 200 "); n != len(formats) {
		t.Errorf("%d runs' last pages logged, want %d:\n%s", n, len(formats), log)
	}
	if !strings.HasSuffix(log, "serve: stopped\n") {
		t.Errorf("stderr does not end with the stop:\n%s", log)
	}
	for line := range lines {
		first = append(first, line)
	}
	if len(first) != 4 {
		t.Errorf("stdout has %d lines, want the 4 printed at start:\n%s", len(first), strings.Join(first, "\n"))
	}
	assertNoSecrets(t, result{stderr: log}, env[envToken])
}

// TestServe_anyInterface listens on every interface, as ":0" asks, and
// prints a loopback URL with the real port, which the SDK accepts.
func TestServe_anyInterface(t *testing.T) {
	t.Parallel()
	s := startServe(t, serveConfig{addr: ":0", entries: 3})
	c := sdkClient(t, s.url, riskcloud.WithToken(s.token))
	if got := walk(t, c.AccessAudit.Logins(nil)); len(got) == 0 {
		t.Error("no logins")
	}
}

func TestAnnounce_nonLoopbackNote(t *testing.T) {
	t.Parallel()
	for addr, note := range map[string]bool{
		"127.0.0.1:0": false, "[::1]:0": false, "localhost:8080": false, ":0": false, "0.0.0.0:0": false, "[::]:0": false,
		"192.0.2.1:8080": true, "myhost.example:8080": true,
	} {
		var buf bytes.Buffer
		announce(stdlog.New(&buf, "", 0), serveConfig{addr: addr}, "http://x")
		if got := strings.Contains(buf.String(), "only for a loopback host"); got != note {
			t.Errorf("%s: %q, want the note: %t", addr, buf.String(), note)
		}
	}
}
