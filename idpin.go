package riskcloud

import (
	"sync/atomic"
	"time"
)

// walkPin is the created-max, in epoch milliseconds, that one walk sends:
// its start (or Until), lowered once its first page shows the newest
// entry (see idPlacer.pinNewest). Requests read it as they go out, some
// on the prefetcher's goroutines.
type walkPin struct {
	ms    atomic.Int64
	start int64 // the walk's own pin, before any lowering
}

// lower sets the pin to ms if that is lower, and reports whether it did.
func (p *walkPin) lower(ms int64) bool {
	for old := p.ms.Load(); ms < old; old = p.ms.Load() {
		if p.ms.CompareAndSwap(old, ms) {
			return true
		}
	}
	return false
}

// restore puts the pin back where the walk started it.
func (p *walkPin) restore() { p.ms.Store(p.start) }

// maxClockSkew is how far ahead of the client's clock the server's may
// run: the walk's pin lies that far past its start, so that an entry the
// server stamped by its own clock before the walk began is not left out.
// The pin then drops to the newest entry the walk sees (idPlacer.pinNewest).
const maxClockSkew = time.Minute

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
	if v.n != 0 {
		return false
	}
	var o timeOrder
	o.observe(v, false)
	return o.falling && !o.rising
}
