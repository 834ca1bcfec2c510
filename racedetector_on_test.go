//go:build race

package riskcloud_test

// raceDetector reports whether the tests run with -race, which makes
// copying tens of megabytes take seconds.
const raceDetector = true
