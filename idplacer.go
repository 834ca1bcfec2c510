package riskcloud

import "fmt"

// idPlacer places the pages of a listing whose entries carry ids (v2),
// without assuming any order: the API documents none.
//
// Ids make "is this entry new?" exact: a response yields every entry whose
// id the walk has not yielded yet, wherever it sits in the page (see
// step.fresh). What is left is to request pages so that every entry that
// exists for the whole walk appears in some response. The walk keeps a
// frontier: an index below which, in the log as the last response showed
// it, every entry has appeared in a response. A page n = frontier/size is
// requested next; once placed, the frontier moves to the page's end.
//
// How the log may change between two responses, and what each change does
// to the frontier, in any order of the entries:
//
//   - An entry inserted before the frontier pushes entries already seen
//     past it: they come again, and are recognised by id. Entries created
//     after the walk started are not inserted at all: the v2 endpoint pins
//     created-max to the walk's start (see v2Listing.forWalk).
//   - An entry inserted or deleted after the frontier moves nothing that
//     has been seen.
//   - d entries deleted before the frontier pull d entries not yet seen
//     below it. totalElements drops, so the walk moves the frontier back
//     by the drop and reads those entries again from there: a page of
//     seen entries at worst, when the deletions were after it.
//
// The one change this cannot see is d deletions before the frontier in the
// same interval as at least as many insertions after it, with created at
// or before the pin (an entry written late): the count hides both. Two
// logs, one unchanged and one changed so, answer the next page with the
// same count and entries none of which the walk has seen, so no rule that
// reads only responses to forward pages can tell them apart. On a log
// ordered newest first, as the fake and v1 are, deletions (retention) are
// after the frontier and late writes before it, so it cannot happen there.
type idPlacer struct {
	first  int
	sizing pageSizing
	// frontier is the index, in the log as of the response placed last,
	// below which every entry has appeared in a response.
	frontier int64
	// total is that response's totalElements, if it sent one (counted).
	total   int64
	counted bool
	// seen holds the ids yielded (hashed): about 20 bytes per entry.
	seen   map[uint64]struct{}
	checks serverCheck
	done   bool
	err    error
}

func newIDPlacer(first, asked int) *idPlacer {
	return &idPlacer{first: first, sizing: pageSizing{asked: int64(asked)}, seen: map[uint64]struct{}{}}
}

// next returns the page that holds the frontier.
func (p *idPlacer) next() (int, bool) {
	switch {
	case p.done:
		return 0, false
	case p.sizing.size == 0:
		return p.first, true
	}
	n := p.frontier / p.sizing.size
	if n > maxJavaInt {
		p.done = true
		p.err = fmt.Errorf("the walk would need page %d, past the last page a server can number: its totalElements cannot be the log's size", n)
		return 0, false
	}
	return int(n), true
}

func (p *idPlacer) failure() error  { return p.err }
func (p *idPlacer) stop()           { p.done = true }
func (p *idPlacer) pageSize() int64 { return p.sizing.size }

// advance yields the entries of v not seen before and moves the frontier.
func (p *idPlacer) advance(v view) (step, error) {
	if err := p.checks.check(v); err != nil {
		return yieldNone(v), err
	}
	// An empty page past the end is consistent with any smaller count (the
	// log shrank under the walk), which plausibleTotal, made for pages that
	// hold entries, would drop.
	v.meta.totalElements = v.meta.totalElements && v.total >= 0 &&
		(len(v.entries) == 0 && v.total <= maxTotal || plausibleTotal(v, p.sizing.size))
	switch m := int64(len(v.entries)); {
	case p.sizing.size == 0:
		p.sizing.fix(v)
		p.frontier = int64(v.n) * p.sizing.size
	case m > p.sizing.size:
		// The first page was short, and not because the log ended there:
		// its size was not the server's. Start over by the longer one;
		// what was yielded is known by id.
		p.sizing.size = m
		p.frontier = int64(p.first) * m
		p.counted = false
		return yieldNone(v), nil
	}
	st := p.pick(v)
	drop, still := p.countChange(v)
	st.still = still
	// What was below the frontier is still, but for entries the drop may
	// have pulled below it; v covers its own page. Together they reach the
	// page's end if v starts within what is covered.
	covered := max(p.frontier-drop, 0)
	if int64(v.n)*p.sizing.size <= covered {
		if isLastPage(v, p.sizing.size) || len(v.entries) == 0 {
			p.done = true
		}
		covered = max(covered, int64(v.n)*p.sizing.size+int64(len(v.entries)))
	}
	p.frontier = covered
	if st.fresh == nil && drop == 0 {
		return st, p.checks.stalled(p.done)
	}
	p.checks.progressed()
	return st, nil
}

// pick marks the entries of v whose ids the walk has not yielded, and
// remembers them as yielded.
func (p *idPlacer) pick(v view) step {
	st := step{from: len(v.entries)}
	for i, e := range v.entries {
		if _, ok := p.seen[e.sum]; ok {
			continue
		}
		p.seen[e.sum] = struct{}{}
		if st.fresh == nil {
			st.fresh = make([]bool, len(v.entries))
			st.from = i
		}
		st.fresh[i] = true
	}
	return st
}

// countChange returns by how much v's totalElements fell below that of
// the response placed before it, and whether it equals it (which proves
// nothing arrived or left unless both happened), and notes v's count.
func (p *idPlacer) countChange(v view) (drop int64, still bool) {
	if p.counted && v.meta.totalElements {
		drop, still = max(p.total-v.total, 0), p.total == v.total
	}
	p.total, p.counted = v.total, v.meta.totalElements
	return drop, still
}
