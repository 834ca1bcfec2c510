package riskcloud

import (
	"time"
)

// This file holds how a poll reads a log that has more new entries than
// its buffer holds (a first poll over a year of history, or a feed
// resumed after a long stop) without holding them all: in parts, each
// yielded oldest first before the next, newer one is read. Each part
// reads from the cursor's floor, which trails the newest entry yielded
// by the lag, so the seam between two parts is re-read and compared with
// what the cursor remembers, as a poll's lag window is.
//
// v2 filters by time on the server, so a part is a window of time, found
// by halving until the window fits. v1 filters by nothing: it is read
// newest first, so the oldest new entries are at the end of the walk, and
// a walk from page 0 would hold every new entry before it could yield the
// oldest. Instead the parts are ranges of pages read from the end: the
// last page that holds a new entry is found by bisection (each probe is one
// request), and each part walks from a page k pages nearer the head than
// the one before, down to the floor. Arrivals at the head only move an
// entry to a later page, never an earlier one, so a walk from page s still
// reaches every entry it would have reached had nothing arrived: the parts
// overlap, they never leave a gap. Reading the whole log newest first and
// reversing it in memory, the alternative, costs memory in proportion to
// the history; the bisection costs about log2(pages) requests.

// windows reads a v2 log in windows of time, oldest first, each holding
// at most the buffer's worth of new entries. A window that holds more is
// halved; one that held little is followed by one twice as wide.
func (r *feedPoll[T]) windows() error {
	f := r.f
	limit := f.buffer()
	now := time.Now()
	if _, until := f.p.ep.feedRange(f.p.opts); !until.IsZero() && until.Before(now) {
		now = until
	}
	from := f.floor() // where the window starts; the read starts at the floor
	if from.IsZero() {
		from = time.Unix(0, 0) // the first window has no lower bound
	}
	to := from.Add(now.Sub(from) / 2)
	for !r.done() {
		final := !to.Before(now)
		until := to
		if final {
			until = time.Time{} // the Pager's Until, or the walk's own pin
		}
		b, end, err := r.read(0, until, limit)
		if err != nil {
			return err
		}
		if end.over {
			right := to
			if final {
				right = now
			}
			if right.Sub(from) > time.Millisecond {
				to = from.Add(right.Sub(from) / 2)
				continue
			}
			// One millisecond holds more than the buffer: read it whole.
			if b, _, err = r.read(0, until, 0); err != nil {
				return err
			}
		}
		r.emit(b)
		if final {
			break
		}
		width := to.Sub(from)
		if len(b.entries) <= limit/4 { // <=: under a Buffer of 4, an empty window too
			width *= 2
		}
		from, to = to, to.Add(width)
	}
	return r.finish()
}

// pageRanges reads a v1 log in ranges of pages from its end, after a read
// from page 0 that ended as end did, with more new entries than the
// buffer holds.
func (r *feedPoll[T]) pageRanges(end readEnd) error {
	f := r.f
	size := max(end.pageSize, 1)
	step := max(f.buffer()/size, 1)
	start, err := r.lastNewPage(end)
	if err != nil {
		return err
	}
	for s := start; !r.done(); s -= step {
		s = max(s, 0)
		b, _, err := r.read(s, time.Time{}, 0)
		if err != nil {
			return err
		}
		r.emit(b)
		if s == 0 {
			break
		}
	}
	return r.finish()
}

// lastNewPage returns the last page that starts at or above the floor,
// from end.lastPage (which does) on, by bisection; with no floor, the
// last page. A server that sends no totalPages is galloped through first:
// pages lastPage+1, +2, +4 … until one starts below the floor.
func (r *feedPoll[T]) lastNewPage(end readEnd) (int, error) {
	floor := r.f.floor()
	probe, ep := r.f.window(0, floor, time.Time{})
	// above reports whether page m holds an entry at or above the floor.
	above := func(m int) (bool, error) {
		page, err := probe.Page(r.ctx, m)
		if err != nil || len(page.Content) == 0 {
			return false, err
		}
		_, ts := ep.key(&page.Content[0])
		return floor.IsZero() || ts.IsZero() || !ts.Before(floor), nil
	}
	lo, hi := end.lastPage, end.totalPages-1
	if hi < lo {
		for step := 1; ; step *= 2 {
			ok, err := above(min(lo+step, maxJavaInt))
			if err != nil {
				return 0, err
			}
			if !ok || lo+step >= maxJavaInt {
				hi = min(lo+step, maxJavaInt) - 1
				break
			}
			lo += step
		}
	} else if floor.IsZero() {
		return hi, nil
	}
	for lo < hi {
		m := lo + (hi-lo+1)/2
		ok, err := above(m)
		if err != nil {
			return 0, err
		}
		if ok {
			lo = m
		} else {
			hi = m - 1
		}
	}
	return lo, nil
}
