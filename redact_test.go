package riskcloud_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// cachedToken is the token a TokenCache hands the client in the
// "token cache" mode of the echo tests.
const cachedToken = "cached-SECRET-tok"

// echoedSecrets are what must not reach an error or a log even when the
// server quotes the request back: secretStrings, the client ID, and the
// first bytes of each credential, which a message cut inside a credential
// would keep.
func echoedSecrets() []string {
	basic := base64.StdEncoding.EncodeToString([]byte(testID + ":" + testSecret))
	return append(secretStrings(), testID, cachedToken, testToken[:6], basic[:6], "issued", "cached")
}

// assertNoEchoedSecrets fails the test if s contains any of echoedSecrets.
func assertNoEchoedSecrets(t *testing.T, what, s string) {
	t.Helper()
	var found []string
	for _, secret := range echoedSecrets() {
		if strings.Contains(strings.ToLower(s), strings.ToLower(secret)) {
			found = append(found, secret)
		}
	}
	if len(found) > 0 {
		t.Errorf("%s contains %q:\n%s", what, found, s)
	}
}

// echoOf is what a server that quotes the request back would quote: the
// Authorization header, the query string, the email, the request URI and,
// for Basic credentials, their decoded form.
func echoOf(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	parts := []string{auth, r.URL.RawQuery, r.URL.Query().Get("email"), r.URL.RequestURI()}
	if b, ok := strings.CutPrefix(auth, "Basic "); ok {
		if dec, err := base64.StdEncoding.DecodeString(b); err == nil {
			parts = append(parts, string(dec))
		}
	}
	return strings.Join(parts, " ")
}

// echoShape turns a request into the response of a server that echoes it.
type echoShape func(r *http.Request) (status int, contentType, body string)

// echoShapes are the places a server puts what it echoes: every kind of
// error body the client reads a message from, a message or body cut where
// the client cuts it (inside a credential), and the parts of a 200 the
// client quotes (its Content-Type, a timestamp it cannot read).
var echoShapes = []struct {
	name  string
	shape echoShape
	// cut: the client cuts the text inside the credential, so what is
	// left of it is dropped or its mark cut too.
	cut bool
	// pageOnly: the echo holds the email, which a token exchange never
	// sends.
	pageOnly bool
}{
	{name: "JSON message", shape: func(r *http.Request) (int, string, string) {
		return 400, "application/json", `{"status":400,"message":` + strconv.Quote("cannot serve "+echoOf(r)) + `}`
	}},
	{name: "JSON property", shape: func(r *http.Request) (int, string, string) {
		e := strconv.Quote(echoOf(r))
		return 400, "application/json", `{"property":` + e + `,"value":` + e + `,"message":` + e + `}`
	}},
	{name: "Spring error", shape: func(r *http.Request) (int, string, string) {
		return 500, "application/json", `{"status":500,"error":` + strconv.Quote(echoOf(r)) + `,"message":""}`
	}},
	{name: "HTML title", shape: func(r *http.Request) (int, string, string) {
		return 502, "text/html", "<html><head><title>502 for " + html.EscapeString(echoOf(r)) +
			"</title></head><body>bad gateway</body></html>"
	}},
	{name: "HTML heading", shape: func(r *http.Request) (int, string, string) {
		return 503, "text/html", "<html><body><h1>" + html.EscapeString(echoOf(r)) + "</h1></body></html>"
	}},
	{name: "plain text", shape: func(r *http.Request) (int, string, string) {
		return 403, "text/plain", echoOf(r) + "\nsecond line"
	}},
	{name: "email in URL-encoded forms", shape: func(r *http.Request) (int, string, string) {
		msg := "no user " + url.PathEscape(testEmail) + " or " + strings.ToLower(url.QueryEscape(testEmail)) +
			" or " + strings.ToUpper(testEmail)
		return 404, "application/json", `{"message":` + strconv.Quote(msg) + `}`
	}, pageOnly: true},
	{name: "message clipped inside a credential", shape: func(r *http.Request) (int, string, string) {
		// The client keeps 512 bytes of a message: the credential after
		// "Bearer " or "Basic " straddles byte 512.
		auth := r.Header.Get("Authorization")
		pad := strings.Repeat("x", 512-6-strings.IndexByte(auth, ' ')-1)
		return 400, "application/json", `{"message":` + strconv.Quote(pad+echoOf(r)) + `}`
	}, cut: true},
	{name: "body cut inside a credential", shape: func(r *http.Request) (int, string, string) {
		// The client reads 64 KiB of an error body: the cut falls 6
		// bytes into the credential, after leading space the message
		// loses to trimming.
		auth := r.Header.Get("Authorization")
		pad := strings.Repeat(" ", 64<<10-6-strings.IndexByte(auth, ' ')-1)
		return 503, "text/plain", pad + echoOf(r)
	}, cut: true},
	{name: "Content-Type of a 200", shape: func(r *http.Request) (int, string, string) {
		return 200, "text/html; echo=" + strconv.Quote(echoOf(r)), "<html></html>"
	}},
	{name: "timestamp of a 200", shape: func(r *http.Request) (int, string, string) {
		return 200, "application/json", string(onePage(`{"type":"Login","timestamp":` + strconv.Quote(echoOf(r)) + `}`))
	}},
}

// echoOn answers the requests whose path ends with match as shape says, and
// passes the others to next. It records whether it echoed a credential.
type echoOn struct {
	next   http.Handler
	match  string
	shape  echoShape
	echoed atomic.Bool
}

func (h *echoOn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, h.match) {
		h.next.ServeHTTP(w, r)
		return
	}
	status, contentType, body := h.shape(r)
	all := contentType + body
	if cred := strings.Fields(r.Header.Get("Authorization")); len(cred) == 2 && strings.Contains(all, cred[1][:6]) ||
		strings.Contains(strings.ToLower(all), "alice") {
		h.echoed.Store(true)
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// echoModes are the ways a client holds its credentials: the credential
// the server echoes is a static token, the Basic value and a token the
// exchange issued, or a token a TokenCache held.
var echoModes = []string{"static token", "client credentials", "token cache"}

// echoServer returns a server of n entries that takes the credentials of
// mode. (In "token cache" mode it never sees the cached token: every page
// request is echoed before it reaches the server.)
func echoServer(t *testing.T, mode string, n int) *riskcloudtest.Server {
	t.Helper()
	if mode == "static token" {
		return newServer(t, n)
	}
	return newServer(t, n, riskcloudtest.WithClientCredentials(testID, testSecret))
}

// echoClient returns a client in mode, through h.
func echoClient(t *testing.T, mode string, h http.Handler, opts ...riskcloud.Option) *riskcloud.Client {
	t.Helper()
	rt := &handlerTransport{h: h}
	switch mode {
	case "static token":
		return newTestClientTransport(t, rt, opts...)
	case "client credentials":
		return newCredentialsClient(t, rt, opts...)
	default:
		cache := &memCache{token: cachedToken}
		return newCredentialsClient(t, rt, append([]riskcloud.Option{riskcloud.WithTokenCache(cache)}, opts...)...)
	}
}

// TestSecrets_echoedByTheServer: a server (or a proxy) that quotes the
// request in its answer must not carry the token, the Basic credentials,
// the client ID and secret, or the email filter into an error or a log
// record: the client redacts what it knows to be secret from every text a
// server sent before the text enters an error, and before cutting it, so
// that no prefix survives a cut inside a credential.
func TestSecrets_echoedByTheServer(t *testing.T) {
	t.Parallel()
	for _, mode := range echoModes {
		for _, where := range []string{"page", "token exchange"} {
			if where == "token exchange" && mode != "client credentials" {
				continue
			}
			for _, sh := range echoShapes {
				if sh.pageOnly && where != "page" {
					continue
				}
				t.Run(mode+"/"+where+"/"+sh.name, func(t *testing.T) {
					t.Parallel()
					logger, text, js := debugLogger()
					f := echoServer(t, mode, 3)
					match := "/api/v1/access-audit/logins"
					if where == "token exchange" {
						match = "/api/v1/account/token"
					}
					h := &echoOn{next: f, match: match, shape: sh.shape}
					c := echoClient(t, mode, h, riskcloud.WithLogger(logger))
					ctx := context.Background()

					_, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Email: testEmail}).All(ctx))
					if err == nil {
						t.Fatal("the walk ended without an error")
					}
					if !h.echoed.Load() {
						t.Fatal("the server echoed no credential: the test proves nothing")
					}
					assertNoEchoedSecrets(t, "err.Error()", err.Error())
					assertNoEchoedSecrets(t, "%+v of err", fmt.Sprintf("%+v", err))
					if apiErr := (*riskcloud.APIError)(nil); errors.As(err, &apiErr) {
						assertNoEchoedSecrets(t, "%#v of the *APIError", fmt.Sprintf("%#v", apiErr))
						if !sh.cut && !strings.Contains(err.Error(), "[redacted]") {
							t.Errorf("err = %q, want [redacted] where the server's words held a secret", err)
						}
					}
					assertNoEchoedSecrets(t, "text log", text.String())
					assertNoEchoedSecrets(t, "JSON log", js.String())
				})
			}
		}
	}
}

// echoListener accepts connections and answers each request with what
// answer makes of its head: not HTTP at all, as a service other than Risk
// Cloud on the base URL's port would. net/http then quotes what it could
// not parse in its error.
func echoListener(t *testing.T, answer func(head []string) string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				br := bufio.NewReader(conn)
				var head []string
				for {
					line, err := br.ReadString('\n')
					line = strings.TrimRight(line, "\r\n")
					if err != nil || line == "" {
						break
					}
					head = append(head, line)
				}
				io.WriteString(conn, answer(head))
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestSecrets_echoedInATransportError: the text of a transport error can
// quote the server too (a malformed status line or header line), and is
// redacted the same way, in the error and in the log of the failed attempt.
func TestSecrets_echoedInATransportError(t *testing.T) {
	t.Parallel()
	answers := map[string]func(head []string) string{
		// The request line comes back as the status line.
		"request line as status line": func(head []string) string { return head[0] + "\r\n\r\n" },
		// Every header comes back without its name: a header line with no colon.
		"headers as header lines": func(head []string) string {
			out := "HTTP/1.1 200 OK\r\n"
			for _, l := range head[1:] {
				if _, v, ok := strings.Cut(l, ": "); ok && strings.Contains(l, "Authorization") {
					out += v + "\r\n"
				}
			}
			return out + "\r\n"
		},
	}
	for name, answer := range answers {
		for _, creds := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/creds=%v", name, creds), func(t *testing.T) {
				t.Parallel()
				logger, text, js := debugLogger()
				auth := riskcloud.WithToken(testToken)
				if creds {
					auth = riskcloud.WithClientCredentials(testID, testSecret)
				}
				c, err := riskcloud.NewClient(echoListener(t, answer), auth, riskcloud.WithLogger(logger),
					riskcloud.WithRetry(1, time.Millisecond, time.Millisecond))
				if err != nil {
					t.Fatal(err)
				}
				_, err = collect(t, c.AccessAudit.Attempts(testEmail, nil).All(context.Background()))
				if err == nil {
					t.Fatal("no error")
				}
				if errors.As(err, new(*riskcloud.APIError)) {
					t.Fatalf("err = %v is an *APIError, want a transport error", err)
				}
				assertNoEchoedSecrets(t, "err.Error()", err.Error())
				assertNoEchoedSecrets(t, "%+v of err", fmt.Sprintf("%+v", err))
				assertNoEchoedSecrets(t, "text log", text.String())
				assertNoEchoedSecrets(t, "JSON log", js.String())
				// The request line of the token exchange, which fails
				// first with client credentials, holds no secret.
				if !(creds && name == "request line as status line") && !strings.Contains(err.Error(), "[redacted]") {
					t.Errorf("err = %q, want [redacted] where net/http quoted a secret", err)
				}
			})
		}
	}
}

// TestSecrets_shortValues: a credential of fewer than 4 characters is not
// redacted (it occurs in almost any text, and hiding it would blank the
// message for no protection), one of 4 to 7 only where it stands as a
// word, a longer one wherever it occurs; the email filter always, however
// short.
func TestSecrets_shortValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		id, secret string
		email      string
		serverSays string
		want       string // APIError.Message
	}{
		{name: "one-character client ID", id: "a", secret: "s3cr3t-value",
			serverSays: "a bad request for a", want: "a bad request for a"},
		{name: "three-character client ID", id: "abc", secret: "s3cr3t-value",
			serverSays: "client abc: abcdef", want: "client abc: abcdef"},
		{name: "four-character client ID as a word", id: "test", secret: "s3cr3t-value",
			serverSays: "the latest test of Test failed: test.", want: "the latest [redacted] of [redacted] failed: [redacted]."},
		{name: "seven-character secret as a word", id: "client-id-42", secret: "hunter2",
			serverSays: "hunter2 is not hunter22", want: "[redacted] is not hunter22"},
		{name: "eight-character secret anywhere", id: "client-id-42", secret: "hunter22",
			serverSays: "xhunter22x", want: "x[redacted]x"},
		{name: "short email", id: "client-id-42", secret: "s3cr3t-value", email: "a@b.co",
			serverSays: "no user a@b.co (a%40b.co)", want: "no user [redacted] ([redacted])"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newServer(t, 3, riskcloudtest.WithClientCredentials(tt.id, tt.secret))
			path := "/api/v1/account/token"
			if tt.email != "" {
				path = "/api/v1/access-audit/logins"
			}
			h := &echoOn{next: f, match: path, shape: func(*http.Request) (int, string, string) {
				return 400, "application/json", `{"message":` + strconv.Quote(tt.serverSays) + `}`
			}}
			c := newClientWith(t, &handlerTransport{h: h}, riskcloud.WithClientCredentials(tt.id, tt.secret))
			_, err := c.AccessAudit.Logins(&riskcloud.ListOptions{Email: tt.email}).Page(context.Background(), 0)
			apiErr := asAPIError(t, err)
			if apiErr.Message != tt.want {
				t.Errorf("Message = %q, want %q", apiErr.Message, tt.want)
			}
		})
	}
}

// TestSecrets_escapedForms: a secret the server quotes back may be
// escaped on the way: in the Content-Type a 200 that is not JSON is
// reported with (quoted, which escapes a quote mark), or in a raw JSON
// value a decode error quotes (a quote mark escaped, and by some encoders
// "/" too). It is redacted in every such form.
func TestSecrets_escapedForms(t *testing.T) {
	t.Parallel()
	const token = `tok"SECRET/-0123456789`
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter, auth string)
	}{
		{"Content-Type", func(w http.ResponseWriter, auth string) {
			w.Header().Set("Content-Type", "text/html; echo="+auth)
			io.WriteString(w, "<html></html>")
		}},
		{"timestamp in JSON", func(w http.ResponseWriter, auth string) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(onePage(`{"timestamp":` + strconv.Quote(auth) + `}`))
		}},
		{"timestamp in JSON with / escaped", func(w http.ResponseWriter, auth string) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(onePage(`{"timestamp":` + strings.ReplaceAll(strconv.Quote(auth), "/", `\/`) + `}`))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tt.answer(w, r.Header.Get("Authorization")) })
			c := newTestClient(t, h, riskcloud.WithToken(token))
			_, err := c.AccessAudit.Logins(nil).Page(context.Background(), 0)
			if !errors.Is(err, riskcloud.ErrUnexpectedResponse) {
				t.Fatalf("err = %v, want ErrUnexpectedResponse", err)
			}
			assertNoEchoedSecrets(t, "err.Error()", err.Error())
		})
	}
}
