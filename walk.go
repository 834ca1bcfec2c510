package riskcloud

import (
	"fmt"
	"hash/maphash"
	"time"
)

// position keeps a walk's place in a log that is read newest first while
// new entries keep arriving at its head (and, with retention, old ones
// leave its tail). Each arrival between two page requests shifts every
// later page by one, so the next page starts with entries the walk has
// already yielded. v1 entries carry no id, so the walk works out the shift
// from the growth of totalElements and confirms it by finding, in the new
// page, the entries it yielded last. Where the count is missing or proves
// wrong it searches the page, falls back on timestamps, and steps back a
// page when the shift skipped past entries.
//
// The count is a lower bound on the shift: arrivals at the head move
// entries, deletions at the tail do not, and totalElements grows by
// arrivals minus deletions. The walk therefore never requests a page that
// starts past an entry it has not yielded; at worst it requests one that
// starts with entries it has.
//
// One case the page itself cannot settle: the counts put the boundary
// right before the new page, and the page starts with the entries the walk
// yielded last. Either those are the same entries, shifted by arrivals the
// count missed because old entries left at the same time, or they are
// distinct but byte-identical entries (a burst of failures from one
// address in one millisecond). The walk then reads the page before once
// more, which ends where the held page begins: if it ends with what the
// walk yielded last, the entries are new; if it ends that many entries
// earlier, they are the shifted ones; if the log moved again in between,
// the walk places the page afresh.
//
// Entries are compared by a 64-bit hash of their bytes, taken when a page
// arrives, so that a caller who modifies a yielded Entry.Raw cannot
// mislead the walk, and a page's worth of history costs little memory.
type position[T any] struct {
	key  func(*T) ([]byte, time.Time)
	seed maphash.Seed

	first   int  // the page the walk starts at
	started bool // a page has been placed
	done    bool

	size int64 // entries per page, fixed by the first page (see firstPageSize)
	// want is the index, in the log as it is now, of the first entry not
	// yet yielded: a lower bound, moved on by the growth of total.
	want      int64
	total     int64 // totalElements of the last response, if haveTotal
	haveTotal bool

	// tail is the run of the log the walk placed last, ending with the
	// last entry yielded: up to two pages, at least tailMin entries.
	tail []print
	mode placeMode
	// pending is a page held back while the page before it is read again
	// (mode checking).
	pending *heldPage[T]
	// stalls counts consecutive responses that yielded nothing.
	stalls int

	// The previous response, to catch a server that ignores page.
	prevN     int
	prevPage  []print
	prevTotal int64
	prevHasTo bool
	repeats   int // responses in a row that repeated the one before
}

// print identifies an entry: a hash of its bytes, and its time.
type print struct {
	sum uint64
	ts  time.Time
}

// newer and older compare times; an entry without one is neither.
func (a print) newer(b print) bool { return !a.ts.IsZero() && !b.ts.IsZero() && a.ts.After(b.ts) }
func (a print) older(b print) bool { return !a.ts.IsZero() && !b.ts.IsZero() && a.ts.Before(b.ts) }

// placeMode is what the walk knows of its place when the next page comes.
type placeMode int

const (
	// counted: the place follows from the counts and is to be confirmed.
	counted placeMode = iota
	// searching: a whole page held only entries yielded before, so the
	// count fell short; find the last yielded entry further on.
	searching
	// steppedBack: the last page started past the last yielded entry; the
	// page before it must contain that entry.
	steppedBack
	// checking: the page before pending is being read again to tell
	// shifted entries from identical new ones.
	checking
)

// heldPage is a page whose placement waits on a second look at the page
// before it.
type heldPage[T any] struct {
	n      int
	page   *Page[T]
	meta   pageMeta
	prints []print
	shift  int // where the page splits if its first entries are the shifted ones
}

const (
	// maxStalls bounds the responses in a row that yield nothing, so that
	// a server whose pages never line up cannot keep a walk busy forever.
	maxStalls = 50
	// maxTotal bounds a plausible totalElements; larger values are ignored
	// rather than allowed to overflow the walk's arithmetic.
	maxTotal = 1 << 53
	// tailMin is the least history kept, so that small pages can still be
	// matched across more than one page of shift.
	tailMin = 64
)

func newPosition[T any](first int, key func(*T) ([]byte, time.Time)) *position[T] {
	return &position[T]{first: first, key: key, seed: maphash.MakeSeed()}
}

// next returns the page to request next, or false when the walk is over.
func (p *position[T]) next() (int, bool) {
	switch {
	case p.done:
		return 0, false
	case !p.started:
		return p.first, true
	case p.mode == checking:
		return p.pending.n - 1, true
	}
	return int(p.want / p.size), true
}

// stop ends the walk after the current page (Since or Limit reached).
func (p *position[T]) stop() { p.done = true }

// prints fingerprints a page's entries.
func (p *position[T]) prints(content []T) []print {
	out := make([]print, len(content))
	for i := range content {
		raw, ts := p.key(&content[i])
		out[i] = print{sum: maphash.Bytes(p.seed, raw), ts: ts}
	}
	return out
}

// advance places page n, as received, and returns the page to yield, its
// Content cut to the entries the walk has not yielded yet, or nil when it
// brings none. An error means the server's pages cannot be reconciled
// without risking a lost or doubled entry.
func (p *position[T]) advance(n int, page *Page[T], meta pageMeta) (*Page[T], error) {
	prints := p.prints(page.Content)
	if err := p.checkAnswered(n, page, meta, prints); err != nil {
		return nil, err
	}
	if meta.totalElements && (page.TotalElements < 0 || page.TotalElements > maxTotal) {
		meta.totalElements = false
	}
	if p.mode == checking {
		return p.check(page, meta, prints)
	}
	if len(prints) == 0 {
		p.done = true
		return nil, nil
	}
	if !p.started {
		p.started = true
		p.size = firstPageSize(n, page, meta)
		return p.accept(n, page, meta, prints, 0)
	}

	start := int64(n) * p.size
	shiftKnown := meta.totalElements && p.haveTotal
	if shiftKnown && page.TotalElements > p.total {
		p.want += page.TotalElements - p.total
	}
	p.noteTotal(page, meta)

	from, where := p.locate(prints, p.want-start)
	if where == ambiguous && n == 0 {
		where = placed // no page before to look at; take the overlap as shifted
	}
	switch where {
	case placed:
		return p.accept(n, page, meta, prints, from)
	case ambiguous:
		p.pending = &heldPage[T]{n: n, page: page, meta: meta, prints: prints, shift: from}
		p.mode = checking
	case skipped:
		// want already points past this page.
		p.finishIfLast(page, meta)
	case allSeen:
		p.want = start + int64(len(prints))
		p.mode = searching
		p.finishIfLast(page, meta)
	case stepBack:
		if p.mode == steppedBack || n == 0 {
			return nil, p.lostError(n)
		}
		p.want = start - p.size
		p.mode = steppedBack
	case lost:
		return nil, p.lostError(n)
	}
	return nil, p.stalled(0)
}

// accept records that page n is placed with its new entries from index
// from, and returns it trimmed to them.
func (p *position[T]) accept(n int, page *Page[T], meta pageMeta, prints []print, from int) (*Page[T], error) {
	// prints[:from] repeat the end of the tail, so the tail grows by the rest.
	keep := max(2*int(p.size), tailMin) - (len(prints) - from)
	if keep < 0 {
		keep = 0
	}
	tail := make([]print, 0, min(keep, len(p.tail))+len(prints)-from)
	tail = append(tail, p.tail[max(0, len(p.tail)-keep):]...)
	p.tail = append(tail, prints[from:]...)

	p.want = int64(n)*p.size + int64(len(prints))
	p.mode = counted
	p.noteTotal(page, meta)
	p.finishIfLast(page, meta)
	page.Content = page.Content[from:]
	if len(page.Content) == 0 {
		return nil, p.stalled(0)
	}
	return page, p.stalled(len(page.Content))
}

// finishIfLast ends the walk after a page with nothing after it: marked
// last, short (the next page would start past the end of the log as the
// server saw it), or at or past the latest totalPages.
func (p *position[T]) finishIfLast(page *Page[T], meta pageMeta) {
	if (meta.last && page.Last) || int64(len(page.Content)) < p.size ||
		(meta.totalPages && p.want/p.size >= int64(page.TotalPages)) {
		p.done = true
	}
}

// check settles a held page from a second look at the page before it,
// which should end where the held page begins. If it ends with the entries
// yielded last, the held page's matching first entries are new ones that
// happen to be identical; if it ends that many entries earlier, they are
// the yielded ones, shifted. If it ends anywhere else, or totalElements
// moved, the log changed in between, and the walk places afresh.
func (p *position[T]) check(before *Page[T], meta pageMeta, prints []print) (*Page[T], error) {
	held := p.pending
	p.pending, p.mode = nil, counted
	moved := meta.totalElements && held.meta.totalElements && before.TotalElements != held.page.TotalElements
	if !moved {
		switch p.tailOffset(prints) {
		case 0:
			return p.accept(held.n, held.page, held.meta, held.prints, 0)
		case held.shift:
			return p.accept(held.n, held.page, held.meta, held.prints, held.shift)
		}
	}
	if meta.totalElements && p.haveTotal && before.TotalElements > p.total {
		p.want += before.TotalElements - p.total
	}
	p.noteTotal(before, meta)
	return nil, p.stalled(0)
}

// tailOffset returns the smallest x ≥ 0 such that prints ends with the
// tail minus its last x entries (as far as both reach), or -1.
func (p *position[T]) tailOffset(prints []print) int {
	for x := 0; x < len(p.tail); x++ {
		m := min(len(prints), len(p.tail)-x)
		ok := m > 0
		for i := 1; ok && i <= m; i++ {
			ok = prints[len(prints)-i].sum == p.tail[len(p.tail)-x-i].sum
		}
		if ok {
			return x
		}
	}
	return -1
}

// firstPageSize is the walk's page size: the size the first page reports,
// or its length when it reports none. A first page shorter than its
// reported size that is known not to be the last shows a server that
// clamped the size but echoed the one asked for: its pages are as long as
// this one.
func firstPageSize[T any](n int, page *Page[T], meta pageMeta) int64 {
	length := int64(len(page.Content))
	if !meta.size || page.Size <= 0 || length >= int64(page.Size) {
		return max(length, int64(page.Size))
	}
	notLast := (meta.last && !page.Last) ||
		(!meta.last && meta.totalElements && int64(n)*length+length < page.TotalElements) ||
		(!meta.last && !meta.totalElements && meta.totalPages && n+1 < page.TotalPages)
	if notLast {
		return length
	}
	return int64(page.Size)
}

// checkAnswered catches a server that answers another page than the one
// asked for, which would otherwise walk the same entries forever.
func (p *position[T]) checkAnswered(n int, page *Page[T], meta pageMeta, prints []print) error {
	if meta.number && page.Number != n {
		return fmt.Errorf("asked for page %d, the server answered page %d: it may be ignoring the page parameter", n, page.Number)
	}
	// Without a number, a server that ignores page shows as the same
	// content for another page while totalElements stays put. A log that
	// gained and lost exactly a page's worth of entries looks the same
	// once, so it takes two in a row, and a page of one entry repeated (a
	// burst) proves nothing. (Without totalElements either, the two cannot
	// be told apart; totalPages or the stall limit ends such a walk.)
	if !meta.number && p.started && n != p.prevN && len(prints) > 0 &&
		meta.totalElements && p.prevHasTo && page.TotalElements == p.prevTotal &&
		sameRun(prints, p.prevPage) && !allSame(prints) {
		p.repeats++
		if p.repeats >= 2 {
			return fmt.Errorf("page %d repeats the pages before it while the log is unchanged: the server seems to ignore the page parameter", n)
		}
	} else {
		p.repeats = 0
	}
	p.prevN, p.prevPage = n, prints
	p.prevTotal, p.prevHasTo = page.TotalElements, meta.totalElements
	return nil
}

func (p *position[T]) noteTotal(page *Page[T], meta pageMeta) {
	if meta.totalElements {
		p.total, p.haveTotal = page.TotalElements, true
	}
}

func (p *position[T]) stalled(fresh int) error {
	if fresh > 0 {
		p.stalls = 0
		return nil
	}
	p.stalls++
	if p.stalls > maxStalls && !p.done {
		return fmt.Errorf("%d responses in a row brought no new entry: the log grows faster than the walk reads it, or its pages do not line up", p.stalls)
	}
	return nil
}

func (p *position[T]) lostError(n int) error {
	return fmt.Errorf("lost its place at page %d: the last entry it yielded is neither where the log's size puts it nor on the page before; the log changed in a way the walk cannot reconcile without risking a lost or doubled entry (walk again, with Since, to resume)", n)
}

// placement is where a page sits relative to the last entry yielded.
type placement int

const (
	placed    placement = iota // the new entries start at the returned index
	ambiguous                  // at 0, or at the returned index: see check
	skipped                    // the counts put the next entry past this page
	allSeen                    // every entry was yielded before; read on
	stepBack                   // the page starts past the last yielded entry
	lost                       // the last yielded entry is not where it must be
)

// locate finds where the entries new to the walk start in a page, given k,
// the number of its leading entries the counts say were yielded before.
//
// A split at j ≥ 1 fits when the page's first j entries end with the
// entries the walk yielded last (as far as the tail reaches) and entry j
// is not newer than the last of them. A split at 0 cannot be confirmed
// inside the page; it fits unless the first entry is newer than the last
// yielded one.
//
// Splits are tried at k, then after k (the count is a lower bound), then
// before k (a server whose count ran ahead). The first that fits wins, so
// the walk never starts past an entry it has not yielded.
func (p *position[T]) locate(prints []print, k int64) (int, placement) {
	last := p.tail[len(p.tail)-1]
	n := len(prints)

	if p.mode == steppedBack {
		if j := p.firstFit(prints, 1, n); j > 0 {
			return j, placed
		}
		return 0, lost
	}
	if k > int64(n) {
		if !prints[n-1].older(last) {
			return 0, skipped
		}
		k = int64(n) // it holds entries older than the last yielded: look back
	}

	if start := int(k); start == 0 {
		if !prints[0].newer(last) {
			j := p.firstFit(prints, 1, n)
			switch {
			case j < 0:
				return 0, placed
			case p.mode == counted:
				return j, ambiguous
			default:
				return j, placed // the count already proved short: shifted
			}
		}
		if j := p.firstFit(prints, 1, n); j > 0 {
			return j, placed
		}
	} else {
		if j := p.firstFit(prints, start, n); j > 0 {
			return j, placed
		}
		for j := start - 1; j >= 1; j-- {
			if p.fits(prints, j) {
				return j, placed
			}
		}
	}
	if prints[0].newer(last) {
		// The page starts before the last yielded entry, and no split
		// fits: it ends before that entry too.
		return 0, allSeen
	}
	return 0, stepBack
}

// firstFit returns the first split in [from, to] that fits, or -1.
func (p *position[T]) firstFit(prints []print, from, to int) int {
	for j := from; j <= to; j++ {
		if p.fits(prints, j) {
			return j
		}
	}
	return -1
}

// fits reports whether a page splits at j ≥ 1 after the last yielded
// entry: its first j entries end like the tail, and entry j is not newer.
func (p *position[T]) fits(prints []print, j int) bool {
	m := min(j, len(p.tail))
	for i := 1; i <= m; i++ {
		if prints[j-i].sum != p.tail[len(p.tail)-i].sum {
			return false
		}
	}
	return j == len(prints) || !prints[j].newer(p.tail[len(p.tail)-1])
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
