package riskcloudtest

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// record is one entry of the fake log, as v1 and v2 serve it.
type record struct {
	email string              // the v1 user, for /api/v1/access-audit?email=
	typ   riskcloud.EntryType // v1's type
	ts    time.Time
	raw   []byte // the JSON object v1 serves; nil when only v2 serves the record
	audit audit  // what v2 serves
}

// v1 says whether the v1 endpoints serve r: v2's other types are not
// logins or failures.
func (r *record) v1() bool { return r.raw != nil }

// entry returns r as a client decodes it from a page, or, should its JSON
// not decode (a test may add any Raw), with the fields the log knows.
func (r *record) entry() riskcloud.Entry {
	var e riskcloud.Entry
	if err := json.Unmarshal(r.raw, &e); err != nil {
		e = riskcloud.Entry{Type: r.typ, Timestamp: r.ts, Raw: slices.Clone(r.raw)}
	}
	return e
}

// auditLog holds the entries oldest first, so that arrivals, the common
// change, append. A page counts from the end.
type auditLog struct {
	recs []*record
	// views and auditViews cache the filtered lists between changes: a walk
	// reads many pages of one unchanged log.
	views      map[viewKey][]*record
	auditViews map[auditKey][]*record
	ids        uint32 // ids assigned so far
}

type viewKey struct {
	typ   riskcloud.EntryType // "" for every type
	email string              // "" for every user
}

// add files entries under email for v1 and under owner for v2, or, when
// owner is nil, under one of the made-up users. Within es, as in a page, the
// first is the newest; among equal timestamps an entry added later counts as
// newer.
func (l *auditLog) add(email string, owner *user, es []riskcloud.Entry) {
	batch := make([]*record, len(es))
	for i, e := range es {
		u := owner
		if u == nil {
			u = madeUpUser(e)
		}
		batch[len(es)-1-i] = &record{email: email, typ: e.Type, ts: e.Timestamp.UTC(), raw: encode(e),
			audit: entryAudit(l.newID(), u, e)}
	}
	l.insert(batch)
}

// insert files batch, given oldest first as far as its timestamps tell,
// after the records of equal timestamps already there.
func (l *auditLog) insert(batch []*record) {
	slices.SortStableFunc(batch, func(a, b *record) int { return a.ts.Compare(b.ts) })
	if len(l.recs) == 0 || len(batch) == 0 || !batch[0].ts.Before(l.recs[len(l.recs)-1].ts) {
		l.recs = append(l.recs, batch...)
	} else {
		merged := make([]*record, 0, len(l.recs)+len(batch))
		i := 0
		for _, r := range batch {
			for i < len(l.recs) && !l.recs[i].ts.After(r.ts) {
				merged = append(merged, l.recs[i])
				i++
			}
			merged = append(merged, r)
		}
		l.recs = append(merged, l.recs[i:]...)
	}
	l.changed()
}

// changed drops the cached views.
func (l *auditLog) changed() {
	l.views, l.auditViews = nil, nil
}

// removeOldest deletes the n oldest entries, as retention does.
func (l *auditLog) removeOldest(n int) {
	n = min(max(n, 0), len(l.recs))
	l.recs = slices.Delete(l.recs, 0, n)
	l.changed()
}

// newest is the timestamp of the newest entry, or the zero time.
func (l *auditLog) newest() time.Time {
	if len(l.recs) == 0 {
		return time.Time{}
	}
	return l.recs[len(l.recs)-1].ts
}

// view returns the v1 entries of one type and user (each "" for all),
// oldest first. The result is shared: callers must not modify it.
func (l *auditLog) view(k viewKey) []*record {
	if v, ok := l.views[k]; ok {
		return v
	}
	var v []*record
	for _, r := range l.recs {
		if r.v1() && (k.typ == "" || r.typ == k.typ) && (k.email == "" || r.email == k.email) {
			v = append(v, r)
		}
	}
	if l.views == nil {
		l.views = make(map[viewKey][]*record)
	}
	l.views[k] = v
	return v
}

// encode returns the JSON the server sends for e: its Raw when it has one
// (so that fields a test adds survive the round trip), else the fields in
// Jackson's camelCase with the timestamp in epoch milliseconds (as an
// ISO-8601 date-time within 1e11 ms of 1970, which a number would not keep).
func encode(e riskcloud.Entry) []byte {
	if len(e.Raw) > 0 && json.Valid(e.Raw) {
		return slices.Clone(e.Raw)
	}
	msg := "null"
	if e.Message != "" {
		msg = quote(e.Message)
	}
	ts := "null"
	if ms := e.Timestamp.UnixMilli(); !e.Timestamp.IsZero() {
		ts = fmt.Sprint(ms)
		if -1e11 < ms && ms < 1e11 {
			// The client reads a number this small as epoch seconds; only
			// a date-time keeps a time this close to 1970 as it was added.
			ts = quote(e.Timestamp.UTC().Format(time.RFC3339Nano))
		}
	}
	return fmt.Appendf(nil, `{"type":%s,"timestamp":%s,"message":%s,"remoteAddress":%s}`,
		quote(string(e.Type)), ts, msg, quote(e.RemoteAddress))
}

func quote(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}
