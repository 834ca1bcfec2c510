//go:build linux

package riskcloud_test

import (
	"os"
	"syscall"
	"testing"
)

// redirectStdFDs points file descriptors 1 and 2 at w, so that writers that
// captured os.Stdout or os.Stderr before a test swapped the variables (as
// go-retryablehttp's default logger does at init) are caught too. The
// returned function restores them.
func redirectStdFDs(t *testing.T, w *os.File) (restore func()) {
	t.Helper()
	var saved []int
	restore = func() {
		for i, fd := range saved {
			syscall.Dup3(fd, i+1, 0)
			syscall.Close(fd)
		}
		saved = nil
	}
	for _, fd := range []int{1, 2} {
		dup, err := syscall.Dup(fd)
		if err != nil {
			restore()
			t.Fatalf("dup %d: %v", fd, err)
		}
		saved = append(saved, dup)
		if err := syscall.Dup3(int(w.Fd()), fd, 0); err != nil {
			restore()
			t.Fatalf("dup3 onto %d: %v", fd, err)
		}
	}
	return restore
}
