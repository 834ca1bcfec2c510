package riskcloud

import "time"

// endpoint is what one listing brings to a [Pager]: where its pages are,
// the query that picks its entries, how to read a page, and how to tell
// its entries apart. The walk (pagination.go, walk.go, prefetch.go) asks
// an endpoint for these and reads nothing else of it, so a listing with
// another query or another page shape (v2's {content, links, page}, whose
// entries carry ids) is a new endpoint type, not a change to the walk.
// v1Listing (access_audit.go) is the v1 endpoints' implementation.
type endpoint[T any] interface {
	// path is the listing's path below the base URL.
	path() string
	// query returns the query of a request for page n of size entries
	// (0: the server's default): a struct whose url tags spell the keys,
	// which go-querystring encodes. It holds the listing's own filters
	// (v1's email) beside the page and size that every walk sends.
	query(n, size int) any
	// decode reads a page's body, of at most maxEntries entries.
	decode(body []byte, maxEntries int) (*Page[T], pageMeta, error)
	// key gives an entry's identity (its raw bytes, or an id where the
	// API has one) and its time (zero: none), which the walk compares
	// across pages and checks against Since and Until.
	key(e *T) (identity []byte, ts time.Time)
	// newPlacer returns what decides, for a walk from page first in pages
	// of size entries (0: the server's default), which page to request
	// next and what is new in each (see placer). position, the placer of
	// the v1 endpoints, needs no id and follows page numbers; an endpoint
	// whose entries carry ids, or whose server names the next page, brings
	// its own.
	newPlacer(first, size int) placer
	// forWalk returns the endpoint to use for one walk, which starts at
	// start: v2 pins its created-max there. It is the one thing a walk
	// asks of an endpoint before its first request.
	forWalk(start time.Time) endpoint[T]
	// A Feed reads through the same endpoint.
	feedListing[T]
}

// walkOptions is what every walk needs, whatever its endpoint: where it
// starts, the page size it asks for, where it ends (Since, Limit), what it
// skips (Until), and how far it reads ahead. An endpoint's own filters
// (v1's email) are in its query instead.
type walkOptions struct {
	page, size, limit, prefetch int
	since, until                time.Time
}

// walkOptionsOf returns the part of opts that every walk shares.
func walkOptionsOf(opts ListOptions) walkOptions {
	return walkOptions{page: opts.Page, size: opts.Size, limit: opts.Limit, prefetch: opts.Prefetch,
		since: opts.Since, until: opts.Until}
}

// feedListing is what a [Feed] asks of an endpoint beyond a walk's needs:
// the bounds a zero Cursor starts from, walks of a window of the log, the
// listing's print (which a Cursor keeps), an entry's stable id, and how a
// poll too large to hold is read in parts.
type feedListing[T any] interface {
	// feedRange returns the Pager's Since and Until, wherever the
	// endpoint keeps them.
	feedRange(o walkOptions) (since, until time.Time)
	// within returns a walk from page of the entries from since to until
	// (inclusive; zero: no bound, or the Pager's Until), without the
	// Pager's Limit.
	within(o walkOptions, page int, since, until time.Time) (endpoint[T], walkOptions)
	// print identifies the listing and its filters for a Cursor.
	print() uint32
	// stamp sets e's stable id, given the digest of its identity and its
	// position among the entries that share it.
	stamp(e *T, d digest, twin int)
	// byTime reports whether the server filters by time (v2), so that a
	// large poll reads windows of time; else it reads ranges of pages.
	byTime() bool
}
