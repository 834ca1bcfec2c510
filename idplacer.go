package riskcloud

import "time"

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
	// seen holds the ids yielded (hashed): about 20 bytes per entry.
	seen    map[uint64]struct{}
	checks  serverCheck
	pinning pinning
	done    bool
	err     error
}

// pinning is what the placer does with the walk's created-max: lower it to
// the newest entry once a page shows it (see pinNewest), and check, on the
// next response sent after that, that the count did not fall: if it did,
// the page was not the newest (the order was misread, or the log lost
// entries meanwhile), and the pin goes back, for good, with the walk
// started over (ids keep it from yielding anything twice) and pages
// requested ahead no longer trusted.
type pinning struct {
	pin      *walkPin // nil: none to lower
	checking bool
	count    int64 // the count before the pin was lowered
	failed   bool
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

// timeOrder is what the entries' times show of the server's order. Only
// neighbours within a page count: a page is one snapshot of the log, while
// the next page may hold entries that arrived at a newest-first log's head
// in between and look like a rise. So a walk in pages of one entry, or
// through pages that each hold one time, never reads the order, and reads
// forward.
//
// When the first page shows no order (one entry, or one time), the walk
// asks for the last page once and compares its times with the first
// page's: that holds across snapshots, since in a log newest first an
// entry on the last page is never newer than one that was first (an
// arrival or late write newer than it sorts before it), and oldest first
// never older.
type timeOrder struct {
	rising  bool // an entry newer than the one before it
	falling bool // an entry older than the one before it
	// anchor is the time of the first page, to compare the last page with;
	// probes is how many more looks at the last page may be taken (it may
	// come back empty, the log having shrunk); probing says one was asked
	// for, of page probe.
	anchor  time.Time
	probes  int
	probe   int
	probing bool
}

// maxProbes bounds the looks at the last page a walk takes to read the
// order, for a log that shrinks past its last page every time.
const maxProbes = 3

func newIDPlacer(first, asked int) *idPlacer {
	return &idPlacer{first: first, sizing: pageSizing{asked: int64(asked)}, seen: map[uint64]struct{}{}}
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
	p.order.observe(v)
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
	if st.fresh == nil && drop == 0 && !p.cover.beyond(reach) {
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

// observe notes the times of v's entries, and, if v is the last page
// asked for to read the order, how they compare with the first page's.
func (o *timeOrder) observe(v view) {
	probe := o.probing && v.n == o.probe
	var prev time.Time
	for _, e := range v.entries {
		if probe {
			prev = o.anchor
		}
		if e.ts.IsZero() {
			continue
		}
		o.rising = o.rising || !prev.IsZero() && e.ts.After(prev)
		o.falling = o.falling || !prev.IsZero() && e.ts.Before(prev)
		prev = e.ts
	}
	o.probing = o.probing && !probe
}

// probeNext reports whether the walk should look at the last page, as p
// counts it, now; if so, it is o.probe.
func (o *timeOrder) probeNext(p *idPlacer) bool {
	if o.probes == 0 || o.probing || o.rising || o.falling || p.cover.backward || !p.counted {
		return false
	}
	last := (p.total - 1) / p.sizing.size
	if last <= p.cover.frontier/p.sizing.size || last > maxJavaInt {
		o.probes = 0 // the walk reaches it anyway
		return false
	}
	o.probes--
	o.probe, o.probing = int(last), true
	return true
}

// probeFrom plans looks at the last page when v, the first page, shows no
// order but has a time (see probeNext).
func (o *timeOrder) probeFrom(v view, p *idPlacer) {
	if o.rising || o.falling || p.done || !p.counted || p.cover.backward {
		return
	}
	for _, e := range v.entries {
		if !e.ts.IsZero() {
			o.anchor = e.ts
		}
	}
	if !o.anchor.IsZero() {
		o.probes = maxProbes
	}
}

// oldestFirst reports whether the times seen rise and never fall.
func (o *timeOrder) oldestFirst() bool { return o.rising && !o.falling }

// pinNewest lowers the walk's created-max to the time of the newest entry
// of v if v holds the newest entry of the log (see holdsNewest): no entry
// of the walk is newer, so its entries stay the same, but an entry written
// late after that time (a clock a little behind, a delayed write, a test's
// arrivals stamped after the newest) now stays out of the walk, as those
// created after its start do. Such entries arrive behind the frontier, at
// the new end: a walk from the end would chase them, and a walk with
// Prefetch can miss the move they make (two pages requested at once are
// two snapshots, and a deletion at the old end hides it from the count).
// Late writes at that time or before still come in; see idPlacer.
func (p *idPlacer) pinNewest(v view) {
	if p.pinning.pin == nil || p.pinning.failed || len(v.entries) == 0 || !p.counted || !p.holdsNewest(v) {
		return
	}
	var newest time.Time
	for _, e := range v.entries {
		if e.ts.After(newest) {
			newest = e.ts
		}
	}
	if !newest.IsZero() && p.pinning.pin.lower(*epochMillis(newest, false)) {
		p.pinning.checking, p.pinning.count = true, v.total
	}
}

// checkPin checks the pin lowered last against v, the first response
// sent after it was: the same count or more shows the pin left nothing
// out (arrivals it now keeps out cannot lower the count); less, that it
// may have, so it goes back, and the walk starts over.
func (p *idPlacer) checkPin(v view) {
	p.pinning.checking = false
	if !v.meta.totalElements || v.total >= p.pinning.count {
		return
	}
	p.pinning.pin.restore()
	p.pinning.failed = true
	p.cover = coverage{backward: p.cover.backward, frontier: int64(p.first) * p.sizing.size}
}

// holdsNewest reports whether v holds the log's newest entry, as of v:
// page 0 of a log it shows newest first, or, read from the end of an
// oldest-first log, the page that ends it.
func (p *idPlacer) holdsNewest(v view) bool {
	if p.cover.backward {
		return p.counted && int64(v.n)*p.sizing.size+int64(len(v.entries)) == p.total
	}
	var o timeOrder
	o.observe(v)
	return v.n == 0 && o.falling && !o.rising
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
// nothing arrived or left, unless both did), and notes v's count.
func (p *idPlacer) countChange(v view) (drop int64, still bool) {
	if p.counted && v.meta.totalElements {
		drop, still = max(p.total-v.total, 0), p.total == v.total
	}
	p.total, p.counted = v.total, v.meta.totalElements
	return drop, still
}
