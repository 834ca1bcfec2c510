package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progressInterval is the least time between two redraws: faster than the
// eye needs, and a fast walk would otherwise spend its time on the terminal.
const progressInterval = 100 * time.Millisecond

// progress keeps a "N / TOTAL entries" line on a terminal, redrawn in place
// with a carriage return. A nil *progress draws nothing, so that callers
// need not check whether there is a terminal.
type progress struct {
	w     io.Writer
	now   func() time.Time
	last  time.Time // of the last draw; zero before the first
	width int       // of the line on screen, 0 when none is
}

func newProgress(w io.Writer, now func() time.Time) *progress {
	return &progress{w: w, now: now}
}

// update shows that n of total entries are written, unless the line was
// drawn less than progressInterval ago.
func (p *progress) update(n int, total int64) {
	if p == nil {
		return
	}
	now := p.now()
	if !p.last.IsZero() && now.Sub(p.last) < progressInterval {
		return
	}
	p.last = now
	line := fmt.Sprintf("%d / %d entries", n, max(total, int64(n)))
	// Spaces rather than an erase-line sequence, which not every console
	// understands, cover the tail of a longer line drawn before.
	pad := max(p.width-len(line), 0)
	fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
	p.width = len(line)
}

// clear removes the line, so that what is written next starts on a clean
// line.
func (p *progress) clear() {
	if p == nil || p.width == 0 {
		return
	}
	fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width))
	p.width = 0
}
