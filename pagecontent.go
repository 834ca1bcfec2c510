package riskcloud

import "fmt"

// This file holds what every page shape shares, whatever type its entries
// decode to: the bound on a page's entries and the reading of its content,
// an array of entry objects, in one pass over the body (jsongrammar.go).
// Decoding the page with encoding/json and each entry a second time to
// keep its bytes cost half the throughput of a walk (see DESIGN.md); here
// each entry's Raw is the body's own sub-slice, captured while the entry
// is read.

// maxPageEntries is the most entries a page may hold, whatever size was
// asked for; it is also the bound when none was (ListOptions.Size 0, the
// server's default, documented as 20 and capped at 2,000 by Spring's
// defaults). A server may not clamp a size asked for, so the bound is not
// Spring's cap but fifty times it: no server seen sends pages that large,
// and it bounds what a page that holds them can cost, whatever it says of
// itself. Each entry takes an Entry of about 100 bytes, far more than the
// 3 bytes of an empty object, so without a bound a body under the 32 MiB
// cap could cost some GiB; with it, at most about 10 MiB of entries.
const maxPageEntries = 100_000

// entryLimit is the most entries a page may hold when size entries were
// asked for (0: none, the server's default).
func entryLimit(size int) int {
	if size <= 0 || size > maxPageEntries {
		return maxPageEntries
	}
	return size
}

// maxContentGuess bounds the capacity a content slice is given from its
// estimate (2048 entries, about 200 KiB of Entry values), so that a short
// first entry followed by a long body cannot make it reserve much; so does
// the page's bound on its entries, which for the sizes usually asked for
// is far less.
const maxContentGuess = 2048

// contentArray is a page's content being read: an array of entry objects.
// A page shape's reader loops over it and reads each entry itself, at off,
// with a direct call: through a function value, each entry would escape to
// the heap, an allocation apiece. readEntries (entryjson.go) is the loop
// to copy for another entry type: next, then the first entry read apart
// and kept with appendEntry (its length sizes the slice), the others read
// in place into appendZero's slot, each error wrapped by entryError.
type contentArray struct {
	d          *decoder
	maxEntries int
	n          int // entries begun
	start      int // where the last one begun starts
}

// openContent starts reading a page's content at off: an array, or null
// (ok false).
func openContent(d *decoder, maxEntries int) (c contentArray, ok bool, err error) {
	switch d.peek() {
	case 'n':
		return c, false, d.literal("null")
	case '[':
	default:
		return c, false, d.kindError("content", "an array or null")
	}
	return contentArray{d: d, maxEntries: maxEntries}, true, d.open()
}

// next moves to the next entry and checks that it is an object and within
// the bound; ok is false at the end of the array.
func (c *contentArray) next() (ok bool, err error) {
	d := c.d
	if ok, err := d.element(c.n == 0); err != nil || !ok {
		return false, err
	}
	if c.n == c.maxEntries {
		// Stop here, before keeping more: the rest may be millions of
		// entries. Any content array counts, even one a later
		// "content" key would replace, as the decoder cannot know.
		return false, tooManyEntries(d.off, c.maxEntries)
	}
	switch d.peek() {
	case '{':
	case 'n':
		start := d.off
		if err := d.literal("null"); err != nil {
			return false, err
		}
		return false, &decodeError{msg: fmt.Sprintf("entry %d is null", c.n), off: start}
	default:
		return false, d.kindError(fmt.Sprintf("entry %d", c.n), "an object")
	}
	c.start = d.off
	c.n++
	return true, nil
}

// entryError says which entry err was found in.
func (c *contentArray) entryError(err error) error {
	return fmt.Errorf("entry %d: %w", c.n-1, err)
}

// appendEntry appends e, the entry c read last, to s. The first entry
// sizes s: entries of a page are alike, so its length and the bytes left
// give their count, allocated once. After that s doubles. Either way it
// stays within the bound: append would grow a large slice by a quarter at
// a time, which for a page refused at the bound allocates five times the
// bound's entries in all, where doubling allocates twice.
func appendEntry[T any](s []T, c *contentArray, e T) []T {
	s, slot := appendZero(s, c)
	*slot = e
	return s
}

// appendZero extends s by a zero entry, for c's reader to read the entry
// c is at into, in place; it grows s as appendEntry says.
func appendZero[T any](s []T, c *contentArray) ([]T, *T) {
	n := len(s)
	if n == cap(s) {
		size := min(2*n, c.maxEntries)
		if n == 0 {
			d := c.d
			size = min((len(d.data)-d.off)/(d.off-c.start+1)+1, maxContentGuess, c.maxEntries)
		}
		grown := make([]T, n, size)
		copy(grown, s)
		s = grown
	}
	s = s[:n+1]
	return s, &s[n]
}

// tooManyEntries reports an entry past maxEntries, at off.
func tooManyEntries(off, maxEntries int) error {
	why := fmt.Sprintf("more than the %d entries asked for (the server may be ignoring size)", maxEntries)
	if maxEntries >= maxPageEntries {
		why = fmt.Sprintf("more than %d entries, the most a page may hold", maxEntries)
	}
	return &decodeError{msg: "content holds " + why, off: off}
}

// checkOwnSize refuses a content of n entries longer than the size its
// page states. A size of 0 bounds nothing: Spring states the content's
// length for an unpaged result, and the walk reads 0 as no size.
func checkOwnSize(n, size int) error {
	if size > 0 && n > size {
		return fmt.Errorf("content holds %d entries, more than its own size of %d", n, size)
	}
	return nil
}
