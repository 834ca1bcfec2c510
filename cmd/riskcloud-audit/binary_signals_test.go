//go:build unix

package main

import (
	"bufio"
	"errors"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// startGated starts the binary on a server that answers page 0 and holds
// every later page until the returned release is closed, and reads the
// first line of its stdout.
func startGated(t *testing.T, args ...string) (cmd *exec.Cmd, stdout *bufio.Reader, pipe io.ReadCloser, stderr *strings.Builder, release chan struct{}) {
	t.Helper()
	release = make(chan struct{})
	srv := newServer(t, riskcloudtest.WithBeforePage(func(_ *riskcloudtest.Server, page int) {
		if page >= 1 {
			<-release
		}
	}))
	srv.Add(entriesAt(50, testEnd)...)
	cmd, _ = command(t, tokenEnv(srv), args...)
	stderr = &strings.Builder{}
	cmd.Stderr = stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewReader(pipe), pipe, stderr, release
}

// exitStatus waits for cmd and returns its exit code, or -1 when a signal
// ended it.
func exitStatus(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Wait()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exitErr):
		return exitErr.ExitCode()
	}
	t.Fatal(err)
	return 0
}

// TestBinary_sigterm: rough edge 6. SIGTERM ends a run as SIGINT does,
// whole lines flushed and the end said, with 128 + 15.
func TestBinary_sigterm(t *testing.T) {
	t.Parallel()
	cmd, stdout, _, stderr, release := startGated(t, "--size", "10", "attempts", riskcloudtest.DefaultEmail)
	defer close(release)
	first, err := stdout.ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("reading the first line: %v; stderr %q", err, stderr)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(stdout)
	if err != nil {
		t.Fatal(err)
	}
	if code := exitStatus(t, cmd); code != 143 {
		t.Errorf("exit %d, want 143; stderr %q", code, stderr)
	}
	if n := len(jsonLines(t, first+string(rest))); n != 10 {
		t.Errorf("%d complete lines, want page 0's 10", n)
	}
	if !strings.Contains(stderr.String(), "interrupted after 10 entries") {
		t.Errorf("stderr %q does not say the run was interrupted", stderr)
	}
}

// TestBinary_closedPipe: rough edge 6. When the reader closes stdout (|
// head), the run ends with 141 and says nothing.
func TestBinary_closedPipe(t *testing.T) {
	t.Parallel()
	cmd, stdout, pipe, stderr, release := startGated(t, "--size", "10", "attempts", riskcloudtest.DefaultEmail)
	if _, err := stdout.ReadString('\n'); err != nil {
		close(release)
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("reading the first line: %v; stderr %q", err, stderr)
	}
	pipe.Close() // as head does once it has its lines
	close(release)
	if code := exitStatus(t, cmd); code != exitClosedPipe {
		t.Errorf("exit %d, want %d; stderr %q", code, exitClosedPipe, stderr)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr %q, want nothing", stderr)
	}
}
