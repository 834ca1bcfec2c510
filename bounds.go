package riskcloud

import "time"

// This file holds what the walk (see position) and the prefetcher both
// need to know of a page: the walk's page size, whether a page ends the
// log, and where Since, Until and Limit end a walk or trim a page.

// bounds are where a walk ends and what it skips, from the options every
// walk shares. Since ends it at the first entry strictly older; Limit
// after that many entries (counted after Until); Until skips the entries
// strictly newer. An entry without a time is never past either.
type bounds struct {
	since, until time.Time
	limit        int
	first        int // the walk's first page, which Limit counts from
}

func boundsOf(o walkOptions) bounds {
	return bounds{since: o.since, until: o.until, limit: o.limit, first: o.page}
}

// pastSince reports whether an entry at ts ends the walk.
func (b bounds) pastSince(ts time.Time) bool {
	return !b.since.IsZero() && !ts.IsZero() && ts.Before(b.since)
}

// pastUntil reports whether an entry at ts is skipped.
func (b bounds) pastUntil(ts time.Time) bool { return !b.until.IsZero() && ts.After(b.until) }

// trim returns which of fresh (the new entries of a page, with their
// fingerprints) to yield, after the walk yielded yielded entries, and
// whether the walk ends with them (Since or Limit reached). It copies only
// when Until drops an entry, as a page's entries are the walk's own.
func trim[T any](b bounds, fresh []T, fingerprints []fingerprint, yielded int) (kept []T, end bool) {
	for i := range fingerprints {
		if b.pastSince(fingerprints[i].ts) {
			fresh, fingerprints, end = fresh[:i], fingerprints[:i], true
			break
		}
	}
	kept = skipNewer(b, fresh, fingerprints)
	if b.limit > 0 && yielded+len(kept) >= b.limit {
		kept, end = kept[:b.limit-yielded], true
	}
	return kept, end
}

// skipNewer returns entries without those past Until.
func skipNewer[T any](b bounds, entries []T, fingerprints []fingerprint) []T {
	if b.until.IsZero() {
		return entries
	}
	var kept []T
	for i := range entries {
		newer := b.pastUntil(fingerprints[i].ts)
		switch {
		case newer && kept == nil:
			kept = append(make([]T, 0, len(entries)), entries[:i]...)
		case !newer && kept != nil:
			kept = append(kept, entries[i])
		}
	}
	if kept == nil {
		return entries
	}
	return kept
}

// aheadEnd returns the last page worth requesting ahead of a walk that
// just read v, in pages of size entries; v.n when none is: v is empty,
// ends the log, or reaches past Since. Pages past the end of the log as v
// counts it (totalPages, or totalElements in pages of size), or past those
// Limit needs, are not worth it either; if the log grows, the walk
// requests the pages it then needs itself. Without totalElements nothing
// is: no page requested ahead could be checked against the one before it.
func (b bounds) aheadEnd(v view, size int64) int {
	m := len(v.entries)
	if !v.meta.totalElements || v.total <= 0 || m == 0 || isLastPage(v, size) || b.pastSince(v.entries[m-1].ts) {
		return v.n
	}
	end := min((v.total-1)/size, maxJavaInt)
	if v.meta.totalPages {
		end = min(end, int64(v.totalPages)-1)
	}
	if b.limit > 0 {
		// The walk needs pages first … first+(limit-1)/size; more only if
		// the log shifts.
		end = min(end, int64(b.first)+int64(b.limit-1)/size)
	}
	return int(max(end, int64(v.n)))
}

// isLastPage reports whether v is the last page as DESIGN.md has it:
// shorter than size, marked last, or at or past totalPages. A page that
// reaches totalElements is not: the count may run ahead of the pages, and
// an empty page costs one request.
func isLastPage(v view, size int64) bool {
	return int64(len(v.entries)) < size || (v.meta.last && v.last) ||
		(v.meta.totalPages && v.n+1 >= v.totalPages)
}

// endsLog reports whether the log, as of v, ends within v's page: it is
// the last page, or reaches totalElements.
func endsLog(v view, size int64) bool {
	end := int64(v.n)*size + int64(len(v.entries))
	return isLastPage(v, size) || (v.meta.totalElements && v.total <= end)
}

// pageSizing is the walk's page size, which the first page fixes: the
// index of entry j of page n is n*size+j.
type pageSizing struct {
	size int64 // 0 until the first page
	// reported is the size the first page reported (or, reporting none,
	// the size asked for, asked) where its length was taken instead, 0
	// otherwise: a longer page later shows the first was short only
	// because the log ended there (see grown).
	reported, asked int64
}

// fix sets the page size from the walk's first page, v.
func (s *pageSizing) fix(v view) {
	s.size = firstPageSize(v)
	switch {
	case v.meta.size && int64(v.pageSize) > s.size:
		s.reported = int64(v.pageSize)
	case !v.meta.size && s.asked > s.size:
		s.reported = s.asked
	}
}

// grown reports whether a page of m entries shows that the first page was
// short because the log ended there, not for a clamped size; if so, the
// size it reported (or the one asked for) holds from now on, and grown
// returns how much further on the entries placed by the short size lie,
// from page first's start.
func (s *pageSizing) grown(m int, first int) (shift int64, ok bool) {
	if int64(m) <= s.size || int64(m) > s.reported {
		return 0, false
	}
	shift = int64(first) * (s.reported - s.size)
	s.size, s.reported = s.reported, 0
	return shift, true
}

// firstPageSize is the walk's page size: the size the first page reports,
// or its length when it reports none. A first page shorter than its
// reported size is the log's last page, or the page of a server that
// clamped the size asked for but echoes it: unless the page is known to be
// the last, its length is the page size, which at worst costs a request
// that finds the end of the log.
func firstPageSize(v view) int64 {
	length := int64(len(v.entries))
	if !v.meta.size || v.pageSize <= 0 || length >= int64(v.pageSize) {
		return max(length, int64(v.pageSize), 1)
	}
	// The server's own last or totalPages say best whether it is the last
	// page. totalElements shows the log ends here only if it does whichever
	// size is true; where it ends the log exactly as the reported size
	// puts it, that size is the likelier.
	reported, n := int64(v.pageSize), int64(v.n)
	var known bool
	switch {
	case v.meta.last:
		known = v.last
	case v.meta.totalPages:
		known = v.n+1 >= v.totalPages
	case v.meta.totalElements:
		known = v.total <= n*length+length || v.total == n*reported+length
	}
	if length > 0 && !known {
		return length
	}
	return int64(v.pageSize)
}
