package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// The v2 side of every format: an access audit's id and user reach each
// one, and v1's output stays as it was (output_test.go, run_test.go).

var auditAt = time.Date(2026, 11, 1, 12, 0, 0, 5e6, time.UTC)

// sampleAudit is one complete v2 entry.
func sampleAudit() riskcloud.AccessAudit {
	return riskcloud.AccessAudit{ID: "a-1", Type: riskcloud.AuditLoginFailed,
		User:          riskcloud.AuditUser{ID: "u-7", Name: "Alice Example", Email: "alice@example.com"},
		RemoteAddress: "192.0.2.1", Details: "Bad credentials", Created: auditAt,
		Raw: []byte(`{"id":"a-1","type":"LOGIN_FAILED"}`)}
}

// writeAudits writes audits in format with a v2 writer, flushing every
// page audits, and closes it.
func writeAudits(t testing.TB, format string, cfg writerConfig, page int, audits ...riskcloud.AccessAudit) string {
	t.Helper()
	cfg.v2 = true
	var out bytes.Buffer
	w := newEntryWriter(format, &out, cfg)
	for i, a := range audits {
		w.writeAudit(a)
		if page > 0 && (i+1)%page == 0 {
			if err := w.flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.close(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestRecordOfAudit(t *testing.T) {
	t.Parallel()
	a := sampleAudit()
	r := recordOfAudit(a)
	want := record{kind: kindLoginFailed, typeName: "LOGIN_FAILED", time: auditAt, address: "192.0.2.1", message: "Bad credentials",
		id: "a-1", user: auditUser{id: "u-7", name: "Alice Example", email: "alice@example.com"}, raw: a.Raw}
	if fmt.Sprintf("%#v", r) != fmt.Sprintf("%#v", want) {
		t.Errorf("recordOfAudit = %#v\nwant %#v", r, want)
	}
	for typ, kind := range map[riskcloud.AccessAuditType]eventKind{riskcloud.AuditLogin: kindLogin, riskcloud.AuditLogout: kindLogout,
		riskcloud.AuditCredentialsRolled: kindCredentialsRolled, riskcloud.AuditTokenRolled: kindTokenRolled,
		riskcloud.AuditOther: kindOther, "login": kindUnknown, "": kindUnknown} {
		if got := recordOfAudit(riskcloud.AccessAudit{Type: typ}).kind; got != kind {
			t.Errorf("%q: kind %d, want %d", typ, got, kind)
		}
	}
}

func TestAuditWriter_golden(t *testing.T) {
	t.Parallel()
	bare := riskcloud.AccessAudit{Type: riskcloud.AuditLogout}
	for _, tt := range []struct{ format, want string }{
		{"jsonl", `{"type":"LOGIN_FAILED","timestamp":"2026-11-01T12:00:00.005Z","message":"Bad credentials","remoteAddress":"192.0.2.1","email":"alice@example.com","userId":"u-7","userName":"Alice Example","id":"a-1"}` + "\n" +
			`{"type":"LOGOUT","timestamp":null,"message":null,"remoteAddress":"","email":null,"userId":null,"userName":null,"id":null}` + "\n"},
		{"json", "[\n" + `{"type":"LOGIN_FAILED","timestamp":"2026-11-01T12:00:00.005Z","message":"Bad credentials","remoteAddress":"192.0.2.1","email":"alice@example.com","userId":"u-7","userName":"Alice Example","id":"a-1"}` + ",\n" +
			`{"type":"LOGOUT","timestamp":null,"message":null,"remoteAddress":"","email":null,"userId":null,"userName":null,"id":null}` + "\n]\n"},
		{"csv", "timestamp,type,remote_address,message,email,user_id,user_name,id\n" +
			"2026-11-01T12:00:00.005Z,LOGIN_FAILED,192.0.2.1,Bad credentials,alice@example.com,u-7,Alice Example,a-1\n" +
			",LOGOUT,,,,,,\n"},
		{"table", "ID   TIMESTAMP                 TYPE                EMAIL                             REMOTE ADDRESS                           MESSAGE\n" +
			"a-1  2026-11-01T12:00:00.005Z  LOGIN_FAILED        alice@example.com                 192.0.2.1                                Bad credentials\n" +
			"                               LOGOUT\n"},
	} {
		if got := writeAudits(t, tt.format, writerConfig{}, 0, sampleAudit(), bare); got != tt.want {
			t.Errorf("%s:\n%s\nwant\n%s", tt.format, got, tt.want)
		}
	}
}

// TestAuditWriter_emptyWalk checks that an empty audits export still has
// v2's columns, and no more than v1's other formats have.
func TestAuditWriter_emptyWalk(t *testing.T) {
	t.Parallel()
	for format, want := range map[string]string{
		"jsonl": "", "json": "[]\n", "csv": "timestamp,type,remote_address,message,email,user_id,user_name,id\n", "table": "", "ocsf": "", "ecs": "",
	} {
		if got := writeAudits(t, format, writerConfig{}, 0); got != want {
			t.Errorf("%s: %q, want %q", format, got, want)
		}
	}
	if got := writeAudits(t, "csv", writerConfig{noHeader: true}, 0, sampleAudit()); strings.Contains(got, "user_id") {
		t.Errorf("csv --no-header: %q", got)
	}
}

// auditJSON is a line of --format jsonl of audits, decoded.
type auditJSON struct {
	Type          string  `json:"type"`
	Timestamp     *string `json:"timestamp"`
	Message       *string `json:"message"`
	RemoteAddress string  `json:"remoteAddress"`
	Email         *string `json:"email"`
	UserID        *string `json:"userId"`
	UserName      *string `json:"userName"`
	ID            *string `json:"id"`
}

// randomAudits returns n access audits whose every field may be empty,
// hostile or long: ids and users are the server's data, as untrusted as
// a failure's message.
func randomAudits(n int, seed uint64) []riskcloud.AccessAudit {
	rng := rand.New(rand.NewPCG(seed, 1))
	pick := func(values ...string) string { return values[rng.IntN(len(values))] }
	texts := []string{"", "a-1", "8f14e45f-ceea-467f-a0e5-0d1b2c3d4e5f", "=1+1", "-2", "@x", "a,b", `say "hi"`, "\x1b[2Jx", "\u202eevil",
		"line\nbreak", "\t=tab", "ünï", "\xff", strings.Repeat("long", 40), "\\.", " lead"}
	types := []string{"LOGIN", "LOGOUT", "LOGIN_FAILED", "CREDENTIALS_ROLLED", "TOKEN_ROLLED", "OTHER", "NEW_TYPE", "", "login"}
	out := make([]riskcloud.AccessAudit, n)
	for i := range out {
		a := riskcloud.AccessAudit{ID: pick(texts...), Type: riskcloud.AccessAuditType(pick(types...)),
			User:          riskcloud.AuditUser{ID: pick(texts...), Name: pick(texts...), Email: pick(append(texts, "bob@example.com")...)},
			RemoteAddress: pick("", "192.0.2.1", "2001:db8::1", "[2001:db8::1]:443", "host.example", "\x1b[31m"), Details: pick(texts...)}
		if rng.IntN(4) > 0 {
			a.Created = auditAt.Add(-time.Duration(rng.Int64N(int64(1000 * time.Hour))))
		}
		out[i] = a
	}
	return out
}

// TestAuditWriter_jsonlRoundTrip checks, over random audits, that each line
// has exactly v2's keys and decodes to the audit it was written from.
func TestAuditWriter_jsonlRoundTrip(t *testing.T) {
	t.Parallel()
	for seed := range uint64(20) {
		audits := randomAudits(200, seed)
		out := writeAudits(t, "jsonl", writerConfig{}, 37, audits...)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != len(audits) {
			t.Fatalf("seed %d: %d lines for %d audits", seed, len(lines), len(audits))
		}
		for i, line := range lines {
			var got auditJSON
			dec := json.NewDecoder(strings.NewReader(line))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("seed %d line %d: %v: %s", seed, i, err, line)
			}
			a := audits[i]
			if !strings.Contains(a.ID+a.User.ID+a.User.Name+a.User.Email+a.Details, "\xff") {
				checkAuditJSON(t, got, a)
			}
		}
	}
}

func checkAuditJSON(t *testing.T, got auditJSON, a riskcloud.AccessAudit) {
	t.Helper()
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		if *p == "" {
			t.Errorf("an empty string where null was due: %+v", got)
		}
		return *p
	}
	stamp := ""
	if !a.Created.IsZero() {
		stamp = a.Created.Format(timeLayout)
	}
	if got.Type != string(a.Type) || deref(got.Timestamp) != stamp || deref(got.Message) != a.Details || got.RemoteAddress != a.RemoteAddress ||
		deref(got.Email) != a.User.Email || deref(got.UserID) != a.User.ID || deref(got.UserName) != a.User.Name || deref(got.ID) != a.ID {
		t.Errorf("line %+v\nfrom %+v", got, a)
	}
}

// TestAuditWriter_csvCells checks, over random audits, that every row has
// v2's eight columns holding each field as csvCell makes it.
func TestAuditWriter_csvCells(t *testing.T) {
	t.Parallel()
	for seed := range uint64(20) {
		audits := randomAudits(200, seed)
		out := writeAudits(t, "csv", writerConfig{}, 50, audits...)
		r := csv.NewReader(strings.NewReader(out))
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if strings.Join(rows[0], ",")+"\n" != csvV2Header || len(rows) != len(audits)+1 {
			t.Fatalf("seed %d: header %q, %d rows", seed, rows[0], len(rows))
		}
		if n := strings.Count(out, "\n"); n != len(rows) {
			t.Fatalf("seed %d: %d lines for %d rows: a row spans lines", seed, n, len(rows))
		}
		for i, a := range audits {
			want := []string{"", string(a.Type), a.RemoteAddress, a.Details, a.User.Email, a.User.ID, a.User.Name, a.ID}
			for j := 1; j < len(want); j++ {
				want[j] = csvCell(want[j])
			}
			if !a.Created.IsZero() {
				want[0] = a.Created.Format(timeLayout)
			}
			if strings.Join(rows[i+1], "|") != strings.Join(want, "|") {
				t.Errorf("seed %d row %d = %q, want %q", seed, i+1, rows[i+1], want)
			}
		}
	}
}

// TestAuditWriter_tableColumns checks, over random audits, that the
// columns start where the header's do in every row whose cells fit, across
// pages, and that no row carries a control character.
func TestAuditWriter_tableColumns(t *testing.T) {
	t.Parallel()
	for seed := range uint64(20) {
		audits := randomAudits(100, seed)
		audits[0].ID = "8f14e45f-ceea-467f-a0e5-0d1b2c3d4e5f" // the ID column's width
		out := writeAudits(t, "table", writerConfig{}, 30, audits...)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != len(audits)+1 {
			t.Fatalf("seed %d: %d lines for %d audits", seed, len(lines), len(audits))
		}
		header := lines[0]
		cols := []int{strings.Index(header, "TIMESTAMP"), strings.Index(header, "TYPE"), strings.Index(header, "EMAIL"),
			strings.Index(header, "REMOTE ADDRESS"), strings.Index(header, "MESSAGE")}
		if cols[0] != 36+len(tableGap) {
			t.Fatalf("seed %d: header %q", seed, header)
		}
		for i, a := range audits {
			line := []rune(lines[i+1])
			if strings.ContainsFunc(lines[i+1], func(r rune) bool { return r < 0x20 || r == 0x7f || isBidiControl(r) }) {
				t.Fatalf("seed %d row %d keeps a control: %q", seed, i+1, lines[i+1])
			}
			fits := runeLen(sanitizeTerminal(a.ID)) <= 36 && runeLen(sanitizeTerminal(string(a.Type))) <= 18 &&
				runeLen(sanitizeTerminal(a.User.Email)) <= tableUserEmailWidth && runeLen(sanitizeTerminal(a.RemoteAddress)) <= tableAddressWidth
			if !fits {
				continue
			}
			for c, cell := range []string{"", string(a.Type), a.User.Email, a.RemoteAddress, a.Details} {
				if cell = sanitizeTerminal(cell); cell != "" && !strings.HasPrefix(string(line[min(cols[c], len(line)):]), cell) {
					t.Errorf("seed %d row %d: %q not at column %d:\n%s\n%s", seed, i+1, cell, cols[c], header, lines[i+1])
				}
			}
		}
	}
}

func runeLen(s string) int { return len([]rune(s)) }

// TestAuditWriter_siemFields checks that OCSF and ECS carry an audit's id
// and user where FORMATS.md says, written through writeAudit.
func TestAuditWriter_siemFields(t *testing.T) {
	t.Parallel()
	cfg := writerConfig{now: func() time.Time { return siemNow }}
	var ocsf struct {
		Metadata struct{ UID string }
		User     struct {
			Name, UID string
			EmailAddr string `json:"email_addr"`
			FullName  string `json:"full_name"`
		}
		StatusDetail string `json:"status_detail"`
	}
	if err := json.Unmarshal([]byte(writeAudits(t, "ocsf", cfg, 0, sampleAudit())), &ocsf); err != nil {
		t.Fatal(err)
	}
	if ocsf.Metadata.UID != "a-1" || ocsf.User.UID != "u-7" || ocsf.User.Name != "alice@example.com" ||
		ocsf.User.EmailAddr != "alice@example.com" || ocsf.User.FullName != "Alice Example" || ocsf.StatusDetail != "Bad credentials" {
		t.Errorf("ocsf: %+v", ocsf)
	}
	var ecs struct {
		Event struct{ ID, Original, Reason string }
		User  struct {
			ID, Name, Email string
			FullName        string `json:"full_name"`
		}
	}
	if err := json.Unmarshal([]byte(writeAudits(t, "ecs", cfg, 0, sampleAudit())), &ecs); err != nil {
		t.Fatal(err)
	}
	if ecs.Event.ID != "a-1" || ecs.Event.Original != `{"id":"a-1","type":"LOGIN_FAILED"}` || ecs.Event.Reason != "Bad credentials" ||
		ecs.User.ID != "u-7" || ecs.User.Email != "alice@example.com" || ecs.User.Name != "alice@example.com" || ecs.User.FullName != "Alice Example" {
		t.Errorf("ecs: %+v", ecs)
	}
}

// TestAuditWriter_siemSchemas checks every event written for random
// audits, through writeAudit, against the published schemas.
func TestAuditWriter_siemSchemas(t *testing.T) {
	t.Parallel()
	audits := randomAudits(400, 7)
	for _, format := range []struct {
		name     string
		validate func(*testing.T, []byte) []string
	}{{"ocsf", validateOCSF}, {"ecs", validateECS}} {
		out := writeAudits(t, format.name, writerConfig{version: "v1", now: func() time.Time { return siemNow }}, 100, audits...)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != len(audits) {
			t.Fatalf("%s: %d lines for %d audits", format.name, len(lines), len(audits))
		}
		for i, line := range lines {
			if problems := format.validate(t, []byte(line)); len(problems) > 0 {
				t.Fatalf("%s, audit %d (%+v): %s\n%s", format.name, i, audits[i], strings.Join(problems, "\n"), line)
			}
		}
	}
}
