//go:build unix

package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRunState_oneRunAtATime: while a run holds a state file, another on
// the same file does nothing and says why, with 1; once it ends, the next
// goes on.
func TestRunState_oneRunAtATime(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(entriesAt(4, testEnd)...)
	state := filepath.Join(t.TempDir(), "s")
	unlock, busy, err := lockState(state)
	if err != nil || busy {
		t.Fatal(busy, err)
	}
	h := harness{env: tokenEnv(srv)}
	res := h.run(t, "logins", "--state", state)
	if res.code != exitAPI || res.stdout != "" || !strings.Contains(res.stderr, "another run is using --state "+state) {
		t.Errorf("while locked: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	unlock()
	if res = h.run(t, "logins", "--state", state); res.code != exitOK || len(jsonLines(t, res.stdout)) != 2 {
		t.Errorf("after: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	if unlock, busy, _ := lockState(state); busy {
		t.Error("a run left its lock held")
	} else {
		unlock()
	}
}
