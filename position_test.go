package riskcloud

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// These tests drive position directly, with made-up fingerprints and page
// meta and no server: each walk of issue 10 ("Exactly once, really") and
// each row of the fault matrix that reaches the walk, in its smallest
// form. churn_test.go and walk_cases_test.go walk the same cases through
// HTTP; here a failure points at position itself.

// logEntry is an entry of the model log: a serial (its identity in the
// test), a body (entries with one body are identical to the byte), and a
// time in ms from modelEpoch (-1: none).
type logEntry struct {
	serial, body int
	ms           int64
}

const modelEpoch = 1_700_000_000_000

// modelLog is a log read newest first: arrivals at the head, deletions at
// the tail.
type modelLog struct {
	entries []logEntry
	serial  int
}

// add puts k distinct entries at the head, each at ms (-1: no time), or,
// with ms -2, each at its own millisecond after the newest.
func (l *modelLog) add(k int, ms int64) {
	for range k {
		l.serial++
		at := ms
		if ms == -2 {
			at = int64(l.serial) * 10
		}
		l.entries = slices.Insert(l.entries, 0, logEntry{serial: l.serial, body: l.serial, ms: at})
	}
}

// addTwins puts k identical entries at the head, at ms.
func (l *modelLog) addTwins(k int, ms int64) {
	l.serial++
	body := l.serial
	for range k {
		l.entries = slices.Insert(l.entries, 0, logEntry{serial: l.serial, body: body, ms: ms})
		l.serial++
	}
}

func (l *modelLog) drop(k int) { l.entries = l.entries[:max(0, len(l.entries)-k)] }

func (l *modelLog) serials() []int {
	out := make([]int, len(l.entries))
	for i, e := range l.entries {
		out[i] = e.serial
	}
	return out
}

func distinctLog(n int) *modelLog { l := &modelLog{}; l.add(n, -2); return l }
func tiedLog(n int) *modelLog     { l := &modelLog{}; l.add(n, 0); return l }
func untimedLog(n int) *modelLog  { l := &modelLog{}; l.add(n, -1); return l }

// walkModel is one walk of position over a model log.
type walkModel struct {
	log        *modelLog
	size       int // the server's page size
	asked      int // ListOptions.Size (0: the server's default)
	first      int
	omit       string                                                 // meta left out: any of "number size total pages last"
	before     map[int]func(l *modelLog)                              // changes before request k (from 0)
	every      func(l *modelLog)                                      // a change before every request but the first
	serve      func(l *modelLog, n int) (number int, page []logEntry) // what the server sends for page n; nil: page n
	rewrite    func(req int, v *view)                                 // meta the server gets wrong
	aheadAt    map[int]bool                                           // requests whose answer may predate the last (view.after false)
	maxRequest int
}

// walked is what a model walk yielded, in serials, and how it ended.
type walked struct {
	got      []int
	requests []int // the pages requested, in order
	err      error
}

func (w walkModel) run(t *testing.T) walked {
	t.Helper()
	pos := newPosition(w.first, w.asked)
	var res walked
	var held []logEntry
	for n, ok := pos.next(); ok; n, ok = pos.next() {
		req := len(res.requests)
		if req >= max(w.maxRequest, 400) {
			t.Fatalf("no end after %d requests: %v; yielded %v", req, res.requests, res.got)
		}
		if f := w.before[req]; f != nil {
			f(w.log)
		}
		if w.every != nil && req > 0 {
			w.every(w.log)
		}
		res.requests = append(res.requests, n)
		page, v := w.page(req, n)
		st, err := pos.advance(v)
		if err != nil {
			res.err = err
			return res
		}
		switch st.outcome {
		case holding:
			held = page
			continue
		case settled:
			page = held
		}
		held = nil
		for _, e := range page[st.from:] {
			res.got = append(res.got, e.serial)
		}
	}
	res.err = pos.failure()
	return res
}

// page returns page n as the server sends it for request req, and its view.
func (w walkModel) page(req, n int) ([]logEntry, view) {
	all := w.log.entries
	lo, hi := min(n*w.size, len(all)), min((n+1)*w.size, len(all))
	served, page := n, slices.Clone(all[lo:hi])
	if w.serve != nil {
		served, page = w.serve(w.log, n)
	}
	total := len(all)
	v := view{
		n: n, entries: fingerprints(page), after: !w.aheadAt[req],
		meta: pageMeta{
			number: !strings.Contains(w.omit, "number"), size: !strings.Contains(w.omit, "size"),
			totalElements: !strings.Contains(w.omit, "total"), totalPages: !strings.Contains(w.omit, "pages"),
			last: !strings.Contains(w.omit, "last"),
		},
		number: served, pageSize: w.size, total: int64(total),
		totalPages: (total + w.size - 1) / w.size, last: hi >= total,
	}
	if w.rewrite != nil {
		w.rewrite(req, &v)
	}
	return page, v
}

func fingerprints(page []logEntry) []fingerprint {
	out := make([]fingerprint, len(page))
	for i, e := range page {
		out[i].sum = uint64(e.body)*0x9e3779b97f4a7c15 + 1
		if e.ms >= 0 {
			out[i].ts = time.UnixMilli(modelEpoch + e.ms).UTC()
		}
	}
	return out
}

// exactlyOnceModel returns what is wrong with a walk of a log that was
// orig when it began and is now, or "": only entries of orig, in its
// order, none twice, and every entry of orig still in the log.
func exactlyOnceModel(orig, now []int, got []int) string {
	index := map[int]int{}
	for i, s := range orig {
		index[s] = i
	}
	last := -1
	for _, s := range got {
		i, ok := index[s]
		switch {
		case !ok:
			return fmt.Sprintf("yielded %d, which arrived during the walk", s)
		case i <= last:
			return fmt.Sprintf("yielded %d twice or out of order", s)
		}
		last = i
	}
	for _, s := range now {
		if _, ok := index[s]; ok && !slices.Contains(got, s) {
			return fmt.Sprintf("%d, in the log for the whole walk, was not yielded", s)
		}
	}
	return ""
}

// TestPosition_exactlyOnce: the walks of issue 10 and of the review that
// followed it, and the fault matrix's changing logs, each yield every
// entry that stayed in the log once, in order, with no error.
func TestPosition_exactlyOnce(t *testing.T) {
	t.Parallel()
	grow := func(k int) func(l *modelLog) { return func(l *modelLog) { l.add(k, -2) } }
	tests := []struct {
		name string
		walk walkModel
		want []int // nil: exactly once is enough
		// wantPages, if set, starts the pages requested.
		wantPages []int
		// maxRequests bounds the requests (0: no bound).
		maxRequests int
	}{
		// The worked example of walk.go, and its variant without times.
		{name: "worked example", walk: walkModel{log: distinctLog(10), size: 3,
			before: map[int]func(*modelLog){1: func(l *modelLog) { l.add(2, -2); l.drop(1) }}},
			want: seq(10, 2), wantPages: []int{0, 1, 2, 3}},
		{name: "worked example, untimed", walk: walkModel{log: untimedLog(10), size: 3,
			before: map[int]func(*modelLog){1: func(l *modelLog) { l.add(3, -1); l.drop(3) }}},
			want: seq(10, 4), wantPages: []int{0, 1, 2, 1, 3, 2}},
		// Issue 10, A: 1..6 in one millisecond, pages of 2; before request
		// 1, three arrivals in it and the three oldest deleted.
		{name: "A: tied, +3 -3", walk: walkModel{log: tiedLog(6), size: 2,
			before: map[int]func(*modelLog){1: func(l *modelLog) { l.add(3, 0); l.drop(3) }}},
			want: []int{6, 5, 4}},
		// B: 1..21 at T, 22..23 a second later; before request 2, six
		// arrivals two seconds later and three deletions; before request
		// 3, four arrivals and one deletion.
		{name: "B: tied seconds, net growth", walk: walkModel{
			log: func() *modelLog { l := tiedLog(21); l.add(2, 1000); return l }(), size: 3,
			before: map[int]func(*modelLog){
				2: func(l *modelLog) { l.add(6, 2000); l.drop(3) },
				3: func(l *modelLog) { l.add(4, 2000); l.drop(1) },
			}}},
		// C: 1..7 at T; before request 1, one arrival at T, six a
		// millisecond later, and 1..5 deleted: retention reaches e.
		{name: "C: retention reaches e", walk: walkModel{log: tiedLog(7), size: 3,
			before: map[int]func(*modelLog){1: func(l *modelLog) { l.add(1, 0); l.add(6, 1); l.drop(5) }}},
			want: []int{7, 6, 5}},
		// A static log in one instant, or without times, one entry a
		// page: the walk alternated pages 1 and 0 to its stall limit.
		{name: "static, tied, size 1", walk: walkModel{log: tiedLog(2), size: 1}, want: []int{2, 1}, maxRequests: 5},
		{name: "static, untimed, size 1", walk: walkModel{log: untimedLog(2), size: 1}, want: []int{2, 1}, maxRequests: 5},
		// Twins: two identical entries, pages of 1: the second was taken
		// for the first, shifted.
		{name: "static pair of twins, size 1", walk: walkModel{
			log: func() *modelLog { l := &modelLog{}; l.addTwins(2, 0); return l }(), size: 1},
			want: []int{2, 1}},
		{name: "static bursts of twins, size 3, no meta", walk: walkModel{
			log: func() *modelLog {
				l := &modelLog{}
				for i := range 12 {
					l.addTwins(1+i*7%4, int64(i)*1000)
				}
				return l
			}(), size: 3, omit: "number size total pages last"}},
		// The first page is short because the log ends there, and no meta
		// says so; then the log grows by a page.
		{name: "short first page of a growing log", walk: walkModel{log: distinctLog(2), size: 3, asked: 3,
			omit: "size total pages last", before: map[int]func(*modelLog){1: grow(3)}},
			want: []int{2, 1}},
		// A count smaller than the page that carries it is ignored.
		{name: "first page's count smaller than the page", walk: walkModel{log: tiedLog(10), size: 5, omit: "pages last",
			rewrite: func(req int, v *view) {
				if req == 0 {
					v.total = 2
				}
			}},
			want: []int{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
		// Fault matrix: the log grows or shrinks before page 2 (pages of
		// 10, 57 entries), or before every page; at most as many requests
		// as the matrix allows.
		{name: "grows by 1", walk: walkModel{log: distinctLog(57), size: 10, before: map[int]func(*modelLog){2: grow(1)}}, maxRequests: 6},
		{name: "grows by size-1", walk: walkModel{log: distinctLog(57), size: 10, before: map[int]func(*modelLog){2: grow(9)}}, maxRequests: 7},
		{name: "grows by size", walk: walkModel{log: distinctLog(57), size: 10, before: map[int]func(*modelLog){2: grow(10)}}, maxRequests: 7},
		{name: "grows by 2×size+1", walk: walkModel{log: distinctLog(57), size: 10, before: map[int]func(*modelLog){2: grow(21)}}, maxRequests: 7},
		{name: "grows by 3 before every page", walk: walkModel{log: distinctLog(57), size: 10, every: grow(3)}, maxRequests: 8},
		{name: "shrinks by 5", walk: walkModel{log: distinctLog(57), size: 10,
			before: map[int]func(*modelLog){2: func(l *modelLog) { l.drop(5) }}}, maxRequests: 6},
		{name: "shrinks by 3 before every page", walk: walkModel{log: distinctLog(57), size: 10,
			every: func(l *modelLog) { l.drop(3) }}, maxRequests: 5},
		{name: "grows and shrinks by 4 before every page", walk: walkModel{log: distinctLog(57), size: 10,
			every: func(l *modelLog) { l.add(4, -2); l.drop(4) }}, maxRequests: 6},
		{name: "tied, grows and shrinks by 2 before every page", walk: walkModel{log: tiedLog(40), size: 5,
			every: func(l *modelLog) { l.add(2, 0); l.drop(2) }}},
		{name: "untimed, grows by 1 before every page, no meta", walk: walkModel{log: untimedLog(30), size: 4,
			omit: "number size total pages last", every: func(l *modelLog) { l.add(1, -1) }}},
		// Meta the server gets wrong, on a static log.
		{name: "last false on the final page, totalPages says last", walk: walkModel{log: distinctLog(60), size: 10,
			rewrite: func(_ int, v *view) { v.last = false }}, maxRequests: 6},
		{name: "totalPages says fewer pages, last false", walk: walkModel{log: distinctLog(60), size: 10, omit: "last",
			rewrite: func(_ int, v *view) { v.totalPages = 99 }}, maxRequests: 7},
		{name: "absurd counts", walk: walkModel{log: distinctLog(50), size: 10, omit: "pages last",
			rewrite: func(req int, v *view) {
				v.total = 1 << 62
				if req%2 == 1 {
					v.total = 0
				}
			}}},
		// The server clamps Size 50 to 10 and reports 10, or echoes 50.
		{name: "clamped size", walk: walkModel{log: distinctLog(50), size: 10, asked: 50}, maxRequests: 5},
		{name: "clamped size, echoed", walk: walkModel{log: distinctLog(50), size: 10, asked: 50,
			rewrite: func(_ int, v *view) { v.pageSize = 50 }}, maxRequests: 6},
		// Clamped 13 to 11, echoed, from page 2 of 37 entries, with a count
		// that ends the log where 13 a page would.
		{name: "clamped, echoed, short page not last", walk: walkModel{log: distinctLog(37), size: 11, asked: 13, first: 2, omit: "pages",
			rewrite: func(_ int, v *view) { v.pageSize = 13 }},
			want: []int{15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
		// A page requested ahead (its answer may predate the page placed
		// last) that shows only arrivals bounds e's index by nothing: it
		// is requested again, and then the count places it.
		{name: "requested ahead, only arrivals", walk: walkModel{log: distinctLog(9), size: 3, aheadAt: map[int]bool{1: true},
			before: map[int]func(*modelLog){1: grow(6)}},
			want: []int{9, 8, 7, 6, 5, 4, 3, 2, 1}, wantPages: []int{0, 1, 1, 3}},
		// An ambiguous page (no times: the page follows e, or lies before
		// it) is held, and a second look at page 0 settles it.
		{name: "ambiguous page held for a second look", walk: walkModel{log: untimedLog(9), size: 3, omit: "total pages"},
			want: []int{9, 8, 7, 6, 5, 4, 3, 2, 1}, wantPages: []int{0, 1, 0, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			orig := tt.walk.log.serials()[tt.walk.first*tt.walk.size:]
			res := tt.walk.run(t)
			if res.err != nil {
				t.Fatalf("err = %v after %v; yielded %v", res.err, res.requests, res.got)
			}
			if tt.want != nil && !slices.Equal(res.got, tt.want) {
				t.Errorf("yielded %v, want %v (pages %v)", res.got, tt.want, res.requests)
			}
			if p := exactlyOnceModel(orig, tt.walk.log.serials(), res.got); p != "" {
				t.Errorf("%s: yielded %v (pages %v)", p, res.got, res.requests)
			}
			if tt.wantPages != nil && !slices.Equal(res.requests[:min(len(tt.wantPages), len(res.requests))], tt.wantPages) {
				t.Errorf("requested pages %v, want them to start %v", res.requests, tt.wantPages)
			}
			if tt.maxRequests > 0 && len(res.requests) > tt.maxRequests {
				t.Errorf("%d requests %v, want at most %d", len(res.requests), res.requests, tt.maxRequests)
			}
		})
	}
}

// TestPosition_endsWithError: servers the walk cannot follow end it with
// an error, after yielding no entry twice, within a few requests.
func TestPosition_endsWithError(t *testing.T) {
	t.Parallel()
	ignorePage := func(l *modelLog, _ int) (int, []logEntry) {
		return 0, slices.Clone(l.entries[:min(10, len(l.entries))])
	}
	tests := []struct {
		name        string
		walk        walkModel
		want        []int  // what is yielded before the error; nil: the whole log
		errSays     string // a part of the error's text
		maxRequests int
	}{
		// Fault matrix: a server that ignores page, and says so by its
		// number.
		{name: "number other than the page asked for", walk: walkModel{log: distinctLog(30), size: 10, serve: ignorePage},
			want: []int{30, 29, 28, 27, 26, 25, 24, 23, 22, 21}, errSays: "answered page 0", maxRequests: 2},
		// Issue 10, item 2: without number or count, with no times or one
		// instant, the same entries for every page; it went on forever.
		{name: "ignores page, untimed, no meta", walk: walkModel{log: untimedLog(10), size: 10, serve: ignorePage,
			omit: "number size total pages last"}, errSays: "repeats the pages before it", maxRequests: 3},
		{name: "ignores page, tied, no meta", walk: walkModel{log: tiedLog(10), size: 10, serve: ignorePage,
			omit: "number size total pages last"}, errSays: "repeats the pages before it", maxRequests: 3},
		// Pages past the end start over (page n answers n mod 10), no
		// times, no meta: the log once, then an error.
		{name: "pages wrap around", walk: walkModel{log: untimedLog(100), size: 10, omit: "number size total pages last",
			serve: func(l *modelLog, n int) (int, []logEntry) {
				n %= 10
				return n, slices.Clone(l.entries[n*10 : n*10+10])
			}}, errSays: "brings back an entry", maxRequests: 21},
		// A page longer than the first, with no size: the index arithmetic
		// no longer holds.
		{name: "page longer than the first", walk: walkModel{log: distinctLog(70), size: 20, omit: "size",
			serve: func(l *modelLog, n int) (int, []logEntry) {
				page := slices.Clone(l.entries[min(n*20, 70):min(n*20+20, 70)])
				if n == 1 {
					page = append(page, logEntry{serial: 1000, body: 1000, ms: 1})
				}
				return n, page
			}}, want: seq(70, 51), errSays: "page size", maxRequests: 2},
		// A count of 3,000,000,000 with no other end: a page past any a
		// server can number is never asked for.
		{name: "count beyond any page", walk: walkModel{log: untimedLog(2), size: 1, omit: "pages last",
			rewrite: func(req int, v *view) {
				if req > 0 {
					v.total = 3_000_000_000
				}
			}}, want: []int{2}, errSays: "past the last page", maxRequests: 4},
		// A count that runs ahead of the pages (a server that counts in a
		// second query) says e moved when the page shows it did not: with
		// distinct times, no placement fits, and the walk says so rather
		// than skip the entries the count passed over. (Reading it as
		// entries filed behind e was tried, for entries written late: it
		// placed wrong pages on logs that also lose entries, and yielded
		// twice; see TestFeed_v1_exactlyOnceUnderChurn.)
		{name: "count runs ahead of the pages", walk: walkModel{log: distinctLog(9), size: 3,
			rewrite: func(req int, v *view) {
				if req > 0 {
					v.total += 2
				}
			}}, want: []int{9, 8, 7}, errSays: "lost its place", maxRequests: 2},
		// A log that gains a page's worth before every request: no page
		// ever holds anything new.
		{name: "a page of arrivals before every request", walk: walkModel{log: distinctLog(30), size: 5,
			every: func(l *modelLog) { l.add(5, -2) }, maxRequest: 100},
			want: seq(30, 26), errSays: "responses in a row", maxRequests: maxStalls + 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			orig := tt.walk.log.serials()
			res := tt.walk.run(t)
			if res.err == nil || !strings.Contains(res.err.Error(), tt.errSays) {
				t.Fatalf("err = %v after pages %v, want one saying %q", res.err, res.requests, tt.errSays)
			}
			want := tt.want
			if want == nil {
				want = orig
			}
			if !slices.Equal(res.got, want) {
				t.Errorf("yielded %v, want %v", res.got, want)
			}
			if len(res.requests) > tt.maxRequests {
				t.Errorf("%d requests %v, want at most %d", len(res.requests), res.requests, tt.maxRequests)
			}
		})
	}
}

// seq returns the serials from down to to.
func seq(from, to int) []int {
	var out []int
	for s := from; s >= to; s-- {
		out = append(out, s)
	}
	return out
}
