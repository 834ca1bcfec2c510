package riskcloud

import (
	"context"
	"sync"
	"time"
)

// prefetcher hands a walk the pages it asks for, requesting up to depth
// pages ahead of the one it took last while the caller works on that one.
// With depth 0 it requests each page when asked, and nothing else.
//
// Pages requested ahead are a guess that the log stays still. The walk's
// arithmetic (see position) needs each page it places to show the log no
// earlier than the page placed before it did: the shift between them is
// then the arrivals in between, which totalElements bounds from below. A
// page requested ahead may have been answered before the page taken last,
// showing an older log, in which the entries that arrived in between are
// missing from the front and the page starts past entries the walk has
// not yielded. So a page requested before the page taken last arrived is
// used only if it was sent after that page was sent (the two were in
// flight together) and its totalElements equals that page's: an unchanged
// count means an unchanged log. Otherwise it is requested again, now,
// which is what a sequential walk would have done, and so are the pages
// requested ahead of it. (Counts cannot show a log that gained and lost the
// same number of entries while two requests were in flight together; the
// README says so.)
type prefetcher[T any] struct {
	ctx   context.Context
	fetch func(ctx context.Context, n int) (*Page[T], pageMeta, error)
	depth int
	// width is how many pages are requested ahead now: depth while pages
	// requested ahead prove good, halved each time one does not (a busy
	// log), so that a changing log does not cost depth requests per page.
	width int

	// limit and since, from ListOptions, bound how far ahead requests are
	// worth sending; key reads an entry's time for since.
	limit int
	since time.Time
	key   func(*T) ([]byte, time.Time)
	first int // the walk's first page, which limit counts from

	ahead map[int]*pending[T] // requested and not yet taken
	wg    sync.WaitGroup

	taken     int   // pages taken so far
	total     int64 // totalElements of the page taken last, if haveTotal
	haveTotal bool
	takenSeq  int // seq of the page taken last
	sent      int // requests sent so far
	end       int // the last page worth requesting ahead; see worthAsking
	// pageLen is the longest page seen: the server's page size, even when
	// it clamps the size asked for but reports that one.
	pageLen int
}

// pending is a page request running on its own goroutine.
type pending[T any] struct {
	gen    int // prefetcher.taken when it was sent
	seq    int // its place in the order requests were sent, from 1
	cancel context.CancelFunc
	done   chan struct{} // closed when page, meta and err are set
	page   *Page[T]
	meta   pageMeta
	err    error
}

func newPrefetcher[T any](ctx context.Context, p *Pager[T]) *prefetcher[T] {
	return &prefetcher[T]{
		ctx:   ctx,
		fetch: p.fetch,
		depth: min(p.opts.Prefetch, MaxPrefetch),
		width: min(p.opts.Prefetch, MaxPrefetch),
		limit: p.opts.Limit,
		since: p.opts.Since,
		key:   p.key,
		first: p.opts.Page,
		ahead: map[int]*pending[T]{},
		end:   -1,
	}
}

// get returns page n, from a request sent ahead when it can be trusted.
// While it waits, the pages after n that the page taken last showed to be
// worth asking for are requested, up to depth of them; so are those after
// n once it arrives. A request sent ahead that failed reports its error:
// the walk would have sent the same request.
func (f *prefetcher[T]) get(n int) (*Page[T], pageMeta, error) {
	if f.depth == 0 {
		return f.fetch(f.ctx, n)
	}
	f.dropOutside(n, n+f.depth)
	r := f.ahead[n]
	delete(f.ahead, n)
	if r == nil {
		r = f.start(n) // before the pages after it, which it is checked against
	}
	f.requestAhead(n)
	<-r.done
	r.cancel()
	if r.err == nil && r.gen != f.taken {
		if f.concurrentAndUnchanged(r) {
			f.width = min(f.width+1, f.depth)
		} else {
			// It may show an older log than the page taken last, and so
			// may every page requested before it: request them all again,
			// fewer of them while the log keeps changing.
			f.width = max(f.width/2, 1)
			f.dropAll()
			r = f.start(n)
			f.requestAhead(n)
			<-r.done
			r.cancel()
		}
	}
	f.taken++
	f.takenSeq = r.seq
	f.total, f.haveTotal = 0, false
	f.end = -1
	if r.err == nil {
		if r.meta.totalElements {
			f.total, f.haveTotal = r.page.TotalElements, true
		}
		f.end = f.worthAsking(n, r.page, r.meta)
		f.requestAhead(n)
	}
	return r.page, r.meta, r.err
}

// concurrentAndUnchanged reports whether a page requested ahead was in
// flight together with the page taken last (sent after it) and shows the
// log with as many entries.
func (f *prefetcher[T]) concurrentAndUnchanged(r *pending[T]) bool {
	return r.seq > f.takenSeq && f.haveTotal && r.meta.totalElements && r.page.TotalElements == f.total
}

// worthAsking returns the last page worth requesting ahead after page n,
// or n when none is: when page n is empty, the last, or reaches past Since.
// Pages past the end of the log as page n counts it (TotalPages, or
// totalElements in pages as long as the longest seen), or past those Limit
// needs, are not worth it either; if the log grows, the walk requests the
// pages it then needs itself. Without totalElements nothing is: no page
// could be checked against the one before it.
func (f *prefetcher[T]) worthAsking(n int, page *Page[T], meta pageMeta) int {
	f.pageLen = max(f.pageLen, len(page.Content))
	switch {
	case !f.haveTotal, len(page.Content) == 0, meta.last && page.Last:
		return n
	case !f.since.IsZero():
		if _, ts := f.key(&page.Content[len(page.Content)-1]); !ts.IsZero() && ts.Before(f.since) {
			return n
		}
	}
	end := int64(maxJavaInt)
	if meta.totalPages {
		end = int64(page.TotalPages) - 1
	}
	size := int64(f.pageLen)
	if page.TotalElements <= 0 {
		return n
	}
	end = min(end, (page.TotalElements-1)/size)
	if f.limit > 0 {
		// The walk needs pages first … first+(limit-1)/size; more only if
		// the log shifts.
		end = min(end, int64(f.first)+int64(f.limit-1)/size)
	}
	return int(max(end, int64(n)))
}

// requestAhead requests the pages after n, up to width of them and up to
// f.end, that are not requested yet.
func (f *prefetcher[T]) requestAhead(n int) {
	for k := n + 1; k <= n+f.width && k <= f.end; k++ {
		if f.ahead[k] == nil {
			f.ahead[k] = f.start(k)
		}
	}
}

// start requests page n on a goroutine of its own.
func (f *prefetcher[T]) start(n int) *pending[T] {
	ctx, cancel := context.WithCancel(f.ctx)
	f.sent++
	r := &pending[T]{gen: f.taken, seq: f.sent, cancel: cancel, done: make(chan struct{})}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		defer close(r.done)
		r.page, r.meta, r.err = f.fetch(ctx, n)
	}()
	return r
}

// dropOutside cancels the requests for pages outside [from, to].
func (f *prefetcher[T]) dropOutside(from, to int) {
	for k, r := range f.ahead {
		if k < from || k > to {
			r.cancel()
			delete(f.ahead, k)
		}
	}
}

// dropAll cancels every request sent ahead.
func (f *prefetcher[T]) dropAll() {
	for k, r := range f.ahead {
		r.cancel()
		delete(f.ahead, k)
	}
}

// close cancels every request still running and waits for their
// goroutines, so that a walk leaves none behind.
func (f *prefetcher[T]) close() {
	f.dropAll()
	f.wg.Wait()
}
