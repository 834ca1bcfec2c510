package riskcloud

import (
	"time"
	"unsafe"
)

// auditFilter is what AccessAuditOptions asks the server to filter by.
type auditFilter struct {
	userID, userEmail string
	typ               AccessAuditType
	since, until      time.Time
}

// v2Query is the query of a page request to the v2 access audit;
// go-querystring encodes it. Times are epoch milliseconds, inclusive.
type v2Query struct {
	UserID     string          `url:"user-id,omitempty"`
	UserEmail  string          `url:"user-email,omitempty"`
	Type       AccessAuditType `url:"type,omitempty"`
	CreatedMin *int64          `url:"created-min,omitempty"`
	CreatedMax *int64          `url:"created-max,omitempty"`
	Page       int             `url:"page"`
	Size       int             `url:"size,omitempty"`
}

// v2Listing is the endpoint of the v2 access audit: pages of
// {content, links, page} whose entries carry ids, placed by idPlacer.
type v2Listing struct {
	filter auditFilter
	pin    *walkPin // one walk's created-max; nil outside a walk
}

func (l v2Listing) path() string { return auditsPath }

func (l v2Listing) query(n, size int) any {
	f := l.filter
	createdMax := epochMillis(f.until, false)
	if l.pin != nil {
		ms := l.pin.ms.Load()
		createdMax = &ms
	}
	return v2Query{UserID: f.userID, UserEmail: f.userEmail, Type: f.typ,
		CreatedMin: epochMillis(f.since, true), CreatedMax: createdMax, Page: n, Size: size}
}

// forWalk pins created-max to the walk's start (plus maxClockSkew) when
// Until is zero, or to Until: an entry created during the walk then stays
// out of every page, so it cannot push the entries of later pages back
// onto ones already read.
func (l v2Listing) forWalk(start time.Time) endpoint[AccessAudit] {
	until := l.filter.until
	if until.IsZero() {
		until = start.Add(maxClockSkew)
	}
	l.pin = &walkPin{start: *epochMillis(until, false)}
	l.pin.ms.Store(l.pin.start)
	return l
}

func (v2Listing) decode(body []byte, maxEntries int) (*Page[AccessAudit], pageMeta, error) {
	return decodeAuditPage(body, maxEntries)
}

// key is the entry's id, or its bytes when the server sent no id.
func (v2Listing) key(e *AccessAudit) ([]byte, time.Time) {
	if e.ID == "" {
		return e.Raw, e.Created
	}
	// The walk only hashes the key, so the id's bytes need no copy.
	return unsafe.Slice(unsafe.StringData(e.ID), len(e.ID)), e.Created
}

func (l v2Listing) newPlacer(first, size int) placer {
	p := newIDPlacer(first, size)
	p.pinning.pin = l.pin
	return p
}

// millisDown returns t in epoch milliseconds, rounded down.
func millisDown(t time.Time) int64 {
	ms := t.UnixMilli()
	if time.UnixMilli(ms).After(t) {
		ms-- // UnixMilli rounds toward zero, which is up before 1970
	}
	return ms
}

// epochMillis returns t in epoch milliseconds, or nil for the zero time.
// The server's bounds are inclusive and in whole milliseconds, so a bound
// within a millisecond rounds inward: a minimum up, a maximum down (an
// entry created in the maximum's millisecond, before it, stays in).
func epochMillis(t time.Time, minimum bool) *int64 {
	if t.IsZero() {
		return nil
	}
	ms := millisDown(t)
	if minimum && time.UnixMilli(ms).Before(t) {
		ms++
	}
	return &ms
}

func (l v2Listing) feedRange(walkOptions) (since, until time.Time) {
	return l.filter.since, l.filter.until
}

// within asks the server for the entries created from since to until.
func (l v2Listing) within(o walkOptions, page int, since, until time.Time) (endpoint[AccessAudit], walkOptions) {
	l.filter.since = since
	if !until.IsZero() {
		l.filter.until = until
	}
	l.pin = nil
	o.page, o.limit = page, 0
	return l, o
}

func (l v2Listing) print() uint32 {
	f := l.filter
	return listingPrint(auditsPath, f.userID, f.userEmail, string(f.typ))
}

// stamp leaves the server's id; an entry sent without one, whose
// identity is its bytes (see key), gets an id from them as a v1 entry does.
func (v2Listing) stamp(e *AccessAudit, d digest, twin int) {
	if e.ID == "" {
		e.ID = d.id(twin)
	}
}

func (v2Listing) byTime() bool { return true }
