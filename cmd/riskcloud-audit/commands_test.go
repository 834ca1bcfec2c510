package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

func TestNormalizeArgs(t *testing.T) {
	t.Parallel()
	root := (&cli{stdout: io.Discard, stderr: io.Discard}).newRootCommand(context.Background())
	commands, flags := flagShapes(root)
	tests := []struct{ in, want string }{
		{"logins --limit 5", "logins --limit 5"},
		{"--demo logins", "logins --demo"},
		{"--format csv --since 24h failures --limit 3", "failures --format csv --since 24h --limit 3"},
		{"-limit 5 -format=csv logins", "logins --limit 5 --format=csv"},
		{"-o csv logins", "logins -o csv"},
		{"-ocsv logins", "logins -ocsv"},
		{"-h", "-h"},
		{"logins -help", "logins --help"},
		{"--email logins failures", "failures --email logins"}, // a value that names a command is a value
		{"-o logins failures", "failures -o logins"},
		{"--email=logins failures", "failures --email=logins"},
		{"--since -24h logins", "logins --since -24h"}, // a value that looks like a flag is a value
		{"--demo attempts bob@example.com", "attempts --demo bob@example.com"},
		{"-x logins", "logins -x"},                 // unknown: left for cobra to refuse
		{"-verbosity logins", "logins -verbosity"}, // unknown long flag: not rewritten
		{"users --demo", "users --demo"},
		{"--limit 5 -- logins", "logins --limit 5 --"},
		{"-- attempts -bob@example.com", "attempts -- -bob@example.com"},
		{"--demo attempts -- -bob@example.com", "attempts --demo -- -bob@example.com"},
		{"logins -- failures", "logins -- failures"}, // after the command and --, an argument
		{"__complete --demo logins -", "__complete --demo logins -"},
		{"completion bash", "completion bash"},
		{"--version", "--version"},
		{"", ""},
	}
	for _, tt := range tests {
		got := strings.Join(normalizeArgs(strings.Fields(tt.in), commands, flags), " ")
		if got != tt.want {
			t.Errorf("normalizeArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRun_commandHelp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want []string
		not  []string
	}{
		{[]string{"failures", "--help"}, []string{"usage: riskcloud-audit failures [flags]", "every failed login", "--email EMAIL", "-o, --format FORMAT", "--until WHEN", "--no-header", "--timeout D", "--retries N", "--verbose", "Exit status"}, nil},
		{[]string{"attempts", "-h"}, []string{"usage: riskcloud-audit attempts EMAIL [flags]", "--since WHEN"}, []string{"--email"}},
		{[]string{"help", "logins"}, []string{"usage: riskcloud-audit logins [flags]"}, nil},
		{[]string{"serve", "--help"}, []string{"usage: riskcloud-audit serve [flags]", "--addr HOST:PORT", "(default \"127.0.0.1:8080\")", "--entries", "--seed", "--arrivals PER_MINUTE", "--latency", "RISKCLOUD_URL=", "SIGTERM"}, []string{"--format"}},
		{[]string{"--help"}, []string{"serve", "completion", "--version", "--until WHEN", "--email EMAIL"}, nil},
		{[]string{"completion", "--help"}, []string{"bash", "zsh", "fish", "powershell"}, nil},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			res := harness{}.run(t, tt.args...)
			if res.code != exitOK || res.stderr != "" {
				t.Errorf("exit %d, stderr %q", res.code, res.stderr)
			}
			for _, want := range tt.want {
				if !strings.Contains(res.stdout, want) {
					t.Errorf("help does not mention %q:\n%s", want, res.stdout)
				}
			}
			for _, not := range tt.not {
				if strings.Contains(res.stdout, not) {
					t.Errorf("help mentions %q", not)
				}
			}
		})
	}
}

func TestRun_completion(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		t.Run(shell, func(t *testing.T) {
			t.Parallel()
			res := harness{}.run(t, "completion", shell)
			if res.code != exitOK || !strings.Contains(res.stdout, name) || res.stderr != "" {
				t.Errorf("exit %d, stderr %q, %d bytes", res.code, res.stderr, len(res.stdout))
			}
		})
	}
	t.Run("format values", func(t *testing.T) {
		t.Parallel()
		res := harness{}.run(t, "__complete", "logins", "--format", "")
		got := strings.Split(strings.TrimSpace(res.stdout), "\n")
		if res.code != exitOK || !slices.Equal(got[:len(got)-1], formats) || got[len(got)-1] != ":4" {
			t.Errorf("exit %d, completions %q, want %q then :4 (no files)", res.code, got, formats)
		}
	})
	t.Run("commands", func(t *testing.T) {
		t.Parallel()
		res := harness{}.run(t, "__complete", "")
		for _, cmd := range []string{"attempts", "logins", "failures", "serve", "completion"} {
			if !strings.Contains(res.stdout, cmd+"\t") {
				t.Errorf("%q not offered in %q", cmd, res.stdout)
			}
		}
	})
}

func TestRun_serveFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want serveConfig
	}{
		{nil, serveConfig{addr: "127.0.0.1:8080", entries: demoEntries, seed: demoSeed}},
		{[]string{"--addr", "127.0.0.1:0", "--entries", "20000", "--seed", "7", "--arrivals", "2.5", "--latency", "20ms"},
			serveConfig{addr: "127.0.0.1:0", entries: 20000, seed: 7, arrivalsPerMinute: 2.5, latency: 20 * time.Millisecond}},
	}
	for _, tt := range tests {
		var got serveConfig
		h := harness{serve: func(_ context.Context, cfg serveConfig, _, _ io.Writer) error { got = cfg; return nil }}
		if res := h.run(t, append([]string{"serve"}, tt.args...)...); res.code != exitOK {
			t.Errorf("serve %q: exit %d, stderr %q", tt.args, res.code, res.stderr)
		}
		if got != tt.want {
			t.Errorf("serve %q: config %+v, want %+v", tt.args, got, tt.want)
		}
	}
	failing := harness{serve: func(context.Context, serveConfig, io.Writer, io.Writer) error { return errors.New("address in use") }}
	if res := failing.run(t, "serve"); res.code != exitAPI || !strings.Contains(res.stderr, "serve: address in use") {
		t.Errorf("exit %d, stderr %q", res.code, res.stderr)
	}
	for _, args := range [][]string{{"--entries", "-1"}, {"--arrivals", "-1"}, {"--latency", "-1s"}, {"--format", "csv"}, {"now"}} {
		called := false
		h := harness{serve: func(context.Context, serveConfig, io.Writer, io.Writer) error { called = true; return nil }}
		if res := h.run(t, append([]string{"serve"}, args...)...); res.code != exitUsage || called {
			t.Errorf("serve %q: exit %d (served %v), stderr %q", args, res.code, called, res.stderr)
		}
	}
}

func TestVersionLine(t *testing.T) {
	t.Parallel()
	info := &debug.BuildInfo{GoVersion: "go1.25.4", Main: debug.Module{Path: "github.com/riskcloud-go/riskcloud", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-11-30T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	if got, want := versionLine(info), "riskcloud-audit v1.2.3 (revision 0123abcd, 2026-11-30T10:00:00Z, modified) go1.25.4"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got := versionLine(nil); got != "riskcloud-audit (devel)" {
		t.Errorf("no build info: %q", got)
	}
	if got := versionLine(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}); got != "riskcloud-audit (devel)" {
		t.Errorf("no VCS: %q", got)
	}
	if got := cliVersion(info); got != "v1.2.3" {
		t.Errorf("cliVersion = %q", got)
	}
}

func TestRun_version(t *testing.T) {
	t.Parallel()
	res := harness{}.run(t, "--version")
	if res.code != exitOK || !strings.HasPrefix(res.stdout, name+" ") || !strings.HasSuffix(res.stdout, "\n") {
		t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
}

func TestRun_retriesAndTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		opts     []riskcloudtest.Option
		faults   int
		code     int
		attempts int    // page requests
		stderr   string // in stderr
	}{
		{"default retries", nil, nil, 3, exitOK, 4, ""},
		{"no retries", []string{"--retries", "0"}, nil, 1, exitAPI, 1, "503"},
		{"two retries", []string{"--retries", "2"}, nil, 5, exitAPI, 3, "503"},
		{"timeout", []string{"--timeout", "20ms", "--retries", "0"}, []riskcloudtest.Option{riskcloudtest.WithLatency(time.Second)}, 0, exitAPI, 1, "GET /api/v1/access-audit/logins"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tt.opts...)
			srv.Add(entriesAt(4, testEnd)...)
			if tt.faults > 0 {
				srv.FailNext(tt.faults, riskcloudtestFault503)
			}
			res := harness{env: tokenEnv(srv)}.run(t, append(tt.args, "logins")...)
			if res.code != tt.code || !strings.Contains(res.stderr, tt.stderr) {
				t.Errorf("exit %d, want %d; stderr %q, want %q in it", res.code, tt.code, res.stderr, tt.stderr)
			}
			if n := srv.Stats().PageRequests; n != tt.attempts {
				t.Errorf("%d page requests, want %d", n, tt.attempts)
			}
		})
	}
	for _, args := range [][]string{{"--retries", "-1"}, {"--timeout", "0s"}, {"--timeout", "-5s"}, {"--until", "2026-11-01", "--since", "2026-11-02"}, {"--email", ""}} {
		if res := (harness{env: map[string]string{envURL: "https://acme.logicgate.com", envToken: "rct_t"}}).run(t, append(args, "logins")...); res.code != exitUsage || !strings.Contains(res.stderr, args[0]) {
			t.Errorf("%q: exit %d, stderr %q", args, res.code, res.stderr)
		}
	}
}

var riskcloudtestFault503 = riskcloudtest.Fault{Status: http.StatusServiceUnavailable}

// TestRun_writerConfig checks what the output formats are told: the
// email the entries were asked for, --no-header, whether stdout is a
// terminal, and the version.
func TestRun_writerConfig(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(entriesAt(3, testEnd)...)
	version := cliVersion(nil) // the harness's run has no build info
	tests := []struct {
		args      []string
		stdoutTTY bool
		want      writerConfig
	}{
		{[]string{"attempts", riskcloudtest.DefaultEmail}, false, writerConfig{email: riskcloudtest.DefaultEmail, version: version}},
		{[]string{"logins", "--email", "bob@example.com", "--no-header"}, true, writerConfig{email: "bob@example.com", noHeader: true, terminal: true, version: version}},
		{[]string{"failures", "-o", "csv"}, false, writerConfig{version: version}},
	}
	for _, tt := range tests {
		var got writerConfig
		res := harness{env: tokenEnv(srv), stdoutTTY: tt.stdoutTTY, writerConfig: &got}.run(t, tt.args...)
		same := got.terminal == tt.want.terminal && got.noHeader == tt.want.noHeader &&
			got.email == tt.want.email && got.version == tt.want.version &&
			got.now == nil // the command leaves the clock to the writer
		if res.code != exitOK || !same {
			t.Errorf("%q: exit %d, config %+v, want %+v", tt.args, res.code, got, tt.want)
		}
	}
}

// TestRun_flagsWithoutCommand checks that listing flags alone name the
// missing command, rather than calling the flags unknown.
func TestRun_flagsWithoutCommand(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--demo"}, {"--demo", "--limit", "5"}, {"-o", "csv"}} {
		res := harness{}.run(t, args...)
		if res.code != exitUsage || !strings.Contains(res.stderr, "missing command: attempts EMAIL, logins, failures, audits or serve") {
			t.Errorf("%q: exit %d, stderr %q", args, res.code, res.stderr)
		}
	}
}

// TestRun_interruptedBySignal checks the exit code and message of a run
// that a signal's cause ended, in-process: 128 plus the signal's number.
func TestRun_interruptedBySignal(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		sig  os.Signal
		code int
		says string
	}{
		{os.Interrupt, 130, "interrupted after 10 entries\n"},
		{syscall.SIGTERM, 143, "interrupted after 10 entries (terminated)\n"},
	} {
		t.Run(tt.sig.String(), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			release := make(chan struct{})
			srv := newServer(t, riskcloudtest.WithBeforePage(func(_ *riskcloudtest.Server, page int) {
				if page == 1 {
					cancel(interrupted{tt.sig})
					<-release
				}
			}))
			defer close(release)
			srv.Add(entriesAt(30, testEnd)...)
			res := harness{env: tokenEnv(srv), ctx: ctx}.run(t, "--size", "10", "--prefetch", "0", "logins")
			if res.code != tt.code || !strings.HasSuffix(res.stderr, name+": "+tt.says) {
				t.Errorf("exit %d, stderr %q; want %d and %q", res.code, res.stderr, tt.code, tt.says)
			}
		})
	}
}
