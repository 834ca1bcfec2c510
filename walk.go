package riskcloud

import (
	"errors"
	"fmt"
	"time"
)

// position keeps a walk's place in a log that is read newest first while
// it changes: new entries arrive at its head, and retention deletes the
// oldest at its tail. v1 entries carry no id, so the walk tells entries
// apart by a fingerprint of their bytes (see print) and works out, from
// each page, where the entry it yielded last (call it e) now sits.
//
// # The model
//
// Between two responses, a arrivals push every entry a places further
// from the head; d deletions at the tail move nothing that remains. So an
// entry's index only ever grows, and totalElements changes by a−d. The
// walk therefore knows a lower bound on e's index, lo: exact after a page
// is placed, then raised by every growth of totalElements (a ≥ a−d). It
// requests the page that holds index lo+1, the first entry it has not
// yielded if lo is exact. That page never starts past e+1, so it either
// holds e (and the entries after e are new), starts right after e, or lies
// wholly before e (deletions made lo fall short by a page or more).
//
// # Reading a page
//
// Each explanation of a page is a hypothesis about e's index q, checked
// against everything the page shows: the entries at q and before it must
// be the entries yielded last, in order, as far as the walk remembers
// them (tail); an entry after q is older than e, one before the
// remembered run newer, so neither may carry a time on the wrong side of
// it nor be one of the yielded entries (the log is distinct, save for
// byte-identical twins of e, see below); q is at least lo and within the
// log's size. When exactly one hypothesis fits, or all that fit yield the
// same entries, the page is placed.
//
// For example, pages of 3, e = entry 40 yielded last at index 5 (lo = 5),
// totalElements 100. Before the next request 2 entries arrive and 4 are
// deleted: totalElements is 98, so lo stays 5 and the walk requests page
// 2 (indexes 6..8). e is now at index 7, so the page shows [41 40 39]: 41
// was yielded before 40, and only q = 7 fits it. 39 is new. Had timestamps
// been all alike, and had the page shown [39 38 37] instead (nothing the
// walk remembers), two hypotheses could fit: q = 5 (the page follows e)
// and, if the deletions reached past a page and its remembered run, "the
// whole page lies before e". Timestamps usually settle that: an entry
// strictly older than the newest remembered one cannot lie before the run.
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
// are counted, and too many in a row end the walk with an error, so no
// server can keep it busy forever.
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
// totalElements then counts the arrivals). Either can be wrong only when
// twins of e straddle a page boundary while the log both gains and loses
// entries between the two looks; the README says so. Entries yielded
// under a twin claim are not provably new, and an entry identical to one
// yielded pages before (the last of each page is remembered) ends the
// walk: a log read newest first never brings one back.
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
	first int   // the page the walk starts at
	size  int64 // entries per page, fixed by the first page (see firstPageSize)
	// reported is the size the first page reported (or, reporting none,
	// the size asked for, asked) where its length was taken instead, 0
	// otherwise.
	reported, asked int64

	started, done bool

	// tail is the run of entries yielded last, newest first, ending with
	// e: at least tailMin entries, and two pages.
	tail []print
	// lo is a lower bound on e's index, exact if exact, in the log as of
	// the response placed last, whose totalElements was total.
	lo        int64
	exact     bool
	total     int64
	haveTotal bool
	// nodel is e's index if no entry was deleted since it was last known
	// exactly, as the growth of totalElements counts arrivals since (-1:
	// unknown). See byCount.
	nodel int64
	// ordered is false once a page shows times that go up: the server
	// does not sort by them, so they prove nothing.
	ordered bool

	// seen marks the last entry yielded from each page: enough to catch a
	// server whose pages wrap around, as any page's worth of its entries
	// holds one (see remember).
	seen map[uint64]bool

	held   *heldPage // a page waiting for a second look at the page before it
	again  int       // a page to request again, or -1
	err    error     // why next ended the walk early, if it did
	stalls int       // responses in a row that yielded nothing provably new
	echo   echoCheck
	// twins is set once the log has shown two identical entries (see
	// resolve).
	twins bool
}

// print identifies an entry: a hash of its bytes, and its time (zero when
// it has none).
type print struct {
	sum uint64
	ts  time.Time
}

// view is what the walk needs of a response: the page asked for, its
// entries' prints, and its meta where the server sent it.
type view struct {
	n      int
	prints []print
	meta   pageMeta
	// number, total, totalPages and last are the meta's values.
	number     int
	total      int64
	totalPages int
	last       bool
	pageSize   int // the server's size field
	// after reports that the response's snapshot of the log follows that
	// of the response placed before it: it was requested after that one
	// came back. Pages requested ahead may not be.
	after bool
}

// step is what advance makes of a response.
type step struct {
	// from is the index of the first entry to yield; len(prints) for none.
	from int
	// still reports a proof that no entry arrived between the previous
	// response placed and this one, so that pages requested ahead of this
	// one can be trusted (see prefetcher).
	still bool
	// hold asks the caller to keep this response's page: its placement
	// waits for the next response. held says that from refers to the page
	// kept, not to this response's.
	hold, held bool
	// unplaced says the response moved nothing: it is held, or to be
	// requested again. still then means nothing.
	unplaced bool
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

const (
	// maxStalls bounds the responses in a row that yield nothing provably
	// new, so that no server can keep a walk busy forever.
	maxStalls = 50
	// maxTotal bounds a plausible totalElements; larger values are ignored
	// rather than allowed to overflow the walk's arithmetic.
	maxTotal = 1 << 53
	// tailMin is the least history kept, so that small pages can still be
	// matched across more than one page of shift.
	tailMin = 64
)

// newPosition returns the place of a walk from page first, of pages of
// the size asked for (0: the server's default).
func newPosition(first, asked int) *position {
	return &position{first: first, asked: int64(asked), ordered: true, seen: map[uint64]bool{}, again: -1, nodel: -1}
}

// next returns the page to request next, or false when the walk is over.
func (p *position) next() (int, bool) {
	switch {
	case p.done:
		return 0, false
	case !p.started:
		return p.first, true
	case p.held != nil:
		return p.held.v.n - 1, true
	case p.again >= 0:
		return p.again, true
	}
	n := (p.lo + 1) / p.size
	if n > maxJavaInt {
		// Only a count far beyond any real log gets here; the server could
		// not answer such a page, and on 32 bits it would not fit an int.
		p.done = true
		p.err = fmt.Errorf("the walk would need page %d, past the last page a server can number: its totalElements cannot be the log's size", n)
		return 0, false
	}
	return int(n), true
}

// failure returns why next ended the walk early, or nil.
func (p *position) failure() error { return p.err }

// stop ends the walk after the current page (Since or Limit reached).
func (p *position) stop() { p.done = true }

// advance places a response to the page next asked for and returns which
// of its entries to yield. An error means the server's pages cannot be
// reconciled without risking a lost or doubled entry.
func (p *position) advance(v view) (step, error) {
	none := step{from: len(v.prints)}
	p.again = -1
	if err := p.echo.check(v); err != nil {
		return none, err
	}
	v.meta.totalElements = v.meta.totalElements && p.plausibleTotal(v)
	p.noteOrder(v.prints)
	p.twins = p.twins || adjacentTwins(v.prints)
	switch {
	case !p.started:
		return p.start(v), nil
	case int64(len(v.prints)) > p.size && int64(len(v.prints)) <= p.reported:
		// The first page was short because the log ended there, not for a
		// clamped size: the size it reported holds. Forget any held page,
		// and ask for the page that holds lo+1 by that size.
		// The first page's entries were placed from page first's start by
		// the short size; by the true one they start further on.
		shift := int64(p.first) * (p.reported - p.size)
		p.lo += shift
		if p.nodel >= 0 {
			p.nodel += shift
		}
		p.size, p.reported, p.held = p.reported, 0, nil
		p.again = int(min((p.lo+1)/p.size, maxJavaInt))
		return step{from: len(v.prints), unplaced: true}, nil
	case int64(len(v.prints)) > p.size:
		return none, fmt.Errorf("page %d holds %d entries, more than the %d of the first page: the server changed its page size in mid-walk, and the walk cannot tell where its pages begin", v.n, len(v.prints), p.size)
	case p.held != nil:
		return p.settle(v)
	case len(v.prints) == 0:
		// The page holds index lo+1 or earlier: nothing is left after e.
		p.done = true
		return none, nil
	}
	// Arrivals are at least the growth of totalElements; if nothing was
	// deleted, they are exactly that (counted). Both say something only if
	// v's answer follows the one placed last (see prefetcher).
	lo, counted := p.lo, int64(-1)
	if v.after {
		counted = p.countedAt(v)
		if v.meta.totalElements && p.haveTotal {
			lo += max(0, v.total-p.total)
		}
	}
	hyps := p.hypotheses(v, lo)
	h, ok := decisive(hyps, int64(v.n)*p.size, len(v.prints))
	switch {
	case ok && (v.after || h.exact() || h.kind == gone):
		if c, ok := p.byCount(hyps, counted); ok && h.kind == before {
			h = c // no yield either way; keep e's index exact
		}
		return p.place(v, h, counted)
	case !v.after && (ok || len(hyps) == 0):
		// Requested ahead, its answer may predate the page placed last:
		// rather than give up, or lose track of e's index, ask again.
		p.again = v.n
		return step{from: len(v.prints), unplaced: true}, p.stalled()
	case len(hyps) == 0:
		return none, p.lostError(v.n)
	case v.n == 0:
		// No page before it to look at: read it again later.
		p.forget(v, hyps, counted)
		return none, p.stalled()
	}
	p.held = &heldPage{v: v, hyps: hyps, lo: leastIndex(hyps), counted: counted}
	return step{from: len(v.prints), hold: true, unplaced: true}, p.stalled()
}

// plausibleTotal reports whether v's totalElements may be the log's size:
// a count the page itself contradicts (smaller than the page, or other
// than where a page marked last ends), or too large to be one, is ignored
// rather than allowed to mislead the walk's arithmetic.
func (p *position) plausibleTotal(v view) bool {
	size := int64(len(v.prints)) // the least it can be, on the first page
	if p.started {
		size = p.size
	}
	end := int64(v.n)*size + int64(len(v.prints))
	if v.meta.last && v.last && v.total != end {
		return false // the page says the log ends with it
	}
	return v.total <= maxTotal && v.total >= end
}

// countedAt returns e's index as of v, which was requested after the
// page placed last came back, if no entry was deleted since e's index was
// last known exactly; -1 if that is unknown.
func (p *position) countedAt(v view) int64 {
	if p.nodel < 0 {
		return -1
	}
	if v.meta.totalElements && p.haveTotal {
		return p.nodel + max(0, v.total-p.total)
	}
	return p.nodel
}

// byCount returns the hypothesis that puts e at counted, where it is if
// no entry was deleted since its index was last known exactly (-1: it was
// not), in a log that has shown twins: there a twin of e is more likely
// than a deletion (see resolve).
func (p *position) byCount(hyps []hypothesis, counted int64) (hypothesis, bool) {
	if !p.twins || counted < 0 {
		return hypothesis{}, false
	}
	for _, h := range hyps {
		if h.exact() && h.q == counted {
			return h, true
		}
	}
	return hypothesis{}, false
}

// start places the walk's first page: everything in it is new.
func (p *position) start(v view) step {
	p.started = true
	p.size = firstPageSize(v)
	switch {
	case v.meta.size && int64(v.pageSize) > p.size:
		p.reported = int64(v.pageSize) // see advance
	case !v.meta.size && p.asked > p.size:
		p.reported = p.asked
	}
	if len(v.prints) == 0 {
		p.done = true
		return step{}
	}
	p.tail = nil
	p.remember(v.prints, true) // cannot fail: nothing was seen before
	p.setPlace(int64(v.n)*p.size+int64(len(v.prints))-1, true, v, -1)
	p.finishIfLast(v)
	return step{from: 0}
}

// settle places the held page from v, a second look at the page before
// it. v was requested after the held page came back, so e's index in v is
// at least its index in the held page, plus the growth of totalElements.
func (p *position) settle(v view) (step, error) {
	held := p.held
	p.held = nil
	none := step{from: len(v.prints)}
	if len(v.prints) == 0 {
		// The log now ends before the held page began, and so before e:
		// every entry older than e is gone.
		p.done = true
		return none, nil
	}
	growth := int64(0)
	if v.meta.totalElements && held.v.meta.totalElements {
		growth = max(0, v.total-held.v.total)
	}
	second := p.hypotheses(v, held.lo+growth)
	if h, ok := resolve(held, second, growth, int64(held.v.n)*p.size, p.twins); ok {
		// Still only if e did not move from the page placed before, to the
		// held one, to the second look.
		still := len(second) == 1 && second[0].exact() && second[0].q == h.q
		s, err := p.place(held.v, h, held.counted)
		s.still = s.still && still
		s.held = true
		return s, err
	}
	if len(second) == 0 {
		return none, p.lostError(v.n)
	}
	// The held page cannot be placed: go on from what the second look
	// shows, which never yields (the page before the held one ends at or
	// before e).
	p.forget(v, second, p.countedAt(v))
	return none, p.stalled()
}

// place acts on the hypothesis h for v: yields the entries after e, or
// moves the walk's place, or ends the walk.
func (p *position) place(v view, h hypothesis, counted int64) (step, error) {
	start := int64(v.n) * p.size
	still := p.exact && h.exact() && h.q == p.lo
	switch {
	case h.kind == gone:
		p.done = true
		return step{from: len(v.prints)}, nil
	case h.kind == at && h.q < start+int64(len(v.prints))-1:
		from := int(h.q - start + 1)
		provable, err := p.remember(v.prints[from:], p.ordered && olderThan(v.prints[from], p.tail[len(p.tail)-1]))
		if err != nil {
			return step{from: len(v.prints)}, fmt.Errorf("page %d: %w", v.n, err)
		}
		p.setPlace(start+int64(len(v.prints))-1, true, v, -1)
		p.finishIfLast(v)
		if provable {
			p.stalls = 0
			return step{from: from, still: still}, nil
		}
		return step{from: from, still: still}, p.stalled()
	}
	// Nothing to yield: only the place moves. If the log ends within the
	// page, nothing older than e is left.
	p.setPlace(h.q, h.exact(), v, counted)
	p.finishIfLast(v)
	return step{from: len(v.prints), still: still}, p.stalled()
}

// forget moves the walk's place to what hyps (for v) allow, yielding
// nothing: the least index of e among them, exact if only one remains.
func (p *position) forget(v view, hyps []hypothesis, counted int64) {
	exact := len(hyps) == 1 && hyps[0].exact()
	p.setPlace(leastIndex(hyps), exact, v, counted)
}

// setPlace records e's index, or a lower bound on it, as of response v,
// and where it is if nothing was deleted (counted, -1 if unknown; e's index
// itself when it is exact).
func (p *position) setPlace(lo int64, exact bool, v view, counted int64) {
	p.lo, p.exact = lo, exact
	p.nodel = counted
	if exact {
		p.nodel = lo
	}
	p.total, p.haveTotal = v.total, v.meta.totalElements
}

// remember appends yielded entries to the tail, keeping its last entries,
// and reports whether they are provably new: older is known to say the
// first is older than e (and so is every one), or else at least one is not
// identical to an entry the tail holds. It fails if one is identical to an
// entry yielded further back, as far as the marks in seen show: a log read
// newest first never brings back an entry it has left behind, and a
// server whose pages wrap around to its first entries does.
func (p *position) remember(fresh []print, older bool) (provable bool, err error) {
	provable = older
	if !older {
		near := make(map[uint64]bool, len(p.tail))
		for _, t := range p.tail {
			near[t.sum] = true
		}
		for _, f := range fresh {
			switch {
			case near[f.sum]:
			case p.seen[f.sum]:
				return false, errors.New("it brings back an entry yielded pages before: the server's pages seem to wrap around, or its entries carry no time and repeat")
			default:
				provable = true
			}
		}
	}
	if len(fresh) > 0 {
		p.seen[fresh[len(fresh)-1].sum] = true
	}
	keep := max(2*int(p.size), tailMin)
	if drop := len(p.tail) + len(fresh) - keep; drop > 0 {
		if drop >= len(p.tail) {
			p.tail = append(p.tail[:0], fresh[max(0, len(fresh)-keep):]...)
			return provable, nil
		}
		p.tail = append(p.tail[:0], p.tail[drop:]...)
	}
	p.tail = append(p.tail, fresh...)
	return provable, nil
}

// finishIfLast ends the walk after a page the server says is its last
// (see lastPage).
func (p *position) finishIfLast(v view) {
	if p.lastPage(v) {
		p.done = true
	}
}

// lastPage reports whether v is the last page as DESIGN.md has it: short,
// marked last, or at or past totalPages. A page that reaches totalElements
// is not: the count may run ahead of the pages, and an empty page costs
// one request.
func (p *position) lastPage(v view) bool {
	return int64(len(v.prints)) < p.size || (v.meta.last && v.last) ||
		(v.meta.totalPages && v.n+1 >= v.totalPages)
}

// endsLog reports whether the log, as of v, ends within v's page: it is
// the last page, or reaches totalElements.
func (p *position) endsLog(v view) bool {
	end := int64(v.n)*p.size + int64(len(v.prints))
	return p.lastPage(v) || (v.meta.totalElements && v.total <= end)
}

// noteOrder stops the walk from reasoning with times once a page shows
// them out of order.
func (p *position) noteOrder(prints []print) {
	var prev time.Time
	for _, pr := range prints {
		if pr.ts.IsZero() {
			continue
		}
		if !prev.IsZero() && pr.ts.After(prev) {
			p.ordered = false
			return
		}
		prev = pr.ts
	}
}

func (p *position) stalled() error {
	p.stalls++
	if p.stalls > maxStalls && !p.done {
		return fmt.Errorf("%d responses in a row brought no provably new entry: the log grows faster than the walk reads it, or its pages do not line up", p.stalls)
	}
	return nil
}

func (p *position) lostError(n int) error {
	return fmt.Errorf("lost its place at page %d: no placement of the entry it yielded last fits the page; the log changed in a way the walk cannot reconcile without risking a lost or doubled entry (walk again, with Since, to resume)", n)
}

// firstPageSize is the walk's page size: the size the first page reports,
// or its length when it reports none. A first page shorter than its
// reported size is the log's last page, or the page of a server that
// clamped the size asked for but echoes it: unless the page is known to be
// the last, its length is the page size, which at worst costs a request
// that finds the end of the log.
func firstPageSize(v view) int64 {
	length := int64(len(v.prints))
	if !v.meta.size || v.pageSize <= 0 || length >= int64(v.pageSize) {
		return max(length, int64(v.pageSize), 1)
	}
	// The server's own last or totalPages say best whether it is the last
	// page. totalElements shows the log ends here only if it does whichever
	// size is true; where it ends the log exactly as the reported size
	// puts it, that size is the likelier.
	reported, n := int64(v.pageSize), int64(v.n)
	var known bool
	switch {
	case v.meta.last:
		known = v.last
	case v.meta.totalPages:
		known = v.n+1 >= v.totalPages
	case v.meta.totalElements:
		known = v.total <= n*length+length || v.total == n*reported+length
	}
	if length > 0 && !known {
		return length
	}
	return int64(v.pageSize)
}

// echoCheck catches a server that answers another page than the one asked
// for, which would otherwise walk the same entries forever.
type echoCheck struct {
	prevN     int
	prev      []print
	total     int64
	haveTotal bool
	repeats   int
	answered  bool
}

func (c *echoCheck) check(v view) error {
	if v.meta.number && v.number != v.n {
		return fmt.Errorf("asked for page %d, the server answered page %d: it may be ignoring the page parameter", v.n, v.number)
	}
	// Without a number, a server that ignores page shows as the same
	// entries for another page, and the same totalElements if it sends
	// one. A log that moved by exactly a page looks the same once, so it
	// takes two in a row; a page of one entry repeated (a burst) proves
	// nothing, and the stall limit ends that.
	moved := v.meta.totalElements && c.haveTotal && v.total != c.total
	if c.answered && !v.meta.number && v.n != c.prevN && !moved && len(v.prints) > 1 && sameRun(v.prints, c.prev) && !allSame(v.prints) {
		c.repeats++
		if c.repeats >= 2 {
			return fmt.Errorf("page %d repeats the pages before it: the server seems to ignore the page parameter, or the log gains a page's worth of entries before every request", v.n)
		}
	} else {
		c.repeats = 0
	}
	c.answered, c.prevN, c.prev = true, v.n, v.prints
	c.total, c.haveTotal = v.total, v.meta.totalElements
	return nil
}

// adjacentTwins reports whether two neighbouring entries are identical.
func adjacentTwins(prints []print) bool {
	for i := 1; i < len(prints); i++ {
		if prints[i].sum == prints[i-1].sum {
			return true
		}
	}
	return false
}

// allSame reports whether every entry is identical to the first.
func allSame(a []print) bool {
	for i := 1; i < len(a); i++ {
		if a[i].sum != a[0].sum {
			return false
		}
	}
	return true
}

// sameRun reports whether a and b hold the same entries.
func sameRun(a, b []print) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].sum != b[i].sum {
			return false
		}
	}
	return true
}
