package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRetryHandler_render checks that a retry record reads the same
// whatever the SDK names its attributes, and that other records are
// dropped.
func TestRetryHandler_render(t *testing.T) {
	t.Parallel()
	const path = "/api/v1/access-audit/logins"
	tests := []struct {
		name  string
		msg   string
		attrs []slog.Attr
		want  string // "" when nothing is said
	}{
		{"the SDK's record", "riskcloud: retrying",
			[]slog.Attr{slog.String("method", "GET"), slog.String("path", path), slog.Int("attempt", 2),
				slog.Duration("wait", 1500*time.Millisecond), slog.String("why", "503 Service Unavailable")},
			"retrying GET " + path + " in 1.5s (attempt 2): 503 Service Unavailable"},
		{"status instead of why", "riskcloud: retrying",
			[]slog.Attr{slog.String("method", "GET"), slog.String("path", path), slog.Int("attempt", 1),
				slog.Duration("wait", 2*time.Second), slog.Int("status", 429)},
			"retrying GET " + path + " in 2s (attempt 1): 429 Too Many Requests"},
		{"status 0 is a transport error: not said", "riskcloud: retrying",
			[]slog.Attr{slog.String("method", "GET"), slog.String("path", path), slog.Int("status", 0), slog.Duration("wait", time.Second)},
			"retrying GET " + path + " in 1s"},
		{"other spellings, in a group", "retry scheduled",
			[]slog.Attr{slog.Group("req", slog.String("Method", "GET"), slog.String("Path", path)),
				slog.Uint64("try", 3), slog.String("delay", "250ms"), slog.Any("error", errors.New("connection refused"))},
			"retrying GET " + path + " in 300ms (attempt 3): connection refused"},
		{"wait in nanoseconds, reason", "riskcloud: backing off",
			[]slog.Attr{slog.Int64("wait", int64(40*time.Millisecond)), slog.String("reason", "EOF")},
			"retrying in 40ms: EOF"},
		{"wait in seconds, attempt as text", "riskcloud: retrying",
			[]slog.Attr{slog.Float64("backoff", 0.5), slog.String("attempt", "4")},
			"retrying in 500ms (attempt 4)"},
		{"no wait: the message says why", "riskcloud: token rejected, retrying with a new one",
			[]slog.Attr{slog.String("method", "GET"), slog.String("path", path), slog.Bool("cached", true)},
			"retrying GET " + path + ": token rejected, retrying with a new one"},
		{"a request", "riskcloud: request",
			[]slog.Attr{slog.String("method", "GET"), slog.String("path", path), slog.Int("attempt", 1)}, ""},
		{"a failed attempt", "riskcloud: attempt failed",
			[]slog.Attr{slog.String("error", "EOF"), slog.Bool("retryable", true)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			con := newConsole(&out, time.Now, false)
			logger := slog.New(newRetryHandler(con, true, false))
			logger.LogAttrs(context.Background(), slog.LevelDebug, tt.msg, tt.attrs...)
			want := ""
			if tt.want != "" {
				want = name + ": " + tt.want + "\n"
			}
			if out.String() != want {
				t.Errorf("got  %q\nwant %q", out.String(), want)
			}
		})
	}
}

// TestRetryHandler_withAttrs checks that attributes bound with With count.
func TestRetryHandler_withAttrs(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	logger := slog.New(newRetryHandler(newConsole(&out, time.Now, false), true, false))
	logger = logger.With("method", "GET").WithGroup("g").With("path", "/p")
	logger.Debug("retrying", "wait", time.Second)
	if want := name + ": retrying GET /p in 1s\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

// TestRetryHandler_silence checks when a retry is said without --verbose:
// on a terminal, when the silence so far and the wait make a second.
func TestRetryHandler_silence(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		terminal bool
		verbose  bool
		silence  time.Duration
		wait     time.Duration
		said     bool
	}{
		{"terminal, long silence", true, false, 1500 * time.Millisecond, time.Millisecond, true},
		{"terminal, long wait", true, false, 0, 5 * time.Second, true},
		{"terminal, the two make a second", true, false, 600 * time.Millisecond, 400 * time.Millisecond, true},
		{"terminal, short of a second", true, false, 500 * time.Millisecond, 499 * time.Millisecond, false},
		{"not a terminal", false, false, time.Hour, time.Hour, false},
		{"verbose", false, true, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			now := start
			var out bytes.Buffer
			con := newConsole(&out, func() time.Time { return now }, false)
			h := newRetryHandler(con, tt.verbose, tt.terminal)
			if !h.Enabled(context.Background(), slog.LevelDebug) {
				if tt.said {
					t.Fatal("disabled, yet should say the retry")
				}
				return
			}
			con.update(10, -1) // a page, then silence
			now = now.Add(tt.silence)
			slog.New(h).Debug("riskcloud: retrying", "wait", tt.wait)
			if said := out.Len() > 0; said != tt.said {
				t.Errorf("said %v (%q), want %v", said, out.String(), tt.said)
			}
		})
	}
}

// TestRetryHandler_concurrent checks that retries logged from many
// goroutines while pages are written come out as whole lines.
func TestRetryHandler_concurrent(t *testing.T) {
	t.Parallel()
	var out lockedBuffer
	con := newConsole(&out, time.Now, true)
	logger := slog.New(newRetryHandler(con, true, true))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 50 {
				logger.Debug("riskcloud: retrying", "path", "/p", "attempt", i+1, "wait", time.Millisecond)
			}
		})
	}
	for n := range 200 {
		con.update(n, -1)
	}
	wg.Wait()
	con.clear()
	lines := 0
	for _, part := range strings.Split(out.String(), "\n") {
		part = part[strings.LastIndexByte(part, '\r')+1:]
		if part == "" {
			continue
		}
		if !strings.HasPrefix(part, name+": retrying /p in 1ms (attempt ") {
			t.Fatalf("torn line %q", part)
		}
		lines++
	}
	if lines != 400 {
		t.Errorf("%d retry lines, want 400", lines)
	}
}

// lockedBuffer is a bytes.Buffer that fails the race detector if the
// console writes to it from two goroutines at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	if !b.mu.TryLock() {
		panic("concurrent write")
	}
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string { return b.buf.String() }
