package riskcloud

import (
	"context"
	"hash/maphash"
	"net/http"
	"time"
)

// A walk reads a log newest first while it changes: new entries arrive at
// its head, and retention deletes the oldest at its tail. Between two
// responses, a arrivals push every entry a places further from the head;
// d deletions at the tail move nothing that remains. So an entry's index
// only ever grows, and totalElements changes by a−d, which bounds a from
// below. v1 entries carry no id: the walk tells them apart by a
// fingerprint of their bytes, and places each page by where the entry it
// yielded last (call it e) now sits.
//
// # A worked example
//
// Pages of 3; a log of ten entries, named by when they arrived, each at
// its own millisecond, so that index 0..9 holds [10 9 8 7 6 5 4 3 2 1].
//
//  1. Page 0 is [10 9 8], totalElements 10: all new, yielded. e is 8, at
//     index 2; the walk knows that exactly (lo = 2).
//  2. 11 and 12 arrive, 1 is deleted. The walk asks for the page that
//     holds index lo+1 = 3, page 1, which is now [9 8 7], totalElements
//     11. The count grew by 1, so at least one entry arrived: e's index
//     is at least 3. "e at 4" is the only explanation that fits: the
//     entry before it, 9, is the one yielded before e, and 7 is older
//     than e. "The page follows e" (e at 2) is below the bound, and "the
//     page lies before e" needs 9 to be newer than 10. 7 is yielded; e is
//     7, at index 5.
//  3. Nothing changes. Page 2 is [6 5 4]: its first entry is older than
//     e, so it holds nothing yielded before (the fast path, which a log of
//     distinct timestamps nearly always takes). 6 5 4 are yielded.
//
// Had the entries carried no time, and had 3 arrived and 3 been deleted
// before step 2 (totalElements still 10), page 1 would be [10 9 8]: the
// run yielded last, so e is at 5 and nothing is yielded. Page 2, [7 6 5],
// may then follow e, or be all that is left after e and everything older
// were deleted: without times, nothing says 7 is older than e. Two
// explanations that yield differently: the walk holds page 2 and reads
// page 1 again, which still shows e (a deleted entry does not come back),
// and yields 7 6 5. That second look is what a log without distinct
// times costs (see position).
//
// # Who does what
//
// walk (below) asks a [placer] which page to request, gets it from the
// prefetcher (which may have requested it ahead), hands the placer a view
// of it (fingerprints and meta, no entries), and yields what the placer
// says is new, trimmed by bounds (Since, Until, Limit). The placer of the
// v1 endpoints is position; placement.go holds its hypotheses, and
// servercheck.go the checks that end a walk on a server that misbehaves.

// placer decides, for a walk, which page to request next and which
// entries of each response are new. position is the placer of logs whose
// entries carry no id, paged by number; an endpoint whose server names the
// next page, or whose entries have ids, brings a placer of its own (see
// endpoint.newPlacer) and the walk stays as it is.
type placer interface {
	// next returns the page to request next, or false when the walk is
	// over.
	next() (int, bool)
	// advance places a response to the page next asked for. An error ends
	// the walk: the pages cannot be reconciled.
	advance(v view) (step, error)
	// stop ends the walk after the current page (Since or Limit reached).
	stop()
	// failure returns why next ended the walk early, or nil.
	failure() error
	// pageSize returns the walk's page size, 0 before the first page.
	pageSize() int64
}

// fingerprint identifies an entry: a hash of its bytes, and its time
// (zero when it has none).
type fingerprint struct {
	sum uint64
	ts  time.Time
}

// view is what a placer needs of a response: the page asked for, its
// entries' fingerprints, and its meta where the server sent it.
type view struct {
	n       int
	entries []fingerprint
	meta    pageMeta
	// number, total, totalPages, last and pageSize are the meta's values
	// (number, totalElements, totalPages, last, size).
	number, totalPages, pageSize int
	total                        int64
	last                         bool
	// after reports that the response's snapshot of the log follows that
	// of the response placed before it: it was requested after that one
	// came back. Pages requested ahead may not be.
	after bool
}

// step is what advance makes of a response.
type step struct {
	outcome outcome
	// from is the index of the first entry to yield, in the response's
	// page, or in the page held before for settled; its length for none.
	from int
	// fresh, when set, marks which of the page's entries to yield (from
	// `from` on): a placer that tells entries apart by id yields every
	// entry it has not seen, wherever the page holds it.
	fresh []bool
	// still reports a proof that no entry arrived between the previous
	// response placed and this one, so that pages requested ahead of this
	// one can be trusted (see prefetcher). It means nothing unless the
	// response was placed (see placedNow).
	still bool
}

type outcome int

const (
	// placed: the response is placed; yield its entries from `from` on.
	placed outcome = iota
	// holding: keep the response's page; its placement waits for the next
	// response, a second look at the page before it.
	holding
	// settled: the page held before is placed; yield its entries from
	// `from` on.
	settled
	// retry: the response moved nothing; its page is requested again.
	retry
)

// placedNow reports whether the step placed a page, so that still says
// something.
func (s step) placedNow() bool { return s.outcome == placed || s.outcome == settled }

// pickFresh returns the entries of a page that st yields, and their
// fingerprints. It compacts content in place (the page is the walk's own)
// but not prints, which the placer may keep.
func pickFresh[T any](st step, content []T, prints []fingerprint) ([]T, []fingerprint) {
	content, prints = content[st.from:], prints[st.from:]
	if st.fresh == nil {
		return content, prints
	}
	kept := make([]fingerprint, 0, len(prints))
	for i, fresh := range st.fresh[st.from:] {
		if fresh {
			content[len(kept)] = content[i]
			kept = append(kept, prints[i])
		}
	}
	return content[:len(kept)], kept
}

// yieldNone is the step that places v and yields none of it.
func yieldNone(v view) step { return step{from: len(v.entries)} }

// heldResponse is a page, with its fingerprints, that the placer may
// hold for a second look.
type heldResponse[T any] struct {
	page    *Page[T]
	entries []fingerprint
}

// swap returns the response whose entries st yields from: r, or the one
// held before (settled); or, when st holds r, keeps it and returns false.
func (h *heldResponse[T]) swap(st step, r heldResponse[T]) (heldResponse[T], bool) {
	switch st.outcome {
	case holding:
		*h = r
		return r, false
	case settled:
		r = *h
	}
	*h = heldResponse[T]{}
	return r, true
}

// walk reads pages from opts.page on and calls yield with each page's
// entries that are new to this walk, trimmed by Since, Until and Limit. It
// returns nil when the walk is complete or yield returns false.
func (p *Pager[T]) walk(ctx context.Context, yield func(*Page[T]) bool) error {
	if p.err != nil {
		return p.err
	}
	ep := p.ep.forWalk(time.Now())
	place := ep.newPlacer(p.opts.page, p.opts.size)
	bound := boundsOf(p.opts)
	seed := maphash.MakeSeed()
	pages := newPrefetcher(p.fetcher(ep), p.opts.prefetch)
	defer pages.close()
	yielded := 0
	var held heldResponse[T]
	for n, ok := place.next(); ok; n, ok = place.next() {
		if err := ctx.Err(); err != nil {
			return p.walkError(err)
		}
		page, meta, after, err := pages.get(ctx, n)
		if err != nil {
			return err
		}
		v := p.view(n, page, meta, after, seed)
		st, err := place.advance(v)
		if err != nil {
			return p.walkError(unexpected("%w", err))
		}
		pages.aheadTo(ctx, n, bound.aheadEnd(v, place.pageSize()))
		if st.placedNow() {
			pages.placed(st.still)
		}
		r, ready := held.swap(st, heldResponse[T]{page, v.entries})
		if !ready {
			continue
		}
		content, prints := pickFresh(st, r.page.Content, r.entries)
		entries, end := trim(bound, content, prints, yielded)
		if end {
			place.stop()
		}
		yielded += len(entries)
		if len(entries) > 0 {
			r.page.Content = entries
			if !yield(r.page) {
				return nil
			}
		}
	}
	if err := place.failure(); err != nil {
		return p.walkError(unexpected("%w", err))
	}
	return nil
}

// walkError returns err as an error of the walk, which names its request.
func (p *Pager[T]) walkError(err error) error {
	return errorFor(http.MethodGet, p.fullPath(), err)
}

// view fingerprints page n for the walk's placer. Entries are hashed
// when the page arrives, so that a caller who modifies a yielded
// Entry.Raw cannot mislead the walk, and the walk's memory of entries
// costs little.
func (p *Pager[T]) view(n int, page *Page[T], meta pageMeta, after bool, seed maphash.Seed) view {
	entries := make([]fingerprint, len(page.Content))
	for i := range page.Content {
		raw, ts := p.ep.key(&page.Content[i])
		entries[i] = fingerprint{sum: maphash.Bytes(seed, raw), ts: ts}
	}
	return view{n: n, entries: entries, meta: meta, number: page.Number, total: page.TotalElements,
		totalPages: page.TotalPages, last: page.Last, pageSize: page.Size, after: after}
}
