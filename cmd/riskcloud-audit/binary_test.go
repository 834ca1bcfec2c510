package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// command returns the built binary with args, in an environment of only
// env and a temporary home and cache, so that neither the developer's
// RISKCLOUD_* variables nor their token cache take part.
func command(t *testing.T, env map[string]string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	home := t.TempDir()
	cmd.Env = []string{"HOME=" + home, "XDG_CACHE_HOME=" + home + "/cache"}
	if runtime.GOOS == "windows" {
		cmd.Env = append(cmd.Env, "LocalAppData="+home, "SystemRoot="+os.Getenv("SystemRoot"))
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	return cmd, &stderr
}

// exitCode runs cmd to the end and returns its stdout and exit code.
func exitCode(t *testing.T, cmd *exec.Cmd) (string, int) {
	t.Helper()
	out, err := cmd.Output()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exitErr):
		return string(out), exitErr.ExitCode()
	}
	t.Fatal(err)
	return "", 0
}

func TestBinary_csv(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(entriesAt(25, testEnd)...)
	srv.Add(riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: testEnd.Add(time.Second),
		Message: "=cmd|' /C calc'!A0", RemoteAddress: "@evil"})

	cmd, stderr := command(t, tokenEnv(srv), "--format", "csv", "--size", "5", "failures", "--limit", "8")
	stdout, code := exitCode(t, cmd)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	assertNoSecrets(t, result{stdout: stdout, stderr: stderr.String()}, srv.Token)
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 9 || strings.Join(rows[0], ",") != "timestamp,type,remote_address,message,email,id" {
		t.Fatalf("got %d rows:\n%s", len(rows), stdout)
	}
	if got := strings.Join(rows[1], "|"); got != "2026-11-01T12:00:01.000Z|LoginFail|'@evil|'=cmd|' /C calc'!A0||"+servedID(srv, 0) {
		t.Errorf("first row %q", got)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr %q, want nothing when stderr is not a terminal", stderr)
	}
}

func TestBinary_demo(t *testing.T) {
	t.Parallel()
	// Credentials in the environment are not used by the demo.
	cmd, stderr := command(t, map[string]string{envURL: "https://acme.logicgate.com", envToken: "rct_do-not-use"}, "--demo", "logins")
	stdout, code := exitCode(t, cmd)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	recs := jsonLines(t, stdout)
	if len(recs) < 1000 {
		t.Errorf("%d logins, want thousands", len(recs))
	}
	newest, err := time.Parse(time.RFC3339Nano, *recs[0].Timestamp)
	if err != nil || time.Since(newest) > time.Hour || recs[0].Type != "Login" {
		t.Errorf("newest entry %+v, want a login of the last hour", recs[0])
	}
	if !strings.Contains(stderr.String(), "demo: reading a generated Risk Cloud served in-process") {
		t.Errorf("stderr %q", stderr)
	}
}

func TestBinary_tokenCache(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithClientCredentials(testClientID, testSecret))
	srv.Add(entriesAt(5, testEnd)...)
	env := map[string]string{envURL: srv.URL, envClientID: testClientID, envClientSecret: testSecret}
	home := t.TempDir()
	for range 2 {
		cmd, stderr := command(t, env, "logins")
		cmd.Env = append(cmd.Env, "XDG_CACHE_HOME="+home) // the last value wins
		stdout, code := exitCode(t, cmd)
		if code != exitOK || len(jsonLines(t, stdout)) != 3 {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
		}
		assertNoSecrets(t, result{stdout: stdout, stderr: stderr.String()}, append(cachedTokens(t, home), testSecret)...)
	}
	if n := srv.Stats().Exchanges; n != 1 {
		t.Errorf("%d exchanges in two runs, want 1", n)
	}
	if n := len(cacheFiles(t, home)); n != 1 {
		t.Errorf("%d cache files under XDG_CACHE_HOME, want 1", n)
	}
}

func TestBinary_usageError(t *testing.T) {
	t.Parallel()
	cmd, stderr := command(t, nil, "--since", "last tuesday", "logins")
	if _, code := exitCode(t, cmd); code != exitUsage || !strings.Contains(stderr.String(), "--since") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	cmd, stderr = command(t, nil, "logins")
	if _, code := exitCode(t, cmd); code != exitUsage || !strings.Contains(stderr.String(), "RISKCLOUD_URL") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestBinary_interrupt(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("os.Interrupt cannot be sent to a process on Windows")
	}
	t.Parallel()
	release := make(chan struct{})
	// The server never answers for page 1, so the run is still going when
	// the test interrupts it, whatever the machine's speed.
	srv := newServer(t, riskcloudtest.WithBeforePage(func(_ *riskcloudtest.Server, page int) {
		if page >= 1 {
			<-release
		}
	}))
	defer close(release) // before srv.Close, which waits for the handler
	srv.Add(entriesAt(50, testEnd)...)

	cmd, stderr := command(t, tokenEnv(srv), "--format", "jsonl", "--size", "10", "attempts", riskcloudtest.DefaultEmail)
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(pipe)
	first, err := r.ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("reading the first line: %v; stderr %q", err, stderr)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != exitInterrupted {
		t.Errorf("wait: %v, want exit status %d; stderr %q", err, exitInterrupted, stderr)
	}
	stdout := first + string(rest)
	if n := len(jsonLines(t, stdout)); n != 10 {
		t.Errorf("%d complete lines, want page 0's 10", n)
	}
	if !strings.Contains(stderr.String(), "interrupted after 10 entries") {
		t.Errorf("stderr %q", stderr)
	}
	assertNoSecrets(t, result{stdout: stdout, stderr: stderr.String()}, srv.Token)
}

// TestBinary_asUsersRunIt runs the built binary as a script would, for each
// format, --since, --limit, missing credentials and a key without Admin.
func TestBinary_asUsersRunIt(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(entriesAt(30, testEnd)...) // a login or failure a minute, the newest at testEnd
	noAdmin := newServer(t, riskcloudtest.WithoutAdmin())

	since := testEnd.Add(-9 * time.Minute).Format(time.RFC3339)
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		lines  int    // of stdout, header included
		stdout string // in stdout
		stderr string // in stderr
	}{
		{"jsonl", tokenEnv(srv), []string{"--format", "jsonl", "--size", "7", "attempts", riskcloudtest.DefaultEmail}, exitOK, 30, `{"type":"Login","timestamp":"2026-11-01T12:00:00.000Z","message":null,"remoteAddress":"198.51.100.1","email":`, ""},
		{"csv", tokenEnv(srv), []string{"--format", "csv", "logins", "--limit", "4"}, exitOK, 5, "timestamp,type,remote_address,message,email,id\n2026-11-01T12:00:00.000Z,Login,198.51.100.1,,," + servedID(srv, 0) + "\n", ""},
		{"table", tokenEnv(srv), []string{"--format", "table", "logins", "--limit", "2"}, exitOK, 3, "ID                                TIMESTAMP                 TYPE       REMOTE ADDRESS                           MESSAGE\n" + servedID(srv, 0) + "  2026-11-01T12:00:00.000Z  Login      198.51.100.1\n", ""},
		{"since is inclusive", tokenEnv(srv), []string{"--since", since, "attempts", riskcloudtest.DefaultEmail}, exitOK, 10, "198.51.100.10\",\"email\":", ""},
		{"limit", tokenEnv(srv), []string{"--limit", "3", "attempts", riskcloudtest.DefaultEmail}, exitOK, 3, "\"Bad credentials\",\"remoteAddress\":\"198.51.100.2\",\"email\":", ""},
		{"no credentials", map[string]string{envURL: srv.URL}, []string{"logins"}, exitUsage, 0, "", "set RISKCLOUD_TOKEN, or RISKCLOUD_CLIENT_ID and RISKCLOUD_CLIENT_SECRET"},
		{"a key without Admin", tokenEnv(noAdmin), []string{"failures"}, exitAPI, 0, "", "403 Forbidden: Access is denied (the API key's user needs the Admin > All entitlement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd, stderr := command(t, tt.env, tt.args...)
			stdout, code := exitCode(t, cmd)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.code, stderr)
			}
			if n := strings.Count(stdout, "\n"); n != tt.lines {
				t.Errorf("%d lines, want %d:\n%s", n, tt.lines, stdout)
			}
			if !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stdout:\n%s\nstderr:\n%s\nwant %q in stdout and %q in stderr", stdout, stderr, tt.stdout, tt.stderr)
			}
			assertNoSecrets(t, result{stdout: stdout, stderr: stderr.String()}, srv.Token, noAdmin.Token)
		})
	}
}
