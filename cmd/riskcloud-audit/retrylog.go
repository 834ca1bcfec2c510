package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retrySilence is how long a terminal may stay silent before a retry is
// said on it (without --verbose): a retry that succeeds at once while
// pages are flowing is not worth a line.
const retrySilence = time.Second

// retryHandler is the slog.Handler given to the SDK: it says each retry on
// stderr, always with --verbose, and on a terminal when the wait would
// otherwise leave it silent for retrySilence or more. Other records are
// dropped. It matches the SDK's record by meaning rather than by exact
// message and attribute names (method, path, attempt, wait and why, each
// under a few usual spellings, in any group), so that a reworded SDK
// record still reads.
type retryHandler struct {
	con      *console
	verbose  bool
	terminal bool        // stderr is a terminal
	attrs    []slog.Attr // from WithAttrs
}

func newRetryHandler(con *console, verbose, terminal bool) *retryHandler {
	return &retryHandler{con: con, verbose: verbose, terminal: terminal}
}

// Enabled is false when no retry would be said, so that the SDK skips
// building its records.
func (h *retryHandler) Enabled(context.Context, slog.Level) bool { return h.verbose || h.terminal }

func (h *retryHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	h2 := *h
	h2.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	return &h2
}

// WithGroup returns h: attributes are matched by name whatever their group.
func (h *retryHandler) WithGroup(string) slog.Handler { return h }

func (h *retryHandler) Handle(_ context.Context, r slog.Record) error {
	ev := readRetry(r, h.attrs)
	if !ev.isRetry {
		return nil
	}
	if !h.verbose && h.con.silence()+ev.wait < retrySilence {
		return nil
	}
	h.con.note(ev.String())
	return nil
}

// retryEvent is what a retry record says.
type retryEvent struct {
	isRetry      bool
	method, path string
	attempt      int // 0: not said
	wait         time.Duration
	waitSaid     bool
	why          string
}

// readRetry reads r (and the handler's attrs). A record is a retry when
// its message says "retry" or it carries a wait.
func readRetry(r slog.Record, attrs []slog.Attr) retryEvent {
	var ev retryEvent
	status := 0
	visit := func(a slog.Attr) bool {
		ev.read(a, &status)
		return true
	}
	for _, a := range attrs {
		visit(a)
	}
	r.Attrs(visit)
	msg := strings.TrimPrefix(r.Message, "riskcloud: ")
	ev.isRetry = ev.waitSaid || strings.Contains(strings.ToLower(msg), "retry")
	if ev.why == "" && status > 0 {
		ev.why = strings.TrimSpace(strconv.Itoa(status) + " " + http.StatusText(status))
	}
	if ev.why == "" && !strings.EqualFold(msg, "retrying") && !strings.EqualFold(msg, "retry") {
		ev.why = msg
	}
	return ev
}

// read takes in one attribute, and those of a group.
func (ev *retryEvent) read(a slog.Attr, status *int) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		for _, ga := range v.Group() {
			ev.read(ga, status)
		}
		return
	}
	switch strings.ToLower(a.Key) {
	case "method":
		ev.method = v.String()
	case "path":
		ev.path = v.String()
	case "attempt", "try", "retry":
		ev.attempt = int(numberOf(v))
	case "wait", "delay", "backoff", "sleep", "retry_in", "retryin":
		ev.wait, ev.waitSaid = durationOf(v)
	case "why", "reason", "error", "err", "cause":
		ev.why = v.String()
	case "status", "status_code", "statuscode", "code":
		*status = int(numberOf(v))
	}
}

// numberOf reads an integer of any kind, or 0.
func numberOf(v slog.Value) int64 {
	switch v.Kind() {
	case slog.KindInt64:
		return v.Int64()
	case slog.KindUint64:
		return int64(v.Uint64())
	case slog.KindFloat64:
		return int64(v.Float64())
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(v.String()), 10, 64)
	return n
}

// durationOf reads a duration: a Duration, nanoseconds (as slog's JSON
// handler writes one), seconds as a float, or a string such as "1.5s".
func durationOf(v slog.Value) (time.Duration, bool) {
	switch v.Kind() {
	case slog.KindDuration:
		return v.Duration(), true
	case slog.KindInt64:
		return time.Duration(v.Int64()), true
	case slog.KindFloat64:
		return time.Duration(v.Float64() * float64(time.Second)), true
	}
	d, err := time.ParseDuration(strings.TrimSpace(v.String()))
	return d, err == nil
}

// String reads "retrying GET /api/v1/access-audit/logins in 1.5s (attempt
// 2): 503 Service Unavailable", leaving out what the record did not say.
func (ev retryEvent) String() string {
	var b strings.Builder
	b.WriteString("retrying")
	if ev.method != "" || ev.path != "" {
		b.WriteString(" " + strings.TrimSpace(ev.method+" "+ev.path))
	}
	if ev.waitSaid {
		b.WriteString(" in " + roundWait(ev.wait).String())
	}
	if ev.attempt > 0 {
		fmt.Fprintf(&b, " (attempt %d)", ev.attempt)
	}
	if ev.why != "" {
		b.WriteString(": " + ev.why)
	}
	return b.String()
}

// roundWait keeps a wait readable: tenths of a second, or milliseconds
// below that.
func roundWait(d time.Duration) time.Duration {
	if d >= 100*time.Millisecond {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}
