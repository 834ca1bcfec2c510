package riskcloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// This file checks the walk's central promise, exactly once, against its
// own model of the v1 endpoint, written from the API's description rather
// than from the walk: a log read newest first that gains entries at its
// head and loses them at its tail between any two requests, with
// timestamps of every resolution the API leaves open (distinct
// milliseconds, bursts in one millisecond, whole seconds, none at all, all
// in one instant) and meta fields that may be missing.

// tsMode is how the model stamps its entries.
type tsMode int

const (
	tsDistinct tsMode = iota // each entry in a millisecond of its own
	tsBursts                 // runs of entries in one millisecond
	tsSeconds                // whole seconds, as ISO-8601 text, several entries a second
	tsNone                   // no timestamp field at all
	tsTied                   // every entry in the same millisecond
	tsModes
)

func (m tsMode) String() string {
	return [...]string{"distinct", "bursts", "seconds", "none", "tied"}[m]
}

// churnEntry is an entry of the model's log. Entries are told apart by
// serial, which only the test reads (it is in the message).
type churnEntry struct {
	serial int
	ts     int64 // epoch milliseconds; unused for tsNone
	raw    string
}

// churnServer is the model: an in-memory log answering
// /api/v1/access-audit/logins with Spring pages.
type churnServer struct {
	mu     sync.Mutex
	rng    *rand.Rand
	mode   tsMode
	log    []churnEntry // newest first
	serial int          // serial of the next entry made
	head   int64        // milliseconds of the newest entry made

	omit       map[string]bool // meta fields left out
	bare       bool            // answer the content as a bare array, no meta
	ignorePage bool            // answer page 0 whatever was asked

	// change runs before the log is read for page request number req
	// (from 0), as arrivals and retention would between requests.
	change func(s *churnServer, req int)
	reqs   int
	trace  []string // what each request was served, for failure reports
}

// maxChurnRequests ends a walk that does not end by itself.
const maxChurnRequests = 5000

// churnStart is the time of the first entry the model makes.
var churnStart = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC).UnixMilli()

func newChurnServer(seed uint64, mode tsMode, n int) *churnServer {
	s := &churnServer{rng: rand.New(rand.NewPCG(seed, 7)), mode: mode, head: churnStart, omit: map[string]bool{}}
	s.add(n)
	return s
}

// make returns a new entry, at or after the newest one made: entries arrive
// at the head, and the log stays ordered newest first.
func (s *churnServer) make() churnEntry {
	switch s.mode {
	case tsDistinct:
		s.head += 1 + s.rng.Int64N(3)
	case tsBursts:
		if s.rng.IntN(3) == 0 {
			s.head += 1 + s.rng.Int64N(2)
		}
	case tsSeconds:
		if s.rng.IntN(4) == 0 {
			s.head += 1000
		}
	}
	e := churnEntry{serial: s.serial, ts: s.head - s.head%s.resolution()}
	s.serial++
	var ts string
	switch s.mode {
	case tsNone:
	case tsSeconds:
		ts = `"timestamp":"` + time.UnixMilli(e.ts).UTC().Format("2006-01-02T15:04:05Z") + `",`
	default:
		ts = `"timestamp":` + strconv.FormatInt(e.ts, 10) + `,`
	}
	e.raw = `{"type":"LoginFail",` + ts + `"message":"Bad credentials #` + strconv.Itoa(e.serial) + `","remoteAddress":"203.0.113.7"}`
	return e
}

func (s *churnServer) resolution() int64 {
	if s.mode == tsSeconds {
		return 1000
	}
	return 1
}

// add puts n new entries at the head of the log.
func (s *churnServer) add(n int) {
	fresh := make([]churnEntry, n)
	for i := n - 1; i >= 0; i-- {
		fresh[i] = s.make()
	}
	s.log = append(fresh, s.log...)
}

// drop deletes the n oldest entries.
func (s *churnServer) drop(n int) { s.log = s.log[:max(0, len(s.log)-n)] }

// serials returns the serials of the log, newest first.
func (s *churnServer) serials() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int, len(s.log))
	for i, e := range s.log {
		out[i] = e.serial
	}
	return out
}

func (s *churnServer) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reqs
}

func (s *churnServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	size := 20
	if v := q.Get("size"); v != "" {
		size, _ = strconv.Atoi(v)
	}
	if s.reqs >= maxChurnRequests {
		// A walk this long is endless: end it with an error the test reports.
		writeJSON(w, http.StatusBadRequest, `{"status":400,"message":"endless walk"}`)
		return
	}
	if s.change != nil {
		s.change(s, s.reqs)
	}
	s.reqs++
	if s.ignorePage {
		page = 0
	}
	total := len(s.log)
	from, to := min(page*size, total), min(page*size+size, total)
	content := make([]string, 0, to-from)
	served := make([]string, 0, to-from)
	for _, e := range s.log[from:to] {
		content = append(content, e.raw)
		served = append(served, strconv.Itoa(e.serial))
	}
	s.trace = append(s.trace, fmt.Sprintf("page %d of %d: %v", page, total, served))
	body := "[" + strings.Join(content, ",") + "]"
	if !s.bare {
		totalPages := (total + size - 1) / size
		var b strings.Builder
		b.WriteString(`{"content":` + body)
		for _, m := range []struct{ name, value string }{
			{"number", strconv.Itoa(page)},
			{"size", strconv.Itoa(size)},
			{"totalElements", strconv.Itoa(total)},
			{"totalPages", strconv.Itoa(totalPages)},
			{"first", strconv.FormatBool(page == 0)},
			{"last", strconv.FormatBool(page >= totalPages-1)},
			{"numberOfElements", strconv.Itoa(len(content))},
		} {
			if !s.omit[m.name] {
				b.WriteString(`,"` + m.name + `":` + m.value)
			}
		}
		body = b.String() + "}"
	}
	writeJSON(w, http.StatusOK, body)
}

// serialOf reads an entry's serial back from its message.
func serialOf(t *testing.T, e riskcloud.Entry) int {
	t.Helper()
	_, n, ok := strings.Cut(e.Message, "#")
	serial, err := strconv.Atoi(n)
	if !ok || err != nil {
		t.Fatalf("entry without a serial: %s", e.Raw)
	}
	return serial
}

// churnWalk is what a walk yielded, entry by entry, and how it ended.
type churnWalk struct {
	got []int
	err error
}

// walkChurn walks s with opts through All, or through Pages if pages is
// set (checking that each page yields something).
func walkChurn(t *testing.T, s *churnServer, opts riskcloud.ListOptions, pages bool) churnWalk {
	t.Helper()
	c := newTestClient(t, s)
	pager := c.AccessAudit.Logins(&opts)
	var res churnWalk
	if pages {
		for p, err := range pager.Pages(context.Background()) {
			if err != nil {
				res.err = err
				break
			}
			if len(p.Content) == 0 {
				t.Errorf("Pages yielded an empty page %d", p.Number)
			}
			for _, e := range p.Content {
				res.got = append(res.got, serialOf(t, e))
			}
		}
		return res
	}
	for e, err := range pager.All(context.Background()) {
		if err != nil {
			res.err = err
			break
		}
		res.got = append(res.got, serialOf(t, e))
	}
	return res
}

// exactlyOnce returns what is wrong with a walk of a log that was orig
// (serials, newest first) when the walk began and is now the log that
// remains, or "". The walk must yield entries of orig only (no arrival),
// newest first, none twice, and every entry that existed for the whole
// walk, as far as Since, Until and Limit let it; or end with an error wrapping
// ErrUnexpectedResponse, having yielded no duplicate and no arrival.
func exactlyOnce(orig, now []int, res churnWalk, opts riskcloud.ListOptions, tsOf func(serial int) (int64, bool)) string {
	index := make(map[int]int, len(orig))
	for i, s := range orig {
		index[s] = i
	}
	seen := map[int]bool{}
	last := -1
	for _, g := range res.got {
		i, ok := index[g]
		switch {
		case seen[g]:
			return fmt.Sprintf("entry %d yielded twice", g)
		case !ok:
			return fmt.Sprintf("entry %d arrived during the walk and was yielded", g)
		case i <= last:
			return fmt.Sprintf("entry %d out of order", g)
		}
		if ms, ok := tsOf(g); ok && !opts.Since.IsZero() && ms < opts.Since.UnixMilli() {
			return fmt.Sprintf("entry %d is older than Since", g)
		}
		if ms, ok := tsOf(g); ok && !opts.Until.IsZero() && ms > opts.Until.UnixMilli() {
			return fmt.Sprintf("entry %d is newer than Until", g)
		}
		seen[g] = true
		last = i
	}
	if res.err != nil {
		if strings.Contains(res.err.Error(), "endless walk") {
			return fmt.Sprintf("the walk did not end within %d requests", maxChurnRequests)
		}
		if !errors.Is(res.err, riskcloud.ErrUnexpectedResponse) {
			return fmt.Sprintf("error %v does not wrap ErrUnexpectedResponse", res.err)
		}
		return ""
	}
	if opts.Limit > 0 && len(res.got) > opts.Limit {
		return fmt.Sprintf("%d entries past Limit %d", len(res.got), opts.Limit)
	}
	limited := opts.Limit > 0 && len(res.got) == opts.Limit
	for _, s := range now {
		i, existed := index[s]
		if !existed || seen[s] || (limited && i > last) {
			continue
		}
		if ms, ok := tsOf(s); ok && !opts.Since.IsZero() && ms < opts.Since.UnixMilli() {
			continue
		}
		if ms, ok := tsOf(s); ok && !opts.Until.IsZero() && ms > opts.Until.UnixMilli() {
			continue
		}
		return fmt.Sprintf("entry %d, in the log for the whole walk, was not yielded", s)
	}
	return ""
}

// churnCase is one randomly drawn walk of the property test.
type churnCase struct {
	seed      uint64
	mode      tsMode
	n, size   int
	steady    bool // the same change before every request
	add, drop int  // that change
	opts      riskcloud.ListOptions
	pages     bool
	omit      []string
}

func (c churnCase) String() string {
	churn := "random churn"
	if c.steady {
		churn = fmt.Sprintf("+%d -%d before every request", c.add, c.drop)
	}
	return fmt.Sprintf("seed %d: %s timestamps, %d entries, size %d, %s, Since %v, Until %v, Limit %d, Prefetch %d, Pages %v, omit %v",
		c.seed, c.mode, c.n, c.size, churn, !c.opts.Since.IsZero(), !c.opts.Until.IsZero(), c.opts.Limit, c.opts.Prefetch, c.pages, c.omit)
}

// drawChurnCase draws a walk: a timestamp mode, a log, a page size of 1 to
// 50, a change before every request (steady: a arrivals and d deletions,
// each 0..size; random: mostly small, now and then more than two pages of
// either), and Since, Limit, Pages, missing meta and Until at random.
func drawChurnCase(seed uint64, prefetch int) churnCase {
	rng := rand.New(rand.NewPCG(seed, 11))
	c := churnCase{seed: seed, mode: tsMode(rng.IntN(int(tsModes))), size: 1 + rng.IntN(50)}
	if rng.IntN(4) == 0 {
		c.size = 1 + rng.IntN(5)
	}
	c.n = rng.IntN(8 * c.size)
	c.steady = rng.IntN(2) == 0
	if c.steady {
		c.add, c.drop = rng.IntN(c.size+1), rng.IntN(c.size+1)
	}
	c.opts = riskcloud.ListOptions{Size: c.size, Prefetch: prefetch}
	if rng.IntN(5) == 0 {
		c.opts.Limit = 1 + rng.IntN(c.n+1)
	}
	if rng.IntN(5) == 0 && c.mode != tsNone {
		// Somewhere in the log's span, which Since cuts.
		c.opts.Since = time.UnixMilli(churnStart + rng.Int64N(int64(c.n)*1000+1))
		if c.mode != tsSeconds {
			c.opts.Since = time.UnixMilli(churnStart + rng.Int64N(int64(c.n)*2+1))
		}
	}
	c.pages = rng.IntN(4) == 0
	for _, m := range []string{"number", "size", "totalElements", "totalPages", "last"} {
		if rng.IntN(6) == 0 {
			c.omit = append(c.omit, m)
		}
	}
	// Drawn last, so that the cases drawn before Until existed stay as
	// they were. Somewhere in the log's span, or among arrivals (newer than
	// the log at the start), tied with other entries in every mode but
	// distinct ms; never before Since, which is an argument error.
	if rng.IntN(5) == 0 && c.mode != tsNone {
		// How far make moves the head over n entries and a few arrivals.
		span := map[tsMode]int64{tsDistinct: 3*int64(c.n) + 6, tsBursts: int64(c.n)/2 + 3,
			tsSeconds: 250*int64(c.n) + 2000, tsTied: 2}[c.mode]
		c.opts.Until = time.UnixMilli(churnStart + rng.Int64N(span+1))
		if c.opts.Until.Before(c.opts.Since) {
			c.opts.Until = c.opts.Since
		}
	}
	return c
}

// runChurnCase walks c and returns what is wrong, or "".
func runChurnCase(t *testing.T, c churnCase) (problem string, res churnWalk) {
	t.Helper()
	s := newChurnServer(c.seed, c.mode, c.n)
	for _, m := range c.omit {
		s.omit[m] = true
	}
	orig := s.serials()
	ts := map[int]int64{}
	for _, e := range s.log {
		ts[e.serial] = e.ts
	}
	rng := rand.New(rand.NewPCG(c.seed, 13))
	s.change = func(s *churnServer, req int) {
		if req == 0 {
			return
		}
		add, drop := c.add, c.drop
		if !c.steady {
			add, drop = randomChange(rng, c.size)
		}
		s.add(add)
		s.drop(drop)
	}
	res = walkChurn(t, s, c.opts, c.pages)
	tsOf := func(serial int) (int64, bool) {
		ms, ok := ts[serial]
		return ms, ok && c.mode != tsNone
	}
	problem = exactlyOnce(orig, s.serials(), res, c.opts, tsOf)
	if problem != "" {
		problem += fmt.Sprintf("\n%v\ngot %v\nerr %v\nserved:\n  %s", c, res.got, res.err, strings.Join(s.trace, "\n  "))
	}
	return problem, res
}

// randomChange draws the arrivals and deletions before one request: most
// often nothing or less than a page, now and then more than two pages.
func randomChange(rng *rand.Rand, size int) (add, drop int) {
	switch r := rng.IntN(20); {
	case r == 0:
		add = 2*size + 1 + rng.IntN(size+1)
	case r < 8:
		add = rng.IntN(size + 1)
	}
	switch r := rng.IntN(20); {
	case r == 0:
		drop = 2*size + 1 + rng.IntN(size+1)
	case r < 8:
		drop = rng.IntN(size + 1)
	}
	return add, drop
}

// churnSeeds is how many walks a property test runs: a few hundred in
// go test, as many as RISKCLOUD_CHURN_SEEDS says in a longer run.
func churnSeeds(t *testing.T, short int) int {
	if v := os.Getenv("RISKCLOUD_CHURN_SEEDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("RISKCLOUD_CHURN_SEEDS: %v", err)
		}
		return n
	}
	return short
}

// TestPager_All_exactlyOnceUnderChurn is the property test: for distinct
// entries, whatever the timestamps, the churn, the page size, the meta
// present and the options, a sequential walk yields every entry that
// existed for the whole walk exactly once, newest first, and no arrival,
// or ends with ErrUnexpectedResponse having yielded no duplicate.
func TestPager_All_exactlyOnceUnderChurn(t *testing.T) {
	t.Parallel()
	testChurn(t, 0, churnSeeds(t, 600))
}

func testChurn(t *testing.T, prefetch, seeds int) {
	t.Helper()
	tally := newChurnTally(t)
	for seed := range uint64(seeds) {
		c := drawChurnCase(seed, prefetch)
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			t.Parallel()
			tally.run(t, c)
		})
	}
}

// churnTally counts the walks of a property test, and how many were wrong
// or ended with an error, and logs the counts when the test ends.
type churnTally struct {
	mu                    sync.Mutex
	walks, wrong, errored int
}

func newChurnTally(t *testing.T) *churnTally {
	c := &churnTally{}
	t.Cleanup(func() {
		t.Logf("%d walks, %d wrong, %d ended with ErrUnexpectedResponse", c.walks, c.wrong, c.errored)
	})
	return c
}

// run walks c, counts it, and fails t if the walk was wrong.
func (c *churnTally) run(t *testing.T, cc churnCase) {
	t.Helper()
	problem, res := runChurnCase(t, cc)
	c.mu.Lock()
	c.walks++
	if problem != "" {
		c.wrong++
	} else if res.err != nil {
		c.errored++
	}
	c.mu.Unlock()
	if problem != "" {
		t.Fatal(problem)
	}
}

// TestPager_All_tiedTimestampsUnderChurn replays the three walks the
// outside harness found wrong: distinct entries in one millisecond (or
// two) on a log that gains at the head and loses at the tail.
func TestPager_All_tiedTimestampsUnderChurn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		size    int
		initial func(s *churnServer)
		changes map[int]func(s *churnServer) // before request k (from 0)
		want    []int                        // serials, or nil: check exactly-once only
	}{
		{
			// Log 1..6 at T; before request 2, three arrivals at T and
			// the three oldest deleted.
			name: "A", size: 2,
			initial: func(s *churnServer) { s.add(6) },
			changes: map[int]func(s *churnServer){1: func(s *churnServer) { s.add(3); s.drop(3) }},
			want:    []int{5, 4, 3},
		},
		{
			// 1..21 at T, 22..23 a second later; before request 3, six
			// arrivals two seconds later and three deletions; before
			// request 4, four arrivals and one deletion.
			name: "B", size: 3,
			initial: func(s *churnServer) {
				s.add(21)
				s.head += 1000
				s.add(2)
			},
			changes: map[int]func(s *churnServer){
				2: func(s *churnServer) { s.head += 1000; s.add(6); s.drop(3) },
				3: func(s *churnServer) { s.add(4); s.drop(1) },
			},
		},
		{
			// 1..7 at T; before request 2, one arrival at T, six a
			// millisecond later, and 1..5 deleted: retention reaches
			// the entry yielded last.
			name: "C", size: 3,
			initial: func(s *churnServer) { s.add(7) },
			changes: map[int]func(s *churnServer){1: func(s *churnServer) {
				s.add(1)
				s.head++
				s.add(6)
				s.drop(5)
			}},
			want: []int{6, 5, 4},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newChurnServer(0, tsTied, 0)
			tt.initial(s)
			orig := s.serials()
			s.change = func(s *churnServer, req int) {
				if f := tt.changes[req]; f != nil {
					f(s)
				}
			}
			opts := riskcloud.ListOptions{Size: tt.size}
			res := walkChurn(t, s, opts, false)
			if problem := exactlyOnce(orig, s.serials(), res, opts, func(int) (int64, bool) { return 0, false }); problem != "" {
				t.Fatalf("%s\ngot %v, err %v\nserved:\n  %s", problem, res.got, res.err, strings.Join(s.trace, "\n  "))
			}
			if res.err != nil {
				t.Fatalf("err = %v", res.err)
			}
			if tt.want != nil && !slices.Equal(res.got, tt.want) {
				t.Errorf("got %v, want %v", res.got, tt.want)
			}
		})
	}
}

// TestPager_All_exactlyOnceUnderChurnPrefetch is the property test with
// pages requested ahead.
func TestPager_All_exactlyOnceUnderChurnPrefetch(t *testing.T) {
	t.Parallel()
	for _, prefetch := range []int{1, 4, 8} {
		t.Run(strconv.Itoa(prefetch), func(t *testing.T) {
			t.Parallel()
			testChurn(t, prefetch, churnSeeds(t, 200))
		})
	}
}

// TestPrefetch_steadyRetentionGrid walks logs in steady state, as many
// arrivals as deletions before every request (so the count never moves),
// with pages requested ahead: every size from 1 to 50 and every a = d from
// 1 to the size in a longer run (RISKCLOUD_CHURN_GRID=1), a sample of them
// in go test. No walk may lose or double an entry.
func TestPrefetch_steadyRetentionGrid(t *testing.T) {
	t.Parallel()
	full := os.Getenv("RISKCLOUD_CHURN_GRID") != ""
	tally := newChurnTally(t)
	for _, prefetch := range []int{1, 4, 8} {
		for size := 1; size <= 50; size++ {
			if !full && size%7 != 1 {
				continue
			}
			for churn := 1; churn <= size; churn++ {
				if !full && churn != 1 && churn != (size+1)/2 && churn != size {
					continue
				}
				for _, mode := range []tsMode{tsDistinct, tsTied} {
					c := churnCase{seed: uint64(size*1000 + churn), mode: mode, n: 8 * size, size: size,
						steady: true, add: churn, drop: churn, opts: riskcloud.ListOptions{Size: size, Prefetch: prefetch}}
					t.Run(fmt.Sprintf("prefetch=%d/size=%d/churn=%d/%s", prefetch, size, churn, mode), func(t *testing.T) {
						t.Parallel()
						tally.run(t, c)
					})
				}
			}
		}
	}
}

// TestPager_All_pageLongerThanTheFirst: a server that sends no size and
// puts one entry more in page 1 than in page 0 has changed its page size
// in mid-walk, and the walk's index arithmetic no longer holds. Seen by a
// reviewer: with the extra entry a copy of the page's first, the walk
// never ended (2,021 entries of a 70-entry log in 200 requests); with a
// distinct one, it yielded 41 of 71 entries and no error.
func TestPager_All_pageLongerThanTheFirst(t *testing.T) {
	t.Parallel()
	for _, dup := range []bool{true, false} {
		t.Run(fmt.Sprintf("copy=%v", dup), func(t *testing.T) {
			t.Parallel()
			f := newServer(t, 70, riskcloudtest.WithoutPageFields("size"))
			h := metaRewrite{next: f, edit: func(page int, body map[string]json.RawMessage) {
				if page != 1 {
					return
				}
				var content []json.RawMessage
				if err := json.Unmarshal(body["content"], &content); err != nil {
					panic(err)
				}
				extra := content[0]
				if !dup {
					extra = json.RawMessage(`{"type":"Login","timestamp":1,"tag":"extra"}`)
				}
				body["content"], _ = json.Marshal(append(content, extra))
			}}
			s := &churnServer{} // only to cap the requests
			c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s.mu.Lock()
				s.reqs++
				n := s.reqs
				s.mu.Unlock()
				if n > maxChurnRequests {
					writeJSON(w, http.StatusBadRequest, `{"status":400,"message":"endless walk"}`)
					return
				}
				h.ServeHTTP(w, r)
			}))
			got, err := collect(t, c.AccessAudit.Logins(nil).All(context.Background()))
			if !errors.Is(err, riskcloud.ErrUnexpectedResponse) || !strings.Contains(err.Error(), "page size") {
				t.Fatalf("got %d entries, err = %v; want ErrUnexpectedResponse saying the page size changed", len(got), err)
			}
			if len(got) != 20 {
				t.Errorf("yielded %d entries before the error, want page 0's 20", len(got))
			}
		})
	}
}

// TestPager_All_serverIgnoresPageWithoutMeta: a server that ignores page
// and sends no totalElements (a bare array, or only content), with entries
// that carry no time or share one millisecond, serves the same entries for
// every page. The outside harness saw the walk take each repeat for new
// twins and yield 100,000 entries over 20,000 requests. The walk must end
// with an error, having yielded each entry once, within a few requests.
func TestPager_All_serverIgnoresPageWithoutMeta(t *testing.T) {
	t.Parallel()
	for _, mode := range []tsMode{tsNone, tsTied} {
		for _, bare := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/bare=%v", mode, bare), func(t *testing.T) {
				t.Parallel()
				s := newChurnServer(1, mode, 10)
				s.ignorePage, s.bare = true, bare
				for _, m := range []string{"number", "size", "totalElements", "totalPages", "first", "last", "numberOfElements"} {
					s.omit[m] = true
				}
				orig := s.serials()
				res := walkChurn(t, s, riskcloud.ListOptions{Size: 10}, false)
				if !errors.Is(res.err, riskcloud.ErrUnexpectedResponse) {
					t.Fatalf("err = %v after %d entries and %d requests, want ErrUnexpectedResponse", res.err, len(res.got), s.requests())
				}
				if !slices.Equal(res.got, orig) {
					t.Errorf("yielded %v, want the page once: %v", res.got, orig)
				}
				if n := s.requests(); n > 3 {
					t.Errorf("%d requests, want 3: two repeats of the first page give it away", n)
				}
			})
		}
	}
}
