package riskcloud

import (
	"context"
	"errors"
	"iter"
	"slices"
	"sync"
	"time"
)

// DefaultLag is the lag window a [Feed] re-reads on every poll unless
// Feed.Lag says otherwise: entries written this long after newer ones
// (clock skew between servers, delayed writes) are still yielded, once.
const DefaultLag = 5 * time.Minute

// DefaultFeedBuffer is the most entries a [Feed] holds at once unless
// Feed.Buffer says otherwise.
const DefaultFeedBuffer = 10_000

// Feed reads a listing as a stream that resumes where it stopped: each
// [Feed.Poll] yields, oldest first, the entries that are new since the
// [Cursor], and [Feed.Cursor] says where the feed stands, to be saved once
// the entries are safe in your sink and passed to [Pager.Feed] on the next
// run. Resuming from a saved cursor yields every entry after it exactly
// once, and none before it, entries that share its millisecond included.
//
// Every entry a Feed yields carries a stable id (Entry.ID on v1, from the
// entry's bytes and its position among identical twins, see [EntryID];
// AccessAudit.ID on v2), the same in every run, so that a sink can drop
// what it already holds after a crash: if the process dies after your sink
// has entries but before you saved the cursor, the next run yields them
// again, with the same ids.
//
// A poll re-reads the last Lag of the log before the newest entry the
// feed yielded and compares what it finds with what the cursor remembers,
// so an entry that appears late, stamped up to Lag before newer ones, is
// yielded once, not lost; one stamped further back is not read. A poll
// holds at most Buffer new entries (plus those that arrive while it
// reads): where more are new (a first poll over a year of history), it
// reads the log in parts, oldest first: windows of time on v2, ranges of
// pages from the end on v1, re-reading the lag window at each seam.
//
// A Feed is not safe for concurrent polls; Cursor may be called at any
// time, from any goroutine. Set Lag and Buffer before the first poll.
type Feed[T any] struct {
	// Lag is how far before the newest entry yielded each poll looks for
	// late entries: 0 means DefaultLag; a negative one is an error.
	Lag time.Duration
	// Buffer is the most new entries a poll holds before it reads the log
	// in parts: 0 means DefaultFeedBuffer; a negative one is an error.
	Buffer int

	p      *Pager[T]
	ep     endpoint[T] // p.ep, read through its feedListing
	mu     sync.Mutex
	cur    *cursorState // nil until the first entry is yielded
	resume error        // a Cursor saved for another listing
}

// Feed returns a feed of the Pager's listing that starts after cursor, or,
// for the zero Cursor, at the Pager's Since (the beginning of the log when
// Since is zero). A non-zero cursor ignores Since; Until still bounds what
// is read; Limit caps the entries of each poll, the oldest first, so a
// poll can be cut into batches. A Pager with a non-zero Page, or a cursor
// saved by a feed of another listing or other filters, makes every poll
// yield an error wrapping [ErrInvalidArgument]. No request is sent until a
// poll is ranged.
func (p *Pager[T]) Feed(cursor Cursor) *Feed[T] {
	f := &Feed[T]{p: p, ep: p.ep, cur: cursor.s.clone()}
	if f.cur != nil && f.cur.listing != p.ep.print() {
		f.resume = invalidArg("Cursor", "was saved by a feed of another listing, or of other filters (email, user, type)")
	}
	return f
}

// Cursor returns where the feed stands: just past the last entry it
// yielded, or the cursor it started from if it has yielded none. Save it
// once your sink holds that entry.
func (f *Feed[T]) Cursor() Cursor {
	f.mu.Lock()
	defer f.mu.Unlock()
	return Cursor{s: f.cur.clone()}
}

// Poll returns the entries that are new since the cursor, oldest first,
// then ends; the cursor moves past each entry as it is yielded, so
// breaking out of the loop leaves it just past the last one. Errors are
// as for [Pager.All]: yielded once, ending the sequence (the cursor stays
// past the last entry yielded, and a later poll goes on from there).
func (f *Feed[T]) Poll(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		run := &feedPoll[T]{f: f, ctx: ctx, yield: func(e T) bool { return yield(e, nil) }}
		if err := run.poll(); err != nil && !run.stopped {
			var zero T
			yield(zero, err)
		}
	}
}

// Follow polls, then polls again every `every` until ctx ends, yielding
// new entries oldest first as they appear. An error of a poll is yielded
// and, if the loop goes on, the next poll follows after `every`; the end
// of ctx is yielded as ctx.Err() and ends the sequence. A non-positive
// every is an error wrapping [ErrInvalidArgument].
func (f *Feed[T]) Follow(ctx context.Context, every time.Duration) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if every <= 0 {
			yield(zero, invalidArg("every", "must be positive: it is the time between polls"))
			return
		}
		timer := time.NewTimer(0)
		defer timer.Stop()
		<-timer.C
		for {
			var last error // of the poll's last yield
			for e, err := range f.Poll(ctx) {
				if last = err; !yield(e, err) {
					return
				}
			}
			if err := ctx.Err(); err != nil {
				// A poll that ended with its Limit, or on another error, as
				// ctx ended has not yielded it.
				if !errors.Is(last, err) {
					yield(zero, err)
				}
				return
			}
			timer.Reset(every)
			select {
			case <-ctx.Done():
				yield(zero, ctx.Err())
				return
			case <-timer.C:
			}
		}
	}
}

// feedPoll is one poll of a feed.
type feedPoll[T any] struct {
	f       *Feed[T]
	ctx     context.Context
	yield   func(T) bool
	left    int // entries this poll may still yield; -1: no Limit
	stopped bool
}

// batch is what a read of the log found new: entries, and their
// identities' digests.
type batch[T any] struct {
	entries []T
	sums    []uint64
	times   []time.Time
}

// readEnd says how a read ended, when it held more than a poll may.
type readEnd struct {
	over       bool // more new entries than the buffer holds
	lastPage   int  // the last page read
	totalPages int  // the log's page count as that page said
	pageSize   int  // its entries per page
}

func (r *feedPoll[T]) poll() error {
	f := r.f
	if err := f.check(); err != nil {
		return err
	}
	r.left = -1
	if f.p.opts.limit > 0 {
		r.left = f.p.opts.limit
	}
	b, end, err := r.read(0, time.Time{}, f.buffer())
	switch {
	case err != nil:
		return err
	case !end.over:
		r.emit(b)
		return r.finish()
	}
	if f.ep.byTime() {
		return r.windows()
	}
	return r.pageRanges(end)
}

// check reports what makes the feed unusable, before any request.
func (f *Feed[T]) check() error {
	switch {
	case f.p.err != nil:
		return f.p.err
	case f.resume != nil:
		return f.resume
	case f.p.opts.page != 0:
		return invalidArg("Page", "must be 0 for a Feed, which reads the whole log and keeps its place in the Cursor")
	case f.Lag < 0:
		return invalidArg("Feed.Lag", "must not be negative")
	case f.Buffer < 0:
		return invalidArg("Feed.Buffer", "must not be negative")
	}
	return nil
}

func (f *Feed[T]) lag() time.Duration {
	if f.Lag == 0 {
		return DefaultLag
	}
	return f.Lag
}

func (f *Feed[T]) buffer() int {
	if f.Buffer == 0 {
		return DefaultFeedBuffer
	}
	return f.Buffer
}

// floor returns the time before which nothing is read: the cursor's
// floor, or the Pager's Since before the first entry.
func (f *Feed[T]) floor() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cur == nil {
		since, _ := f.ep.feedRange(f.p.opts)
		return since
	}
	return f.cur.floor
}

// seenCount returns how many entries of identity sum the cursor holds.
func (f *Feed[T]) seenCount(sum uint64) uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cur == nil {
		return 0
	}
	return f.cur.count(sum)
}

// read walks the log from page, from the floor to until (zero: the
// Pager's Until), and returns the entries the cursor has not yielded. It
// stops early, with end.over, once more than limit are new (0: no limit).
func (r *feedPoll[T]) read(page int, until time.Time, limit int) (batch[T], readEnd, error) {
	f := r.f
	floor := f.floor()
	ep, o := f.ep.within(f.p.opts, page, floor, until)
	sub := &Pager[T]{client: f.p.client, ep: ep, opts: o}
	var b batch[T]
	var end readEnd
	var again map[uint64]uint32 // entries of remembered identities met so far
	for pg, err := range sub.Pages(r.ctx) {
		if err != nil {
			return b, end, err
		}
		end = readEnd{lastPage: pg.Number, totalPages: pg.TotalPages, pageSize: pg.Size}
		for i := range pg.Content {
			id, ts := ep.key(&pg.Content[i])
			if !floor.IsZero() && ts.Before(floor) {
				continue // a server that ignored the bound, or an entry without a time
			}
			sum := identitySum(id)
			if known := f.seenCount(sum); known > 0 {
				if again == nil {
					again = make(map[uint64]uint32)
				}
				again[sum]++
				if again[sum] <= known {
					continue
				}
			}
			b.entries = append(b.entries, pg.Content[i])
			b.sums = append(b.sums, sum)
			b.times = append(b.times, ts)
		}
		if limit > 0 && (len(b.entries) > limit || f.ep.byTime() && pg.TotalElements > int64(limit+MaxCursorEntries)) {
			end.over = true
			return batch[T]{}, end, nil
		}
	}
	return b, end, nil
}

// emit yields b's entries oldest first, moving the cursor past each, until
// the poll's Limit or the caller stops it.
func (r *feedPoll[T]) emit(b batch[T]) {
	// A read is newest first on v1; reversed, a stable sort by time keeps
	// identical twins in the order the log holds them.
	slices.Reverse(b.entries)
	slices.Reverse(b.sums)
	slices.Reverse(b.times)
	order := make([]int, len(b.entries))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return b.times[i].Compare(b.times[j]) })
	f := r.f
	lag := f.lag()
	for _, i := range order {
		if r.stopped || r.left == 0 || r.ctx.Err() != nil {
			return
		}
		f.mu.Lock()
		if f.cur == nil {
			since, _ := f.ep.feedRange(f.p.opts)
			f.cur = &cursorState{listing: f.ep.print(), floor: since}
		}
		twin := f.cur.add(b.times[i], b.sums[i], lag)
		f.mu.Unlock()
		e := b.entries[i]
		f.ep.stamp(&e, twin)
		if r.left > 0 {
			r.left--
		}
		if !r.yield(e) {
			r.stopped = true
			return
		}
	}
}

// finish returns the end of ctx, if it cut the poll short.
func (r *feedPoll[T]) finish() error {
	if r.done() {
		return nil
	}
	return r.ctx.Err()
}

// done reports whether the poll has yielded all it may.
func (r *feedPoll[T]) done() bool { return r.stopped || r.left == 0 }
