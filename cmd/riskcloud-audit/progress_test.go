package main

import (
	"bytes"
	"testing"
	"time"
)

func TestConsole_progress(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	now := start
	con := newConsole(&out, func() time.Time { return now }, true)

	now = now.Add(time.Second)
	con.update(500, 12000) // the first draw is immediate
	now = now.Add(50 * time.Millisecond)
	con.update(1000, 12000) // too soon
	now = now.Add(50 * time.Millisecond)
	con.update(1500, -1) // 100 ms since the first draw; no total known
	now = now.Add(time.Hour)
	con.update(9, 12) // a shorter line covers the longer one's tail
	con.clear()
	con.clear() // nothing shown: nothing to do

	want := "\r500 / 12000 entries  500/s  0:01" +
		"\r1500 entries  1364/s  0:01      " +
		"\r9 / 12 entries  0/s  1:00:01" +
		"\r                            \r"
	if out.String() != want {
		t.Errorf("got  %q\nwant %q", out.String(), want)
	}
}

func TestConsole_progressNotDrawn(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	con := newConsole(&out, func() time.Time { return now }, false)
	now = now.Add(3 * time.Second)
	if got := con.silence(); got != 3*time.Second {
		t.Errorf("silence %v before any page, want 3s", got)
	}
	con.update(10, 100)
	con.clear()
	if out.Len() != 0 {
		t.Errorf("drew %q, want nothing", out.String())
	}
	if got := con.silence(); got != 0 {
		t.Errorf("silence %v right after a page, want 0", got)
	}
}

func TestProgressLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n       int
		total   int64
		elapsed time.Duration
		want    string
	}{
		{30, 0, time.Second, "30 / 30 entries  30/s  0:01"}, // a server that sent no totalElements
		{30, -1, 0, "30 entries  0:00"},                     // no rate before time has passed
		{1217, -1, 12 * time.Second, "1217 entries  101/s  0:12"},
		{5, 10, 61*time.Minute + 5*time.Second, "5 / 10 entries  0/s  1:01:05"},
	}
	for _, tt := range tests {
		if got := progressLine(tt.n, tt.total, tt.elapsed); got != tt.want {
			t.Errorf("progressLine(%d, %d, %v) = %q, want %q", tt.n, tt.total, tt.elapsed, got, tt.want)
		}
	}
}

// TestConsole_noteAboveProgress checks that a note takes a line of its
// own, the progress line erased first and redrawn at the next update.
func TestConsole_noteAboveProgress(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	con := newConsole(&out, func() time.Time { return now }, true)
	now = now.Add(time.Second)
	con.update(10, -1)
	con.note("retrying GET /x in 1s")
	con.update(20, -1) // at once: a note makes the next update redraw
	con.clear()
	want := "\r10 entries  10/s  0:01" +
		"\r                      \r" + name + ": retrying GET /x in 1s\n" +
		"\r20 entries  20/s  0:01" +
		"\r                      \r"
	if out.String() != want {
		t.Errorf("got  %q\nwant %q", out.String(), want)
	}
}
