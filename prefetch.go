package riskcloud

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// prefetcher hands a walk the pages it asks for, requesting up to depth
// pages ahead of the one it took last while the caller works on that one.
// With depth 0 it requests each page when asked, and nothing else.
//
// Pages requested ahead are a guess that the log stays still. The walk
// (see position) places each page against the one placed before it, on
// the premise that an entry's index can only have grown since: its answer
// shows the log as it was then or later. A page requested ahead may have
// been answered before the page taken last, and then, if entries arrived
// in between, it shows them missing from the front and starts past
// entries the walk has not yielded.
//
// So the prefetcher keeps the order of events: each request notes when it
// was sent and when its answer came, on one counter. A page sent before
// the page taken last came back is trusted only if it was sent after the
// answer of the last page whose placement did not prove the log still
// (the anchor): every page placed since then proved that no entry arrived
// between its answer and the one before, so the log it shows is the log
// as it is now. Any other page requested ahead is requested again, now,
// and so is every page requested ahead of it. Counts are not used: a log
// that gains and loses as many entries keeps its count and moves.
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

	// clock orders sends and answers. lastAnswer is when the page taken
	// last was answered; anchor is when the last page placed without a
	// proof of a still log was.
	clock      atomic.Int64
	lastAnswer int64
	anchor     int64
	end        int // the last page worth requesting ahead; see worthAsking
	highest    int // the highest page taken
	// pageLen is the longest page seen: the server's page size, even when
	// it clamps the size asked for but reports that one.
	pageLen int
}

// pending is a page request running on its own goroutine.
type pending[T any] struct {
	sent, answered int64 // on prefetcher.clock
	cancel         context.CancelFunc
	done           chan struct{} // closed when page, meta, err and answered are set
	page           *Page[T]
	meta           pageMeta
	err            error
}

func newPrefetcher[T any](ctx context.Context, p *Pager[T]) *prefetcher[T] {
	return &prefetcher[T]{
		ctx:   ctx,
		fetch: p.fetch,
		depth: min(p.opts.prefetch, MaxPrefetch),
		width: min(p.opts.prefetch, MaxPrefetch),
		limit: p.opts.limit,
		since: p.opts.since,
		key:   p.ep.key,
		first: p.opts.page,
		ahead: map[int]*pending[T]{},
		end:   -1,
	}
}

// get returns page n, from a request sent ahead when it can be trusted,
// and whether its answer is known to follow the answer of the page taken
// before it. While it waits, the pages after n that the page taken last
// showed to be worth asking for are requested, up to width of them; so are
// those after n once it arrives. A request sent ahead that failed reports
// its error: the walk would have sent the same request.
func (f *prefetcher[T]) get(n int) (page *Page[T], meta pageMeta, after bool, err error) {
	if f.depth == 0 {
		page, meta, err = f.fetch(f.ctx, n)
		return page, meta, true, err
	}
	f.dropOutside(n, max(n, f.highest)+f.depth)
	r := f.ahead[n]
	delete(f.ahead, n)
	if r == nil {
		r = f.start(n) // before the pages after it
	}
	f.requestAhead(n)
	<-r.done
	r.cancel()
	if r.err == nil && r.sent < f.lastAnswer {
		if r.sent > f.anchor {
			f.width = min(f.width+1, f.depth)
		} else {
			// It may show an older log than the page placed last, and so
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
	after = r.sent > f.lastAnswer
	f.lastAnswer = r.answered
	f.highest = max(f.highest, n)
	f.end = -1
	if r.err == nil {
		f.end = f.worthAsking(n, r.page, r.meta)
		f.requestAhead(n)
	}
	return r.page, r.meta, after, r.err
}

// placed tells the prefetcher what the walk made of the page taken last:
// whether it proved that no entry arrived since the page before it.
func (f *prefetcher[T]) placed(still bool) {
	if !still {
		f.anchor = f.lastAnswer
	}
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
	case !meta.totalElements, len(page.Content) == 0, meta.last && page.Last:
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
// f.end, that are not requested yet. Pages up to the highest taken are
// not: after a second look at an earlier page (see position), the walk
// goes on past the page it held.
func (f *prefetcher[T]) requestAhead(n int) {
	for k := max(n, f.highest) + 1; k <= n+f.width && k <= f.end; k++ {
		if f.ahead[k] == nil {
			f.ahead[k] = f.start(k)
		}
	}
}

// start requests page n on a goroutine of its own.
func (f *prefetcher[T]) start(n int) *pending[T] {
	ctx, cancel := context.WithCancel(f.ctx)
	r := &pending[T]{sent: f.clock.Add(1), cancel: cancel, done: make(chan struct{})}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		defer close(r.done)
		r.page, r.meta, r.err = f.fetch(ctx, n)
		r.answered = f.clock.Add(1)
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
