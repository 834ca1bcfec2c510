package riskcloudtest_test

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// TestAudits_oneLog: v1 and v2 serve one log. LOGIN and LOGIN_FAILED are
// v1's logins and failures, of the audit's user; the other types, known or
// not, stay out of every v1 listing, and out of Entries, but count in Len.
func TestAudits_oneLog(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	u := riskcloud.AuditUser{ID: "u1", Name: "Jane Doe", Email: "Jane.Doe@example.com"}
	all := []riskcloud.AccessAudit{
		{Type: riskcloud.AuditLogout, User: u, Created: t0.Add(5 * time.Second)},
		{Type: riskcloud.AuditTokenRolled, User: u, Created: t0.Add(4 * time.Second)},
		{Type: riskcloud.AuditCredentialsRolled, User: u, Created: t0.Add(3 * time.Second)},
		{Type: riskcloud.AuditOther, User: u, Created: t0.Add(2 * time.Second)},
		{Type: "SOMETHING_NEW", User: u, Created: t0.Add(time.Second)},
		{Type: riskcloud.AuditLogin, User: u, Created: t0, RemoteAddress: "198.51.100.1", Details: "Login succeeded"},
		{Type: riskcloud.AuditLoginFailed, User: u, Created: t0.Add(-time.Second), RemoteAddress: "203.0.113.1", Details: "Bad credentials"},
	}
	srv.AddAudits(all...)
	for _, q := range []string{"/api/v1/access-audit/logins", "/api/v1/access-audit/failures", "/api/v1/access-audit?email=jane.doe@example.com"} {
		_, body, _ := get(t, srv, q)
		for sec := int64(1); sec <= 5; sec++ {
			if ms := fmt.Sprintf(`"timestamp":%d`, t0.Unix()*1000+sec*1000); strings.Contains(body, ms) || !strings.Contains(body, `"totalElements":`) {
				t.Errorf("%s serves a v2-only record: %s", q, body)
			}
		}
	}
	c := srv.Client()
	lg, err1 := walk(t, c.AccessAudit.Logins(nil))
	fl, err2 := walk(t, c.AccessAudit.Failures(nil))
	at, err3 := walk(t, c.AccessAudit.Attempts("jane.doe@example.com", nil))
	if err1 != nil || err2 != nil || err3 != nil || len(lg) != 1 || len(fl) != 1 || len(at) != 2 ||
		!lg[0].Timestamp.Equal(t0) || lg[0].Message != "" || fl[0].Message != "Bad credentials" || fl[0].RemoteAddress != "203.0.113.1" {
		t.Errorf("v1: logins %+v, failures %+v, attempts %d; %v %v %v", lg, fl, len(at), err1, err2, err3)
	}
	if n, es := srv.Len(), srv.Entries(); n != 7 || len(es) != 2 {
		t.Errorf("Len %d, Entries %d; want 7 and 2", n, len(es))
	}
	got := items(t, getAudits(t, srv, "").Content)
	if len(got) != 7 || got[4].Type != "SOMETHING_NEW" || got[0].User != (v2User{"u1", "Jane Doe", "Jane.Doe@example.com", "user"}) {
		t.Errorf("v2: %+v", got)
	}
	if n := len(getAudits(t, srv, "user-email=jane.doe@EXAMPLE.com").Content); n != 7 {
		t.Errorf("user-email is case-insensitive: %d of 7", n)
	}
	srv.RemoveOldest(6)
	if got := ids(t, getAudits(t, srv, "").Content); len(got) != 1 || got[0] != srv.Audits()[0].ID || srv.Audits()[0].Type != riskcloud.AuditLogout {
		t.Errorf("after RemoveOldest(6): %v", got)
	}
	if es := srv.Entries(); len(es) != 0 {
		t.Errorf("after RemoveOldest(6): v1 still has %d", len(es))
	}
}

// TestAudits_Raw: an audit's Raw, when valid JSON, is sent as given; the
// filters still read its fields.
func TestAudits_Raw(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithCreatedEncoding(riskcloudtest.CreatedRFC3339))
	raw := `{"id":"r1","type":"LOGOUT","created":"1672552800000","extra":{"a":1}}`
	srv.AddAudits(riskcloud.AccessAudit{ID: "r1", Type: riskcloud.AuditLogout, Created: t0, Raw: []byte(raw)},
		riskcloud.AccessAudit{ID: "r2", Type: riskcloud.AuditLogout, Created: t0, Raw: []byte(`{not json`)})
	p := getAudits(t, srv, "type=LOGOUT")
	if len(p.Content) != 2 || string(p.Content[0]) != raw || !strings.Contains(string(p.Content[1]), `"id":"r2"`) {
		t.Errorf("content %s", p.Content)
	}
	if as := srv.Audits(); string(as[0].Raw) != raw || as[0].ID != "r1" {
		t.Errorf("Audits: %+v", as[0])
	}
}

// TestAudits_users: AddFor's entries belong to the email's user, the same
// on every server; Add's to made-up users, the same for one address.
func TestAudits_users(t *testing.T) {
	t.Parallel()
	a, b := newServer(t), newServer(t)
	a.AddFor("Mary.Ann-Lee@Example.com", logins(3)...)
	b.AddFor("mary.ann-lee@example.com", logins(1)...)
	ua, ub := a.Audits()[0].User, b.Audits()[0].User
	if ua != ub || ua.Name != "Mary Ann Lee" || ua.Email != "mary.ann-lee@example.com" || len(ua.ID) != 8 {
		t.Errorf("users %+v and %+v", ua, ub)
	}
	if other := newServer(t); true {
		other.AddFor("mary@example.com", logins(1)...)
		if other.Audits()[0].User.ID == ua.ID {
			t.Error("two emails share an id")
		}
	}
	made := riskcloudtest.MadeUpUsers()
	if len(made) < 3 || made[0].Email != riskcloudtest.DefaultEmail {
		t.Fatalf("MadeUpUsers %+v", made)
	}
	srv := newServer(t)
	es := riskcloudtest.Generate(2000, 3)
	srv.Add(es...)
	srv.Add(riskcloud.Entry{Type: riskcloud.Login, Timestamp: t0.Add(time.Hour), RemoteAddress: es[0].RemoteAddress})
	byAddr, seen := map[string]riskcloud.AuditUser{}, map[riskcloud.AuditUser]bool{}
	for _, x := range srv.Audits() {
		if !slices.Contains(made, x.User) {
			t.Fatalf("user %+v is not made up", x.User)
		}
		if u, ok := byAddr[x.RemoteAddress]; ok && u != x.User {
			t.Fatalf("%s belongs to %v and %v", x.RemoteAddress, u, x.User)
		}
		byAddr[x.RemoteAddress], seen[x.User] = x.User, true
	}
	if len(seen) != len(made) {
		t.Errorf("%d of %d made-up users have entries", len(seen), len(made))
	}
}

// TestAudits_liveLog: arrivals and deletions move v2 pages as they move
// v1's, and the hooks see v2 page numbers.
func TestAudits_liveLog(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var pages []int
	srv := newServer(t, riskcloudtest.WithArrivals(3), riskcloudtest.WithEntries(logins(30)...),
		riskcloudtest.WithBeforePage(func(s *riskcloudtest.Server, page int) {
			mu.Lock()
			defer mu.Unlock()
			pages = append(pages, page)
			if page == 2 {
				s.RemoveOldest(4)
			}
		}))
	before := auditIDs(srv.Audits())
	p0 := ids(t, getAudits(t, srv, "size=10").Content)
	p1 := ids(t, getAudits(t, srv, "size=10&page=1").Content)
	// Three arrivals at the head push page 1 back by three.
	if !slices.Equal(p0, before[:10]) || !slices.Equal(p1, before[7:17]) {
		t.Errorf("page 0 %v\npage 1 %v\nlog %v", p0, p1, before)
	}
	p2 := getAudits(t, srv, "size=10&page=2")
	if n := *p2.Page["totalElements"]; n != 30+6-4 {
		t.Errorf("totalElements %d, want 32", n)
	}
	mu.Lock()
	seen := slices.Clone(pages)
	mu.Unlock()
	if !slices.Equal(seen, []int{0, 1, 2}) {
		t.Errorf("hook saw pages %v", seen)
	}
	v1 := get1(t, srv, "/api/v1/access-audit/logins?size=100")
	if v2 := getAudits(t, srv, "size=100"); len(v2.Content) != v1 {
		t.Errorf("v2 has %d entries, v1 %d", len(v2.Content), v1)
	}
	srv.Shift(5, logins(5)...)
	if v1, v2 := get1(t, srv, "/api/v1/access-audit/logins?size=100"), len(getAudits(t, srv, "size=100").Content); v1 != v2 {
		t.Errorf("after Shift: v1 %d, v2 %d", v1, v2)
	}
}

// get1 returns how many entries a v1 page holds.
func get1(t *testing.T, srv *riskcloudtest.Server, q string) int {
	t.Helper()
	_, body, _ := get(t, srv, q)
	return strings.Count(body, `"type":"Login"`)
}

// TestAudits_pageKnobs: the v1 knobs that shape a page shape v2's.
func TestAudits_pageKnobs(t *testing.T) {
	t.Parallel()
	es := logins(25)
	clamp := newServer(t, riskcloudtest.WithMaxPageSize(10), riskcloudtest.WithEntries(es...))
	if p := getAudits(t, clamp, "size=50&page=1"); len(p.Content) != 10 || *p.Page["size"] != 10 || *p.Page["totalPages"] != 3 || !strings.Contains(*p.Links["next"], "size=10") {
		t.Errorf("WithMaxPageSize: %d entries, %v", len(p.Content), deref64(p.Page))
	}
	echo := newServer(t, riskcloudtest.WithMaxPageSize(10), riskcloudtest.WithEchoedPageSize(), riskcloudtest.WithEntries(es...))
	if p := getAudits(t, echo, "size=50"); len(p.Content) != 10 || *p.Page["size"] != 50 || *p.Page["totalPages"] != 3 {
		t.Errorf("WithEchoedPageSize: %d entries, %v", len(p.Content), deref64(p.Page))
	}
	ignored := newServer(t, riskcloudtest.WithPageIgnored(), riskcloudtest.WithEntries(es...))
	p0, p1 := getAudits(t, ignored, "size=5"), getAudits(t, ignored, "size=5&page=3")
	if !slices.Equal(ids(t, p0.Content), ids(t, p1.Content)) || *p1.Page["number"] != 0 || p1.Links["prev"] != nil {
		t.Errorf("WithPageIgnored: page 3 is %v", deref64(p1.Page))
	}
	omit := newServer(t, riskcloudtest.WithoutPageFields("number", "totalElements", "first", "empty"), riskcloudtest.WithEntries(es...))
	_, body, _ := get(t, omit, auditsPath+"?size=5&page=1")
	if !strings.HasSuffix(body, `"page":{"size":5,"totalPages":5}}`) {
		t.Errorf("WithoutPageFields: %s", body[strings.Index(body, `"page"`):])
	}
	all := newServer(t, riskcloudtest.WithoutPageFields("number", "size", "totalElements", "totalPages"), riskcloudtest.WithEntries(es...))
	if _, body, _ := get(t, all, auditsPath); !strings.HasSuffix(body, `"page":{}}`) {
		t.Errorf("WithoutPageFields, all four: %s", body[strings.Index(body, `"page"`):])
	}
}

// TestAudits_elsewhere: NewHandler and RegisterResponders serve v2 too.
func TestAudits_elsewhere(t *testing.T) {
	t.Parallel()
	h := riskcloudtest.NewHandler(riskcloudtest.WithPathPrefix("/rc"), riskcloudtest.WithEntries(logins(12)...))
	defer h.Close()
	if p := getAudits(t, h, "size=5&page=2"); len(p.Content) != 2 || *p.Links["self"] != "/rc"+auditsPath+"?page=2&size=5" {
		t.Errorf("NewHandler: %d entries, self %s", len(p.Content), *p.Links["self"])
	}
	for _, base := range []string{"https://acme.logicgate.com", "https://proxy.example.com/riskcloud/"} {
		mt := httpmock.NewMockTransport()
		riskcloudtest.RegisterResponders(mt, base, logins(12))
		req, _ := http.NewRequest(http.MethodGet, strings.TrimSuffix(base, "/")+auditsPath+"?type=LOGIN&size=5&page=2", nil)
		req.Header.Set("Authorization", "Bearer whatever")
		resp, err := (&http.Client{Transport: mt}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.Count(string(body), `"object":"access_audit"`) != 2 || !strings.Contains(string(body), `"totalElements":12`) {
			t.Errorf("%s: %d %s", base, resp.StatusCode, body)
		}
	}
}

// TestGenerateActivity: deterministic, every v2-only type, logouts that
// close a login of the same user and address, nothing after the newest
// entry, and served by v2 alone.
func TestGenerateActivity(t *testing.T) {
	t.Parallel()
	es := riskcloudtest.Generate(3000, 4)
	acts := riskcloudtest.GenerateActivity(es, 4)
	if again := riskcloudtest.GenerateActivity(es, 4); !slices.EqualFunc(acts, again, func(a, b riskcloud.AccessAudit) bool {
		return a.Type == b.Type && a.User == b.User && a.Created.Equal(b.Created) && a.RemoteAddress == b.RemoteAddress && a.Details == b.Details
	}) {
		t.Error("the same entries and seed gave different activity")
	}
	if other := riskcloudtest.GenerateActivity(es, 5); len(other) == len(acts) && other[0].Created.Equal(acts[0].Created) {
		t.Error("seeds 4 and 5 gave the same activity")
	}
	srv := newServer(t)
	srv.Add(es...)
	logins := map[string]bool{} // user id and address of each login
	for _, a := range srv.Audits() {
		if a.Type == riskcloud.AuditLogin {
			logins[a.User.ID+" "+a.RemoteAddress] = true
		}
	}
	kinds := map[riskcloud.AccessAuditType]int{}
	for i, a := range acts {
		kinds[a.Type]++
		switch {
		case a.ID != "" || a.Created.After(es[0].Timestamp) || a.Created.Before(es[len(es)-1].Timestamp):
			t.Fatalf("activity %d: %+v", i, a)
		case i > 0 && a.Created.After(acts[i-1].Created):
			t.Fatalf("activity %d is newer than the one before", i)
		case a.Type == riskcloud.AuditLogout && !logins[a.User.ID+" "+a.RemoteAddress]:
			t.Fatalf("logout %+v follows no login", a)
		}
	}
	for _, k := range []riskcloud.AccessAuditType{riskcloud.AuditLogout, riskcloud.AuditTokenRolled, riskcloud.AuditCredentialsRolled, riskcloud.AuditOther} {
		if kinds[k] == 0 {
			t.Errorf("no %s in %v", k, kinds)
		}
	}
	if kinds[riskcloud.AuditLogin]+kinds[riskcloud.AuditLoginFailed] != 0 {
		t.Errorf("activity repeats logins: %v", kinds)
	}
	srv.AddAudits(acts...)
	if n := len(srv.Entries()); n != 3000 {
		t.Errorf("v1 serves %d entries, want Generate's 3000", n)
	}
	if hashEntries(srv.Entries()) != hashEntries(es) {
		t.Error("v1 entries changed by the activity")
	}
	if got := len(srv.Audits()); got != 3000+len(acts) {
		t.Errorf("v2 serves %d, want %d", got, 3000+len(acts))
	}
	if riskcloudtest.GenerateActivity(nil, 1) != nil {
		t.Error("activity of no entries")
	}
}
