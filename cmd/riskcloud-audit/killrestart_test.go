//go:build unix

package main

// The kill-and-restart test: issue 13's done-when for the command line.
// The built binary follows a log that keeps changing (ties, identical
// twins, late arrivals, retention) with --state, is killed at random
// moments and restarted from its state file, many times; the union of its
// outputs must hold every entry exactly once when SIGTERM stopped it, and
// at least once, repeats carrying the same id and bytes, when SIGKILL did.
//
// The seed repeats the test's choices (signals' delays, flags, entries),
// not the timing of kills against arrivals, which is the machine's. How it
// was seen to fail: a run that ignores its saved cursor fails the SIGTERM
// variants (every entry twice); one that saves the cursor before it
// flushes fails the SIGKILL variants about three times in eight at the
// default length (entries lost where a kill lands in a write blocked on a
// slow reader). A save that is not atomic (os.WriteFile) it does not catch:
// the window is microseconds, and an emptied file, a zero cursor, only
// repeats entries; TestStateFile_saveIsAtomic catches that.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// The environment variables that repeat or lengthen the test.
const (
	envKillSeed       = "RISKCLOUD_KILLTEST_SEED"       // the seed of every random choice
	envKillIterations = "RISKCLOUD_KILLTEST_ITERATIONS" // runs killed per variant (default killIterations)
)

// killIterations is the runs killed per variant by default: a few seconds
// of work, so that go test ./... runs it.
const killIterations = 8

// killLag is the --lag of the runs; late entries are stamped up to three
// quarters of it before the newest, and retention takes nothing younger
// than three times it.
const killLag = 500 * time.Millisecond

func TestKillRestart(t *testing.T) {
	t.Parallel()
	seed, iterations := killSettings(t)
	t.Logf("seed %d, %d runs per variant (%s=%d %s=%d repeat the choices)", seed, iterations, envKillSeed, seed, envKillIterations, iterations)
	variants := []struct {
		name string
		v2   bool
		sig  syscall.Signal
	}{
		{"failures/SIGTERM", false, syscall.SIGTERM},
		{"failures/SIGKILL", false, syscall.SIGKILL},
		{"audits/SIGTERM", true, syscall.SIGTERM},
		{"audits/SIGKILL", true, syscall.SIGKILL},
	}
	for i, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			k := &killTest{t: t, rng: rand.New(rand.NewPCG(uint64(seed), uint64(i))), v2: v.v2, sig: v.sig,
				state: filepath.Join(t.TempDir(), "state")}
			k.run(iterations)
		})
	}
}

// killSettings reads the seed (random unless set) and the iteration count.
func killSettings(t *testing.T) (seed int64, iterations int) {
	seed, iterations = rand.Int64N(1<<40), killIterations
	if s := os.Getenv(envKillSeed); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", envKillSeed, s, err)
		}
		seed = n
	}
	if s := os.Getenv(envKillIterations); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q is not a positive number", envKillIterations, s)
		}
		iterations = n
	}
	return seed, iterations
}

// killTest is one variant: a server whose log a churn changes, and the
// runs of the binary against it.
type killTest struct {
	t     *testing.T
	rng   *rand.Rand // the runs' choices; the churn has its own
	v2    bool
	sig   syscall.Signal
	state string
	srv   *riskcloudtest.Server
	log   *churn
	runs  []killRun
}

// killRun is one run of the binary: how it was run and what it wrote.
type killRun struct {
	args   []string
	delay  time.Duration // before the signal
	slow   bool          // stdout was read slowly: writes block, as to a busy shipper
	code   int           // -1: ended by a signal
	stdout string
	stderr string
}

func (k *killTest) run(iterations int) {
	k.srv = newServer(k.t)
	k.log = newChurn(k.srv, k.v2, k.rng.Uint64())
	stop := k.log.start()
	for range iterations {
		k.runOnce(k.args(), time.Duration(k.rng.IntN(500))*time.Millisecond, true)
		// Down for a while, as a restarting service is: the next run
		// catches up on what arrived meanwhile, more than a pipe holds.
		time.Sleep(time.Duration(k.rng.IntN(600)) * time.Millisecond)
	}
	stop()
	// Everything has arrived: a last run, not killed, catches up.
	last := k.runOnce(k.baseArgs(), 0, false)
	if last.code != exitOK {
		k.t.Errorf("the last run exited %d: %s", last.code, last.stderr)
	}
	k.check()
}

// baseArgs is the command line of a one-shot --state run.
func (k *killTest) baseArgs() []string {
	command := "failures"
	if k.v2 {
		command = auditsCommand
	}
	return []string{command, "--state", k.state, "--lag", killLag.String(), "--size", "100", "--format", "jsonl"}
}

// args returns the command line of a run: a one-shot --state run, or one
// that follows; either, now and then, with a --limit that cuts its polls.
func (k *killTest) args() []string {
	args := k.baseArgs()
	if k.rng.IntN(3) > 0 {
		args = append(args, "--follow", "--interval", "100ms")
	}
	if k.rng.IntN(4) == 0 {
		args = append(args, "--limit", strconv.Itoa(1+k.rng.IntN(300)))
	}
	return args
}

// runOnce runs the binary with args and, if kill, signals it after delay
// (unless it has ended by then).
func (k *killTest) runOnce(args []string, delay time.Duration, kill bool) killRun {
	t := k.t
	cmd, stderr := command(t, tokenEnv(k.srv), args...)
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out []byte
	read := make(chan struct{})
	slow := kill && k.rng.IntN(3) > 0
	if slow {
		shrinkPipe(pipe)
	}
	go func() {
		out = readOutput(pipe, slow)
		close(read)
	}()
	if kill {
		select {
		case <-read:
		case <-time.After(delay):
			cmd.Process.Signal(k.sig) // an error: it has ended
		}
	}
	<-read
	r := killRun{args: args, delay: delay, slow: slow, code: exitStatus(t, cmd), stdout: string(out), stderr: stderr.String()}
	if !kill {
		r.delay = -1
	}
	k.runs = append(k.runs, r)
	k.checkRun(r)
	return r
}

// readOutput reads all of r, quickly, or, if slow, 256 bytes a
// millisecond: the pipe fills and the run's writes block, which widens the
// moments between an entry's write and its end, where a kill must not
// lose it.
func readOutput(r io.Reader, slow bool) []byte {
	if !slow {
		out, _ := io.ReadAll(r)
		return out
	}
	var out bytes.Buffer
	buf := make([]byte, 256)
	for {
		n, err := r.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			return out.Bytes()
		}
		time.Sleep(time.Millisecond)
	}
}

// checkRun checks how a run ended: SIGTERM ends --follow with 0 and a
// one-shot run with 0 or 143, whole lines written; only a run signalled
// before it could catch the signal (before main) may die of it, having
// written nothing.
func (k *killTest) checkRun(r killRun) {
	if k.sig == syscall.SIGKILL && r.delay >= 0 {
		return // anything goes: the union is what counts
	}
	follow := slices.Contains(r.args, "--follow")
	switch {
	case r.code == -1 && r.stdout == "":
	case r.code == exitOK, r.code == 143 && !follow:
	default:
		k.t.Errorf("a run (%s, signalled after %s) exited %d; stderr %q", strings.Join(r.args, " "), r.delay, r.code, r.stderr)
	}
	if r.stdout != "" && !strings.HasSuffix(r.stdout, "\n") {
		k.t.Errorf("a run stopped by %s left a line cut short: %q", k.sig, tail(r.stdout))
	}
}

// churn changes a server's log as a busy tenant's changes, in the
// background: entries at the newest millisecond or a few after it (ties),
// identical twins, late entries stamped up to three quarters of killLag
// before the newest (as clock skew between servers does), and retention
// taking the oldest, whole milliseconds at a time, never younger than
// three killLags. It keeps what retention took, which a run may or may
// not have seen.
type churn struct {
	srv     *riskcloudtest.Server
	v2      bool
	rng     *rand.Rand
	clock   time.Time // the newest timestamp stamped
	recent  []item    // the last entries added, for late twins
	mu      sync.Mutex
	removed []item // oldest first
}

// item is an entry of either version.
type item struct {
	entry riskcloud.Entry
	audit riskcloud.AccessAudit
}

func (it item) time() time.Time {
	if it.entry.Raw != nil || !it.entry.Timestamp.IsZero() {
		return it.entry.Timestamp
	}
	return it.audit.Created
}

func newChurn(srv *riskcloudtest.Server, v2 bool, seed uint64) *churn {
	return &churn{srv: srv, v2: v2, rng: rand.New(rand.NewPCG(seed, 13)),
		clock: time.Now().Add(-time.Hour).Truncate(time.Millisecond).UTC()}
}

// start changes the log every 2ms until the returned stop is called.
func (c *churn) start() (stop func()) {
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
				c.step()
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// step makes one change.
func (c *churn) step() {
	c.clock = c.clock.Add(time.Duration(c.rng.IntN(7)) * time.Millisecond) // 0: a tie
	switch r := c.rng.IntN(100); {
	case r < 12 && len(c.recent) > 0: // a late twin of a recent entry
		old := c.recent[c.rng.IntN(len(c.recent))]
		if c.clock.Sub(old.time()) < killLag*3/4 {
			c.add(old)
		}
	case r < 24: // a late entry
		c.add(c.newItem(c.clock.Add(-time.Duration(c.rng.IntN(int(killLag/time.Millisecond)*3/4)) * time.Millisecond)))
	case r < 36: // identical twins, added together
		it := c.newItem(c.clock)
		c.add(it, it)
	case r < 38:
		c.retain()
	default:
		c.add(c.newItem(c.clock))
	}
}

var (
	killMessages = []string{"Bad credentials", "Account locked"}
	killTypes    = []riskcloud.AccessAuditType{riskcloud.AuditLogin, riskcloud.AuditLoginFailed, riskcloud.AuditLogout}
	killUsers    = []riskcloud.AuditUser{{ID: "u-1", Name: "Alice", Email: "alice@example.com"}, {ID: "u-2", Name: "Bob", Email: "bob@example.com"}}
)

// newItem returns an entry stamped at, from few enough values that ties
// are often identical twins too. A v1 log has logins among its failures,
// which failures does not list.
func (c *churn) newItem(at time.Time) item {
	addr := fmt.Sprintf("10.0.0.%d", c.rng.IntN(4))
	if c.v2 {
		return item{audit: riskcloud.AccessAudit{Type: killTypes[c.rng.IntN(len(killTypes))], User: killUsers[c.rng.IntN(len(killUsers))],
			RemoteAddress: addr, Details: killMessages[c.rng.IntN(len(killMessages))], Created: at}}
	}
	e := riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: at, Message: killMessages[c.rng.IntN(len(killMessages))], RemoteAddress: addr}
	if c.rng.IntN(5) == 0 {
		e.Type, e.Message = riskcloud.Login, ""
	}
	return item{entry: e}
}

// add files its, newest first, and remembers the last for late twins.
func (c *churn) add(its ...item) {
	if c.v2 {
		audits := make([]riskcloud.AccessAudit, len(its))
		for i, it := range its {
			audits[i] = it.audit
		}
		c.srv.AddAudits(audits...)
	} else {
		entries := make([]riskcloud.Entry, len(its))
		for i, it := range its {
			entries[i] = it.entry
		}
		c.srv.Add(entries...)
	}
	c.recent = append(c.recent, its[0])
	if len(c.recent) > 64 {
		c.recent = c.recent[1:]
	}
}

// served returns the log as the server holds it, oldest first.
func (c *churn) served() []item {
	var out []item
	if c.v2 {
		for _, a := range c.srv.Audits() {
			out = append(out, item{audit: a})
		}
	} else {
		for _, e := range c.srv.Entries() {
			out = append(out, item{entry: e})
		}
	}
	slices.Reverse(out)
	return out
}

// retain removes some of the oldest entries, whole milliseconds of them,
// none younger than three killLags: twins go together, and no late entry
// or twin can land in a millisecond retention has taken.
func (c *churn) retain() {
	log := c.served()
	n := min(1+c.rng.IntN(60), len(log))
	for n > 0 && n < len(log) && log[n].time().Equal(log[n-1].time()) {
		n++
	}
	if n == 0 || !log[n-1].time().Before(c.clock.Add(-3*killLag)) {
		return
	}
	c.mu.Lock()
	c.removed = append(c.removed, log[:n]...)
	c.mu.Unlock()
	c.srv.RemoveOldest(n)
}

// expected maps the id of every entry the runs may have written to the
// entry, and says which the server still holds (those they must have
// written). A v1 entry's id counts its identical twins oldest first, as
// the feed numbers them, over the whole history: retention takes twins
// together, so that the numbers of those left do not move.
func (k *killTest) expected() (byID map[string]item, required []string) {
	k.log.mu.Lock()
	history := append(slices.Clone(k.log.removed), k.log.served()...)
	held := len(history) - len(k.log.served())
	k.log.mu.Unlock()
	byID = make(map[string]item)
	twins := make(map[string]int)
	for i, it := range history {
		id := it.audit.ID
		if !k.v2 {
			if it.entry.Type != riskcloud.LoginFail {
				continue
			}
			raw := string(bytes.TrimSpace(it.entry.Raw))
			id = riskcloud.EntryID(it.entry, twins[raw])
			twins[raw]++
		}
		byID[id] = it
		if i >= held {
			required = append(required, id)
		}
	}
	return byID, required
}

// written is what the runs wrote of one id.
type written struct {
	line string
	runs []int
}

// check compares the union of the runs' outputs with the log.
func (k *killTest) check() {
	t := k.t
	byID, required := k.expected()
	got := make(map[string]*written)
	var problems []string
	for i, r := range k.runs {
		for _, line := range completeLines(r.stdout) {
			id, problem := k.checkLine(line, byID)
			if problem != "" {
				problems = append(problems, fmt.Sprintf("run %d: %s: %s", i, problem, line))
				continue
			}
			w := got[id]
			if w == nil {
				w = &written{line: line}
				got[id] = w
			} else if w.line != line {
				problems = append(problems, fmt.Sprintf("run %d wrote id %s as %s, run %d as %s", i, id, line, w.runs[0], w.line))
			}
			w.runs = append(w.runs, i)
		}
	}
	for _, id := range required {
		if got[id] == nil {
			problems = append(problems, fmt.Sprintf("lost: id %s, %s", id, describe(byID[id])))
		}
	}
	for _, w := range got {
		if len(w.runs) > 1 && k.sig == syscall.SIGTERM {
			problems = append(problems, fmt.Sprintf("written %d times (runs %v): %s", len(w.runs), w.runs, w.line))
		}
	}
	t.Logf("%d runs (%s) wrote %d entries, %d of them distinct, %d after a newer one (late); the server holds %d, retention took %d",
		len(k.runs), k.endings(), k.lines(), len(got), k.late(), len(required), len(byID)-len(required))
	if len(problems) > 0 {
		slices.Sort(problems)
		for i, r := range k.runs {
			t.Logf("run %d: %s, signalled after %s (slow reader: %t): exit %d, %d lines; stderr %q", i, strings.Join(r.args, " "), r.delay, r.slow, r.code,
				len(completeLines(r.stdout)), r.stderr)
		}
		t.Errorf("%d problems (%s), the first 30:\n%s", len(problems), k.sig, strings.Join(problems[:min(30, len(problems))], "\n"))
	}
}

// lines counts the complete lines the runs wrote.
func (k *killTest) lines() int {
	n := 0
	for _, r := range k.runs {
		n += len(completeLines(r.stdout))
	}
	return n
}

// endings counts the runs by exit code (-1: a signal).
func (k *killTest) endings() string {
	codes := make(map[int]int)
	for _, r := range k.runs {
		codes[r.code]++
	}
	return fmt.Sprintf("exit codes %v", codes)
}

// late counts the lines a run wrote after one stamped later: late
// arrivals found by a later poll.
func (k *killTest) late() int {
	n := 0
	for _, r := range k.runs {
		var newest string
		for _, line := range completeLines(r.stdout) {
			var rec struct{ Timestamp string }
			json.Unmarshal([]byte(line), &rec)
			if rec.Timestamp < newest { // RFC 3339 in UTC, milliseconds: ordered as text
				n++
			}
			newest = max(newest, rec.Timestamp)
		}
	}
	return n
}

// completeLines returns the lines of out that end with a newline: a line
// cut short by SIGKILL never reached the sink whole.
func completeLines(out string) []string {
	lines := strings.Split(out, "\n")
	return lines[:len(lines)-1]
}

// checkLine reads a line's id and checks its fields against the entry of
// that id.
func (k *killTest) checkLine(line string, byID map[string]item) (id, problem string) {
	var rec struct {
		Type, Timestamp, RemoteAddress, ID string
		Message, Email                     *string
	}
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		return "", "not a JSON record: " + err.Error()
	}
	it, ok := byID[rec.ID]
	if !ok {
		return "", "an id the server never had"
	}
	at, err := time.Parse(time.RFC3339Nano, rec.Timestamp)
	typ, addr, msg := string(it.entry.Type), it.entry.RemoteAddress, it.entry.Message
	if k.v2 {
		typ, addr, msg = string(it.audit.Type), it.audit.RemoteAddress, it.audit.Details
	}
	if err != nil || !at.Equal(it.time()) || rec.Type != typ || rec.RemoteAddress != addr || deref(rec.Message) != msg {
		return "", "the fields differ from those of the entry with that id, " + describe(it)
	}
	return rec.ID, ""
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// describe shows an entry in a failure's message.
func describe(it item) string {
	if it.entry.Raw != nil {
		return string(it.entry.Raw)
	}
	return fmt.Sprintf("%s %s %s %s %q", it.audit.Created.Format(time.RFC3339Nano), it.audit.Type, it.audit.User.Email, it.audit.RemoteAddress, it.audit.Details)
}
