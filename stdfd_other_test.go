//go:build !linux

package riskcloud_test

import (
	"os"
	"testing"
)

// redirectStdFDs does nothing here: only the os.Stdout and os.Stderr
// variables are swapped.
func redirectStdFDs(t *testing.T, w *os.File) (restore func()) {
	t.Helper()
	return func() {}
}
