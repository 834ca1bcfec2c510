package riskcloud

import (
	"context"
	"sync"
	"sync/atomic"
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
	fetch func(ctx context.Context, n int) (*Page[T], pageMeta, error)
	depth int
	// width is how many pages are requested ahead now: depth while pages
	// requested ahead prove good, halved each time one does not (a busy
	// log), so that a changing log does not cost depth requests per page.
	width int

	ahead map[int]*pageRequest[T] // requested and not yet taken
	wg    sync.WaitGroup

	// clock orders sends and answers. lastAnswer is when the page taken
	// last was answered; anchor is when the last page placed without a
	// proof of a still log was.
	clock      atomic.Int64
	lastAnswer int64
	anchor     int64
	end        int // the last page worth requesting ahead (see aheadTo)
	highest    int // the highest page taken
}

// pageRequest is a page request running on its own goroutine.
type pageRequest[T any] struct {
	sent, answered int64 // on prefetcher.clock
	cancel         context.CancelFunc
	done           chan struct{} // closed when page, meta, err and answered are set
	page           *Page[T]
	meta           pageMeta
	err            error
}

// newPrefetcher returns a prefetcher that requests pages with fetch, up
// to depth of them ahead (at most MaxPrefetch).
func newPrefetcher[T any](fetch func(context.Context, int) (*Page[T], pageMeta, error), depth int) *prefetcher[T] {
	depth = min(depth, MaxPrefetch)
	return &prefetcher[T]{fetch: fetch, depth: depth, width: depth, ahead: map[int]*pageRequest[T]{}, end: -1}
}

// get returns page n, from a request sent ahead when it can be trusted,
// and whether its answer is known to follow the answer of the page taken
// before it. While it waits, the pages after n that the page taken last
// showed to be worth asking for are requested, up to width of them; the
// walk then says how far the pages after n are (aheadTo). A request sent
// ahead that failed reports its error: the walk would have sent the same
// request.
func (f *prefetcher[T]) get(ctx context.Context, n int) (page *Page[T], meta pageMeta, after bool, err error) {
	if f.depth == 0 {
		page, meta, err = f.fetch(ctx, n)
		return page, meta, true, err
	}
	f.dropOutside(n, max(n, f.highest)+f.depth)
	r := f.take(ctx, n)
	if r.err == nil && r.sent < f.lastAnswer {
		if r.sent > f.anchor {
			f.width = min(f.width+1, f.depth)
		} else {
			// It may show an older log than the page placed last, and so
			// may every page requested before it: request them all again,
			// fewer of them while the log keeps changing.
			f.width = max(f.width/2, 1)
			f.dropAll()
			r = f.take(ctx, n)
		}
	}
	after = r.sent > f.lastAnswer
	f.lastAnswer = r.answered
	f.highest = max(f.highest, n)
	f.end = -1
	return r.page, r.meta, after, r.err
}

// take waits for page n, requested now unless it was ahead, and requests
// the pages after it meanwhile.
func (f *prefetcher[T]) take(ctx context.Context, n int) *pageRequest[T] {
	r := f.ahead[n]
	delete(f.ahead, n)
	if r == nil {
		r = f.start(ctx, n) // before the pages after it
	}
	f.requestAhead(ctx, n)
	<-r.done
	r.cancel()
	return r
}

// aheadTo requests the pages after n, the page taken last, up to end,
// the last worth asking for as that page shows (see bounds.aheadEnd).
func (f *prefetcher[T]) aheadTo(ctx context.Context, n, end int) {
	f.end = end
	f.requestAhead(ctx, n)
}

// placed tells the prefetcher what the walk made of the page taken last:
// whether it proved that no entry arrived since the page before it.
func (f *prefetcher[T]) placed(still bool) {
	if !still {
		f.anchor = f.lastAnswer
	}
}

// requestAhead requests the pages after n, up to width of them and up to
// f.end, that are not requested yet. Pages up to the highest taken are
// not: after a second look at an earlier page (see position), the walk
// goes on past the page it held.
func (f *prefetcher[T]) requestAhead(ctx context.Context, n int) {
	for page := max(n, f.highest) + 1; page <= n+f.width && page <= f.end; page++ {
		if f.ahead[page] == nil {
			f.ahead[page] = f.start(ctx, page)
		}
	}
}

// start requests page n on a goroutine of its own.
func (f *prefetcher[T]) start(ctx context.Context, n int) *pageRequest[T] {
	ctx, cancel := context.WithCancel(ctx)
	r := &pageRequest[T]{sent: f.clock.Add(1), cancel: cancel, done: make(chan struct{})}
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
	for page, r := range f.ahead {
		if page < from || page > to {
			r.cancel()
			delete(f.ahead, page)
		}
	}
}

// dropAll cancels every request sent ahead.
func (f *prefetcher[T]) dropAll() {
	for page, r := range f.ahead {
		r.cancel()
		delete(f.ahead, page)
	}
}

// close cancels every request still running and waits for their
// goroutines, so that a walk leaves none behind.
func (f *prefetcher[T]) close() {
	f.dropAll()
	f.wg.Wait()
}
