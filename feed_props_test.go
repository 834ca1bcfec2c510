package riskcloud_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// This file is the Feed's property test, v1 and v2: for each seed, a
// sequence of runs, each a fresh Feed from the Cursor the run before saved
// as text, over a log that changes before page requests and between polls
// (arrivals stamped now, ties, v1's identical twins, late writes within
// the lag and beyond it, retention), with faults that outlast the retries,
// random breaks out of a poll, Follow cut short by its ctx, a per-poll
// Limit, and now and then a crash: the next run restores an older cursor
// and must yield again, with the same ids, what was yielded since. A final
// drain polls until nothing is new; then every entry that was never
// deleted and whose time the floor never passed must have been yielded,
// and nothing twice (see propLedger).
//
// RISKCLOUD_CHURN_SEEDS sets the seeds of each API (120 by default);
// RISKCLOUD_FEED_SEED=n runs seed n alone and logs its polls. Seeds repeat
// only roughly: Follow's timing and Prefetch's order vary between runs.
// What the log does is bounded by documented limits of the v1 walk (see
// drawPropConfig and propModel.addTwin), each with its own test.

// propSide is what the test needs of one API's feeds.
type propSide[T any] struct {
	feed      func(c *riskcloud.Client, cfg propConfig, since time.Time, cur riskcloud.Cursor) *riskcloud.Feed[T]
	yielded   func(e T) propYield
	twinOrder bool
}

var v1Side = propSide[riskcloud.Entry]{
	feed: func(c *riskcloud.Client, cfg propConfig, since time.Time, cur riskcloud.Cursor) *riskcloud.Feed[riskcloud.Entry] {
		return c.AccessAudit.Logins(&riskcloud.ListOptions{Size: cfg.size, Prefetch: cfg.prefetch, Limit: cfg.limit, Since: since}).Feed(cur)
	},
	yielded: func(e riskcloud.Entry) propYield {
		return propYield{id: e.ID, content: string(bytes.TrimSpace(e.Raw)), ts: e.Timestamp}
	},
	twinOrder: true,
}

var v2Side = propSide[riskcloud.AccessAudit]{
	feed: func(c *riskcloud.Client, cfg propConfig, since time.Time, cur riskcloud.Cursor) *riskcloud.Feed[riskcloud.AccessAudit] {
		return c.Audits.Access(&riskcloud.AccessAuditOptions{Size: cfg.size, Prefetch: cfg.prefetch, Limit: cfg.limit, Since: since}).Feed(cur)
	},
	yielded: func(e riskcloud.AccessAudit) propYield { return propYield{id: e.ID, content: e.ID, ts: e.Created} },
}

func TestFeed_v1_exactlyOnceUnderChurn(t *testing.T) {
	t.Parallel()
	runProps(t, v1Side, false, churnSeeds(t, 120))
}

func TestFeed_v2_exactlyOnceUnderChurn(t *testing.T) {
	t.Parallel()
	runProps(t, v2Side, true, churnSeeds(t, 120))
}

func runProps[T any](t *testing.T, side propSide[T], v2 bool, seeds int) {
	var mu sync.Mutex
	var total propTally
	t.Cleanup(func() {
		t.Logf("%d seeds: %d entries checked (%d written late), %d yields, %d repeats after %d crashes, %d poll errors, %d breaks, %d follows",
			seeds, total.must, total.mustLate, total.yields, total.repeats, total.rollbacks, total.errors, total.breaks, total.follows)
		if seeds >= 100 && (total.mustLate == 0 || total.repeats == 0 || total.errors == 0 || total.breaks == 0) {
			t.Errorf("the seeds did not reach every case: %+v", total)
		}
	})
	for seed := range uint64(seeds) {
		if only := os.Getenv("RISKCLOUD_FEED_SEED"); only != "" && only != fmt.Sprint(seed) {
			continue
		}
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			tally := runPropSeed(t, side, v2, seed)
			mu.Lock()
			defer mu.Unlock()
			total.must += tally.must
			total.mustLate += tally.mustLate
			total.yields += tally.yields
			total.repeats += tally.repeats
			total.rollbacks += tally.rollbacks
			total.errors += tally.errors
			total.breaks += tally.breaks
			total.follows += tally.follows
		})
	}
}

// propRun is one seed's state between runs.
type propRun[T any] struct {
	t      *testing.T
	side   propSide[T]
	cfg    propConfig
	model  *propModel
	client *riskcloud.Client
	rng    *rand.Rand
	since  time.Time
	tally  propTally
	// saved holds the cursors saved so far, as text, with the number of
	// committed yields each covers.
	saved   []savedCursor
	lastErr error
}

// fatalf reports a failure with the end of the trace.
func (r *propRun[T]) fatalf(format string, args ...any) {
	r.t.Helper()
	r.model.mu.Lock()
	tail := r.model.trace[max(0, len(r.model.trace)-80):]
	if name := os.Getenv("RISKCLOUD_FEED_TRACEFILE"); name != "" {
		os.WriteFile(name, []byte(strings.Join(r.model.trace, "\n")), 0o600)
	}
	r.model.mu.Unlock()
	r.t.Fatalf("%v: %s\n%s", r.cfg, fmt.Sprintf(format, args...), strings.Join(tail, "\n"))
}

type savedCursor struct {
	text []byte
	n    int
}

func runPropSeed[T any](t *testing.T, side propSide[T], v2 bool, seed uint64) propTally {
	rng := rand.New(rand.NewPCG(seed, 0xfeed))
	cfg := drawPropConfig(rng, v2)
	m := &propModel{cfg: cfg, rng: rand.New(rand.NewPCG(seed, 0xfeee)), mirror: newPropMirror(),
		now: time.Now().Add(-time.Hour).Truncate(time.Second)}
	opts := []riskcloudtest.Option{riskcloudtest.WithBeforePage(m.beforePage), riskcloudtest.WithMaxPageSize(cfg.maxPage),
		riskcloudtest.WithCreatedEncoding(cfg.created), oldestFirstIf(cfg.oldestFirst)}
	m.srv = newServer(t, 0, opts...)
	start := m.now
	m.seed(rng.IntN(120))
	var since time.Time
	if cfg.since {
		since = start.Add(time.Duration(rng.Int64N(int64(m.now.Sub(start)) + 1)))
	}
	m.ledger = newPropLedger(since)
	if os.Getenv("RISKCLOUD_FEED_SEED") != "" {
		t.Logf("%v", cfg)
	}
	r := &propRun[T]{t: t, side: side, cfg: cfg, model: m, client: newTestClient(t, m.srv), rng: rng, since: since,
		saved: []savedCursor{{text: []byte{}}}}
	cur := []byte{}
	for range cfg.runs {
		cur = r.run(r.crash(cur))
		m.change(true)
	}
	m.mu.Lock()
	m.frozen = true
	m.mu.Unlock()
	r.drain(cur)
	if got := m.srv.Len(); got != len(m.mirror.alive) {
		t.Fatalf("%v: the test's mirror holds %d entries, the server %d", cfg, len(m.mirror.alive), got)
	}
	lag := cfg.lag
	if lag == 0 {
		lag = riskcloud.DefaultLag
	}
	if problem := m.ledger.missing(m.mirror, lag, &r.tally); problem != "" {
		r.fatalf("lost: %s", problem)
	}
	return r.tally
}

// crash, one run in six, restores an older saved cursor instead of cur,
// as a sink that lost what it wrote after saving it would.
func (r *propRun[T]) crash(cur []byte) []byte {
	if len(r.saved) < 2 || r.rng.IntN(6) != 0 {
		return cur
	}
	i := r.rng.IntN(len(r.saved) - 1)
	r.model.note("crash: back to cursor %d", i)
	r.model.ledger.rollback(r.saved[i].n)
	r.saved = r.saved[:i+1]
	return r.saved[i].text
}

// newFeed returns a feed from the cursor text, with the seed's lag and
// buffer, or, now and then, a lag and buffer of zero (the defaults).
func (r *propRun[T]) newFeed(text []byte, limit bool) *riskcloud.Feed[T] {
	var cur riskcloud.Cursor
	if err := cur.UnmarshalText(text); err != nil {
		r.t.Fatalf("%v: UnmarshalText of a saved cursor: %v", r.cfg, err)
	}
	cfg := r.cfg
	if !limit {
		cfg.limit = 0
	}
	f := r.side.feed(r.client, cfg, r.since, cur)
	f.Lag, f.Buffer = r.cfg.lag, r.cfg.buffer
	return f
}

// run is one run of a process: one to three polls, or a Follow cut short,
// from the cursor text; it returns the cursor it saves.
func (r *propRun[T]) run(text []byte) []byte {
	f := r.newFeed(text, true)
	r.model.note("run")
	if r.rng.IntN(3) == 0 {
		r.follow(f)
	} else {
		for range 1 + r.rng.IntN(3) {
			if r.poll(f, true) < 0 {
				break
			}
			r.model.change(true)
		}
	}
	return r.save(f)
}

// save marshals f's cursor, checks that its text round-trips, and keeps
// it with the number of yields it covers.
func (r *propRun[T]) save(f *riskcloud.Feed[T]) []byte {
	text, err := f.Cursor().MarshalText()
	if err != nil {
		r.t.Fatalf("%v: MarshalText: %v", r.cfg, err)
	}
	var back riskcloud.Cursor
	if err := back.UnmarshalText(text); err != nil {
		r.t.Fatalf("%v: UnmarshalText of %q: %v", r.cfg, text, err)
	}
	if again, _ := back.MarshalText(); !bytes.Equal(again, text) {
		r.t.Fatalf("%v: a cursor's text does not round-trip", r.cfg)
	}
	r.saved = append(r.saved, savedCursor{text: text, n: r.model.ledger.len()})
	return text
}

// poll ranges one poll of f, breaking out at random when mayBreak; it
// returns the entries yielded, or -1 if it broke off or met an error.
func (r *propRun[T]) poll(f *riskcloud.Feed[T], mayBreak bool) int {
	r.model.ledger.startPoll()
	r.model.note("poll")
	breakAt := -1
	if mayBreak && r.rng.IntN(4) == 0 {
		breakAt = r.rng.IntN(20)
	}
	n := 0
	defer func() {
		if os.Getenv("RISKCLOUD_FEED_SEED") != "" {
			r.t.Logf("poll: %d yielded, %d requests so far", n, r.model.srv.Stats().PageRequests)
		}
	}()
	for e, err := range f.Poll(context.Background()) {
		if err != nil {
			r.tally.errors++
			r.lastErr = err
			r.model.note("error %v", err)
			return -1
		}
		r.record(e)
		if n == breakAt {
			r.tally.breaks++
			return -1
		}
		n++
	}
	return n
}

// record checks and keeps an entry a feed yielded.
func (r *propRun[T]) record(e T) {
	y := r.side.yielded(e)
	r.model.note("yield %.8s %v %.110s", y.id, y.ts.Format("05.000000000"), y.content)
	r.model.mu.Lock()
	c := r.model.mirror.contents[y.content]
	r.model.mu.Unlock()
	if problem := r.model.ledger.yield(y, c, r.side.twinOrder); problem != "" {
		r.fatalf("%s", problem)
	}
}

// follow ranges Follow with a short interval until its ctx ends, after a
// few entries or a few milliseconds, and checks that it then ends at
// once, with the ctx's error last.
func (r *propRun[T]) follow(f *riskcloud.Feed[T]) {
	r.tally.follows++
	r.model.ledger.startPoll()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopAfter := r.rng.IntN(30)
	timer := time.AfterFunc(time.Duration(2+r.rng.IntN(15))*time.Millisecond, cancel)
	defer timer.Stop()
	var cancelled time.Time
	n := 0
	var last error
	for e, err := range f.Follow(ctx, time.Duration(1+r.rng.IntN(3))*time.Millisecond) {
		if errors.Is(last, context.Canceled) {
			r.t.Fatalf("%v: Follow yielded after its ctx's error", r.cfg)
		}
		last = err
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				r.tally.errors++
			}
			continue
		}
		r.record(e)
		if n++; n == stopAfter {
			cancel()
		}
		if cancelled.IsZero() && ctx.Err() != nil {
			cancelled = time.Now()
		}
	}
	if cancelled.IsZero() {
		cancelled = time.Now()
	}
	if d := time.Since(cancelled); d > 2*time.Second {
		r.t.Fatalf("%v: Follow ended %v after its ctx", r.cfg, d)
	}
	if ctx.Err() == nil {
		r.t.Fatalf("%v: Follow ended before its ctx", r.cfg)
	}
	if !errors.Is(last, context.Canceled) {
		r.t.Fatalf("%v: Follow ended on %v, not on its ctx's error", r.cfg, last)
	}
}

// drain polls fresh feeds from cur, the log no longer changing, until a
// poll finds nothing new.
func (r *propRun[T]) drain(cur []byte) {
	for range 20 {
		f := r.newFeed(cur, false)
		n := r.poll(f, false)
		cur = r.save(f)
		if n == 0 {
			return
		}
	}
	r.t.Fatalf("%v: polls still find new entries in a log that no longer changes, or fail (the last error: %v)", r.cfg, r.lastErr)
}
