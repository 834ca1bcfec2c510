package riskcloud

import (
	"fmt"
	"slices"
)

// position is the [placer] of the v1 endpoints, whose entries carry no id:
// it keeps a walk's place in a log read newest first while it changes,
// working only on fingerprints and page meta (see walk.go for the model
// and a worked example). Call e the entry yielded last.
//
// Each page is explained by hypotheses about e's index q (placement.go),
// each checked against everything the page shows: the entries at q and
// before it must be the entries yielded last, in order, as far as the
// walk remembers them (the history's tail); an entry after q is older
// than e, one before the remembered run newer, so neither may carry a time
// on the wrong side of it nor be one of the yielded entries (save for
// byte-identical twins of e, see below); q is at least lo and within the
// log's size. When exactly one hypothesis fits, or all that fit yield the
// same entries, the page is placed.
//
// # When a page is ambiguous
//
// Then the walk holds the page and reads the page before it again. An
// index never decreases and grows by at least the growth of
// totalElements, and an entry once deleted stays deleted (e may be: see
// gone), so the hypotheses for the held page that fit none of the second
// look's are out. If one (or one set with the same yield) is left, the
// held page is placed; if not, the walk forgets the held page and goes on
// from what the second look proved. Forgetting a page is always safe: the
// walk reads it again later. Responses that bring nothing provably new
// are counted (see serverCheck), and too many in a row end the walk.
//
// # Twins
//
// Two entries identical to the byte (a burst of failures from one address
// in one millisecond) cannot be told apart by their bytes. A hypothesis
// may claim that a page's entry is a twin of e (after the remembered run
// or before it) or of the newest remembered entry (before the run): a
// burst that goes on at either end. It may not claim a twin of any other
// remembered entry: a repeated run of distinct entries is a server
// repeating itself, not a log. Where the second look leaves a twin claim
// against a deletion, the walk goes by what it has seen: in a log that has
// shown no twins, the hypotheses without one win; in a log that has, the
// one that needs no deletion since e's index was last known (the growth of
// totalElements then counts the arrivals; a count that shrank proves a
// deletion, and then nothing is counted), if the second look agrees.
// Either can be wrong only when twins of e straddle a page boundary while
// the log both gains and loses entries between the two looks; the README
// says so. So that one wrong guess does not mislead the next, the walk
// then remembers only the held page as the entries it yielded last: a
// guess may have yielded a twin twice, or left one out, and the held page
// is a run of the log that ends at e. Entries yielded under a twin claim
// are not provably new, and an entry identical to one yielded pages
// before (the last of each page is remembered) ends the walk: a log read
// newest first never brings one back.
//
// # Pages requested ahead
//
// A page requested ahead (see prefetcher) may have been answered before
// the page placed last: the growth of totalElements then bounds nothing,
// and nothing can say whether a repeat of e is a twin or e shifted. Such a
// page is placed only where its own content settles it; where it does
// not, it is held for a second look that guesses nothing, or requested
// again.
type position struct {
	first  int // the page the walk starts at
	sizing pageSizing
	done   bool
	err    error     // why next ended the walk early, if it did
	mark   mark      // what is known of e's index
	hist   history   // the entries yielded, as far as they are remembered
	held   *heldPage // a page waiting for a second look at the page before it
	again  int       // a page to request again, or -1
	checks serverCheck
}

// mark is what the walk knows of e's index, as of the response placed
// last.
type mark struct {
	// lo is a lower bound on e's index, exact if exact. It is raised by
	// every growth of totalElements, which was total (if haveTotal).
	lo        int64
	exact     bool
	total     int64
	haveTotal bool
	// counted is e's index if no entry was deleted since it was last known
	// exactly, as the growth of totalElements counts arrivals since (-1:
	// unknown). See resolve.
	counted int64
}

// heldPage is a page whose placement waits on a second look at the page
// before it.
type heldPage struct {
	v    view
	hyps []hypothesis
	lo   int64 // the least index of e that any hypothesis allows
	// counted is e's index if no entry was deleted since it was last known
	// exactly (the growth of totalElements then counts the arrivals), or
	// -1 if it was not.
	counted int64
}

// newPosition returns the place of a walk from page first, of pages of
// the size asked for (0: the server's default).
func newPosition(first, asked int) *position {
	return &position{
		first:  first,
		sizing: pageSizing{asked: int64(asked)},
		mark:   mark{counted: -1},
		hist:   history{ordered: true, lastOfPage: map[uint64]bool{}},
		again:  -1,
	}
}

// next returns the page to request next, or false when the walk is over.
func (p *position) next() (int, bool) {
	switch {
	case p.done:
		return 0, false
	case p.sizing.size == 0:
		return p.first, true
	case p.held != nil:
		return p.held.v.n - 1, true
	case p.again >= 0:
		return p.again, true
	}
	n, err := pageOf(p.mark.lo+1, p.sizing.size)
	if err != nil {
		p.done, p.err = true, err
		return 0, false
	}
	return n, true
}

// pageOf returns the page that holds entry index in pages of size. Only a
// count far beyond any real log needs a page past the last a Java server
// can number, which on 32 bits would not fit an int either.
func pageOf(index, size int64) (int, error) {
	n := index / size
	if n > maxJavaInt {
		return 0, fmt.Errorf("the walk would need page %d, past the last page a server can number: its totalElements cannot be the log's size", n)
	}
	return int(n), nil
}

func (p *position) failure() error  { return p.err }
func (p *position) stop()           { p.done = true }
func (p *position) pageSize() int64 { return p.sizing.size }

// advance places a response to the page next asked for and returns which
// of its entries to yield. An error means the server's pages cannot be
// reconciled without risking a lost or doubled entry.
func (p *position) advance(v view) (step, error) {
	p.again = -1
	if err := p.observe(&v); err != nil {
		return yieldNone(v), err
	}
	switch m := int64(len(v.entries)); {
	case p.sizing.size == 0:
		return p.start(v), nil
	case m > p.sizing.size:
		return p.resize(v)
	case p.held != nil:
		return p.settle(v)
	case m == 0:
		// The page holds index lo+1 or earlier: nothing is left after e.
		p.done = true
		return yieldNone(v), nil
	}
	return p.placeNext(v)
}

// observe runs the server checks on v and notes what it shows of the log:
// a totalElements that cannot be its size is dropped from v; times out of
// order, or two identical neighbours, change how the walk reasons.
func (p *position) observe(v *view) error {
	if err := p.checks.check(*v); err != nil {
		return err
	}
	v.meta.totalElements = v.meta.totalElements && plausibleTotal(*v, p.sizing.size)
	p.hist.noteOrder(v.entries)
	p.hist.twins = p.hist.twins || adjacentTwins(v.entries)
	return nil
}

// start places the walk's first page: everything in it is new.
func (p *position) start(v view) step {
	p.sizing.fix(v)
	if len(v.entries) == 0 {
		p.done = true
		return step{}
	}
	p.hist.tail = nil
	p.hist.remember(v.entries, true, p.sizing.size) // cannot fail: nothing was seen before
	p.setMark(int64(v.n)*p.sizing.size+int64(len(v.entries))-1, true, v, -1)
	p.finishIfLast(v)
	return step{from: 0}
}

// resize handles a page longer than the first: an error, unless the first
// page was short because the log ended there (see pageSizing.grown). Then
// the entries placed by the short size lie further on by the true one:
// forget any held page, and ask for the page that holds lo+1 by that size.
func (p *position) resize(v view) (step, error) {
	shift, ok := p.sizing.grown(len(v.entries), p.first)
	if !ok {
		return yieldNone(v), fmt.Errorf("page %d holds %d entries, more than the %d of the first page: the server changed its page size in mid-walk, and the walk cannot tell where its pages begin", v.n, len(v.entries), p.sizing.size)
	}
	p.mark.lo += shift
	if p.mark.counted >= 0 {
		p.mark.counted += shift
	}
	p.held = nil
	p.again = int(min((p.mark.lo+1)/p.sizing.size, maxJavaInt))
	return step{outcome: retry, from: len(v.entries)}, nil
}

// placeNext places v, the page that holds index lo+1 as lo was when it
// was requested: yields what is new in it, or holds it for a second look,
// or asks for it again.
func (p *position) placeNext(v view) (step, error) {
	// Arrivals are at least the growth of totalElements; if nothing was
	// deleted, they are exactly that (counted). Both say something only if
	// v's answer follows the one placed last (see prefetcher).
	lo, counted := p.mark.lo, int64(-1)
	if v.after {
		counted = p.countedAt(v)
		if v.meta.totalElements && p.mark.haveTotal {
			lo += max(0, v.total-p.mark.total)
		}
	}
	hyps := p.hypotheses(v, lo)
	h, ok := decisive(hyps, int64(v.n)*p.sizing.size, len(v.entries))
	switch {
	case ok && (v.after || h.exact() || h.kind == gone):
		return p.place(v, h, counted)
	case !v.after && (ok || len(hyps) == 0):
		// Requested ahead, its answer may predate the page placed last:
		// rather than give up, or lose track of e's index, ask again.
		p.again = v.n
		return step{outcome: retry, from: len(v.entries)}, p.stalled()
	case len(hyps) == 0:
		return yieldNone(v), p.lostError(v.n)
	case v.n == 0:
		// No page before it to look at: read it again later.
		p.forget(v, hyps, counted)
		return yieldNone(v), p.stalled()
	}
	p.held = &heldPage{v: v, hyps: hyps, lo: leastIndex(hyps), counted: counted}
	return step{outcome: holding, from: len(v.entries)}, p.stalled()
}

// countedAt returns e's index as of v, which was requested after the
// page placed last came back, if no entry was deleted since e's index was
// last known exactly; -1 if that is unknown, or if a count that shrank
// proves a deletion.
func (p *position) countedAt(v view) int64 {
	switch {
	case p.mark.counted < 0:
		return -1
	case v.meta.totalElements && p.mark.haveTotal && v.total < p.mark.total:
		return -1 // the log lost entries: a deletion is proven
	case v.meta.totalElements && p.mark.haveTotal:
		return p.mark.counted + v.total - p.mark.total
	}
	return p.mark.counted
}

// settle places the held page from v, a second look at the page before
// it. v was requested after the held page came back, so e's index in v is
// at least its index in the held page, plus the growth of totalElements.
func (p *position) settle(v view) (step, error) {
	held := p.held
	p.held = nil
	if len(v.entries) == 0 {
		// The log now ends before the held page began, and so before e:
		// every entry older than e is gone.
		p.done = true
		return yieldNone(v), nil
	}
	growth := int64(0)
	if v.meta.totalElements && held.v.meta.totalElements {
		growth = max(0, v.total-held.v.total)
		if v.total < held.v.total {
			held.counted = -1 // a deletion is proven: see countedAt
		}
	}
	second := p.hypotheses(v, held.lo+growth)
	if h, guessed, ok := resolve(held, second, growth, int64(held.v.n)*p.sizing.size, p.hist.twins); ok {
		// Still only if e did not move from the page placed before, to the
		// held one, to the second look.
		still := len(second) == 1 && second[0].exact() && second[0].q == h.q
		s, err := p.place(held.v, h, held.counted)
		s.still = s.still && still
		s.outcome = settled
		if guessed && s.from < len(held.v.entries) {
			// What a guess yields may repeat a twin or leave one out, and
			// the tail then be no run of the log: the held page is one.
			p.hist.tail = slices.Clone(held.v.entries)
		}
		return s, err
	}
	if len(second) == 0 {
		return yieldNone(v), p.lostError(v.n)
	}
	// The held page cannot be placed: go on from what the second look
	// shows, which never yields (the page before the held one ends at or
	// before e).
	p.forget(v, second, p.countedAt(v))
	return yieldNone(v), p.stalled()
}

// place acts on the hypothesis h for v: yields the entries after e, or
// moves the walk's place, or ends the walk.
func (p *position) place(v view, h hypothesis, counted int64) (step, error) {
	start, m := int64(v.n)*p.sizing.size, int64(len(v.entries))
	still := p.mark.exact && h.exact() && h.q == p.mark.lo
	switch {
	case h.kind == gone:
		p.done = true
		return yieldNone(v), nil
	case h.kind == at && h.q < start+m-1:
		from := int(h.q - start + 1)
		fresh := v.entries[from:]
		provable, err := p.hist.remember(fresh, p.hist.ordered && olderThan(fresh[0], p.hist.e()), p.sizing.size)
		if err != nil {
			return yieldNone(v), fmt.Errorf("page %d: %w", v.n, err)
		}
		p.setMark(start+m-1, true, v, -1)
		p.finishIfLast(v)
		if provable {
			p.checks.progressed()
			return step{from: from, still: still}, nil
		}
		return step{from: from, still: still}, p.stalled()
	}
	// Nothing to yield: only the place moves. If the log ends within the
	// page, nothing older than e is left.
	p.setMark(h.q, h.exact(), v, counted)
	p.finishIfLast(v)
	return step{from: len(v.entries), still: still}, p.stalled()
}

// forget moves the walk's place to what hyps (for v) allow, yielding
// nothing: the least index of e among them, exact if only one remains.
func (p *position) forget(v view, hyps []hypothesis, counted int64) {
	exact := len(hyps) == 1 && hyps[0].exact()
	p.setMark(leastIndex(hyps), exact, v, counted)
}

// setMark records e's index, or a lower bound on it, as of response v,
// and where it is if nothing was deleted (counted, -1 if unknown; e's index
// itself when it is exact).
func (p *position) setMark(lo int64, exact bool, v view, counted int64) {
	if exact {
		counted = lo
	}
	p.mark = mark{lo: lo, exact: exact, total: v.total, haveTotal: v.meta.totalElements, counted: counted}
}

// finishIfLast ends the walk after a page the server says is its last
// (see isLastPage).
func (p *position) finishIfLast(v view) {
	if isLastPage(v, p.sizing.size) {
		p.done = true
	}
}

func (p *position) stalled() error { return p.checks.stalled(p.done) }

func (p *position) lostError(n int) error {
	return fmt.Errorf("lost its place at page %d: no placement of the entry it yielded last fits the page; the log changed in a way the walk cannot reconcile without risking a lost or doubled entry (walk again, with Since, to resume)", n)
}
