package riskcloud

import "errors"

// history is what the walk remembers of the entries it yielded.
type history struct {
	// tail is the run of entries yielded last, newest first, ending with
	// e: at least tailMin entries, and two pages; only the page placed
	// last after a guess (see position.settle).
	tail []fingerprint
	// lastOfPage marks the last entry yielded from each page: enough to
	// catch a server whose pages wrap around, as any page's worth of its
	// entries holds one (see remember).
	lastOfPage map[uint64]bool
	// ordered is false once a page shows times that go up: the server
	// does not sort by them, so they prove nothing.
	ordered bool
	// twins is set once the log has shown two identical entries (see
	// resolve).
	twins bool
}

// tailMin is the least history kept, so that small pages can still be
// matched across more than one page of shift.
const tailMin = 64

// e returns the entry yielded last.
func (h *history) e() fingerprint { return h.tail[len(h.tail)-1] }

// remember appends yielded entries to the tail, keeping its last entries
// (two pages of size, at least tailMin), and reports whether they are
// provably new: older is known to say the first is older than e (and so
// is every one), or else at least one is not identical to an entry the
// tail holds. It fails if one is identical to an entry yielded further
// back, as far as lastOfPage shows: a log read newest first never brings
// back an entry it has left behind, and a server whose pages wrap around
// to its first entries does.
func (h *history) remember(fresh []fingerprint, older bool, size int64) (provable bool, err error) {
	provable = older
	if !older {
		near := make(map[uint64]bool, len(h.tail))
		for _, t := range h.tail {
			near[t.sum] = true
		}
		for _, f := range fresh {
			switch {
			case near[f.sum]:
				h.twins = true // as the walk takes it to be, yielding it
			case h.lastOfPage[f.sum] && !h.sameInstant(f):
				return false, errors.New("it brings back an entry yielded pages before: the server's pages seem to wrap around, or its entries carry no time and repeat")
			case h.lastOfPage[f.sum]:
				// A twin of an entry yielded pages before, in the
				// millisecond of e: identical failed logins with others
				// between them, in a millisecond that spans pages.
				h.twins = true
			default:
				provable = true
			}
		}
	}
	if len(fresh) > 0 {
		h.lastOfPage[fresh[len(fresh)-1].sum] = true
	}
	keep := max(2*int(size), tailMin)
	if drop := len(h.tail) + len(fresh) - keep; drop > 0 {
		if drop >= len(h.tail) {
			h.tail = append(h.tail[:0], fresh[max(0, len(fresh)-keep):]...)
			return provable, nil
		}
		h.tail = append(h.tail[:0], h.tail[drop:]...)
	}
	h.tail = append(h.tail, fresh...)
	return provable, nil
}

// sameInstant reports whether f has the time of e, the entry yielded
// last: an entry yielded pages before that comes back with it may be its
// twin rather than a sign of pages that wrap around, which bring back
// newer entries.
func (h *history) sameInstant(f fingerprint) bool {
	return len(h.tail) > 0 && !f.ts.IsZero() && f.ts.Equal(h.e().ts)
}

// noteOrder stops the walk from reasoning with times once a page shows
// them out of order.
func (h *history) noteOrder(entries []fingerprint) {
	var prev fingerprint
	for _, f := range entries {
		if f.ts.IsZero() {
			continue
		}
		if newerThan(f, prev) {
			h.ordered = false
			return
		}
		prev = f
	}
}

// adjacentTwins reports whether two neighbouring entries are identical.
func adjacentTwins(entries []fingerprint) bool {
	for i := 1; i < len(entries); i++ {
		if entries[i].sum == entries[i-1].sum {
			return true
		}
	}
	return false
}
