package riskcloud

import (
	"net/url"
	"strconv"
	"time"

	"github.com/google/go-querystring/query"
)

// endpoint is what one listing brings to a [Pager]: where its pages are,
// the query that picks its entries, how to read a page, and how to tell
// its entries apart. The walk (pagination.go, walk.go, prefetch.go) asks
// an endpoint for these and reads nothing else of it, so a listing with
// another query or another page shape (v2's {content, links, page}, whose
// entries carry ids) is a new endpoint value, not a change to the walk.
type endpoint[T any] struct {
	path string
	// filter is the listing's own query, without page and size, which
	// the walk adds to every request.
	filter url.Values
	// decode reads a page's body, of at most maxEntries entries.
	decode func(body []byte, maxEntries int) (*Page[T], pageMeta, error)
	// key gives an entry's identity (its raw bytes, or an id where the
	// API has one) and its time (zero: none), which the walk compares
	// across pages and checks against Since and Until.
	key func(*T) ([]byte, time.Time)
	// newPlacer returns what decides, for a walk from page first in pages
	// of size entries (0: the server's default), which page to request
	// next and what is new in each (see placer).
	newPlacer func(first, size int) placer
}

// newEndpoint returns the endpoint at path whose query is filter, a
// struct that go-querystring encodes (its url tags spell the keys once).
// Its walks are placed by position, which needs no id and follows page
// numbers; an endpoint whose entries carry ids, or whose server names the
// next page, sets a placer of its own.
func newEndpoint[T any](path string, filter any,
	decode func([]byte, int) (*Page[T], pageMeta, error), key func(*T) ([]byte, time.Time)) (endpoint[T], error) {
	v, err := query.Values(filter)
	return endpoint[T]{path: path, filter: v, decode: decode, key: key, newPlacer: newPlacerByPosition}, err
}

func newPlacerByPosition(first, size int) placer { return newPosition(first, size) }

// query returns the query string of a request for page n of the given
// size (0: the server's default). Keys come out sorted, as url.Values
// encodes them.
func (e *endpoint[T]) query(n, size int) string {
	v := make(url.Values, len(e.filter)+2)
	for key, values := range e.filter {
		v[key] = values
	}
	v.Set("page", strconv.Itoa(n))
	if size != 0 {
		v.Set("size", strconv.Itoa(size))
	}
	return v.Encode()
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
