package riskcloud_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind: a walk
// that is broken off or cancelled must stop everything it started.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
