package riskcloud

import (
	"cmp"
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

// defaultPageSize is the page size the API documents as its default, for
// a server that does not say which it used.
const defaultPageSize = 20

// DefaultFeedBuffer is the most new entries a [Feed]'s poll holds before
// it reads the log in parts, unless Feed.Buffer says otherwise; entries
// that arrive while it reads come on top.
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
// AccessAudit.ID on v2, or one derived from its bytes as on v1 when the
// server sent none), the same in every run, so that a sink can drop
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
	mu     sync.Mutex
	cur    *cursorState // nil from the zero Cursor until the first entry is yielded
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
	f := &Feed[T]{p: p, cur: cursor.s.clone()}
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
// new entries oldest first as they appear; a poll that stopped at the
// Pager's Limit is followed at once, since more may be waiting. An error
// of a poll is yielded and, if the loop goes on, the next poll follows
// after `every`; the end of ctx is yielded as ctx.Err() and ends the
// sequence. A non-positive every is an error wrapping
// [ErrInvalidArgument].
func (f *Feed[T]) Follow(ctx context.Context, every time.Duration) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if every <= 0 {
			yield(zero, invalidArg("every", "must be positive: it is the time between polls"))
			return
		}
		for {
			run := &feedPoll[T]{f: f, ctx: ctx, yield: func(e T) bool { return yield(e, nil) }}
			err := run.poll()
			if run.stopped || err != nil && !yield(zero, err) {
				return
			}
			if end := ctx.Err(); end != nil {
				// A poll that ended on its Limit, or on another error, as
				// ctx ended has not yielded it.
				if !errors.Is(err, end) {
					yield(zero, end)
				}
				return
			}
			if run.left == 0 {
				continue // a batch of Limit entries: more may be waiting
			}
			if !sleep(ctx, every) {
				yield(zero, ctx.Err())
				return
			}
		}
	}
}

// sleep waits d, or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
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

// batch is what a read of the log found new: entries, with their
// identities' digests and their times.
type batch[T any] struct {
	entries []T
	digests []digest
	times   []time.Time
}

// reserve makes room for the entries of a window that holds total, but
// for no more than limit+1 (0: no limit) nor a bound on what a count sent
// by the server may make it reserve.
func (b *batch[T]) reserve(total int64, limit int) {
	n := min(max(total, 0), maxReserve)
	if limit > 0 {
		n = min(n, int64(limit)+1)
	}
	b.entries = make([]T, 0, n)
	b.digests = make([]digest, 0, n)
	b.times = make([]time.Time, 0, n)
}

// maxReserve bounds what reserve trusts a server's count for.
const maxReserve = 1 << 16

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
	if f.p.ep.byTime() {
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
		return f.since()
	}
	return f.cur.floor
}

// since is where a zero Cursor starts: the Pager's Since.
func (f *Feed[T]) since() time.Time {
	since, _ := f.p.ep.feedRange(f.p.opts)
	return since
}

// window returns a Pager of the entries from floor to until (zero: the
// Pager's Until), read from page, and its endpoint.
func (f *Feed[T]) window(page int, floor, until time.Time) (*Pager[T], endpoint[T]) {
	ep, o := f.p.ep.within(f.p.opts, page, floor, until)
	return &Pager[T]{client: f.p.client, ep: ep, opts: o}, ep
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

// maxReads is how many times a poll reads a part of the log whose walk
// ended in an unexpected response before it yields the error.
const maxReads = 5

// read walks the log from page, from the floor to until (zero: the
// Pager's Until), and returns the entries the cursor has not yielded. It
// stops early, with end.over, once more than limit are new (0: no limit).
//
// A walk expects entries to arrive at the head of the log; one that
// arrives late, inside the pages it has read, can make it lose its place
// and end with an error rather than risk a lost or doubled entry. A read
// yields nothing until it is whole, and the cursor tells what is new, so
// it reads again, up to maxReads times.
func (r *feedPoll[T]) read(page int, until time.Time, limit int) (batch[T], readEnd, error) {
	for n := 1; ; n++ {
		b, end, err := r.readOnce(page, until, limit)
		var status *APIError
		if err == nil || n == maxReads || r.ctx.Err() != nil ||
			!errors.Is(err, ErrUnexpectedResponse) || errors.As(err, &status) {
			return b, end, err
		}
	}
}

// readOnce is one walk of read.
func (r *feedPoll[T]) readOnce(page int, until time.Time, limit int) (batch[T], readEnd, error) {
	f := r.f
	floor := f.floor()
	sub, ep := f.window(page, floor, until)
	var b batch[T]
	var end readEnd
	again := make(map[uint64]uint32) // entries of remembered identities met so far
	for pg, err := range sub.Pages(r.ctx) {
		if err != nil {
			return b, end, err
		}
		end = readEnd{lastPage: pg.Number, totalPages: pg.TotalPages, pageSize: cmp.Or(pg.Size, sub.opts.size, defaultPageSize)}
		if b.entries == nil && f.p.ep.byTime() {
			b.reserve(pg.TotalElements, limit) // v2 counts the window: grow once
		}
		r.keepNew(&b, ep, pg.Content, floor, again)
		if limit > 0 && (len(b.entries) > limit || f.p.ep.byTime() && pg.TotalElements > int64(limit+MaxCursorEntries)) {
			end.over = true
			return batch[T]{}, end, nil
		}
		if !f.p.ep.byTime() && endsBelow(ep, pg.Content, floor) {
			break
		}
	}
	return b, end, nil
}

// keepNew appends to b the entries of content that the cursor has not
// yielded: at or above the floor, and beyond the count of their identity
// the cursor holds (again counts those met so far in this read).
func (r *feedPoll[T]) keepNew(b *batch[T], ep endpoint[T], content []T, floor time.Time, again map[uint64]uint32) {
	for i := range content {
		id, ts := ep.key(&content[i])
		if !floor.IsZero() && ts.Before(floor) {
			continue // a server that ignored the bound, or an entry without a time
		}
		d := digestOf(id)
		sum := d.sum()
		if known := r.f.seenCount(sum); known > 0 {
			again[sum]++
			if again[sum] <= known {
				continue
			}
		}
		b.entries = append(b.entries, content[i])
		b.digests = append(b.digests, d)
		b.times = append(b.times, ts)
	}
}

// endsBelow reports whether a v1 page ends with an entry older than the
// floor, which ends a read. The v1 API filters by nothing, so the read
// walks from the head and stops there rather than at the first entry
// older than the floor (as Since would): on a log that lists an entry
// that arrived late by when it arrived, not by its time, such an entry
// can come before newer ones on its page, which the read must not miss.
func endsBelow[T any](ep endpoint[T], content []T, floor time.Time) bool {
	if floor.IsZero() || len(content) == 0 {
		return false
	}
	_, ts := ep.key(&content[len(content)-1])
	return !ts.IsZero() && ts.Before(floor)
}

// emit yields b's entries oldest first, moving the cursor past each, until
// the poll's Limit or the caller stops it.
func (r *feedPoll[T]) emit(b batch[T]) {
	// A read is newest first on v1; taken in reverse, a stable sort by
	// time keeps identical twins in the order the log holds them.
	order := make([]int, len(b.entries))
	for i := range order {
		order[i] = len(order) - 1 - i
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
			f.cur = &cursorState{listing: f.p.ep.print(), floor: f.since()}
		}
		twin := f.cur.add(b.times[i], b.digests[i].sum(), lag)
		f.mu.Unlock()
		f.p.ep.stamp(&b.entries[i], b.digests[i], twin)
		if r.left > 0 {
			r.left--
		}
		if !r.yield(b.entries[i]) {
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
