package riskcloud

import "slices"

// This file holds the hypotheses of position: the explanations of a page
// that fit what it shows, and how a second look settles between them.

// hypothesis is one explanation of a page: where e, the entry yielded
// last, sits in the log as of the page.
type hypothesis struct {
	kind hypKind
	// q is e's index; for before, the least it can be.
	q int64
	// twins reports that the hypothesis needs an entry of the page to be
	// a twin (identical, but another entry) of e or of the newest
	// remembered entry.
	twins bool
}

type hypKind int

const (
	// at: e is at index q, in the page or right before it (q = start-1);
	// the page's entries after q are new.
	at hypKind = iota
	// past: the page lies wholly before e, which is at index q, known
	// from the remembered entries the page holds.
	past
	// before: the page lies wholly before e and holds none of the
	// remembered entries; e is at index q or later.
	before
	// gone: e has been deleted, and so has every entry older than it
	// (retention deletes the oldest first): nothing is left to yield, and
	// the page holds entries newer than e.
	gone
)

// exact reports whether h gives e's index, not a bound.
func (h hypothesis) exact() bool { return h.kind == at || h.kind == past }

// hypotheses returns every explanation of page v that fits it, given lo,
// a lower bound on e's index.
func (p *position) hypotheses(v view, lo int64) []hypothesis {
	pg := pageFacts{
		entries: v.entries,
		start:   int64(v.n) * p.sizing.size,
		ends:    endsLog(v, p.sizing.size),
		total:   -1,
	}
	if v.meta.totalElements {
		pg.total = v.total
	}
	e := p.hist.e()
	if p.hist.ordered && olderThan(v.entries[0], e) {
		// The common case: the page starts with an entry older than e, so
		// it holds no entry yielded before, and no twin of e. Only "the
		// page follows e" fits, if the bound allows it.
		if pg.start-1 == lo && (pg.total < 0 || lo < pg.total) {
			return []hypothesis{{kind: at, q: lo}}
		}
		return nil
	}
	c := candidates{p: p, pg: pg, lo: lo, tail: make(map[uint64][]int, len(p.hist.tail))}
	for i, t := range p.hist.tail {
		c.tail[t.sum] = append(c.tail[t.sum], i)
		p.hist.twins = p.hist.twins || len(c.tail[t.sum]) > 1
	}
	c.try(hypothesis{kind: at, q: pg.start - 1})
	for j, pr := range v.entries {
		if pr.sum == e.sum {
			c.try(hypothesis{kind: at, q: pg.start + int64(j)})
		}
		// A remembered entry at j puts e as many entries further on as
		// it was yielded before e.
		for _, i := range c.tail[pr.sum] {
			if q := pg.start + int64(j) + int64(len(p.hist.tail)-1-i); q >= pg.start+int64(len(v.entries)) {
				c.try(hypothesis{kind: past, q: q})
				c.tryGone(q, true)
			}
		}
	}
	// Where the page lies wholly before the remembered run, e is this far
	// on at least.
	beyond := pg.start + int64(len(v.entries)) + int64(len(p.hist.tail)) - 1
	c.try(hypothesis{kind: before, q: max(beyond, lo)})
	c.tryGone(beyond, false)
	return c.fit
}

// pageFacts is what the hypotheses of one page are checked against.
type pageFacts struct {
	entries []fingerprint
	start   int64 // the index of the page's first entry
	ends    bool  // the log ends within the page
	total   int64 // totalElements, or -1
}

// candidates collects the hypotheses that fit a page, once each.
type candidates struct {
	p        *position
	pg       pageFacts
	lo       int64
	tail     map[uint64][]int // the remembered entries' indexes in the tail, by sum
	fit      []hypothesis
	seen     map[candidate]bool // tried already
	goneFits bool
}

func (c *candidates) try(h hypothesis) {
	if c.tried(h.kind, h.q) {
		return
	}
	pg := c.pg
	if h.q < c.lo || (pg.total >= 0 && h.q >= pg.total) {
		return
	}
	if h.kind != at && pg.ends {
		return // e would lie past the end of the log: see tryGone
	}
	if twins, ok := c.fits(h.q); ok {
		h.twins = twins
		c.fit = append(c.fit, h)
	}
}

// tryGone adds the hypothesis that e is gone if the page fits e having
// been at index q (at least q, unless exact) with the log now ending
// before it: the page holds entries newer than e only.
func (c *candidates) tryGone(q int64, exact bool) {
	if c.goneFits || c.tried(gone, q) || (exact && c.pg.total > q) {
		return
	}
	if twins, ok := c.fits(q); ok {
		c.goneFits = true
		c.fit = append(c.fit, hypothesis{kind: gone, twins: twins})
	}
}

// tried reports whether (kind, q) was tried before, and notes it: a page
// of identical entries puts the same index forward many times.
func (c *candidates) tried(kind hypKind, q int64) bool {
	key := candidate{kind, q}
	if c.seen[key] {
		return true
	}
	if c.seen == nil {
		c.seen = map[candidate]bool{}
	}
	c.seen[key] = true
	return false
}

type candidate struct {
	kind hypKind
	q    int64
}

// fits checks the page against e being at index q, and reports whether
// that needs a twin of e. Each index of the page lies after e (older than
// e), in the remembered run that ends at e (and must match it), or
// before the run (newer than its newest entry).
func (c *candidates) fits(q int64) (twins, ok bool) {
	pg, tail := c.pg, c.p.hist.tail
	e, newest := tail[len(tail)-1], tail[0]
	runStart := q - int64(len(tail)) + 1
	for j, pr := range pg.entries {
		i := pg.start + int64(j)
		switch {
		case i > q:
			if c.p.hist.ordered && newerThan(pr, e) {
				return false, false
			}
		case i >= runStart:
			if pr.sum != tail[int64(len(tail))-1-(q-i)].sum {
				return false, false
			}
			continue
		default:
			if c.p.hist.ordered && olderThan(pr, newest) {
				return false, false
			}
		}
		// Outside the run, an entry identical to one yielded is a twin: of
		// e after it, of e or the newest remembered entry before it (a
		// burst that goes on at either end of the run), of an entry of e's
		// millisecond after e (identical failures with others between
		// them, in one millisecond), or the hypothesis is wrong.
		switch {
		case pr.sum == e.sum, i < runStart && pr.sum == newest.sum:
			twins = true
		case len(c.tail[pr.sum]) > 0:
			if i < q || !sameTime(pr, e) {
				return false, false
			}
			twins = true
		}
	}
	return twins, true
}

func sameTime(a, b fingerprint) bool { return !a.ts.IsZero() && a.ts.Equal(b.ts) }

func olderThan(a, b fingerprint) bool { return !a.ts.IsZero() && !b.ts.IsZero() && a.ts.Before(b.ts) }
func newerThan(a, b fingerprint) bool { return !a.ts.IsZero() && !b.ts.IsZero() && a.ts.After(b.ts) }

// yieldFrom is where a hypothesis for a page of m entries starting at
// index start begins yielding: m when it yields nothing. gone yields
// nothing.
func (h hypothesis) yieldFrom(start int64, m int) int {
	if h.kind == at && h.q < start+int64(m)-1 {
		return int(h.q - start + 1)
	}
	return m
}

// decisive returns the hypothesis to act on when every hypothesis that
// fits page (start, m entries) leads to the same yield: the only one; or,
// where none yields, a bound at the least index of e they allow (gone
// only if all are gone).
func decisive(hyps []hypothesis, start int64, m int) (hypothesis, bool) {
	if len(hyps) == 1 {
		return hyps[0], true
	}
	allGone := true
	for _, h := range hyps {
		if h.yieldFrom(start, m) < m {
			return hypothesis{}, false
		}
		allGone = allGone && h.kind == gone
	}
	if len(hyps) == 0 || allGone {
		return hypothesis{kind: gone}, len(hyps) > 0
	}
	return hypothesis{kind: before, q: leastIndex(hyps)}, true
}

// leastIndex returns the least index of e that hyps allow; gone allows
// any.
func leastIndex(hyps []hypothesis) int64 {
	least := int64(-1)
	for _, h := range hyps {
		if h.kind != gone && (least < 0 || h.q < least) {
			least = h.q
		}
	}
	return max(least, 0)
}

// resolve picks the hypothesis for a held page from a second look at the
// page before it, requested after the held page came back. e's index can
// only have grown since, by at least growth (the growth of totalElements
// between the two), and e, once gone, stays gone: the held page's
// hypotheses that fit none of the second look's are out. If those left
// still differ in what they yield, and the second look placed e, one more
// rule decides. In a log that has shown no twins, the truth of each look
// needs none: the held page's hypotheses that fit the second look's only
// hypothesis without a twin win, or else the held page's only one without
// a twin. In a log with twins, a twin of e is more likely than a deletion:
// the hypothesis that needs no deletion since e's index was last known
// wins, as the growth of totalElements counts it, if the second look too
// shows e where no deletion puts it.
//
// Those last rules guess (guessed): the hypothesis they pick is the
// likelier, not the only one that fits.
func resolve(held *heldPage, second []hypothesis, growth, start int64, twins bool) (h hypothesis, guessed, ok bool) {
	m := len(held.v.entries)
	if len(second) == 0 {
		return hypothesis{}, false, false
	}
	if allGoneNow(second) {
		return hypothesis{kind: gone}, false, true
	}
	fits := keep(held.hyps, func(h hypothesis) bool {
		return slices.ContainsFunc(second, func(s hypothesis) bool { return compatible(h, s, growth) })
	})
	if h, ok := decisive(fits, start, m); ok {
		return h, false, true
	}
	h, ok = guess(held, second, fits, growth, start, twins)
	return h, true, ok
}

// guess picks the hypothesis for a held page when what the two looks
// prove leaves more than one yield (see resolve), if it can.
func guess(held *heldPage, second, fits []hypothesis, growth, start int64, twins bool) (hypothesis, bool) {
	m := len(held.v.entries)
	if !held.v.after || !slices.ContainsFunc(second, hypothesis.exact) {
		// The held page was requested ahead, and its answer may predate
		// the page placed before it, so the count does not bound it and a
		// guess has nothing to stand on; or the second look says only
		// that e lies beyond it (entries arrived in between): too little
		// to choose by.
		return hypothesis{}, false
	}
	if twins {
		// If the second look shows e further on than no deletion puts it,
		// the log changed in a way the count did not see, and nothing
		// says whether before the held page or after it.
		counted := keep(fits, func(h hypothesis) bool { return h.exact() && h.q == held.counted })
		still := slices.ContainsFunc(second, func(s hypothesis) bool { return s.exact() && s.q == held.counted+growth })
		if len(counted) == 1 && still {
			return counted[0], true
		}
		return hypothesis{}, false
	}
	// Without twins, each look's truth is a hypothesis without one: first
	// the second look's, then the held page's.
	if plain := keep(second, func(s hypothesis) bool { return !s.twins }); len(plain) == 1 {
		f := keep(fits, func(h hypothesis) bool { return compatible(h, plain[0], growth) })
		if h, ok := decisive(f, start, m); ok {
			return h, true
		}
	}
	if plain := keep(fits, func(h hypothesis) bool { return !h.twins }); len(plain) == 1 {
		return plain[0], true
	}
	return hypothesis{}, false
}

// allGoneNow reports that the second look proves e gone.
func allGoneNow(second []hypothesis) bool {
	for _, s := range second {
		if s.kind != gone {
			return false
		}
	}
	return true
}

// compatible reports whether e can have been as h says at the first look
// and as s says at the second.
func compatible(h, s hypothesis, growth int64) bool {
	switch {
	case s.kind == gone:
		return true // deleted in between
	case h.kind == gone:
		return false // a deleted entry does not come back
	case s.kind == before:
		return true // s bounds e's index from below only
	}
	// s gives e's index; h gives it (at, past) or its least value (before).
	return s.q-h.q >= growth
}

func keep(hyps []hypothesis, ok func(hypothesis) bool) []hypothesis {
	var out []hypothesis
	for _, h := range hyps {
		if ok(h) {
			out = append(out, h)
		}
	}
	return out
}
