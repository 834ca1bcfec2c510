package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// v2Server answers GET /api/v2/audits/access with pages of the audits
// handed to it, cut by page and size as the API does (no filtering: the
// tests check the query the filters become), and keeps each request's
// query. status, when not 0, is the answer to every request instead.
type v2Server struct {
	*httptest.Server
	mu      sync.Mutex
	queries []url.Values
}

// v2Audit is an entry as the v2 API sends it.
type v2Audit struct {
	ID, Type, UserID, UserName, UserEmail, RemoteAddress, Details string
	Created                                                       int64
}

func (a v2Audit) json() string {
	return fmt.Sprintf(`{"id":%q,"type":%q,"user":{"id":%q,"name":%q,"email":%q,"object":"user"},"remoteAddress":%q,"details":%q,"created":%d,"object":"access_audit"}`,
		a.ID, a.Type, a.UserID, a.UserName, a.UserEmail, a.RemoteAddress, a.Details, a.Created)
}

func newV2Server(t *testing.T, status int, audits ...v2Audit) *v2Server {
	t.Helper()
	s := &v2Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.queries = append(s.queries, r.URL.Query())
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if status != 0 {
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"status":%d,"message":"No static resource api/v2/audits/access."}`, status)
			return
		}
		if r.URL.Path != "/api/v2/audits/access" || r.Header.Get("Authorization") != "Bearer rct_v2-token" {
			http.Error(w, `{"status":404,"message":"not here"}`, http.StatusNotFound)
			return
		}
		fmt.Fprint(w, v2Page(r.URL.Query(), audits))
	}))
	t.Cleanup(s.Close)
	return s
}

// v2Page is the page the query asks for.
func v2Page(q url.Values, audits []v2Audit) string {
	page, size := 0, 20
	fmt.Sscan(q.Get("page"), &page)
	fmt.Sscan(q.Get("size"), &size)
	var content []string
	for i := page * size; i < min((page+1)*size, len(audits)); i++ {
		content = append(content, audits[i].json())
	}
	pages := (len(audits) + size - 1) / size
	next := "null"
	if page+1 < pages {
		next = fmt.Sprintf(`"/api/v2/audits/access?page=%d&size=%d"`, page+1, size)
	}
	return fmt.Sprintf(`{"content":[%s],"links":{"first":"/api/v2/audits/access?page=0","prev":null,"self":"/api/v2/audits/access?page=%d","next":%s,"last":null},`+
		`"page":{"size":%d,"totalElements":%d,"totalPages":%d,"number":%d}}`, strings.Join(content, ","), page, next, size, len(audits), pages, page)
}

func (s *v2Server) env() map[string]string {
	return map[string]string{envURL: s.URL, envToken: "rct_v2-token"}
}

func (s *v2Server) requests() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.queries)
}

// v2Audits returns n audits of every type, a minute apart, the newest at
// end, each with its user.
func v2Audits(n int, end time.Time) []v2Audit {
	out := make([]v2Audit, n)
	for i := range out {
		u := i % 3
		out[i] = v2Audit{ID: fmt.Sprintf("a-%04d", i), Type: auditTypes[i%len(auditTypes)], UserID: fmt.Sprintf("u-%d", u),
			UserName: fmt.Sprintf("User %d", u), UserEmail: fmt.Sprintf("user%d@example.com", u),
			RemoteAddress: fmt.Sprintf("198.51.100.%d", 1+i%250), Details: "details " + fmt.Sprint(i),
			Created: end.Add(-time.Duration(i) * time.Minute).UnixMilli()}
	}
	return out
}

func TestRunAudits_badArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want []string // in stderr
	}{
		{"unknown type", []string{"--type", "logon"}, []string{`--type "logon"`, strings.Join(auditTypes, ", ")}},
		{"empty type", []string{"--type", ""}, []string{"--type", "LOGIN_FAILED"}},
		{"v1 type", []string{"--type", "LoginFail"}, []string{"--type", "TOKEN_ROLLED"}},
		{"type without a value", []string{"--type"}, []string{"--type"}},
		{"empty user", []string{"--user", ""}, []string{"--user is empty"}},
		{"user with a display name", []string{"--user", "Bob <bob@example.com>"}, []string{"--user", "bare email"}},
		{"user not an address", []string{"--user", "bob"}, []string{"--user"}},
		{"user with a bidi override", []string{"--user", "bob\u202e@example.com"}, []string{"--user", "invisible"}},
		{"empty user id", []string{"--user-id", ""}, []string{"--user-id is empty"}},
		{"user id with a control", []string{"--user-id", "u\x1b[2J"}, []string{"--user-id", "control"}},
		{"empty email alias", []string{"--email", ""}, []string{"--email is empty"}},
		{"bad email alias", []string{"--email", "bob"}, []string{"--email"}},
		{"email and user", []string{"--email", "a@example.com", "--user", "a@example.com"}, []string{"--email", "--user"}},
		{"since", []string{"--since", "last week"}, []string{"--since"}},
		{"until before since", []string{"--since", "2026-11-02", "--until", "2026-11-01"}, []string{"--until", "--since"}},
		{"negative limit", []string{"--limit", "-1"}, []string{"--limit"}},
		{"negative size", []string{"--size", "-1"}, []string{"--size"}},
		{"huge prefetch", []string{"--prefetch", "65"}, []string{"--prefetch"}},
		{"format", []string{"-o", "xml"}, []string{"--format"}},
		{"argument", []string{"alice@example.com"}, []string{`"alice@example.com"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newV2Server(t, 0, v2Audits(3, testEnd)...)
			orders := [][]string{append([]string{"audits"}, tt.args...), append(slices.Clone(tt.args), "audits")}
			if len(tt.args) == 1 && strings.HasPrefix(tt.args[0], "--") {
				orders = orders[:1] // before the command, "audits" would be the flag's value
			}
			for _, args := range orders {
				res := harness{env: srv.env()}.run(t, args...)
				if res.code != exitUsage || res.stdout != "" {
					t.Errorf("%q: exit %d, stdout %q; want %d and nothing", args, res.code, res.stdout, exitUsage)
				}
				for _, want := range tt.want {
					if !strings.Contains(res.stderr, want) {
						t.Errorf("%q: stderr %q does not mention %q", args, res.stderr, want)
					}
				}
				if strings.Contains(res.stderr, "AccessAuditOptions") {
					t.Errorf("%q: stderr %q names the SDK's field, not the flag", args, res.stderr)
				}
			}
			if n := len(srv.requests()); n != 0 {
				t.Errorf("%d requests, want none", n)
			}
		})
	}
}

// TestRunAudits_badArgumentsNeedNoConfiguration checks that a bad filter is
// said before a missing RISKCLOUD_URL: the command line is wrong first.
func TestRunAudits_badArgumentsNeedNoConfiguration(t *testing.T) {
	t.Parallel()
	res := harness{}.run(t, "audits", "--type", "nope")
	if res.code != exitUsage || !strings.Contains(res.stderr, "--type") || strings.Contains(res.stderr, envURL) {
		t.Errorf("exit %d, stderr %q", res.code, res.stderr)
	}
}

// TestRunAudits_notFound checks that a 404 from the v2 endpoint says that
// the tenant may lack the beta API and names the v1 commands; v1's 404
// keeps its own advice.
func TestRunAudits_notFound(t *testing.T) {
	t.Parallel()
	srv := newV2Server(t, http.StatusNotFound)
	res := harness{env: srv.env()}.run(t, "audits")
	if res.code != exitAPI || res.stdout != "" {
		t.Fatalf("exit %d, stdout %q", res.code, res.stdout)
	}
	for _, want := range []string{"GET /api/v2/audits/access", "404", "v2", "beta", "v2025.5.1", "logins", "failures", "attempts EMAIL", "URL (" + envURL + ")"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr %q does not mention %q", res.stderr, want)
		}
	}
	res = harness{env: srv.env()}.run(t, "logins")
	if res.code != exitAPI || strings.Contains(res.stderr, "beta") || !strings.Contains(res.stderr, "path prefix is probably wrong") {
		t.Errorf("logins: exit %d, stderr %q", res.code, res.stderr)
	}
}

// TestRunAudits_query checks what each flag becomes in the request: the
// server applies the filters, so they must reach it exactly.
func TestRunAudits_query(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want url.Values // beside page; created-max is checked apart
	}{
		{nil, url.Values{"size": {"500"}}},
		{[]string{"--type", "login_failed"}, url.Values{"type": {"LOGIN_FAILED"}, "size": {"500"}}},
		{[]string{"--type", "Token_Rolled"}, url.Values{"type": {"TOKEN_ROLLED"}, "size": {"500"}}},
		{[]string{"--user", "bob@example.com"}, url.Values{"user-email": {"bob@example.com"}, "size": {"500"}}},
		{[]string{"--email", "bob@example.com"}, url.Values{"user-email": {"bob@example.com"}, "size": {"500"}}},
		{[]string{"--user-id", "u-42"}, url.Values{"user-id": {"u-42"}, "size": {"500"}}},
		{[]string{"--since", "2026-10-31T12:00:00Z", "--until", "2026-11-01T00:00:00.0015Z"},
			url.Values{"created-min": {"1793448000000"}, "created-max": {"1793491200001"}, "size": {"500"}}},
		{[]string{"--since", "24h"}, url.Values{"created-min": {fmt.Sprint(testEnd.Add(-24 * time.Hour).UnixMilli())}, "size": {"500"}}},
		{[]string{"--limit", "5"}, url.Values{"size": {"5"}}},
		{[]string{"--size", "7", "--limit", "5"}, url.Values{"size": {"7"}}},
		{[]string{"--size", "0"}, url.Values{}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			srv := newV2Server(t, 0, v2Audits(3, testEnd)...)
			res := harness{env: srv.env(), now: func() time.Time { return testEnd }}.run(t, append([]string{"audits"}, tt.args...)...)
			if res.code != exitOK {
				t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
			}
			reqs := srv.requests()
			if len(reqs) == 0 {
				t.Fatal("no request")
			}
			got := reqs[0]
			if got.Get("page") != "0" {
				t.Errorf("page %q, want 0", got.Get("page"))
			}
			if tt.want.Get("created-max") == "" && got.Get("created-max") == "" {
				t.Errorf("no created-max: the walk should pin it to its start")
			}
			got.Del("page")
			if tt.want.Get("created-max") == "" {
				got.Del("created-max")
			}
			if got.Encode() != tt.want.Encode() {
				t.Errorf("query %s, want %s", got.Encode(), tt.want.Encode())
			}
		})
	}
}

// TestRunAudits_formats checks each format through the command: every
// audit once, in the server's order, with its id and user.
func TestRunAudits_formats(t *testing.T) {
	t.Parallel()
	audits := v2Audits(23, testEnd)
	for _, format := range formats {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			srv := newV2Server(t, 0, audits...)
			res := harness{env: srv.env()}.run(t, "audits", "--size", "5", "-o", format)
			if res.code != exitOK || res.stderr != "" {
				t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
			}
			lines := strings.Split(strings.TrimSuffix(res.stdout, "\n"), "\n")
			checkAuditLines(t, format, lines, audits)
		})
	}
}

// checkAuditLines checks that lines (a format's output) hold audits in
// order, each with its id, type, user and address.
func checkAuditLines(t *testing.T, format string, lines []string, audits []v2Audit) {
	t.Helper()
	switch format {
	case "json":
		var arr []auditJSON
		if err := json.Unmarshal([]byte(strings.Join(lines, "\n")), &arr); err != nil || len(arr) != len(audits) {
			t.Fatalf("json: %v, %d elements", err, len(arr))
		}
		lines = lines[1 : len(lines)-1]
	case "csv", "table":
		if want := map[string]string{"csv": csvV2Header, "table": "ID"}[format]; !strings.HasPrefix(lines[0]+"\n", want) {
			t.Errorf("%s header %q", format, lines[0])
		}
		lines = lines[1:]
	}
	if len(lines) != len(audits) {
		t.Fatalf("%s: %d lines for %d audits", format, len(lines), len(audits))
	}
	for i, a := range audits {
		parts := []string{a.ID, a.UserEmail, a.RemoteAddress, a.Details}
		if format != "ocsf" { // OCSF names the type by its activity and status
			parts = append(parts, a.Type)
		}
		if format != "table" {
			parts = append(parts, a.UserID, a.UserName)
		}
		if format == "csv" {
			row, err := csv.NewReader(strings.NewReader(lines[i])).Read()
			want := []string{time.UnixMilli(a.Created).UTC().Format(timeLayout), a.Type, a.RemoteAddress, a.Details, a.UserEmail, a.UserID, a.UserName, a.ID}
			if err != nil || !slices.Equal(row, want) {
				t.Errorf("csv row %d = %q, want %q (%v)", i, row, want, err)
			}
		}
		for _, p := range parts {
			if !strings.Contains(lines[i], p) {
				t.Errorf("%s line %d lacks %q: %s", format, i, p, lines[i])
			}
		}
	}
}

// TestRunAudits_progress checks that the progress line has the server's
// total, which v2 filters count, capped by --limit.
func TestRunAudits_progress(t *testing.T) {
	t.Parallel()
	srv := newV2Server(t, 0, v2Audits(25, testEnd)...)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--type", "login", "--since", "2026-10-01"}, "\r10 / 25 entries  10/s  0:01\r20 / 25 entries  10/s  0:02\r25 / 25 entries  8/s  0:03 \r                          \r"},
		{[]string{"--limit", "15"}, "\r10 / 15 entries  10/s  0:01\r15 / 15 entries  8/s  0:02 \r                          \r"},
		{[]string{"--limit", "40"}, "\r10 / 25 entries  10/s  0:01\r20 / 25 entries  10/s  0:02\r25 / 25 entries  8/s  0:03 \r                          \r"},
	} {
		var ticks time.Duration
		now := func() time.Time { ticks += time.Second; return testEnd.Add(ticks) }
		res := harness{env: srv.env(), stderrTTY: true, now: now}.run(t, append([]string{"audits", "--size", "10"}, tt.args...)...)
		if res.code != exitOK || res.stderr != tt.want {
			t.Errorf("%q: exit %d, stderr\n%q\nwant\n%q", tt.args, res.code, res.stderr, tt.want)
		}
	}
}

func TestRunAudits_helpAndCompletion(t *testing.T) {
	t.Parallel()
	res := harness{}.run(t, "audits", "--help")
	for _, want := range []string{"usage: riskcloud-audit audits [flags]", "--type TYPE", "--user EMAIL", "--user-id ID", "--since WHEN",
		"--until WHEN", "-o, --format FORMAT", "--limit N", "--prefetch N", "LOGIN_FAILED", "beta", "404", "server's order"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("audits --help does not mention %q", want)
		}
	}
	if strings.Contains(res.stdout, "--email") || strings.Contains(res.stdout, "newest first") {
		t.Errorf("audits --help mentions the hidden --email or an order v2 does not promise:\n%s", res.stdout)
	}
	res = harness{}.run(t, "--help")
	for _, want := range []string{"attempts EMAIL | logins | failures | audits | serve", "  audits ", "--type TYPE", "--user-id ID"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("--help does not mention %q", want)
		}
	}
	res = harness{}.run(t, "__complete", "audits", "--type", "")
	got := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if res.code != exitOK || !slices.Equal(got[:len(got)-1], auditTypes) || got[len(got)-1] != ":4" {
		t.Errorf("--type completes %q, want %q then :4", got, auditTypes)
	}
	res = harness{}.run(t, "__complete", "")
	if !strings.Contains(res.stdout, "audits\t") {
		t.Errorf("audits not offered in %q", res.stdout)
	}
	res = harness{}.run(t, "__complete", "audits", "--")
	for _, want := range []string{"--type", "--user", "--user-id", "--since", "--format"} {
		if !strings.Contains(res.stdout, want+"\t") {
			t.Errorf("%s not offered for audits in %q", want, res.stdout)
		}
	}
}

// TestAuditArgumentError checks that an input the SDK refuses is said in
// the flags' names, should one pass checkAudit: each field the SDK names.
func TestAuditArgumentError(t *testing.T) {
	t.Parallel()
	client, err := riskcloud.NewClient("https://acme.logicgate.com", riskcloud.WithToken("rct_unused"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		opts riskcloud.AccessAuditOptions
		want string
	}{
		{riskcloud.AccessAuditOptions{Type: "login"}, "--type is not one of"},
		{riskcloud.AccessAuditOptions{UserEmail: "bob"}, "--user is not a single bare email"},
		{riskcloud.AccessAuditOptions{UserID: "u\x00"}, "--user-id contains"},
		{riskcloud.AccessAuditOptions{Since: testEnd, Until: testEnd.Add(-time.Second)}, "--until is before --since"},
		{riskcloud.AccessAuditOptions{Size: -1}, "--size must not be negative"},
		{riskcloud.AccessAuditOptions{Limit: -1}, "--limit must not be negative"},
		{riskcloud.AccessAuditOptions{Prefetch: -1}, "--prefetch must not be negative"},
	} {
		opts := tt.opts
		_, err := client.Audits.Access(&opts).Page(context.Background(), 0)
		if got := auditArgumentError(err); !strings.HasPrefix(got, tt.want) || strings.Contains(got, "AccessAuditOptions") {
			t.Errorf("%+v: %q (from %v), want %q...", tt.opts, got, err, tt.want)
		}
	}
	if got := auditArgumentError(riskcloud.ErrNotFound); got != "" {
		t.Errorf("not an input error: %q", got)
	}
	if got := auditArgumentError(&riskcloud.ArgumentError{Name: "ListOptions.Email", Problem: "x"}); got != "" {
		t.Errorf("v1's field: %q, want it left to v1's words", got)
	}
}

// TestRunAudits_failedWalk checks that a walk failing after its first page
// keeps what was written, whole lines only, and leaves a JSON array open,
// so that no reader takes it for complete.
func TestRunAudits_failedWalk(t *testing.T) {
	t.Parallel()
	audits := v2Audits(30, testEnd)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("page") != "0" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"status":400,"message":"Bad page"}`)
			return
		}
		fmt.Fprint(w, v2Page(r.URL.Query(), audits))
	}))
	t.Cleanup(srv.Close)
	env := map[string]string{envURL: srv.URL, envToken: "rct_v2-token"}
	// json's separator goes before an element, so its last line waits
	// for the next element or the closing bracket, as for v1.
	for format, lines := range map[string]int{"jsonl": 10, "json": 10, "csv": 11, "table": 11, "ocsf": 10, "ecs": 10} {
		res := harness{env: env}.run(t, "audits", "--size", "10", "--prefetch", "0", "-o", format)
		if res.code != exitAPI || !strings.Contains(res.stderr, "400") || strings.Count(res.stdout, "\n") != lines ||
			strings.HasSuffix(res.stdout, "\n") == (format == "json") {
			t.Errorf("%s: exit %d, stderr %q, stdout\n%s", format, res.code, res.stderr, res.stdout)
		}
		if format == "json" && strings.Contains(res.stdout, "]") {
			t.Errorf("json: the array is closed after a failed walk:\n%s", res.stdout)
		}
	}
}

// TestRunAudits_demo checks --demo audits: the fake serves v2 from the
// demo's log, with every type, and applies each filter.
func TestRunAudits_demo(t *testing.T) {
	t.Parallel()
	env := map[string]string{envURL: "not a url", envToken: "rct_fake-token"}
	now := func() time.Time { return testEnd }
	users := riskcloudtest.MadeUpUsers()
	res := harness{env: env, now: now}.run(t, "--demo", "audits")
	all := auditLines(t, res)
	seen := map[string]int{}
	ids := map[string]bool{}
	for _, a := range all {
		seen[a.Type]++
		if a.ID == nil || ids[*a.ID] || a.Email == nil || a.UserID == nil || a.UserName == nil {
			t.Fatalf("demo audit without a unique id or a whole user: %+v", a)
		}
		ids[*a.ID] = true
	}
	for _, typ := range auditTypes {
		if seen[typ] == 0 {
			t.Errorf("the demo has no %s audit: %v", typ, seen)
		}
	}
	for _, tt := range []struct {
		args []string
		keep func(auditJSON) bool
	}{
		{[]string{"--type", "logout"}, func(a auditJSON) bool { return a.Type == "LOGOUT" }},
		{[]string{"--user", users[0].Email}, func(a auditJSON) bool { return *a.Email == users[0].Email }},
		{[]string{"--user-id", users[1].ID, "--type", "LOGIN_FAILED"}, func(a auditJSON) bool { return *a.UserID == users[1].ID && a.Type == "LOGIN_FAILED" }},
		{[]string{"--since", "6h", "--until", "2h"}, func(a auditJSON) bool {
			return *a.Timestamp >= testEnd.Add(-6*time.Hour).Format(timeLayout) && *a.Timestamp <= testEnd.Add(-2*time.Hour).Format(timeLayout)
		}},
	} {
		var want []string
		for _, a := range all {
			if tt.keep(a) {
				want = append(want, *a.ID)
			}
		}
		var got []string
		for _, a := range auditLines(t, harness{env: env, now: now}.run(t, append([]string{"--demo", "audits"}, tt.args...)...)) {
			got = append(got, *a.ID)
		}
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%q: %d audits, want the %d of the whole demo that match", tt.args, len(got), len(want))
		}
	}
}

// auditLines decodes a successful run's audits as JSON lines.
func auditLines(t *testing.T, res result) []auditJSON {
	t.Helper()
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	var out []auditJSON
	for _, line := range strings.Split(strings.TrimSuffix(res.stdout, "\n"), "\n") {
		var a auditJSON
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&a); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		out = append(out, a)
	}
	return out
}

// TestRunAudits_anyOrderAnyEncoding checks, over seeds, that audits writes
// every audit of the fake's log exactly once, with its fields, whether the
// server sends newest or oldest first, in any created encoding, page size,
// prefetch, and with logins arriving between pages (created after the walk
// began, which the pinned created-max keeps out; WithArrivals would date
// them just after the log's newest entry, before the walk began).
func TestRunAudits_anyOrderAnyEncoding(t *testing.T) {
	t.Parallel()
	const arrivalAddress = "192.0.2.99"
	encodings := []riskcloudtest.CreatedEncoding{riskcloudtest.CreatedMillis, riskcloudtest.CreatedRFC3339, riskcloudtest.CreatedNumericString}
	for seed := range int64(12) {
		opts := []riskcloudtest.Option{riskcloudtest.WithCreatedEncoding(encodings[seed%3])}
		if seed%2 == 1 {
			opts = append(opts, riskcloudtest.WithOldestFirst())
		}
		if seed%4 >= 2 {
			opts = append(opts, riskcloudtest.WithBeforePage(func(s *riskcloudtest.Server, page int) {
				if page > 0 {
					s.Add(riskcloud.Entry{Type: riskcloud.Login, Timestamp: time.Now(), RemoteAddress: arrivalAddress})
				}
			}))
		}
		srv := newServer(t, opts...)
		entries := riskcloudtest.GenerateAt(int(150+seed*17), seed, testEnd)
		srv.Add(entries...)
		srv.AddAudits(riskcloudtest.GenerateActivity(entries, seed)...)
		want := srv.Audits()
		size, prefetch := fmt.Sprint(7+seed*5), fmt.Sprint(seed%4)
		got := auditLines(t, harness{env: tokenEnv(srv)}.run(t, "audits", "--size", size, "--prefetch", prefetch))
		byID := map[string]auditJSON{}
		for _, a := range got {
			if _, dup := byID[*a.ID]; dup {
				t.Fatalf("seed %d: %s written twice", seed, *a.ID)
			}
			byID[*a.ID] = a
		}
		// An arrival created in the walk's first millisecond is within
		// the pinned created-max, which is inclusive: it may be written.
		for _, a := range got {
			if !slices.ContainsFunc(want, func(w riskcloud.AccessAudit) bool { return w.ID == *a.ID }) && a.RemoteAddress != arrivalAddress {
				t.Errorf("seed %d: %+v written, but neither in the log nor an arrival", seed, a)
			}
		}
		for _, w := range want {
			a, ok := byID[w.ID]
			if !ok {
				t.Fatalf("seed %d: %s missing", seed, w.ID)
			}
			if a.Type != string(w.Type) || *a.Email != w.User.Email || *a.UserID != w.User.ID || *a.UserName != w.User.Name ||
				*a.Timestamp != w.Created.Format(timeLayout) || a.RemoteAddress != w.RemoteAddress {
				t.Errorf("seed %d: %+v, want %+v", seed, a, w)
			}
		}
	}
}
