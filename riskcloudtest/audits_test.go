package riskcloudtest_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// mixedServer holds what v2 must tell apart: Generate's entries filed with
// Add (made-up users), another batch filed with AddFor, the activity only v2
// serves, and ties: both batches end at the same instant.
func mixedServer(t *testing.T, opts ...riskcloudtest.Option) *riskcloudtest.Server {
	t.Helper()
	srv := newServer(t, opts...)
	es := riskcloudtest.Generate(400, 1)
	srv.Add(es...)
	srv.AddFor("Bob.Okafor@Example.com", riskcloudtest.Generate(60, 2)...)
	srv.AddAudits(riskcloudtest.GenerateActivity(es, 1)...)
	tie := riskcloud.AccessAudit{Type: riskcloud.AuditTokenRolled, Created: t0, RemoteAddress: "192.0.2.9",
		User: riskcloud.AuditUser{ID: "u-tie", Name: "Tie", Email: "tie@example.com"}}
	srv.AddAudits(tie, tie, tie)
	return srv
}

func TestAudits_pageShape(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithPathPrefix("/rc"))
	srv.AddFor("jane.doe@example.com",
		riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: t0, Message: "Bad credentials", RemoteAddress: "203.0.113.7"},
		riskcloud.Entry{Type: riskcloud.Login, Timestamp: t0.Add(-time.Minute), RemoteAddress: "198.51.100.1"})
	status, body, hdr := get(t, srv, auditsPath+"?size=1&type=LOGIN")
	all := srv.Audits()
	want := `{"content":[{"id":"` + all[1].ID + `","type":"LOGIN","user":{"id":"` + all[1].User.ID +
		`","name":"Jane Doe","email":"jane.doe@example.com","object":"user"},"remoteAddress":"198.51.100.1",` +
		`"details":"Login succeeded","created":1793534340000,"object":"access_audit"}],` +
		`"links":{"first":"/rc/api/v2/audits/access?page=0&size=1&type=LOGIN","prev":null,` +
		`"self":"/rc/api/v2/audits/access?page=0&size=1&type=LOGIN","next":null,` +
		`"last":"/rc/api/v2/audits/access?page=0&size=1&type=LOGIN"},` +
		`"page":{"size":1,"totalElements":1,"totalPages":1,"number":0}}`
	if status != 200 || body != want || hdr.Get("Content-Type") != "application/json" {
		t.Errorf("got %d %s\n%s\nwant\n%s", status, hdr.Get("Content-Type"), body, want)
	}
	failed := items(t, getAudits(t, srv, "type=LOGIN_FAILED").Content)
	if len(failed) != 1 || failed[0].Details != "Bad credentials" || failed[0].ID != all[0].ID || failed[0].Object != "access_audit" || failed[0].User.Object != "user" {
		t.Errorf("failure: %+v", failed)
	}
	if sent := getAudits(t, srv, "type=LOGIN").Content[0]; string(all[1].Raw) != string(sent) {
		t.Errorf("Audits()[1].Raw = %s, the page sent %s", all[1].Raw, sent)
	}
}

// TestAudits_filters checks every filter alone and random combinations
// against a model applied to Audits(), in the server's order.
func TestAudits_filters(t *testing.T) {
	t.Parallel()
	srv := mixedServer(t)
	all := srv.Audits()
	at := func(i int) *time.Time { c := all[i].Created; return &c }
	bob := riskcloudtest.MadeUpUsers()[2]
	alone := []filter{
		{}, {userID: bob.ID}, {userEmail: "BOB.OKAFOR@example.com"}, {userEmail: riskcloudtest.DefaultEmail},
		{userID: "u-tie"}, {userID: "nobody"}, {userEmail: "nobody@example.com"},
		{min: at(100)}, {max: at(100)}, {min: at(7), max: at(7)}, {min: at(7), max: at(300)}, {min: at(1), max: at(300)},
	}
	for _, typ := range []string{"LOGIN", "LOGOUT", "LOGIN_FAILED", "CREDENTIALS_ROLLED", "TOKEN_ROLLED", "OTHER"} {
		alone = append(alone, filter{typ: typ})
	}
	// Combinations around an entry, which each keeps, so that few are
	// empty; any part may be left out.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 60 {
		i := rng.IntN(len(all))
		anchor, f := all[i], filter{}
		if rng.IntN(2) == 0 {
			f.typ = string(anchor.Type)
		}
		switch rng.IntN(3) {
		case 0:
			f.userID = anchor.User.ID
		case 1:
			f.userEmail = strings.ToUpper(anchor.User.Email)
		}
		if rng.IntN(4) > 0 {
			f.min = at(min(i+rng.IntN(60), len(all)-1))
		}
		if rng.IntN(4) > 0 {
			f.max = at(max(i-rng.IntN(60), 0))
		}
		alone = append(alone, f)
	}
	nonEmpty := 0
	for _, f := range alone {
		want := model(srv, f)
		if got := ids(t, walkAudits(t, srv, f.query(), 23)); !slices.Equal(got, want) {
			t.Errorf("?%s: %d ids, want %d\n got %v\nwant %v", f.query(), len(got), len(want), got, want)
		}
		if p := getAudits(t, srv, f.query()); *p.Page["totalElements"] != int64(len(want)) {
			t.Errorf("?%s: totalElements %d, want %d", f.query(), *p.Page["totalElements"], len(want))
		}
		if len(want) > 0 {
			nonEmpty++
		}
	}
	if nonEmpty < len(alone)*3/4 {
		t.Errorf("only %d of %d filters keep anything: the test proves little", nonEmpty, len(alone))
	}
}

// TestAudits_createdBoundsInclusive: created-min and created-max keep the
// entries of their exact millisecond, sub-millisecond times included.
func TestAudits_createdBoundsInclusive(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ms := t0.UnixMilli()
	for _, off := range []time.Duration{-time.Millisecond, 0, 999 * time.Microsecond, time.Millisecond, 1001 * time.Microsecond} {
		srv.Add(riskcloud.Entry{Type: riskcloud.Login, Timestamp: t0.Add(off), RemoteAddress: off.String()})
	}
	tests := []struct {
		query string
		addrs []string
	}{
		{fmt.Sprintf("created-min=%d", ms), []string{"1.001ms", "1ms", "999µs", "0s"}},
		{fmt.Sprintf("created-max=%d", ms), []string{"999µs", "0s", "-1ms"}},
		{fmt.Sprintf("created-min=%d&created-max=%d", ms, ms), []string{"999µs", "0s"}},
		{fmt.Sprintf("created-min=%d&created-max=%d", ms+1, ms+1), []string{"1.001ms", "1ms"}},
		{fmt.Sprintf("created-min=%d", ms+2), nil},
		{fmt.Sprintf("created-min=%d&created-max=%d", ms+1, ms-1), nil},
		{fmt.Sprintf("created-max=%d", ms-2), nil},
		{"created-min=-9223372036854775808&created-max=9223372036854775807", []string{"1.001ms", "1ms", "999µs", "0s", "-1ms"}},
	}
	for _, tt := range tests {
		var got []string
		for _, it := range items(t, getAudits(t, srv, tt.query).Content) {
			got = append(got, it.RemoteAddress)
		}
		if !slices.Equal(got, tt.addrs) {
			t.Errorf("?%s: %v, want %v", tt.query, got, tt.addrs)
		}
	}
}

func TestAudits_badQuery(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithEntries(logins(3)...))
	for _, tt := range []struct{ query, message string }{
		{"type=FOO", "AccessAuditType"},
		{"type=login", "AccessAuditType"},
		{"type=Login", "AccessAuditType"},
		{"created-min=abc", "'created-min'"},
		{"created-max=1.5", "'created-max'"},
		{"created-max=99999999999999999999", "'created-max'"},
		{"page=-1", "page: must be greater than or equal to 0"},
		{"page=x", "'page'"},
		{"page=2147483648", "'page'"},
		{"size=0", "size: must be greater than or equal to 1"},
		{"size=-5", "size: must be greater than or equal to 1"},
		{"size=1e3", "'size'"},
	} {
		status, body, _ := get(t, srv, auditsPath+"?"+tt.query)
		var e struct {
			Status  int
			Error   string
			Message string
			Path    string
		}
		if err := json.Unmarshal([]byte(body), &e); status != 400 || err != nil || e.Status != 400 ||
			e.Error != "Bad Request" || !strings.Contains(e.Message, tt.message) || e.Path != auditsPath {
			t.Errorf("?%s: %d %s, want 400 naming %s", tt.query, status, body, tt.message)
		}
	}
	// Unknown parameters are ignored and empty ones are absent.
	for _, query := range []string{"email=x&sort=created,asc&foo", "type=&user-id=&user-email=&created-min=&created-max=&page=&size="} {
		if p := getAudits(t, srv, query); len(p.Content) != 3 || *p.Page["size"] != 20 {
			t.Errorf("?%s: %d entries, size %d", query, len(p.Content), *p.Page["size"])
		}
	}
}

func TestAudits_pageEdges(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithEntries(logins(45)...))
	all := auditIDs(srv.Audits())
	for _, tt := range []struct {
		query           string
		from, to        int // the slice of all the page holds
		size, pages, nr int64
	}{
		{"", 0, 20, 20, 3, 0},
		{"page=2", 40, 45, 20, 3, 2},
		{"page=3", 45, 45, 20, 3, 3},
		{"page=2147483647&size=2000", 45, 45, 2000, 1, 2147483647},
		{"size=1&page=44", 44, 45, 1, 45, 44},
		{"size=45", 0, 45, 45, 1, 0},
		{"size=46", 0, 45, 46, 1, 0},
		{"size=7&page=6", 42, 45, 7, 7, 6},
		{"size=3000", 0, 45, 2000, 1, 0},
	} {
		p := getAudits(t, srv, tt.query)
		if got := ids(t, p.Content); !slices.Equal(got, all[tt.from:tt.to]) {
			t.Errorf("?%s: ids %v, want all[%d:%d]", tt.query, got, tt.from, tt.to)
		}
		if *p.Page["size"] != tt.size || *p.Page["totalPages"] != tt.pages || *p.Page["number"] != tt.nr || *p.Page["totalElements"] != 45 {
			t.Errorf("?%s: page %v", tt.query, deref64(p.Page))
		}
	}
	empty := newServer(t)
	if p := getAudits(t, empty, ""); p.Content == nil || len(p.Content) != 0 || *p.Page["totalPages"] != 0 || *p.Links["last"] != auditsPath+"?page=0&size=20" {
		t.Errorf("empty log: %+v, %v", p, deref64(p.Page))
	}
}

func deref64(m map[string]*int64) map[string]int64 {
	out := map[string]int64{}
	for k, v := range m {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

func TestAudits_links(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.AddFor("a+b@example.com", logins(45)...)
	filters := "&user-email=a%2Bb%40example.com&type=LOGIN&created-min=0&created-max=9999999999999"
	link := func(n int) string { return fmt.Sprintf("%s?page=%d&size=20%s", auditsPath, n, filters) }
	for _, tt := range []struct {
		page       int
		prev, next string
	}{
		{0, "null", link(1)},
		{1, link(0), link(2)},
		{2, link(1), "null"},
		{5, link(4), "null"},
	} {
		// Given in another order, with an unknown parameter: links keep
		// the filters in the spec's order and drop the rest.
		p := getAudits(t, srv, fmt.Sprintf("created-max=9999999999999&page=%d&foo=1&type=LOGIN&user-email=a%%2Bb@example.com&created-min=0", tt.page))
		str := func(s *string) string {
			if s == nil {
				return "null"
			}
			return *s
		}
		if len(p.Links) != 5 || str(p.Links["first"]) != link(0) || str(p.Links["self"]) != link(tt.page) ||
			str(p.Links["last"]) != link(2) || str(p.Links["prev"]) != tt.prev || str(p.Links["next"]) != tt.next {
			t.Errorf("page %d: links %v %v %v %v %v", tt.page, str(p.Links["first"]), str(p.Links["prev"]),
				str(p.Links["self"]), str(p.Links["next"]), str(p.Links["last"]))
		}
		if tt.page < 2 && len(p.Content) != 20 {
			t.Errorf("page %d: %d entries: filters not applied as the links say", tt.page, len(p.Content))
		}
	}
}

func TestAudits_WithCreatedEncoding(t *testing.T) {
	t.Parallel()
	at := time.Date(2023, 1, 1, 6, 0, 0, 7_500_000, time.UTC) // 7.5 ms: sent as 7
	for _, tt := range []struct {
		opts []riskcloudtest.Option
		want string
	}{
		{nil, `1672552800007`},
		{[]riskcloudtest.Option{riskcloudtest.WithCreatedEncoding(riskcloudtest.CreatedMillis)}, `1672552800007`},
		{[]riskcloudtest.Option{riskcloudtest.WithCreatedEncoding(riskcloudtest.CreatedRFC3339)}, `"2023-01-01T06:00:00.007Z"`},
		{[]riskcloudtest.Option{riskcloudtest.WithCreatedEncoding(riskcloudtest.CreatedNumericString)}, `"1672552800007"`},
	} {
		srv := newServer(t, tt.opts...)
		srv.Add(riskcloud.Entry{Type: riskcloud.Login, Timestamp: at}, riskcloud.Entry{Type: riskcloud.Login})
		got := items(t, getAudits(t, srv, "").Content)
		if string(got[0].Created) != tt.want || string(got[1].Created) != "null" {
			t.Errorf("created %s and %s, want %s and null", got[0].Created, got[1].Created, tt.want)
		}
		as := srv.Audits()
		if !as[0].Created.Equal(at.Truncate(time.Millisecond)) || !strings.Contains(string(as[0].Raw), `"created":`+tt.want) || !as[1].Created.IsZero() {
			t.Errorf("Audits: %v %s, %v", as[0].Created, as[0].Raw, as[1].Created)
		}
	}
}

// TestAudits_WithOldestFirst: oldest first is the exact reverse of newest
// first, ties included, on every page size, filtered or not.
func TestAudits_WithOldestFirst(t *testing.T) {
	t.Parallel()
	newest, oldest := mixedServer(t), mixedServer(t, riskcloudtest.WithOldestFirst())
	if !slices.Equal(auditIDs(newest.Audits()), auditIDs(oldest.Audits())) {
		t.Fatal("the same adds gave different ids or Audits orders")
	}
	for _, tt := range []struct {
		query string
		size  int
	}{{"", 20}, {"", 1}, {"", 7}, {"type=TOKEN_ROLLED", 2}, {"user-id=u-tie", 2}, {"created-min=1793534400000", 3}} {
		a, b := ids(t, walkAudits(t, newest, tt.query, tt.size)), ids(t, walkAudits(t, oldest, tt.query, tt.size))
		slices.Reverse(b)
		if len(a) == 0 || !slices.Equal(a, b) {
			t.Errorf("?%s size %d: newest first %v, oldest first reversed %v", tt.query, tt.size, a, b)
		}
	}
	first := items(t, getAudits(t, oldest, "size=1").Content)[0]
	if all := oldest.Audits(); first.ID != all[len(all)-1].ID {
		t.Errorf("oldest first starts with %s, want %s", first.ID, all[len(all)-1].ID)
	}
	// The log's order among equal created times: the three ties, and the
	// newest entries of the two batches, which share t0.
	var tied []string
	for _, a := range newest.Audits() {
		if a.Created.Equal(t0) {
			tied = append(tied, a.ID)
		}
	}
	if len(tied) != 5 {
		t.Errorf("%d entries at t0, want 5", len(tied))
	}
}

// TestAudits_ids: ids are unique, the same on every request and page size,
// and the same on two servers given the same entries.
func TestAudits_ids(t *testing.T) {
	t.Parallel()
	srv, twin := mixedServer(t), mixedServer(t)
	first := walkAudits(t, srv, "", 20)
	byID := map[string]string{}
	for _, raw := range first {
		it := items(t, []json.RawMessage{raw})[0]
		if _, dup := byID[it.ID]; dup || len(it.ID) != 8 {
			t.Fatalf("id %q repeated or not 8 hex digits", it.ID)
		}
		byID[it.ID] = string(raw)
	}
	for _, size := range []int{1, 33, 2000} {
		for _, raw := range walkAudits(t, srv, "", size) {
			if id := items(t, []json.RawMessage{raw})[0].ID; byID[id] != string(raw) {
				t.Fatalf("size %d: %s was %s", size, raw, byID[id])
			}
		}
	}
	if !slices.Equal(ids(t, walkAudits(t, twin, "", 500)), ids(t, first)) {
		t.Error("two servers given the same entries assign different ids")
	}
	// A given id is kept; an empty one gets a fresh id.
	srv.AddAudits(riskcloud.AccessAudit{ID: "given", Type: riskcloud.AuditOther, Created: t0.Add(time.Hour)},
		riskcloud.AccessAudit{Type: riskcloud.AuditOther, Created: t0.Add(time.Hour)})
	got := ids(t, getAudits(t, srv, "size=2").Content)
	if got[0] != "given" || byID[got[1]] != "" || len(got[1]) != 8 {
		t.Errorf("ids %v", got)
	}
}

func TestAudits_gatesFaultsAndStats(t *testing.T) {
	t.Parallel()
	srv := newServer(t, riskcloudtest.WithEntries(logins(5)...))
	if status, body := do(t, srv, http.MethodGet, auditsPath, ""); status != 401 || !strings.Contains(body, `"status":401`) {
		t.Errorf("no token: %d %s", status, body)
	}
	if status, _ := do(t, srv, http.MethodGet, auditsPath+"?type=BAD", ""); status != 401 {
		t.Errorf("no token and a bad type: %d, want 401 first", status)
	}
	if status, _ := do(t, srv, http.MethodPost, auditsPath, "Bearer "+srv.Token); status != 405 {
		t.Errorf("POST: %d", status)
	}
	srv.FailNext(1, riskcloudtest.Fault{Status: 503, RetryAfter: "1"})
	if status, _, hdr := get(t, srv, auditsPath); status != 503 || hdr.Get("Retry-After") != "1" {
		t.Errorf("fault: %d", status)
	}
	getAudits(t, srv, "type=LOGIN")
	st, reqs := srv.Stats(), srv.Requests()
	if st.PageRequests != 5 || st.Requests != 5 || len(reqs) != 5 || reqs[4].Query.Get("type") != "LOGIN" || reqs[4].Path != auditsPath {
		t.Errorf("stats %+v, last request %+v", st, reqs[len(reqs)-1])
	}
	forbidden := newServer(t, riskcloudtest.WithoutAdmin())
	if status, body := do(t, forbidden, http.MethodGet, auditsPath, "Bearer "+forbidden.Token); status != 403 {
		t.Errorf("WithoutAdmin: %d %s", status, body)
	}
	open := newServer(t, riskcloudtest.WithoutAuthentication(), riskcloudtest.WithEntries(logins(2)...))
	if status, _ := do(t, open, http.MethodGet, auditsPath, ""); status != 200 {
		t.Errorf("WithoutAuthentication: %d", status)
	}
}
