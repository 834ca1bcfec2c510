package main

// Tests of the rough edges of issue 14 that the command layer fixes, each
// through the command as a user runs it.

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// TestRun_progressTotalOnlyWhenTheWalks: rough edge 3. The server's
// totalElements is the walk's total only when nothing cuts the walk short.
func TestRun_progressTotalOnlyWhenTheWalks(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(entriesAt(50, testEnd)...)
	srv.AddFor("bob@example.com", entriesAt(4, testEnd)...)
	tests := []struct {
		name  string
		args  []string
		total bool
	}{
		{"whole log", []string{"attempts", riskcloudtest.DefaultEmail}, true},
		{"logins", []string{"logins"}, true},
		{"since", []string{"--since", "2026-11-01T11:30:00Z", "attempts", riskcloudtest.DefaultEmail}, false},
		{"until", []string{"--until", "2026-11-01T11:30:00Z", "attempts", riskcloudtest.DefaultEmail}, false},
		{"limit", []string{"--limit", "20", "attempts", riskcloudtest.DefaultEmail}, false},
		{"email", []string{"--email", "bob@example.com", "logins"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var ticks time.Duration
			var mu sync.Mutex
			now := func() time.Time { mu.Lock(); defer mu.Unlock(); ticks += time.Second; return testEnd.Add(ticks) }
			res := harness{env: tokenEnv(srv), stderrTTY: true, now: now}.run(t, append([]string{"--size", "10"}, tt.args...)...)
			if res.code != exitOK {
				t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
			}
			draws := strings.Split(strings.Trim(res.stderr, "\r "), "\r")
			if len(draws) == 0 || !strings.Contains(draws[0], " entries") {
				t.Fatalf("no progress line in %q", res.stderr)
			}
			for _, d := range draws {
				if strings.Contains(d, " / ") != tt.total {
					t.Errorf("progress %q: shows a total %v, want %v", d, !tt.total, tt.total)
				}
				if !regexp.MustCompile(`entries  \d+/s  \d+:\d\d *$`).MatchString(d) {
					t.Errorf("progress %q has no rate and elapsed time", d)
				}
			}
		})
	}
}

// TestRun_retriesSaid: rough edge 4. A retry is said with --verbose
// whatever stderr is; on a terminal without it, after a second of silence.
func TestRun_retriesSaid(t *testing.T) {
	t.Parallel()
	frozen := func() time.Time { return testEnd }
	var ticks time.Duration
	var mu sync.Mutex
	slow := func() time.Time { mu.Lock(); defer mu.Unlock(); ticks += 2 * time.Second; return testEnd.Add(ticks) }
	tests := []struct {
		name      string
		args      []string
		stderrTTY bool
		now       func() time.Time
		said      bool
	}{
		{"verbose", []string{"--verbose"}, false, frozen, true},
		{"verbose on a terminal", []string{"--verbose"}, true, frozen, true},
		{"pipe", nil, false, slow, false},
		{"terminal, a second of silence", nil, true, slow, true},
		{"terminal, no silence", nil, true, frozen, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			srv.Add(entriesAt(6, testEnd)...)
			srv.FailNext(1, riskcloudtest.Fault{Status: http.StatusServiceUnavailable})
			h := harness{env: tokenEnv(srv), stdoutTTY: true, stderrTTY: tt.stderrTTY, now: tt.now}
			res := h.run(t, append(tt.args, "logins")...)
			if res.code != exitOK {
				t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
			}
			said := strings.Contains(res.stderr, name+": retrying GET /api/v1/access-audit/logins in ")
			if said != tt.said {
				t.Errorf("stderr %q: retry said %v, want %v", res.stderr, said, tt.said)
			}
			if said && !strings.HasSuffix(res.stderr, "\n") {
				t.Errorf("stderr %q: the retry is not a whole line", res.stderr)
			}
		})
	}
}

// TestRun_errorsNameWhatTheUserSet: rough edge 5. Each error names the
// variable or flag to fix and how, never quoting a credential, before any
// request.
func TestRun_errorsNameWhatTheUserSet(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	hostPort := strings.TrimPrefix(srv.URL, "http://")
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want []string // in stderr
	}{
		{"token with a newline", map[string]string{envURL: srv.URL, envToken: "rct_tok\n"}, nil,
			[]string{"RISKCLOUD_TOKEN ends with a newline", "set it without"}},
		{"token with a tab", map[string]string{envURL: srv.URL, envToken: "rct_\ttok"}, nil,
			[]string{"RISKCLOUD_TOKEN contains a control character"}},
		{"secret with a newline", map[string]string{envURL: srv.URL, envClientID: "id", envClientSecret: "s3cr3t\n"}, nil,
			[]string{"RISKCLOUD_CLIENT_SECRET ends with a newline"}},
		{"bearer prefix", map[string]string{envURL: srv.URL, envToken: "Bearer rct_tok"}, nil,
			[]string{"RISKCLOUD_TOKEN", `drop the "Bearer " prefix`}},
		{"bearer prefix, lower case", map[string]string{envURL: srv.URL, envToken: "bearer rct_tok"}, nil,
			[]string{`drop the "Bearer " prefix`}},
		{"url without a scheme", map[string]string{envURL: "acme.logicgate.com", envToken: "rct_tok"}, nil,
			[]string{"RISKCLOUD_URL: has no scheme"}},
		{"client ID with a colon", map[string]string{envURL: srv.URL, envClientID: "id:s3cr3t", envClientSecret: "s3cr3t"}, nil,
			[]string{"RISKCLOUD_CLIENT_ID contains a colon"}},
		{"url with a password", map[string]string{envURL: "http://admin:pa55word@" + hostPort, envToken: "rct_tok"}, nil,
			[]string{"RISKCLOUD_URL holds a user name or password: remove it", "RISKCLOUD_TOKEN"}},
		{"--url with a password", map[string]string{envToken: "rct_tok"}, []string{"--url", "http://admin:pa55word@" + hostPort},
			[]string{"--url holds a user name or password"}},
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
			for _, secret := range []string{"pa55word", "rct_tok", "s3cr3t", "With", "baseURL"} {
				if strings.Contains(res.stderr, secret) {
					t.Errorf("stderr %q quotes %q", res.stderr, secret)
				}
			}
		})
	}
	if n := srv.Stats().Requests; n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}

// TestRun_notFoundNamesTheURL: rough edge 5. A 404 says that the URL, or
// its path prefix, is probably wrong, and where the URL came from.
func TestRun_notFoundNamesTheURL(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithPathPrefix("/riskcloud"))
	srv.Add(entriesAt(3, testEnd)...)
	wrong := strings.TrimSuffix(srv.URL, "/riskcloud")
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		from string
	}{
		{"environment", map[string]string{envURL: wrong, envToken: srv.Token}, nil, "RISKCLOUD_URL"},
		{"flag", map[string]string{envToken: srv.Token}, []string{"--url", wrong + "/audit"}, "--url"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := harness{env: tt.env}.run(t, append(tt.args, "failures")...)
			if res.code != exitAPI {
				t.Errorf("exit %d, want %d", res.code, exitAPI)
			}
			for _, want := range []string{"404", "the URL (" + tt.from + ") or its path prefix is probably wrong"} {
				if !strings.Contains(res.stderr, want) {
					t.Errorf("stderr %q does not mention %q", res.stderr, want)
				}
			}
		})
	}
}

// epipeWriter takes n writes, then fails each as a pipe whose reader has
// gone does.
type epipeWriter struct {
	n      int
	writes int
}

func (w *epipeWriter) Write(p []byte) (int, error) {
	if w.writes++; w.writes > w.n {
		return 0, syscall.EPIPE
	}
	return len(p), nil
}

// TestRun_closedPipe: rough edge 6. When the reader of stdout goes (|
// head), the run stops reading pages and ends quietly with exitClosedPipe.
func TestRun_closedPipe(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(entriesAt(100, testEnd)...)
	env := tokenEnv(srv)
	env["XDG_CACHE_HOME"] = t.TempDir()
	var stderr bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code := run(t.Context(), []string{"--size", "10", "--prefetch", "0", "logins"}, &epipeWriter{n: 1}, &stderr, getenv)
	if code != 141 {
		t.Errorf("exit %d, want 141", code)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr %q, want nothing", stderr.String())
	}
	if n := srv.Stats().PageRequests; n > 2 {
		t.Errorf("%d page requests after the pipe closed on page 2, want 2", n)
	}
}

// TestRun_sinceWithoutZone: rough edge 9. A time with no zone is UTC, and
// said so; a --since in the future is warned of, not refused.
func TestRun_sinceWithoutZone(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(entriesAt(120, testEnd)...)
	now := func() time.Time { return testEnd.Add(30 * time.Second) }
	tests := []struct {
		args    []string
		entries int
		stderr  string
	}{
		{[]string{"--since", "2026-11-01T11:00:00"}, 61, "--since 2026-11-01T11:00:00 has no time zone: read as UTC (2026-11-01T11:00:00Z)"},
		{[]string{"--since", "2026-11-01T11:00:00.5"}, 60, "read as UTC"},
		{[]string{"--until", "2026-11-01T11:00:00", "--limit", "3"}, 3, "--until 2026-11-01T11:00:00 has no time zone: read as UTC"},
		{[]string{"--since", "2026-11-02"}, 0, "warning: --since 2026-11-02 is in the future"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			res := harness{env: tokenEnv(srv), now: now}.run(t, append(tt.args, "attempts", riskcloudtest.DefaultEmail)...)
			if res.code != exitOK {
				t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
			}
			if got := len(jsonLines(t, res.stdout)); got != tt.entries {
				t.Errorf("%d entries, want %d", got, tt.entries)
			}
			if !strings.Contains(res.stderr, tt.stderr) {
				t.Errorf("stderr %q does not say %q", res.stderr, tt.stderr)
			}
		})
	}
}

// TestRun_flagErrorsWithTwoDashes: rough edge 9. A flag's error names it
// as the user types it, and one-dash long flags still work for old scripts.
func TestRun_flagErrorsWithTwoDashes(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(entriesAt(20, testEnd)...)
	for _, tt := range []struct{ args, want string }{
		{"logins --limit ten", `--limit "ten" is not a whole number`},
		{"--size 1.5 logins", `--size "1.5" is not a whole number`},
		{"logins --timeout 30", `--timeout "30" is not a duration such as 500ms, 30s or 2m`},
		{"logins --limit", "flag needs an argument: --limit"},
	} {
		res := harness{env: tokenEnv(srv)}.run(t, strings.Fields(tt.args)...)
		if res.code != exitUsage || !strings.HasPrefix(res.stderr, name+": "+tt.want+"\n") {
			t.Errorf("%s: exit %d, stderr %q, want %q", tt.args, res.code, res.stderr, tt.want)
		}
	}
	res := harness{env: tokenEnv(srv)}.run(t, "-limit", "4", "-format=csv", "logins")
	if res.code != exitOK || strings.Count(res.stdout, "\n") != 5 {
		t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
}

// TestRun_untilAndEmail: rough edge 8. --until bounds the newest entry,
// --email filters logins and failures on the server.
func TestRun_untilAndEmail(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(entriesAt(30, testEnd)...)
	res := harness{env: tokenEnv(srv)}.run(t, "attempts", riskcloudtest.DefaultEmail, "--until", "2026-11-01T11:55:00Z", "--limit", "2")
	recs := jsonLines(t, res.stdout)
	if res.code != exitOK || len(recs) != 2 || *recs[0].Timestamp != "2026-11-01T11:55:00.000Z" {
		t.Errorf("exit %d, records %v, stderr %q", res.code, res.stdout, res.stderr)
	}
	res = harness{env: tokenEnv(srv)}.run(t, "failures", "--email", "bob@example.com")
	if res.code != exitOK || res.stdout != "" {
		t.Errorf("exit %d, stdout %q", res.code, res.stdout)
	}
	reqs := srv.Requests()
	if len(reqs) == 0 {
		t.Fatal("no request")
	}
	if last := reqs[len(reqs)-1]; last.Path != "/api/v1/access-audit/failures" || last.Query.Get("email") != "bob@example.com" {
		t.Errorf("request %s?%s", last.Path, last.Query.Encode())
	}
}
