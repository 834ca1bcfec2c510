package riskcloudtest

import (
	"bytes"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/riskcloud-go/riskcloud"
)

// auditsPath is the v2 access audit, after the base URL's path.
const auditsPath = "/api/v2/audits/access"

// auditTypes are the values the type filter accepts, as the spec lists them.
var auditTypes = []riskcloud.AccessAuditType{riskcloud.AuditLogin, riskcloud.AuditLogout, riskcloud.AuditLoginFailed,
	riskcloud.AuditCredentialsRolled, riskcloud.AuditTokenRolled, riskcloud.AuditOther}

// auditFilters are the v2 filters, in the order links repeat them.
var auditFilters = []string{"user-id", "user-email", "type", "created-min", "created-max"}

// auditKey picks the records of a user and a type ("" for all).
type auditKey struct {
	userID, email string
	kind          riskcloud.AccessAuditType
}

// auditQuery is a v2 request as the server reads it.
type auditQuery struct {
	key      auditKey
	min, max int64 // created bounds in epoch ms, inclusive
	page     pageRequest
	filters  string // "&user-id=…" and so on, for the links
}

// auditsPage answers a GET of the v2 access audit.
func (s *Server) auditsPage(r *http.Request) (int, []byte) {
	if status, body := s.gate(r); status != 0 {
		return status, body
	}
	q, bad := s.readAuditQuery(r.URL.Query())
	if bad != "" {
		return errorBody(http.StatusBadRequest, bad, r.URL.Path)
	}
	return s.atPage(q.page.number, func() []byte {
		recs := createdBetween(s.log.auditView(q.key), q.min, q.max)
		return s.auditPage(recs, q, r.URL.EscapedPath())
	})
}

// readAuditQuery reads the filters and the page as a Spring controller
// with validated parameters does: a value that does not convert, or a page
// or size out of range, is a message for a 400; an empty value is no value;
// unknown parameters are ignored.
func (s *Server) readAuditQuery(v url.Values) (auditQuery, string) {
	q := auditQuery{min: math.MinInt64, max: math.MaxInt64}
	q.key.userID = v.Get("user-id")
	q.key.email = normalEmail(v.Get("user-email"))
	if t := riskcloud.AccessAuditType(v.Get("type")); t != "" {
		if !slices.Contains(auditTypes, t) {
			return q, "Method parameter 'type': Failed to convert value of type 'java.lang.String' to required type 'AccessAuditType'; No enum constant AccessAuditType." + string(t)
		}
		q.key.kind = t
	}
	for _, bound := range []struct {
		name string
		to   *int64
	}{{"created-min", &q.min}, {"created-max", &q.max}} {
		if raw := v.Get(bound.name); raw != "" {
			n, err := strconv.ParseInt(raw, 10, 64)
			if err != nil {
				return q, mismatch(bound.name, "java.lang.Long", raw)
			}
			*bound.to = n
		}
	}
	if bad := checkPaging(v); bad != "" {
		return q, bad
	}
	q.page = s.pageParams(v.Get("page"), v.Get("size"))
	var f strings.Builder
	for _, name := range auditFilters {
		if raw := v.Get(name); raw != "" {
			f.WriteString("&" + name + "=" + url.QueryEscape(raw))
		}
	}
	q.filters = f.String()
	return q, ""
}

// checkPaging refuses a page or size that is not a Java int or is below the
// spec's minimum, where v1 (Spring's resolver) would fall back to defaults.
func checkPaging(v url.Values) string {
	for _, p := range []struct {
		name string
		min  int64
	}{{"page", 0}, {"size", 1}} {
		if raw := v.Get(p.name); raw != "" {
			n, err := strconv.ParseInt(raw, 10, 32)
			if err != nil {
				return mismatch(p.name, "java.lang.Integer", raw)
			}
			if n < p.min {
				return "readAllAccessAudits." + p.name + ": must be greater than or equal to " + strconv.FormatInt(p.min, 10)
			}
		}
	}
	return ""
}

// mismatch is Spring's message for a parameter that does not convert.
func mismatch(name, javaType, value string) string {
	return "Method parameter '" + name + "': Failed to convert value of type 'java.lang.String' to required type '" +
		javaType + "'; For input string: \"" + value + "\""
}

// auditView returns the records of one user and type, oldest first. The
// result is shared: callers must not modify it.
func (l *auditLog) auditView(k auditKey) []*record {
	if k == (auditKey{}) {
		return l.recs
	}
	if v, ok := l.auditViews[k]; ok {
		return v
	}
	var v []*record
	for _, r := range l.recs {
		a := &r.audit
		if (k.userID == "" || a.user.id == k.userID) && (k.email == "" || a.user.match == k.email) &&
			(k.kind == "" || a.kind == k.kind) {
			v = append(v, r)
		}
	}
	if l.auditViews == nil {
		l.auditViews = make(map[auditKey][]*record)
	}
	l.auditViews[k] = v
	return v
}

// createdBetween returns the records of recs (oldest first) created from
// lo to hi epoch ms, both inclusive. Milliseconds of a sorted log are
// sorted too, so two binary searches find them.
func createdBetween(recs []*record, lo, hi int64) []*record {
	from := sort.Search(len(recs), func(i int) bool { return recs[i].ts.UnixMilli() >= lo })
	to := sort.Search(len(recs), func(i int) bool { return recs[i].ts.UnixMilli() > hi })
	return recs[from:max(from, to)]
}

// auditPage renders the page q asks for of recs (oldest first) as a v2
// page: {content, links, page}, fields in Jackson's order. path is the
// request's, which the links repeat.
func (s *Server) auditPage(recs []*record, q auditQuery, path string) []byte {
	total := int64(len(recs))
	// In 64 bits, as springPage does.
	size := int64(q.page.size)
	totalPages := (total + size - 1) / size
	from := min(int64(q.page.number)*size, total)
	to := min(from+size, total)
	var b bytes.Buffer
	b.WriteString(`{"content":[`)
	for i := from; i < to; i++ {
		if i > from {
			b.WriteByte(',')
		}
		at := total - 1 - i // newest first
		if s.cfg.v2.oldestFirst {
			at = i
		}
		b.Write(recs[at].item(s.cfg.v2.created))
	}
	b.WriteString(`],"links":`)
	writeLinks(&b, path, q, totalPages)
	b.WriteString(`,"page":{`)
	sep := ""
	for _, m := range []struct{ name, value string }{
		{"size", strconv.Itoa(q.page.reported)},
		{"totalElements", strconv.FormatInt(total, 10)},
		{"totalPages", strconv.FormatInt(totalPages, 10)},
		{"number", strconv.Itoa(q.page.number)},
	} {
		if !s.cfg.omit[m.name] {
			b.WriteString(sep + `"` + m.name + `":` + m.value)
			sep = ","
		}
	}
	b.WriteString("}}")
	return b.Bytes()
}

// writeLinks writes the page's links: paths with the query, filters kept,
// prev and next null at the ends.
func writeLinks(b *bytes.Buffer, path string, q auditQuery, totalPages int64) {
	link := func(n int64) string {
		// Query escaping leaves nothing JSON must escape.
		return `"` + path + "?page=" + strconv.FormatInt(n, 10) + "&size=" + strconv.Itoa(q.page.reported) + q.filters + `"`
	}
	n := int64(q.page.number)
	prev, next := "null", "null"
	if n > 0 {
		prev = link(n - 1)
	}
	if n < totalPages-1 {
		next = link(n + 1)
	}
	b.WriteString(`{"first":` + link(0) + `,"prev":` + prev + `,"self":` + link(n) + `,"next":` + next +
		`,"last":` + link(max(totalPages-1, 0)) + `}`)
}
