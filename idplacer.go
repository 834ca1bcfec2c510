package riskcloud

// idPlacer places the pages of a listing whose entries carry ids (v2),
// without assuming any order: the API documents none.
//
// Ids make "is this entry new?" exact: a response yields every entry whose
// id the walk has not yielded yet, wherever it sits in the page (see
// step.fresh). What is left is to request pages so that every entry that
// exists for the whole walk appears in some response, while entries are
// created and deleted. The walk keeps a frontier: how far from one end of
// the log, as the last response showed it, every such entry has appeared.
//
// Which end depends on the order, read from the entries' times. A log
// changes at its ends: entries arrive at the new end (late writes, created
// before the walk's pin, see v2Listing.forWalk; later ones stay out of the
// walk), and retention deletes at the old end. Walking from the new end
// toward the old one, as v1 walks newest first, every change is harmless
// or visible:
//
//   - An arrival at the new end, or anywhere behind the frontier, pushes
//     entries already seen across it: they come again and are known by id.
//   - Anything ahead of the frontier moves nothing that has been seen.
//   - A deletion behind the frontier (not retention's: the old end is
//     ahead) pulls unseen entries behind it. totalElements drops, so the
//     frontier moves back by the drop, and those entries are read again.
//
// So the placer reads pages forward (page first, first+1, …) until a page
// shows times that rise and none that fall (the server sorts oldest
// first), and from then on from the last page back: its frontier then
// counts from the end of the log, where arrivals do not move it. Reading
// forward through an oldest-first log would not do: a deletion at the
// head behind the frontier and an arrival at the tail in the same
// interval leave the count as it was, and no response to a forward page
// tells the two logs apart (see TestIDPlacer_oldestFirstChurn). The
// prefetcher reads ahead forward only, so a walk from the end reads one
// page at a time.
//
// The order is read from neighbours within a page, or, when the first page
// shows none (one entry, or one time), from a look at the last page (see
// timeOrder). One change escapes every rule that reads only responses: a
// deletion behind the frontier that is not retention's, hidden from the
// count, in the same interval, by as many late writes ahead of it: the
// changed log answers as an unchanged one would (TestIDPlacer_maskedChange).
// Where the order cannot be read (a server sorting by neither time, or
// whose times are one instant or missing), the placer reads forward, and
// plain retention and arrivals can make that change.
//
// Prefetch adds one more: pages requested at once are snapshots in no
// known order, so an arrival behind the frontier between two of them,
// hidden from the count by a deletion at the old end, can move an entry
// past both unseen. The pin keeps out entries created after the walk
// started, and, once the walk has read the newest entry, written late
// after it (see pinNewest); entries written late at or before that time
// are the limit of Prefetch on v2.
//
// The placer assumes a consistent order (ties included), unique ids and an
// honest count; the README lists what a server that breaks them costs.
type idPlacer struct {
	first  int
	sizing pageSizing
	order  timeOrder
	cover  coverage
	// total is the last response's totalElements, if it sent one (counted).
	total   int64
	counted bool
	// seen holds the ids yielded (hashed).
	seen    idSet
	checks  serverCheck
	pinning pinning
	done    bool
	err     error
}

// coverage is how far the walk has seen every entry there for the whole
// walk: below index frontier, reading forward; within the last fromEnd
// entries of the log, reading backward.
type coverage struct {
	backward bool
	frontier int64
	fromEnd  int64
}

// beyond reports whether c covers more than before, read the same way (a
// turn to read the other way is no progress: it starts from nothing).
func (c coverage) beyond(before coverage) bool {
	return c.backward == before.backward && (c.frontier > before.frontier || c.fromEnd > before.fromEnd)
}

func newIDPlacer(first, asked int) *idPlacer {
	return &idPlacer{first: first, sizing: pageSizing{asked: int64(asked)}}
}

// next returns the page that holds the entry just past the frontier.
func (p *idPlacer) next() (int, bool) {
	switch {
	case p.done:
		return 0, false
	case p.sizing.size == 0:
		return p.first, true
	case p.order.probeNext(p):
		return p.order.probe, true
	}
	index := p.cover.frontier
	if p.cover.backward {
		index = p.total - 1 - p.cover.fromEnd
	}
	n, err := pageOf(index, p.sizing.size)
	if err != nil {
		p.done, p.err = true, err
		return 0, false
	}
	return n, true
}

func (p *idPlacer) failure() error  { return p.err }
func (p *idPlacer) stop()           { p.done = true }
func (p *idPlacer) pageSize() int64 { return p.sizing.size }

// advance yields the entries of v not seen before and moves the frontier.
func (p *idPlacer) advance(v view) (step, error) {
	if err := p.checks.check(v); err != nil {
		return yieldNone(v), err
	}
	v.meta.totalElements = v.meta.totalElements && p.plausible(v)
	first := p.sizing.size == 0
	if !first && int64(len(v.entries)) > p.sizing.size {
		return p.resize(v), nil
	}
	if first {
		p.sizing.fix(v)
		p.cover.frontier = int64(v.n) * p.sizing.size
	}
	if p.pinning.checking && v.after {
		p.checkPin(v)
	}
	// The last page asked for to read the order yields nothing yet: its
	// entries come in their turn, so that the order stays the pages'.
	probe := p.order.probing && v.n == p.order.probe
	st := yieldNone(v)
	if !probe {
		st = p.pick(v)
	}
	p.order.observe(v, probe)
	drop, still := p.countChange(v)
	// Once a pin has gone back, entries written late after the newest come
	// in again, and with them the move Prefetch cannot see: prove nothing
	// still, so that no page requested ahead is used unchecked.
	st.still = still && !p.pinning.failed
	reach := p.cover
	p.move(v, drop, probe)
	p.pinNewest(v)
	if first {
		p.order.probeFrom(v, p)
	}
	// A response that re-reads seen entries still helps if it moved the
	// frontier; only one that did neither, and saw no drop, is a stall.
	if st.from == len(v.entries) && drop == 0 && !p.cover.beyond(reach) {
		return st, p.checks.stalled(p.done)
	}
	p.checks.progressed()
	return st, nil
}

// plausible reports whether v's totalElements may be the log's size. An
// empty page past the end is consistent with any smaller count (the log
// shrank under the walk), which plausibleTotal, made for pages that hold
// entries, would drop.
func (p *idPlacer) plausible(v view) bool {
	if len(v.entries) == 0 {
		return v.total >= 0 && v.total <= maxTotal
	}
	return plausibleTotal(v, p.sizing.size)
}

// resize handles a page longer than the first: the first was short, and
// not because the log ended there, so its size was not the server's. The
// walk starts over by the longer one; what it yielded is known by id.
func (p *idPlacer) resize(v view) step {
	p.sizing.size = int64(len(v.entries))
	p.cover = coverage{frontier: int64(p.first) * p.sizing.size}
	p.counted = false
	return yieldNone(v)
}

// move moves the frontier past v, which yields nothing and so covers
// nothing if it is the probe; and turns the walk to read from the end
// once the log shows itself oldest first.
func (p *idPlacer) move(v view, drop int64, probe bool) {
	switch {
	case p.cover.backward:
		p.coverBackward(v, drop)
	case probe:
		p.cover.frontier = max(p.cover.frontier-drop, 0)
	default:
		p.coverForward(v, drop)
	}
	if !p.cover.backward && p.order.oldestFirst() && !p.done && p.counted {
		p.cover = coverage{backward: true}
	}
}

// coverForward moves the frontier past v, reading forward. What was
// behind it still is, but for entries a drop in the count may have pulled
// behind it; v covers its own page. Together they reach the page's end if
// v starts within what is covered.
func (p *idPlacer) coverForward(v view, drop int64) {
	size := p.sizing.size
	covered := max(p.cover.frontier-drop, 0)
	start := int64(v.n) * size
	if start <= covered {
		if isLastPage(v, size) || len(v.entries) == 0 {
			p.done = true
		}
		covered = max(covered, start+int64(len(v.entries)))
	}
	p.cover.frontier = covered
}

// coverBackward moves the frontier past v, reading from the end, as
// coverForward does forward: what is covered counts from the end, where
// arrivals only push covered entries further from it (so counting them
// would be an optimisation, and wrong for late writes elsewhere).
func (p *idPlacer) coverBackward(v view, drop int64) {
	if !p.counted {
		// Without a count the end cannot be found: read forward again,
		// from the first page, trusting ids for what comes twice, and for
		// good (the times have shown both ways now), or a count missing
		// every other response would turn the walk back and forth forever.
		p.cover = coverage{frontier: int64(p.first) * p.sizing.size}
		p.order.rising, p.order.falling = true, true
		return
	}
	size := p.sizing.size
	covered := max(p.cover.fromEnd-drop, 0)
	start := int64(v.n) * size
	if p.total-start-int64(len(v.entries)) <= covered {
		covered = max(covered, p.total-start)
	}
	p.cover.fromEnd = covered
	if p.total-covered <= int64(p.first)*size {
		p.done = true
	}
}

// pick marks the entries of v whose ids the walk has not yielded, and
// remembers them as yielded. Where every entry from the first new one on
// is new, as on a log that holds still, the step needs no mask (and the
// walk copies nothing).
func (p *idPlacer) pick(v view) step {
	m := len(v.entries)
	st := step{from: m}
	for i, e := range v.entries {
		isNew := p.seen.add(e.sum)
		switch {
		case st.from == m:
			if isNew {
				st.from = i
			}
		case st.fresh != nil:
			st.fresh[i] = isNew
		case !isNew:
			// The first seen entry after a new one: from here on, a mask.
			st.fresh = make([]bool, m)
			for j := st.from; j < i; j++ {
				st.fresh[j] = true
			}
		}
	}
	return st
}

// countChange returns by how much v's totalElements fell below that of
// the response placed before it, and whether it equals it (which proves
// nothing arrived or left, unless both did), and notes v's count.
func (p *idPlacer) countChange(v view) (drop int64, still bool) {
	if p.counted && v.meta.totalElements {
		drop, still = max(p.total-v.total, 0), p.total == v.total
	}
	p.total, p.counted = v.total, v.meta.totalElements
	return drop, still
}
