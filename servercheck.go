package riskcloud

import "fmt"

// serverCheck catches a server that would keep a walk going forever or
// mislead it: one that answers another page than the one asked for
// (page echo), one that ignores page and sends the same entries for every
// page, and one whose responses never bring anything provably new
// (stalls).
type serverCheck struct {
	// The response checked last: the page asked for, its entries, its
	// totalElements if it sent one.
	answered  bool
	prevN     int
	prev      []fingerprint
	prevTotal int64
	hadTotal  bool
	// repeats counts responses in a row that repeat the one before for
	// another page; stalls those that yielded nothing provably new.
	repeats, stalls int
}

const (
	// maxStalls bounds the responses in a row that yield nothing provably
	// new, so that no server can keep a walk busy forever.
	maxStalls = 50
	// maxTotal bounds a plausible totalElements; larger values are ignored
	// rather than allowed to overflow the walk's arithmetic.
	maxTotal = 1 << 53
)

// check fails for a response to another page than v.n, or for the third
// response in a row that holds the same entries for another page.
func (c *serverCheck) check(v view) error {
	if v.meta.number && v.number != v.n {
		return fmt.Errorf("asked for page %d, the server answered page %d: it may be ignoring the page parameter", v.n, v.number)
	}
	// Without a number, a server that ignores page shows as the same
	// entries for another page, and the same totalElements if it sends
	// one. A log that moved by exactly a page looks the same once, so it
	// takes two in a row; a page of one entry repeated (a burst) proves
	// nothing, and the stall limit ends that.
	moved := v.meta.totalElements && c.hadTotal && v.total != c.prevTotal
	if c.answered && !v.meta.number && v.n != c.prevN && !moved && len(v.entries) > 1 &&
		sameRun(v.entries, c.prev) && !allSame(v.entries) {
		c.repeats++
		if c.repeats >= 2 {
			return fmt.Errorf("page %d repeats the pages before it: the server seems to ignore the page parameter, or the log gains a page's worth of entries before every request", v.n)
		}
	} else {
		c.repeats = 0
	}
	c.answered, c.prevN, c.prev = true, v.n, v.entries
	c.prevTotal, c.hadTotal = v.total, v.meta.totalElements
	return nil
}

// plausibleTotal reports whether v's totalElements may be the log's size,
// in pages of size entries (0 before the first page is placed): a count
// the page itself contradicts (smaller than the page, or other than where
// a page marked last ends), or too large to be one, is ignored rather than
// allowed to mislead the walk's arithmetic.
func plausibleTotal(v view, size int64) bool {
	if size == 0 {
		size = int64(len(v.entries)) // the least it can be, on the first page
	}
	end := int64(v.n)*size + int64(len(v.entries))
	if v.meta.last && v.last && v.total != end {
		return false // the page says the log ends with it
	}
	return v.total <= maxTotal && v.total >= end
}

// stalled counts a response that brought nothing provably new, and fails
// past maxStalls of them in a row, unless the walk is over anyway.
func (c *serverCheck) stalled(done bool) error {
	c.stalls++
	if c.stalls > maxStalls && !done {
		return fmt.Errorf("%d responses in a row brought no provably new entry: the log grows faster than the walk reads it, or its pages do not line up", c.stalls)
	}
	return nil
}

// progressed counts a response that brought a provably new entry.
func (c *serverCheck) progressed() { c.stalls = 0 }

// allSame reports whether every entry is identical to the first.
func allSame(a []fingerprint) bool {
	for i := 1; i < len(a); i++ {
		if a[i].sum != a[0].sum {
			return false
		}
	}
	return true
}

// sameRun reports whether a and b hold the same entries.
func sameRun(a, b []fingerprint) bool {
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
