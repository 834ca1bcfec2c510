package main

import (
	"context"
	"errors"
	"io"
	"time"
)

// serveConfig is what `serve` runs with. This file is a placeholder for
// the serve branch's, which replaces it at merge.
type serveConfig struct {
	addr              string
	entries           int
	seed              int64
	arrivalsPerMinute float64
	latency           time.Duration
}

// runServe serves a generated Risk Cloud until ctx is done. Placeholder:
// the serve branch's replaces it.
func runServe(ctx context.Context, cfg serveConfig, stdout, stderr io.Writer) error {
	return errors.New("serve is not built into this version")
}
