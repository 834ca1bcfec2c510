package riskcloud_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// allSentinels are the errors a caller can test a failure against: the
// package's sentinels and the ctx errors.
var allSentinels = []error{
	riskcloud.ErrInvalidArgument, riskcloud.ErrUnauthorized, riskcloud.ErrForbidden, riskcloud.ErrNotFound,
	riskcloud.ErrRateLimited, riskcloud.ErrBadRequest, riskcloud.ErrServer, riskcloud.ErrRedirect,
	riskcloud.ErrNetwork, riskcloud.ErrUnexpectedResponse, context.Canceled, context.DeadlineExceeded,
}

// sentinelName names a sentinel for test messages.
func sentinelName(err error) string {
	if err == nil {
		return "none"
	}
	return err.Error()
}

// failureRow is one way a walk can fail and the sentinels its error must
// match, exactly.
type failureRow struct {
	name string
	// client builds the client the walk uses.
	client func(t *testing.T) *riskcloud.Client
	// ctx, if set, is the walk's ctx.
	ctx func(t *testing.T) context.Context
	// pager, if set, replaces Logins with an email filter.
	pager func(c *riskcloud.Client) *riskcloud.Pager[riskcloud.Entry]
	want  []error
	// also checks more of the error: its cause, for errors.As.
	also func(t *testing.T, err error)
	// walkOnly: the failure shows only across pages, not in Page.
	walkOnly bool
	// bubble runs the row in a synctest bubble, where waits cost nothing.
	bubble bool
}

// statusClient answers every request with status.
func statusClient(status int, header ...string) func(t *testing.T) *riskcloud.Client {
	return func(t *testing.T) *riskcloud.Client {
		h := &canned{status: status, contentType: "application/json", body: []byte(`{"message":"m"}`), header: http.Header{}}
		for i := 0; i+1 < len(header); i += 2 {
			h.header.Set(header[i], header[i+1])
		}
		return newTestClient(t, h)
	}
}

// credsClient exchanges client credentials at a fake whose token endpoint
// answers with h, or the fake's own exchange when h is nil.
func credsClient(h func(f *riskcloudtest.Server) http.Handler) func(t *testing.T) *riskcloud.Client {
	return func(t *testing.T) *riskcloud.Client {
		f := fakeFor(t, true, 12)
		var handler http.Handler = f
		if h != nil {
			handler = h(f)
		}
		return newCredentialsClient(t, &handlerTransport{h: handler})
	}
}

// onToken answers the token exchange with ft and passes the rest to f.
func onToken(ft riskcloudtest.Fault) func(f *riskcloudtest.Server) http.Handler {
	return func(f *riskcloudtest.Server) http.Handler {
		return &faultOn{next: f, match: "/api/v1/account/token", f: ft}
	}
}

// transportClient sends every request through rt.
func transportClient(rt func(t *testing.T) http.RoundTripper) func(t *testing.T) *riskcloud.Client {
	return func(t *testing.T) *riskcloud.Client { return newTestClientTransport(t, rt(t)) }
}

// redirectTo answers every request with a redirect to where(r).
func redirectTo(status int, where func(r *http.Request) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, where(r), status)
	})
}

// wantAs checks that errors.As finds a target of T in err.
func wantAs[T any](t *testing.T, err error) {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Errorf("err = %v (%T): errors.As finds no %T", err, err, target)
	}
}

// wantStatusCode checks that err is an *APIError with the status.
func wantStatusCode(status int) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		if apiErr := (*riskcloud.APIError)(nil); !errors.As(err, &apiErr) || apiErr.StatusCode != status {
			t.Errorf("err = %v, want an *APIError with status %d", err, status)
		}
	}
}

func sentinelRows() []failureRow {
	rows := []failureRow{
		{name: "invalid email", client: statusClient(200),
			pager: func(c *riskcloud.Client) *riskcloud.Pager[riskcloud.Entry] {
				return c.AccessAudit.Attempts("Alice <alice@example.com>", nil)
			}, want: []error{riskcloud.ErrInvalidArgument}},
		{name: "ctx cancelled", client: statusClient(200), ctx: func(t *testing.T) context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, want: []error{context.Canceled}},
		{name: "ctx deadline passed", client: statusClient(200), ctx: func(t *testing.T) context.Context {
			ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
			t.Cleanup(cancel)
			return ctx
		}, want: []error{context.DeadlineExceeded}},
	}
	for _, st := range []struct {
		status int
		want   error
	}{
		{401, riskcloud.ErrUnauthorized}, {403, riskcloud.ErrForbidden}, {404, riskcloud.ErrNotFound},
		{429, riskcloud.ErrRateLimited}, {400, riskcloud.ErrBadRequest}, {405, riskcloud.ErrBadRequest},
		{409, riskcloud.ErrBadRequest}, {410, riskcloud.ErrBadRequest}, {422, riskcloud.ErrBadRequest},
		{500, riskcloud.ErrServer}, {501, riskcloud.ErrServer}, {502, riskcloud.ErrServer},
		{503, riskcloud.ErrServer}, {504, riskcloud.ErrServer}, {599, riskcloud.ErrServer},
		// A 3xx that net/http does not follow: no Location, or not a redirect status.
		{300, riskcloud.ErrRedirect}, {302, riskcloud.ErrRedirect}, {304, riskcloud.ErrRedirect},
		// Not a status a server should send: the response cannot be used.
		{999, riskcloud.ErrUnexpectedResponse},
	} {
		rows = append(rows, failureRow{name: "status " + strconv.Itoa(st.status),
			client: statusClient(st.status, "Retry-After", "0"), want: []error{st.want}, also: wantStatusCode(st.status)})
	}
	rows = append(rows, []failureRow{
		{name: "redirect from https to http", client: func(t *testing.T) *riskcloud.Client {
			return newTestClient(t, redirectTo(http.StatusFound, func(r *http.Request) string {
				return "http://rc.example.test" + r.URL.RequestURI()
			}))
		}, want: []error{riskcloud.ErrRedirect}},
		{name: "too many redirects", client: func(t *testing.T) *riskcloud.Client {
			return newTestClient(t, redirectTo(http.StatusFound, func(r *http.Request) string { return r.URL.String() }))
		}, want: []error{riskcloud.ErrRedirect}},
		{name: "redirect refused by the caller's CheckRedirect", client: func(t *testing.T) *riskcloud.Client {
			rt := &handlerTransport{h: redirectTo(http.StatusMovedPermanently, func(r *http.Request) string { return r.URL.String() + "&moved" })}
			return newClientWith(t, rt, riskcloud.WithToken(testToken), riskcloud.WithHTTPClient(&http.Client{Transport: rt,
				CheckRedirect: func(*http.Request, []*http.Request) error { return errors.New("no redirects here") }}))
		}, want: []error{riskcloud.ErrRedirect}},
		{name: "redirect left to the caller by ErrUseLastResponse", client: func(t *testing.T) *riskcloud.Client {
			rt := &handlerTransport{h: redirectTo(http.StatusTemporaryRedirect, func(r *http.Request) string { return "/elsewhere" })}
			return newClientWith(t, rt, riskcloud.WithToken(testToken), riskcloud.WithHTTPClient(&http.Client{Transport: rt,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}))
		}, want: []error{riskcloud.ErrRedirect}, also: wantStatusCode(http.StatusTemporaryRedirect)},
		{name: "connection refused", client: func(t *testing.T) *riskcloud.Client {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			c, err := riskcloud.NewClient("http://"+addr, riskcloud.WithToken(testToken),
				riskcloud.WithRetry(1, time.Millisecond, time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			return c
		}, want: []error{riskcloud.ErrNetwork}, also: func(t *testing.T, err error) {
			wantAs[*net.OpError](t, err)
			if !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("err = %v, want ECONNREFUSED", err)
			}
		}},
		{name: "host not found", client: transportClient(func(*testing.T) http.RoundTripper {
			return &handlerTransport{fail: func(r *http.Request) error {
				return &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: r.URL.Hostname(), IsNotFound: true}}
			}}
		}), want: []error{riskcloud.ErrNetwork}, also: wantAs[*net.DNSError]},
		{name: "connection reset", client: transportClient(func(*testing.T) http.RoundTripper {
			return &handlerTransport{fail: func(*http.Request) error { return connReset() }}
		}), want: []error{riskcloud.ErrNetwork}, also: func(t *testing.T, err error) {
			wantAs[*net.OpError](t, err)
			if !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("err = %v, want ECONNRESET", err)
			}
		}},
		{name: "certificate not trusted", client: func(t *testing.T) *riskcloud.Client {
			srv := httptest.NewUnstartedServer(newServer(t, 3))
			srv.Config.ErrorLog = log.New(io.Discard, "", 0)
			srv.StartTLS()
			t.Cleanup(srv.Close)
			c, err := riskcloud.NewClient(srv.URL, riskcloud.WithToken(testToken))
			if err != nil {
				t.Fatal(err)
			}
			return c
		}, want: []error{riskcloud.ErrNetwork}, also: wantAs[*tls.CertificateVerificationError]},
		{name: "not HTTP", client: func(t *testing.T) *riskcloud.Client {
			url := echoListener(t, func([]string) string { return "SSH-2.0-OpenSSH_9.6\r\n\r\n" })
			c, err := riskcloud.NewClient(url, riskcloud.WithToken(testToken), riskcloud.WithRetry(1, time.Millisecond, time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			return c
		}, want: []error{riskcloud.ErrNetwork}},
		{name: "attempt timeout", bubble: true, client: func(t *testing.T) *riskcloud.Client {
			ht := &handlerTransport{fail: func(r *http.Request) error {
				<-r.Context().Done()
				return r.Context().Err()
			}}
			return newClientWith(t, ht, riskcloud.WithToken(testToken),
				riskcloud.WithHTTPClient(&http.Client{Transport: ht, Timeout: time.Second}))
		}, want: []error{riskcloud.ErrNetwork, context.DeadlineExceeded}},
		{name: "body cut short", client: transportClient(func(t *testing.T) http.RoundTripper {
			s := &script{plan: repeatStep(1000, "cut")}
			return s.transport(newServer(t, 12))
		}), want: []error{riskcloud.ErrNetwork}, also: func(t *testing.T, err error) {
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("err = %v, want io.ErrUnexpectedEOF", err)
			}
		}},
		{name: "body too large", client: transportClient(func(*testing.T) http.RoundTripper {
			return &floodTransport{status: 200, declare: true, newBody: endlessBody}
		}), want: []error{riskcloud.ErrUnexpectedResponse}},
		{name: "200 not JSON", client: func(t *testing.T) *riskcloud.Client {
			return newTestClient(t, &canned{status: 200, contentType: "text/html", body: []byte("<html></html>")})
		}, want: []error{riskcloud.ErrUnexpectedResponse}},
		{name: "200 malformed JSON", client: func(t *testing.T) *riskcloud.Client {
			return newTestClient(t, jsonPage([]byte(`{"content":[`)))
		}, want: []error{riskcloud.ErrUnexpectedResponse}},
		{name: "200 with a bad timestamp", client: func(t *testing.T) *riskcloud.Client {
			return newTestClient(t, jsonPage(onePage(`{"type":"Login","timestamp":"yesterday"}`)))
		}, want: []error{riskcloud.ErrUnexpectedResponse}, also: wantAs[*riskcloud.TimestampError]},
		{name: "server ignores the page parameter", walkOnly: true, client: func(t *testing.T) *riskcloud.Client {
			return newTestClient(t, newServer(t, 12, riskcloudtest.WithPageIgnored()))
		}, want: []error{riskcloud.ErrUnexpectedResponse}},
		{name: "token exchange rejected", client: credsClient(func(f *riskcloudtest.Server) http.Handler {
			f.RollCredentials(testID, "another-secret")
			return f
		}), want: []error{riskcloud.ErrUnauthorized}, also: wantStatusCode(401)},
		{name: "token exchange 400", client: credsClient(onToken(riskcloudtest.Fault{Status: 400, Body: `{"message":"bad"}`})),
			want: []error{riskcloud.ErrBadRequest}},
		{name: "token exchange 503", client: credsClient(onToken(riskcloudtest.Fault{Status: 503, Body: `{"message":"down"}`})),
			want: []error{riskcloud.ErrServer}},
		{name: "token response without access_token", client: credsClient(onToken(riskcloudtest.Fault{Status: 200, Body: `{"token_type":"bearer"}`})),
			want: []error{riskcloud.ErrUnexpectedResponse}},
		{name: "token exchange connection reset", client: func(t *testing.T) *riskcloud.Client {
			return newCredentialsClient(t, &handlerTransport{h: fakeFor(t, true, 3), fail: func(r *http.Request) error {
				if r.Method == http.MethodPost {
					return connReset()
				}
				return nil
			}})
		}, want: []error{riskcloud.ErrNetwork}},
	}...)
	return rows
}

// TestPager_everyFailureMatchesItsSentinel provokes each way a walk (All,
// Pages, Page) can fail and checks that its error matches its sentinel and
// no other, so that a caller can tell every failure apart with errors.Is.
func TestPager_everyFailureMatchesItsSentinel(t *testing.T) {
	t.Parallel()
	for _, row := range sentinelRows() {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			if row.bubble {
				synctest.Test(t, func(t *testing.T) { runSentinelRow(t, row) })
				return
			}
			runSentinelRow(t, row)
		})
	}
}

func runSentinelRow(t *testing.T, row failureRow) {
	t.Helper()
	c := row.client(t)
	ctx := context.Background()
	if row.ctx != nil {
		ctx = row.ctx(t)
	}
	pager := c.AccessAudit.Logins(&riskcloud.ListOptions{Email: testEmail, Size: 5})
	if row.pager != nil {
		pager = row.pager(c)
	}
	calls := map[string]func() error{
		"All": func() error {
			_, err := collect(t, pager.All(ctx))
			return err
		},
		"Pages": func() error {
			for _, err := range pager.Pages(ctx) {
				if err != nil {
					return err
				}
			}
			return nil
		},
	}
	if !row.walkOnly {
		calls["Page"] = func() error {
			_, err := pager.Page(ctx, 0)
			return err
		}
	}
	for name, call := range calls {
		err := call()
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		var got []string
		for _, s := range allSentinels {
			if errors.Is(err, s) {
				got = append(got, sentinelName(s))
			}
		}
		var want []string
		for _, s := range row.want {
			want = append(want, sentinelName(s))
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: err = %v\nmatches [%s], want [%s]", name, err, strings.Join(got, ", "), strings.Join(want, ", "))
		}
		if !strings.HasPrefix(err.Error(), "riskcloud: ") {
			t.Errorf("%s: err = %q, want it to start \"riskcloud: \"", name, err)
		}
		if row.also != nil {
			row.also(t, err)
		}
	}
}
