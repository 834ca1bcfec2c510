package riskcloud_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind: a walk
// that is broken off or cancelled must stop everything it started. Started
// by a benchmark with benchServerEnv set, the binary is instead that
// benchmark's out-of-process server (see startBenchServer).
func TestMain(m *testing.M) {
	if config, ok := os.LookupEnv(benchServerEnv); ok {
		os.Exit(serveBench(config))
	}
	goleak.VerifyTestMain(m)
}
