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
// used only if its totalElements equals that page's: an unchanged count
// means an unchanged log. Otherwise it is requested again, now, which
// is exactly what a sequential walk would have done. (Counts cannot show a
// log that gained and lost the same number of entries in the instant
// between two concurrent requests; the README says so.)
type prefetcher[T any] struct {
	ctx   context.Context
	fetch func(ctx context.Context, n int) (*Page[T], pageMeta, error)
	depth int

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
	end       int // the last page worth requesting ahead; see worthAsking
}

// pending is a page request running on its own goroutine.
type pending[T any] struct {
	gen    int // prefetcher.taken when it was sent
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
		depth: p.opts.Prefetch,
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
	f.requestAhead(n)
	r := f.ahead[n]
	delete(f.ahead, n)
	if r != nil {
		<-r.done
		r.cancel()
		if r.err == nil && r.gen != f.taken && !f.unchanged(r) {
			r = nil // it may show an older log than the page taken last
		}
	}
	if r == nil {
		r = f.start(n)
		<-r.done
		r.cancel()
	}
	f.taken++
	f.total, f.haveTotal = 0, false
	f.end = -1
	if r.err == nil {
		if r.meta.totalElements {
			f.total, f.haveTotal = r.page.TotalElements, true
		}
		f.end = f.worthAsking(n, r.page, r.meta)
		f.dropOutside(n+1, n+f.depth)
		f.requestAhead(n)
	}
	return r.page, r.meta, r.err
}

// unchanged reports whether a page requested ahead shows the log as the
// page taken last showed it.
func (f *prefetcher[T]) unchanged(r *pending[T]) bool {
	return f.haveTotal && r.meta.totalElements && r.page.TotalElements == f.total
}

// worthAsking returns the last page worth requesting ahead after page n,
// or n when none is: when page n is the last, short, or reaches past
// Since. Pages past TotalPages, or past those Limit needs, are not worth
// it either. Without totalElements nothing is: no page could be checked
// against the one before it.
func (f *prefetcher[T]) worthAsking(n int, page *Page[T], meta pageMeta) int {
	switch {
	case !f.haveTotal, len(page.Content) == 0,
		meta.last && page.Last,
		meta.size && len(page.Content) < page.Size:
		return n
	case !f.since.IsZero():
		if _, ts := f.key(&page.Content[len(page.Content)-1]); !ts.IsZero() && ts.Before(f.since) {
			return n
		}
	}
	end := maxJavaInt
	if meta.totalPages {
		end = page.TotalPages - 1
	}
	if f.limit > 0 {
		// The walk needs pages first … first+(limit-1)/size; more only if
		// the log shifts, and those it requests itself.
		size := max(len(page.Content), page.Size)
		if last := (f.limit - 1) / size; last < end-f.first {
			end = f.first + last
		}
	}
	return end
}

// requestAhead requests the pages after n, up to depth of them and up to
// f.end, that are not requested yet.
func (f *prefetcher[T]) requestAhead(n int) {
	for k := n + 1; k <= n+f.depth && k <= f.end; k++ {
		if f.ahead[k] == nil {
			f.ahead[k] = f.start(k)
		}
	}
}

// start requests page n on a goroutine of its own.
func (f *prefetcher[T]) start(n int) *pending[T] {
	ctx, cancel := context.WithCancel(f.ctx)
	r := &pending[T]{gen: f.taken, cancel: cancel, done: make(chan struct{})}
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

// close cancels every request still running and waits for their
// goroutines, so that a walk leaves none behind.
func (f *prefetcher[T]) close() {
	for _, r := range f.ahead {
		r.cancel()
	}
	f.ahead = nil
	f.wg.Wait()
}
