package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// ids returns the ids of jsonl output, in order.
func ids(t *testing.T, stdout string) []string {
	t.Helper()
	var out []string
	for _, r := range jsonLines(t, stdout) {
		if r.ID == nil || *r.ID == "" {
			t.Fatalf("a line without an id in %q", stdout)
		}
		out = append(out, *r.ID)
	}
	return out
}

// TestRunState_resumes: a first --state run prints everything oldest
// first and saves the cursor (0600); the next prints only what arrived in
// between, and one with nothing new prints nothing and says nothing.
func TestRunState_resumes(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(entriesAt(30, testEnd)...)
	state := filepath.Join(t.TempDir(), "logins.state")
	h := harness{env: tokenEnv(srv)}

	res := h.run(t, "logins", "--state", state, "--size", "4")
	recs := jsonLines(t, res.stdout)
	if res.code != exitOK || len(recs) != 15 || *recs[0].Timestamp != "2026-11-01T11:32:00.000Z" || *recs[14].Timestamp != "2026-11-01T12:00:00.000Z" {
		t.Fatalf("first run: exit %d, %d lines, stderr %q:\n%s", res.code, len(recs), res.stderr, res.stdout)
	}
	if fi, err := os.Stat(state); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v, %v", fi, err)
	}
	srv.Add(entriesAt(4, testEnd.Add(4*time.Minute))...) // 2 logins, 2 failures
	res = h.run(t, "logins", "--state", state)
	recs = jsonLines(t, res.stdout)
	if res.code != exitOK || len(recs) != 2 || *recs[0].Timestamp != "2026-11-01T12:02:00.000Z" || *recs[1].Timestamp != "2026-11-01T12:04:00.000Z" {
		t.Fatalf("second run: exit %d, stderr %q:\n%s", res.code, res.stderr, res.stdout)
	}
	res = h.run(t, "logins", "--state", state)
	if res.code != exitOK || res.stdout != "" || res.stderr != "" {
		t.Errorf("a run with nothing new: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(state), ".*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %q", leftovers)
	}
}

// TestRunState_idsMatchPlainRun: over logs with ties and identical twins
// cut across pages, a plain run (newest first, numbering twins itself)
// writes the ids a --state run (the SDK's feed) writes.
func TestRunState_idsMatchPlainRun(t *testing.T) {
	t.Parallel()
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 21))
		srv := newServer(t)
		at, inMs := testEnd, 0
		for range 60 {
			if rng.IntN(2) == 0 {
				at, inMs = at.Add(time.Millisecond), 0
			}
			// Twins side by side: the v1 walk cannot yet read twins
			// apart in one millisecond (TestWalk_twinsApartInOneMillisecond).
			inMs++
			e := riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: at, Message: "Bad credentials", RemoteAddress: fmt.Sprint("192.0.2.", inMs)}
			srv.Add(slices.Repeat([]riskcloud.Entry{e}, 1+rng.IntN(3))...)
		}
		size := fmt.Sprint(1 + rng.IntN(7))
		h := harness{env: tokenEnv(srv)}
		res := h.run(t, "failures", "--size", size)
		if res.code != exitOK {
			t.Fatalf("seed %d: exit %d, stderr %q", seed, res.code, res.stderr)
		}
		plain := ids(t, res.stdout)
		slices.Reverse(plain)
		res = h.run(t, "failures", "--size", size, "--state", filepath.Join(t.TempDir(), "s"))
		if res.code != exitOK {
			t.Fatalf("seed %d: exit %d, stderr %q", seed, res.code, res.stderr)
		}
		fed := ids(t, res.stdout)
		if !slices.Equal(plain, fed) {
			t.Fatalf("seed %d: a plain run's ids, oldest first:\n%q\na --state run's:\n%q", seed, plain, fed)
		}
		if len(fed) != len(srv.Entries()) || len(slices.Compact(slices.Sorted(slices.Values(fed)))) != len(fed) {
			t.Fatalf("seed %d: %d ids for %d entries, or some twice", seed, len(fed), len(srv.Entries()))
		}
	}
}

// TestRunState_refusedBeforeAnyRequest: a state file that holds no
// cursor, one saved for another listing, or one that cannot be saved,
// is a usage error that names it, before any request.
func TestRunState_refusedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(entriesAt(5, testEnd)...)
	dir := t.TempDir()
	damaged := filepath.Join(dir, "damaged")
	os.WriteFile(damaged, []byte("rc1.AAAAAAAAAAAAAA\n"), 0o600)
	foreign := filepath.Join(dir, "logins.state")
	if res := (harness{env: tokenEnv(srv)}).run(t, "logins", "--state", foreign); res.code != exitOK {
		t.Fatalf("saving a logins state: exit %d, %s", res.code, res.stderr)
	}
	before := srv.Stats().PageRequests
	for _, tt := range []struct{ name, state, stderr string }{
		{"damaged", damaged, "--state " + damaged + " holds no cursor this command saved (it is damaged"},
		{"another listing", foreign, "--state " + foreign + " was saved by a feed of another listing"},
		{"no directory", filepath.Join(dir, "missing", "s"), "--state " + filepath.Join(dir, "missing", "s") + " cannot be saved: no such file or directory"},
		{"a directory", dir, "--state " + dir + " cannot be read: is a directory"},
	} {
		res := harness{env: tokenEnv(srv)}.run(t, "failures", "--state", tt.state)
		if res.code != exitUsage || res.stdout != "" || !strings.Contains(res.stderr, tt.stderr) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q, want 2 and %q", tt.name, res.code, res.stdout, res.stderr, tt.stderr)
		}
	}
	if n := srv.Stats().PageRequests - before; n != 0 {
		t.Errorf("%d page requests for refused states", n)
	}
}

// TestRunState_flagErrors: the flags' combinations that make no sense.
func TestRunState_flagErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"--state", ""}, "--state is empty"},
		{[]string{"--interval", "1m"}, "--interval needs --follow"},
		{[]string{"--follow", "--interval", "50ms"}, "--interval 50ms is too short: at least 100ms"},
		{[]string{"--follow", "--interval", "soon"}, `--interval "soon" is not a duration`},
		{[]string{"--lag", "1m"}, "--lag needs --state or --follow"},
		{[]string{"--state", "s", "--lag", "0s"}, "--lag must be positive"},
		{[]string{"--follow", "-o", "json"}, "--format json writes one JSON array, which --follow never ends: use --format jsonl"},
	} {
		res := harness{}.run(t, append([]string{"--demo", "logins"}, tt.args...)...)
		if res.code != exitUsage || !strings.Contains(res.stderr, tt.stderr) {
			t.Errorf("%q: exit %d, stderr %q, want 2 and %q", tt.args, res.code, res.stderr, tt.stderr)
		}
	}
}

// TestRunState_jsonArrayPerRun: -o json with --state writes one valid
// array a run, [] when nothing is new, and closed when a signal ends the
// run, since the cursor moved past exactly what it holds.
func TestRunState_jsonArrayPerRun(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(entriesAt(10, testEnd)...)
	state := filepath.Join(t.TempDir(), "s")
	h := harness{env: tokenEnv(srv)}
	for i, want := range []int{10, 0} {
		res := h.run(t, "-o", "json", "attempts", riskcloudtest.DefaultEmail, "--state", state)
		var arr []jsonRecord
		if err := json.Unmarshal([]byte(res.stdout), &arr); res.code != exitOK || err != nil || len(arr) != want {
			t.Fatalf("run %d: exit %d, %v, %d elements, want %d:\n%s", i, res.code, err, len(arr), want, res.stdout)
		}
	}
	srv.Add(entriesAt(3, testEnd.Add(3*time.Minute))...)
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("interrupted by terminated")) // as a signal before the first poll
	res := harness{env: tokenEnv(srv), ctx: ctx}.run(t, "-o", "json", "attempts", riskcloudtest.DefaultEmail, "--state", state)
	var arr []jsonRecord
	if err := json.Unmarshal([]byte(res.stdout), &arr); err != nil {
		t.Errorf("an interrupted --state run: %v: %q", err, res.stdout)
	}
	res = h.run(t, "-o", "json", "attempts", riskcloudtest.DefaultEmail, "--state", state)
	if err := json.Unmarshal([]byte(res.stdout), &arr); err != nil || len(arr) != 3 {
		t.Errorf("after the interrupted run: %v, %d elements, want the 3 it did not write", err, len(arr))
	}
}

// TestRunFollow_streams: --follow writes what arrives, poll by poll,
// oldest first within each, every entry once, the CSV header once, and
// ends with 0 when its context does (as on SIGTERM), its state saved: a
// --state run after it has nothing to print.
func TestRunFollow_streams(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(entriesAt(6, testEnd)...)
	state := filepath.Join(t.TempDir(), "s")
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer cancel()
		for i := range 5 {
			time.Sleep(150 * time.Millisecond)
			srv.Add(entriesAt(2, testEnd.Add(time.Duration(i+1)*2*time.Minute))...)
		}
		time.Sleep(300 * time.Millisecond)
	}()
	res := harness{env: tokenEnv(srv), ctx: ctx}.run(t, "-o", "csv", "attempts", riskcloudtest.DefaultEmail,
		"--follow", "--interval", "100ms", "--state", state)
	wg.Wait()
	rows, err := csv.NewReader(strings.NewReader(res.stdout)).ReadAll()
	if res.code != exitOK || err != nil || len(rows) != 17 || rows[0][0] != "timestamp" {
		t.Fatalf("exit %d, %v, %d rows, stderr %q:\n%s", res.code, err, len(rows), res.stderr, res.stdout)
	}
	for i := 2; i < len(rows); i++ {
		if rows[i][0] <= rows[i-1][0] {
			t.Errorf("row %d (%s) is not after row %d (%s)", i, rows[i][0], i-1, rows[i-1][0])
		}
	}
	if !strings.Contains(res.stderr, "stopped after 16 entries") || !strings.Contains(res.stderr, "state saved in "+state) {
		t.Errorf("stderr %q", res.stderr)
	}
	again := harness{env: tokenEnv(srv)}.run(t, "attempts", riskcloudtest.DefaultEmail, "--state", state)
	if again.code != exitOK || again.stdout != "" {
		t.Errorf("after --follow: exit %d, stdout %q", again.code, again.stdout)
	}
}

// TestRunState_checkpointsWithinPoll: a poll of more than
// checkpointEntries entries saves the cursor before it ends (that it
// never saves past what it flushed, the kill-and-restart test checks).
func TestRunState_checkpointsWithinPoll(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	const n = 20_500 // two checkpoints at the default checkpointEntries, and more than a feed buffers
	srv.Add(entriesAt(n, testEnd)...)
	state := filepath.Join(t.TempDir(), "s")
	var out lineCounter
	var saves []int // lines flushed when the state file changed
	var last []byte
	c := &cli{stdout: &out, stderr: io.Discard, isTerminal: func(io.Writer) bool { return false },
		now: time.Now, serve: runServe, retryWait: [2]time.Duration{time.Millisecond, time.Millisecond},
		newWriter: func(format string, w io.Writer, cfg writerConfig) entryWriter {
			return &flushSpy{entryWriter: newEntryWriter(format, w, cfg), onFlush: func() {
				if data, _ := os.ReadFile(state); !slices.Equal(data, last) {
					last = data
					saves = append(saves, out.n)
				}
			}}
		}}
	c.getenv = func(k string) string { return tokenEnv(srv)[k] }
	if code := c.run(context.Background(), []string{"attempts", riskcloudtest.DefaultEmail, "--state", state}); code != exitOK || out.n != n {
		t.Fatalf("exit %d, %d lines, want %d", code, out.n, n)
	}
	// The spy sees the file before each flush: a save it sees was made
	// after an earlier flush, which held at least checkpointEntries.
	if len(saves) < 2 || saves[0] < checkpointEntries || saves[0] >= n {
		t.Errorf("saves seen at %v lines flushed, want one within the poll, after %d", saves, checkpointEntries)
	}
}

// flushSpy calls onFlush before each flush.
type flushSpy struct {
	entryWriter
	onFlush func()
}

func (f *flushSpy) flush() error {
	f.onFlush()
	return f.entryWriter.flush()
}

// TestWalkLost: which poll errors a one-shot run polls again after.
func TestWalkLost(t *testing.T) {
	t.Parallel()
	// A walk that gives up (TestWalk_twinsApartInOneMillisecond in the
	// SDK: twins apart in one millisecond read as pages that wrap around).
	srv := newServer(t)
	a := riskcloud.Entry{Type: riskcloud.Login, Timestamp: testEnd, RemoteAddress: "192.0.2.1"}
	b := a
	b.RemoteAddress = "192.0.2.2"
	srv.Add(a)
	srv.Add(b)
	srv.Add(a)
	var lost error
	for _, err := range srv.Client().AccessAudit.Logins(&riskcloud.ListOptions{Size: 1}).All(context.Background()) {
		lost = err
	}
	if lost == nil {
		t.Log("the SDK's walk no longer gives up on twins apart: find another error of the walk for this test")
	}
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{lost, lost != nil},
		{&riskcloud.APIError{StatusCode: 700}, false}, // matches ErrUnexpectedResponse, but a request failed
		{fmt.Errorf("x: %w", riskcloud.ErrNetwork), false},
		{fmt.Errorf("x: %w", riskcloud.ErrServer), false},
		{fmt.Errorf("x: %w", riskcloud.ErrUnauthorized), false},
		{fmt.Errorf("x: %w", riskcloud.ErrInvalidArgument), false},
		{context.Canceled, false},
		{errCheckpoint, false},
	} {
		if got := walkLost(tt.err); got != tt.want {
			t.Errorf("walkLost(%v) = %t, want %t", tt.err, got, tt.want)
		}
	}
}

// TestStateFile_saveIsAtomic: a reader of the state file, while cursors
// are saved over and over, only ever finds one whole cursor or another,
// never an empty or a partial file.
func TestStateFile_saveIsAtomic(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(entriesAt(300, testEnd)...)
	feed := srv.Client().AccessAudit.Logins(&riskcloud.ListOptions{Size: 100}).Feed(riskcloud.Cursor{})
	var cursors [2]riskcloud.Cursor
	var texts [2]string
	for i := range cursors {
		for _, err := range feed.Poll(context.Background()) {
			if err != nil {
				t.Fatal(err)
			}
		}
		cursors[i] = feed.Cursor()
		text, _ := cursors[i].MarshalText()
		texts[i] = string(text) + "\n"
		srv.Add(entriesAt(200, testEnd.Add(time.Duration(i+1)*time.Hour))...)
	}
	path := filepath.Join(t.TempDir(), "s")
	s := &stateFile{path: path}
	if err := s.save(cursors[0]); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			s.save(cursors[(i+1)%2])
		}
	}()
	for reads := 0; ; reads++ {
		select {
		case <-done:
			return
		default:
		}
		data, err := os.ReadFile(path)
		if err != nil || (string(data) != texts[0] && string(data) != texts[1]) {
			<-done
			t.Fatalf("read %d: %v, %d bytes, want one whole cursor (%d or %d bytes)", reads, err, len(data), len(texts[0]), len(texts[1]))
		}
	}
}

// TestRunState_completion: --state completes file names, --interval and
// --lag a few durations and no files, on every listing command.
func TestRunState_completion(t *testing.T) {
	t.Parallel()
	for _, command := range []string{"logins", "audits", "attempts"} {
		for flag, want := range map[string]string{"--interval": "30s\n1m\n5m\n15m\n:4\n", "--lag": "30s\n1m\n5m\n15m\n:4\n", "--state": ":0\n"} {
			res := harness{}.run(t, "__complete", command, flag, "")
			if got, _, _ := strings.Cut(res.stdout, "Completion ended"); res.code != exitOK || got != want {
				t.Errorf("%s %s completes %q, want %q", command, flag, res.stdout, want)
			}
		}
	}
}

// TestRunFollow_errors: a poll that fails for a passing reason (a 503
// past its retries) is said and the next poll goes on; credentials
// refused end --follow with 1, the state saved.
func TestRunFollow_errors(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Add(entriesAt(4, testEnd)...)
	state := filepath.Join(t.TempDir(), "s")
	srv.FailNext(1, riskcloudtest.Fault{Status: http.StatusServiceUnavailable})
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	res := harness{env: tokenEnv(srv), ctx: ctx}.run(t, "logins", "--retries", "0", "--follow", "--interval", "100ms", "--state", state)
	if res.code != exitOK || len(jsonLines(t, res.stdout)) != 2 || !strings.Contains(res.stderr, "503") || !strings.Contains(res.stderr, "polling again in 100ms") {
		t.Fatalf("a 503: exit %d, stderr %q:\n%s", res.code, res.stderr, res.stdout)
	}
	srv.RevokeToken()
	srv.Add(entriesAt(2, testEnd.Add(2*time.Minute))...)
	start := time.Now()
	res = harness{env: tokenEnv(srv)}.run(t, "logins", "--follow", "--interval", "100ms", "--state", state)
	if res.code != exitAPI || res.stdout != "" || !strings.Contains(res.stderr, "401") || time.Since(start) > 5*time.Second {
		t.Errorf("a revoked token: exit %d after %s, stdout %q, stderr %q", res.code, time.Since(start), res.stdout, res.stderr)
	}
}

// TestRunState_walkGivesUp: where the SDK's v1 walk gives up on a log
// (identical twins apart in one millisecond, one ending a page and its
// twin starting another: TestWalk_twinsApartInOneMillisecond), a --state
// run polls again, in pages of another size, from the last entry written,
// and a --limit still caps the run.
func TestRunState_walkGivesUp(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	a := riskcloud.Entry{Type: riskcloud.Login, Timestamp: testEnd, RemoteAddress: "192.0.2.1"}
	b := a
	b.RemoteAddress = "192.0.2.2"
	srv.Add(entriesAt(6, testEnd.Add(-time.Hour))...)
	srv.Add(a)
	srv.Add(b)
	srv.Add(a)
	h := harness{env: tokenEnv(srv)}
	if res := h.run(t, "logins", "--size", "1"); res.code != exitAPI {
		t.Logf("a plain run no longer fails (exit %d): the SDK's walk reads this log now", res.code)
	}
	state := filepath.Join(t.TempDir(), "s")
	res := h.run(t, "logins", "--size", "1", "--state", state, "--limit", "5")
	first := ids(t, res.stdout)
	if res.code != exitOK || len(first) != 5 {
		t.Fatalf("exit %d, %d entries, want 5; stderr %q", res.code, len(first), res.stderr)
	}
	res = h.run(t, "logins", "--size", "1", "--state", state)
	all := append(first, ids(t, res.stdout)...)
	want := ids(t, h.run(t, "logins", "--size", "10").stdout) // newest first
	slices.Reverse(want)
	if res.code != exitOK || !slices.Equal(all, want) {
		t.Errorf("exit %d, stderr %q; ids\n%q\nwant\n%q", res.code, res.stderr, all, want)
	}
}
