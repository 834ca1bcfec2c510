package riskcloud_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// These tests drive the request pipeline through the public API with
// servers of their own, so that they depend on no shared fake.

const (
	pipeToken  = "pipe-SECRET-token-0123"
	pipePrefix = "/pfx"
	pipeEmail  = "bob@example.org"
	pipePath   = pipePrefix + "/api/v1/access-audit/logins"
	emptyPage  = `{"content":[],"number":0,"size":20,"totalElements":0,"totalPages":0,"last":true}`
)

// lockedBuffer is a log destination that goroutines may share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records returns the JSON log records written so far.
func (b *lockedBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, rec)
	}
	return out
}

// withMessage returns the records whose message is msg.
func withMessage(recs []map[string]any, msg string) []map[string]any {
	var out []map[string]any
	for _, r := range recs {
		if r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}

// pipeClient returns a client of base+pipePrefix with the static token,
// retries of a millisecond, and a JSON debug log.
func pipeClient(t *testing.T, base string, opts ...riskcloud.Option) (*riskcloud.Client, *lockedBuffer) {
	t.Helper()
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts = append([]riskcloud.Option{riskcloud.WithToken(pipeToken), riskcloud.WithLogger(logger),
		riskcloud.WithRetry(1, time.Millisecond, time.Millisecond)}, opts...)
	c, err := riskcloud.NewClient(base+pipePrefix, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c, logs
}

// onceThen answers the first request with first and every later one with
// an empty last page.
func onceThen(first http.HandlerFunc) http.Handler {
	var n atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			first(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, emptyPage)
	})
}

// TestClient_retry_logRecord: each retry is one debug record, "riskcloud:
// retrying", with the method, the path, the attempt that failed, the wait
// and the reason in a few words (the status, or the kind of failure),
// and nothing else: no query, header, token or body.
func TestClient_retry_logRecord(t *testing.T) {
	t.Parallel()
	hangUp := func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		conn.Close()
	}
	tests := []struct {
		name   string
		first  http.HandlerFunc
		opts   []riskcloud.Option
		reason string
		status int // 0: no response, so no status attribute
	}{
		{"429 with a Retry-After above waitMax", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(http.StatusTooManyRequests)
		}, nil, "429 Too Many Requests", 429},
		{"503 with a body quoting the request", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, r.URL.RawQuery+" "+r.Header.Get("Authorization"))
		}, nil, "503 Service Unavailable", 503},
		{"connection closed without an answer", hangUp, nil, "connection closed", 0},
		{"body cut short", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "1000")
			io.WriteString(w, `{"content":[`)
		}, nil, "response body cut short", 200},
		{"attempt timeout", func(_ http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}, []riskcloud.Option{riskcloud.WithHTTPClient(&http.Client{Timeout: 50 * time.Millisecond})}, "timeout", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(onceThen(tt.first))
			t.Cleanup(srv.Close)
			c, logs := pipeClient(t, srv.URL, tt.opts...)
			if _, err := c.AccessAudit.Logins(&riskcloud.ListOptions{Email: pipeEmail}).Page(t.Context(), 0); err != nil {
				t.Fatalf("Page: %v, want the retry to succeed", err)
			}
			retries := withMessage(logs.records(t), "riskcloud: retrying")
			if len(retries) != 1 {
				t.Fatalf("%d retry records, want 1: %v", len(retries), retries)
			}
			want := map[string]any{"level": "DEBUG", "msg": "riskcloud: retrying", "method": "GET", "path": pipePath,
				"attempt": 1.0, "wait": float64(time.Millisecond), "reason": tt.reason}
			if tt.status != 0 {
				want["status"] = float64(tt.status)
			}
			got := retries[0]
			delete(got, "time")
			if !mapsEqual(got, want) {
				t.Errorf("retry record %v\nwant %v", got, want)
			}
			text, _ := json.Marshal(logs.records(t))
			for _, leak := range []string{"bob", "example.org", "page=", "?", pipeToken, "SECRET"} {
				if strings.Contains(string(text), leak) {
					t.Errorf("log holds %q: %s", leak, text)
				}
			}
		})
	}
}

// TestClient_retry_logRecord_refused: a refused connection is retried and
// logged as "connection refused", with no status.
func TestClient_retry_logRecord_refused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c, logs := pipeClient(t, "http://"+addr)
	_, err = c.AccessAudit.Logins(nil).Page(t.Context(), 0)
	if !errors.Is(err, riskcloud.ErrNetwork) {
		t.Fatalf("err = %v, want ErrNetwork", err)
	}
	retries := withMessage(logs.records(t), "riskcloud: retrying")
	if len(retries) != 1 || retries[0]["reason"] != "connection refused" || retries[0]["status"] != nil {
		t.Errorf("retry records %v, want one with reason \"connection refused\" and no status", retries)
	}
}

func mapsEqual(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// countingListener counts the connections it accepts.
type countingListener struct {
	net.Listener
	accepted atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return conn, err
}

// bannerServer accepts connections and greets each with banner, as a
// server of another protocol does, then hangs up.
func bannerServer(t *testing.T, banner string) *countingListener {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &countingListener{Listener: inner}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			io.WriteString(conn, banner)
			conn.Close()
		}
	}()
	return ln
}

// TestClient_retry_notTLS: an https URL whose server does not speak TLS
// (an http server, or another protocol) fails at once, after one
// connection, whatever the retry budget: the next handshake would fail the
// same way. The error matches ErrNetwork and says what happened.
func TestClient_retry_notTLS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		listen func(t *testing.T) *countingListener
		says   string
		cause  func(err error) bool
	}{
		{"an http server", func(t *testing.T) *countingListener {
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				io.WriteString(w, emptyPage)
			}))
			ln := &countingListener{Listener: srv.Listener}
			srv.Listener = ln
			srv.Start()
			t.Cleanup(srv.Close)
			return ln
		}, "server gave HTTP response to HTTPS client", func(err error) bool { return errors.Is(err, http.ErrSchemeMismatch) }},
		{"another protocol", func(t *testing.T) *countingListener {
			return bannerServer(t, "SSH-2.0-OpenSSH_9.6\r\n")
		}, "first record does not look like a TLS handshake", func(err error) bool {
			return errors.As(err, new(tls.RecordHeaderError))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ln := tt.listen(t)
			c, logs := pipeClient(t, "https://"+ln.Addr().String(), riskcloud.WithRetry(3, time.Millisecond, time.Millisecond))
			_, err := c.AccessAudit.Logins(&riskcloud.ListOptions{Email: pipeEmail}).Page(t.Context(), 0)
			if !errors.Is(err, riskcloud.ErrNetwork) || !tt.cause(err) {
				t.Fatalf("err = %v, want ErrNetwork with its cause", err)
			}
			if !strings.HasPrefix(err.Error(), "riskcloud: GET "+pipePath+": ") || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("err = %q, want it to name the request and say %q", err, tt.says)
			}
			if n := ln.accepted.Load(); n != 1 {
				t.Errorf("%d connections, want 1: a server that does not speak TLS is not retried", n)
			}
			if r := withMessage(logs.records(t), "riskcloud: retrying"); len(r) != 0 {
				t.Errorf("retried: %v", r)
			}
		})
	}
}

// TestClient_retry_refusedCertificate: a certificate that does not verify
// (signed by an authority the client does not trust, or issued for
// another host) fails after one handshake, with the certificate error in
// the chain.
func TestClient_retry_refusedCertificate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		client func(srv *httptest.Server) (base string, hc *http.Client)
		cause  func(err error) bool
	}{
		{"unknown authority", func(srv *httptest.Server) (string, *http.Client) {
			return srv.URL, nil
		}, func(err error) bool { return errors.As(err, new(x509.UnknownAuthorityError)) }},
		{"another host", func(srv *httptest.Server) (string, *http.Client) {
			// The test certificate names 127.0.0.1, ::1 and example.com.
			_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
			return "https://localhost:" + port, srv.Client()
		}, func(err error) bool { return errors.As(err, new(x509.HostnameError)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var hellos atomic.Int64
			srv := httptest.NewUnstartedServer(http.NotFoundHandler())
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
			srv.TLS = &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
				hellos.Add(1)
				return nil, nil
			}}
			srv.StartTLS()
			t.Cleanup(srv.Close)
			base, hc := tt.client(srv)
			var opts []riskcloud.Option
			if hc != nil {
				opts = append(opts, riskcloud.WithHTTPClient(hc))
			}
			c, logs := pipeClient(t, base, append(opts, riskcloud.WithRetry(3, time.Millisecond, time.Millisecond))...)
			_, err := c.AccessAudit.Logins(nil).Page(t.Context(), 0)
			if !errors.Is(err, riskcloud.ErrNetwork) || !tt.cause(err) {
				t.Fatalf("err = %v, want ErrNetwork with the certificate error", err)
			}
			if n := hellos.Load(); n != 1 {
				t.Errorf("%d handshakes, want 1", n)
			}
			if r := withMessage(logs.records(t), "riskcloud: retrying"); len(r) != 0 {
				t.Errorf("retried: %v", r)
			}
		})
	}
}

// TestAPIError_401_wordedByOperation: a 401 to the token exchange says the
// client credentials were rejected; a 401 to a page says the token was.
func TestAPIError_401_wordedByOperation(t *testing.T) {
	t.Parallel()
	unauthorized := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	})
	tests := []struct {
		name    string
		creds   riskcloud.Option
		path    string
		says    string
		notSays string
	}{
		{"token exchange", riskcloud.WithClientCredentials("pipe-id", "pipe-SECRET"), pipePrefix + "/api/v1/account/token",
			"the client ID and secret were rejected", "token is invalid"},
		{"page", riskcloud.WithToken(pipeToken), pipePath,
			"the token is invalid or expired", "client ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(unauthorized)
			t.Cleanup(srv.Close)
			c, err := riskcloud.NewClient(srv.URL+pipePrefix, tt.creds)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.AccessAudit.Logins(nil).Page(t.Context(), 0)
			var apiErr *riskcloud.APIError
			if !errors.As(err, &apiErr) || !errors.Is(err, riskcloud.ErrUnauthorized) || apiErr.Path != tt.path {
				t.Fatalf("err = %v, want a 401 APIError for %s", err, tt.path)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.says) || strings.Contains(msg, tt.notSays) {
				t.Errorf("err = %q, want it to say %q", msg, tt.says)
			}
		})
	}
}

// TestClient_errorPrefix: every error of a request starts with the same
// "riskcloud: METHOD /path: " and never carries the query.
func TestClient_errorPrefix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		h    http.HandlerFunc
	}{
		{"status", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusForbidden) }},
		{"not JSON", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html></html>")
		}},
		{"malformed page", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"content":[{"timestamp":"not a time"}]}`)
		}},
		{"redirect to http", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://127.0.0.1:1/elsewhere", http.StatusFound)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewTLSServer(tt.h)
			t.Cleanup(srv.Close)
			c, _ := pipeClient(t, srv.URL, riskcloud.WithHTTPClient(srv.Client()))
			_, err := c.AccessAudit.Logins(&riskcloud.ListOptions{Email: pipeEmail}).Page(context.Background(), 0)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "riskcloud: GET "+pipePath+": ") || strings.Contains(msg, "riskcloud: GET "+pipePath+": riskcloud:") {
				t.Errorf("err = %q, want one prefix naming the request", msg)
			}
			if slices.ContainsFunc([]string{"bob", "page=", "?"}, func(s string) bool { return strings.Contains(msg, s) }) {
				t.Errorf("err = %q carries the query", msg)
			}
		})
	}
}
