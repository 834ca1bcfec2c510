package riskcloud

import (
	"context"
	"fmt"
	"io"
	"iter"
	"net/http"
)

// Page is one page of results as the server sent it. Meta fields the
// server left out are zero.
type Page[T any] struct {
	// Content holds the page's entries in the server's order: newest first
	// on v1; v2 documents none. In a page yielded by
	// [Pager.Pages] it holds only what [Pager.All] yields for that page: an
	// entry already yielded from an earlier page (the log shifted) and
	// entries past Since or Limit, or newer than Until, are left out.
	Content []T
	// Number is the page's index, from 0; Size the entries per page the
	// server used (after any clamping).
	Number, Size int
	// TotalElements and TotalPages count the whole result at the time of
	// this response; a live log keeps growing.
	TotalElements int64
	TotalPages    int
	// First and Last report whether this is the first or last page.
	First, Last bool
	// NumberOfElements is the number of entries the server put in the page.
	NumberOfElements int
}

// pageMeta records which meta fields a response carried, since any may be
// missing and a missing one must not be read as zero or false.
type pageMeta struct {
	number, size, totalElements, totalPages, last bool
}

// Pager reads the pages of one listing. It is returned by the methods of
// [AccessAuditService] and [AuditService] and sends no request until one of its methods is
// called. A Pager holds no state between calls: it is safe for concurrent
// use, and each call to Pages or All, and each range over the sequence it
// returns, walks again from ListOptions.Page.
type Pager[T any] struct {
	client *Client
	ep     endpoint[T]
	opts   walkOptions
	err    error // invalid input, reported before any request
}

// Page requests page n (numbered from 0) and returns it exactly as the
// server sent it: one request (plus any retries), no filtering by Since,
// Until or Limit, no removal of entries seen on other pages. A negative n, or
// invalid options, is an error wrapping [ErrInvalidArgument], reported
// before any request.
func (p *Pager[T]) Page(ctx context.Context, n int) (*Page[T], error) {
	switch {
	case p.err != nil:
		return nil, p.err
	case n < 0:
		return nil, invalidArg("page", "must not be negative (pages are numbered from 0)")
	case n > maxJavaInt:
		return nil, invalidArg("page", "must be at most 2147483647")
	}
	page, _, err := p.fetcher(p.ep)(ctx, n)
	return page, err
}

// Pages returns the pages of a walk from ListOptions.Page on, each holding
// the entries [Pager.All] yields for it (pages left empty by that are
// skipped). The walk stops on the last page, an empty page, or past
// TotalPages, and at Since or Limit; Until only filters. No request is sent until the sequence
// is ranged; each range walks afresh. An error is yielded once, with a nil
// page, and ends the sequence; breaking out of the loop stops all requests.
func (p *Pager[T]) Pages(ctx context.Context) iter.Seq2[*Page[T], error] {
	return func(yield func(*Page[T], error) bool) {
		stopped := false
		err := p.walk(ctx, func(page *Page[T]) bool {
			stopped = !yield(page, nil)
			return !stopped
		})
		if err != nil && !stopped {
			yield(nil, err)
		}
	}
}

// All returns every entry of a walk from ListOptions.Page on, in the
// server's order (newest first on v1), each once: when new entries arrive
// at the head of the log during the walk and shift later pages, entries
// seen before are not yielded again. A v2 walk ([AuditService.Access])
// tells entries apart by id and may read an oldest-first log from its last
// page back, so its entries come in the order of the pages it reads. Since and Limit end the walk early; Until
// skips the newest entries without shortening the walk. No
// request is sent until the sequence is ranged; each range walks afresh.
// An error (including the end of ctx) is yielded once, with a zero entry,
// and ends the sequence; breaking out of the loop stops all requests.
func (p *Pager[T]) All(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		stopped := false
		err := p.walk(ctx, func(page *Page[T]) bool {
			for _, e := range page.Content {
				if ctx.Err() != nil {
					return true // walk reports ctx.Err() before the next request
				}
				if !yield(e, nil) {
					stopped = true
					return false
				}
			}
			return true
		})
		if err == nil && !stopped && ctx.Err() != nil {
			err = ctx.Err()
		}
		if err != nil && !stopped {
			var zero T
			yield(zero, err)
		}
	}
}

// fetcher returns what requests a page of ep and decodes it.
func (p *Pager[T]) fetcher(ep endpoint[T]) func(ctx context.Context, n int) (*Page[T], pageMeta, error) {
	decode := func(body []byte) (*Page[T], pageMeta, error) { return ep.decode(body, entryLimit(p.opts.size)) }
	return func(ctx context.Context, n int) (*Page[T], pageMeta, error) {
		return getPage(ctx, p.client, ep.path(), n, ep.query(n, p.opts.size), decode)
	}
}

func (p *Pager[T]) fullPath() string { return p.client.baseURL.Path + p.ep.path() }

// Format prints the Pager as its endpoint, for every verb: the options hold
// an email address, which belongs in no log. (A value receiver covers Pager
// values as well as pointers.)
func (p Pager[T]) Format(f fmt.State, _ rune) {
	io.WriteString(f, "riskcloud.Pager("+http.MethodGet+" "+p.ep.path()+")")
}
