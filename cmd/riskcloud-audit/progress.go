package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progressInterval is the least time between two redraws: faster than the
// eye needs, and a fast walk would otherwise spend its time on the terminal.
const progressInterval = 100 * time.Millisecond

// console is what a run says on stderr besides its errors: a progress
// line, redrawn in place with a carriage return when stderr is a terminal
// (and stdout is not: rows scrolling past show progress and would tear the
// line), and notes such as retries, which go above it. Its methods are
// safe for concurrent use: the SDK logs retries from its own goroutines.
type console struct {
	mu           sync.Mutex
	w            io.Writer
	now          func() time.Time
	drawProgress bool
	start        time.Time // of the run, for the rate and elapsed time
	lastDraw     time.Time // zero before the first
	lastSaid     time.Time // of the last page or note: when silence began
	width        int       // of the progress line on screen, 0 when none is
}

// newConsole returns the console of w. drawProgress says whether to draw
// the progress line.
func newConsole(w io.Writer, now func() time.Time, drawProgress bool) *console {
	start := now()
	return &console{w: w, now: now, drawProgress: drawProgress, start: start, lastSaid: start}
}

// update shows that n entries are written, of total when total ≥ 0 (the
// server's count, when it is what the walk writes), unless the line was
// drawn less than progressInterval ago. A page written ends a silence,
// whether or not the line is drawn.
func (c *console) update(n int, total int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	c.lastSaid = now
	if !c.drawProgress || (!c.lastDraw.IsZero() && now.Sub(c.lastDraw) < progressInterval) {
		return
	}
	c.lastDraw = now
	c.draw(progressLine(n, total, now.Sub(c.start)))
}

// progressLine reads "1200 / 5000 entries  300/s  0:04", or without "/
// 5000" when total < 0. The rate is left out until time has passed.
func progressLine(n int, total int64, elapsed time.Duration) string {
	var b strings.Builder
	if total >= 0 {
		fmt.Fprintf(&b, "%d / %d entries", n, max(total, int64(n)))
	} else {
		fmt.Fprintf(&b, "%d entries", n)
	}
	if elapsed > 0 {
		fmt.Fprintf(&b, "  %.0f/s", float64(n)/elapsed.Seconds())
	}
	secs := int(elapsed / time.Second)
	if secs >= 3600 {
		fmt.Fprintf(&b, "  %d:%02d:%02d", secs/3600, secs/60%60, secs%60)
	} else {
		fmt.Fprintf(&b, "  %d:%02d", secs/60, secs%60)
	}
	return b.String()
}

// draw replaces the progress line with line. Spaces rather than an
// erase-line sequence, which not every console understands, cover the
// tail of a longer line drawn before.
func (c *console) draw(line string) {
	pad := max(c.width-len(line), 0)
	fmt.Fprintf(c.w, "\r%s%s", line, strings.Repeat(" ", pad))
	c.width = len(line)
}

// silence returns how long nothing has been said or written.
func (c *console) silence() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now().Sub(c.lastSaid)
}

// note writes line on a line of its own, above the progress line, which
// the next update redraws.
func (c *console) note(line string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.erase()
	fmt.Fprintf(c.w, "%s: %s\n", name, line)
	c.lastSaid = c.now()
	c.lastDraw = time.Time{} // redraw at the next update
}

// clear removes the progress line, so that what is written next starts on
// a clean line.
func (c *console) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.erase()
}

func (c *console) erase() {
	if c.width == 0 {
		return
	}
	fmt.Fprintf(c.w, "\r%s\r", strings.Repeat(" ", c.width))
	c.width = 0
}
