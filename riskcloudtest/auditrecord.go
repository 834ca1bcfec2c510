package riskcloudtest

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// CreatedEncoding is how v2 pages write an entry's created instant; see
// [WithCreatedEncoding]. The API declares a date-time string, but describes
// and exemplifies epoch milliseconds, so a client must read every form.
type CreatedEncoding int

// The encodings of created. Each keeps milliseconds, the API's resolution;
// a record without a time is sent as null in all of them.
const (
	CreatedMillis        CreatedEncoding = iota // a number: 1672552800000 (the default, as the spec's example)
	CreatedRFC3339                              // a string: "2023-01-01T06:00:00.000Z"
	CreatedNumericString                        // a string of the number: "1672552800000"
)

// audit is what v2 serves of a record.
type audit struct {
	id      string
	kind    riskcloud.AccessAuditType
	user    *user
	addr    string
	details string
	given   []byte // a caller's Raw, served as is
	item    []byte // the JSON served, rendered on first use
}

// entryAudit is the v2 view of a v1 entry.
func entryAudit(id string, u *user, e riskcloud.Entry) audit {
	a := audit{id: id, user: u, addr: e.RemoteAddress, details: e.Message}
	switch e.Type {
	case riskcloud.Login:
		a.kind, a.details = riskcloud.AuditLogin, "Login succeeded"
	case riskcloud.LoginFail:
		a.kind = riskcloud.AuditLoginFailed
		if a.details == "" {
			a.details = "Login failed"
		}
	default:
		a.kind = riskcloud.AuditOther
	}
	return a
}

// auditRecord files a as given, with an id when it has none. LOGIN and
// LOGIN_FAILED are also v1's logins and failures, of the user's email; the
// other types only v2 serves.
func (l *auditLog) auditRecord(a riskcloud.AccessAudit) *record {
	id := a.ID
	if id == "" {
		id = l.newID()
	}
	r := &record{ts: a.Created.UTC(), audit: audit{id: id, kind: a.Type, user: auditUser(a.User),
		addr: a.RemoteAddress, details: a.Details}}
	if len(a.Raw) > 0 && json.Valid(a.Raw) {
		r.audit.given = slices.Clone(a.Raw)
	}
	e := riskcloud.Entry{Timestamp: r.ts, RemoteAddress: a.RemoteAddress}
	switch a.Type {
	case riskcloud.AuditLogin:
		e.Type = riskcloud.Login
	case riskcloud.AuditLoginFailed:
		e.Type, e.Message = riskcloud.LoginFail, a.Details
	default:
		return r
	}
	r.email, r.typ, r.raw = r.audit.user.match, e.Type, encode(e)
	return r
}

// newID returns an id no record of l has been given: the count of ids so
// far through a bijection of 32 bits, so that ids are unique, the same in
// every run that adds the same entries, and unordered, as a client must not
// read order into them.
func (l *auditLog) newID() string {
	l.ids++
	x := l.ids
	// murmur3's finaliser: every step is invertible.
	x ^= x >> 16
	x *= 0x85ebca6b
	x ^= x >> 13
	x *= 0xc2b2ae35
	x ^= x >> 16
	return hex.EncodeToString(binary.BigEndian.AppendUint32(nil, x))
}

// item returns r's JSON in a v2 page, rendering it on first use. The
// caller holds the server's mu.
func (r *record) item(enc CreatedEncoding) []byte {
	a := &r.audit
	switch {
	case a.given != nil:
		return a.given
	case a.item == nil:
		a.item = fmt.Appendf(nil, `{"id":%s,"type":%s,"user":{"id":%s,"name":%s,"email":%s,"object":"user"},"remoteAddress":%s,"details":%s,"created":%s,"object":"access_audit"}`,
			quote(a.id), quote(string(a.kind)), quote(a.user.id), quote(a.user.name), quote(a.user.email),
			quote(a.addr), quote(a.details), createdJSON(r.ts, enc))
	}
	return a.item
}

// accessAudit returns r as a client decodes it from a v2 page.
func (r *record) accessAudit(enc CreatedEncoding) riskcloud.AccessAudit {
	var created time.Time
	if !r.ts.IsZero() {
		created = time.UnixMilli(r.ts.UnixMilli()).UTC()
	}
	a := &r.audit
	return riskcloud.AccessAudit{ID: a.id, Type: a.kind, User: a.user.public(), RemoteAddress: a.addr,
		Details: a.details, Created: created, Raw: slices.Clone(r.item(enc))}
}

// createdJSON writes ts in enc. A time within 1e11 ms of 1970 goes out as
// a date-time whatever enc says, as v1's timestamps do: clients read so
// small a number as epoch seconds, and no real login happened then.
func createdJSON(ts time.Time, enc CreatedEncoding) string {
	if ts.IsZero() {
		return "null"
	}
	ms := ts.UnixMilli()
	switch {
	case enc == CreatedRFC3339 || ms > -1e11 && ms < 1e11:
		return `"` + time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z07:00") + `"`
	case enc == CreatedNumericString:
		return `"` + strconv.FormatInt(ms, 10) + `"`
	}
	return strconv.FormatInt(ms, 10)
}

// AddAudits files audits as v2 sends them: id, type, user, remote address,
// details and created as given (created to the millisecond, and its Raw,
// when it holds valid JSON, instead of the fields), an empty ID replaced by
// one no other record has. Ids given are not checked: a test may file
// duplicates on purpose. Within audits, as in a page, the first is the
// newest; the log keeps them by Created as [Server.Add] does.
//
// LOGIN and LOGIN_FAILED audits are also v1 logins and failures of the
// user's email (details becoming a failure's message); the other types,
// and any type the API does not list, only v2 serves.
func (s *Server) AddAudits(audits ...riskcloud.AccessAudit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	batch := make([]*record, len(audits))
	for i, a := range audits {
		batch[len(audits)-1-i] = s.log.auditRecord(a)
	}
	s.log.insert(batch)
}

// Audits returns the whole log, newest first, as v2 pages send it: ids,
// users, Created at millisecond resolution, and each one's Raw as the
// server sends it with its [CreatedEncoding]. With [WithOldestFirst] the
// server sends them in the reverse order. A test compares what a walk
// yielded with it.
func (s *Server) Audits() []riskcloud.AccessAudit {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]riskcloud.AccessAudit, len(s.log.recs))
	for i, r := range s.log.recs {
		out[len(out)-1-i] = r.accessAudit(s.cfg.v2.created)
	}
	return out
}
