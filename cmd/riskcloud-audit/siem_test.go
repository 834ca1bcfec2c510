package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

var siemNow = time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)

// hostileEntries are entries a real or malicious server may send: no
// timestamp, addresses of every shape, odd messages and types.
func hostileEntries() []riskcloud.Entry {
	at := time.Date(2026, 11, 1, 12, 0, 0, 123_456_789, time.UTC)
	var out []riskcloud.Entry
	for _, addr := range []string{
		"", "192.0.2.1", "2001:db8::1", "fe80::1%eth0", "::ffff:192.0.2.1", "::", "0.0.0.0",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:0DB8:0000:0000:0000:0000:0000:0001", "::ffff:c000:201", "192.0.2.1:8443", "[2001:db8::1]:443", "[fe80::1%25en0]:1",
		"unknown", "192.0.2.1, 198.51.100.2", "host.example.com", "\x1b[2J192.0.2.1", "256.1.1.1", " 192.0.2.1", "\xff",
	} {
		out = append(out, riskcloud.Entry{Type: riskcloud.Login, Timestamp: at, RemoteAddress: addr})
	}
	for _, msg := range []string{
		"Bad credentials", "\x1b]0;evil\x07\u202e\r\n\t", strings.Repeat("long ", 4000), "\xff\xfe", `"quoted" \ {}`, "\u2028\U000E0041",
	} {
		out = append(out, riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: at, RemoteAddress: "10.0.0.1", Message: msg})
	}
	for _, typ := range []riskcloud.EntryType{"", "SsoLogin", "LOGOUT", "login", "\x1b[31mLogin", "Other"} {
		out = append(out, riskcloud.Entry{Type: typ, Timestamp: at, RemoteAddress: "10.0.0.1", Message: "m"})
	}
	out = append(out,
		riskcloud.Entry{Type: riskcloud.Login, RemoteAddress: "10.0.0.1"},      // no timestamp
		riskcloud.Entry{Type: riskcloud.LoginFail, Message: "Bad credentials"}, // no timestamp, no address
		riskcloud.Entry{}, // nothing at all
		riskcloud.Entry{Type: riskcloud.Login, Timestamp: time.Unix(0, 0), RemoteAddress: "::1"}, // the epoch
		riskcloud.Entry{Type: riskcloud.Login, Timestamp: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), Raw: []byte(`{"type":"Login","x":"\u001b"}`)},
	)
	return out
}

// siemConfigs are the writer configurations the tests run: every email
// shape (none, valid, one OCSF's email_t rejects, hostile) and version.
var siemConfigs = []writerConfig{
	{now: func() time.Time { return siemNow }},
	{email: "alice@example.com", version: "v1.4.0 (abc1234)", now: func() time.Time { return siemNow }},
	{email: "Bob.O'Neil+audit@sub.example.co.uk", version: "(devel)", now: func() time.Time { return siemNow }},
	{email: "not an email", now: func() time.Time { return siemNow }},
	{email: "ünï@example.com\x1b[2J", version: "\x1b]0;v\x07", now: func() time.Time { return siemNow }},
}

// v2Records are records as v2 access audits will give them, for every v2
// type and one this version does not know, with users of every shape.
func v2Records() []record {
	users := []auditUser{{}, {id: "u-1"}, {id: "u-2", name: "Alice Example", email: "alice@example.com"},
		{name: "Bob"}, {email: "bad email"}, {id: "\x1b", name: "\u202e", email: "x@y.z"}}
	var out []record
	for i, typ := range []string{"LOGIN", "LOGOUT", "LOGIN_FAILED", "CREDENTIALS_ROLLED", "TOKEN_ROLLED", "OTHER", "SOMETHING_NEW", ""} {
		for j, u := range users {
			r := record{kind: kindOfV2(typ), typeName: typ, address: "2001:db8::7", message: "details", id: fmt.Sprintf("a-%d-%d", i, j), user: u,
				raw: []byte(`{"id":"a","type":"` + typ + `"}`)}
			if j%2 == 0 {
				r.time = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
			}
			out = append(out, r)
		}
	}
	return out
}

// TestSIEMFormats_validate checks every event --format ocsf and --format ecs
// write, for generated, hostile and v2 entries under every configuration,
// against the published schemas.
func TestSIEMFormats_validate(t *testing.T) {
	t.Parallel()
	entries := append(riskcloudtest.Generate(3000, 11), hostileEntries()...)
	for _, format := range []struct {
		name     string
		validate func(*testing.T, []byte) []string
	}{{"ocsf", validateOCSF}, {"ecs", validateECS}} {
		t.Run(format.name, func(t *testing.T) {
			t.Parallel()
			for ci, cfg := range siemConfigs {
				out := writeAll(t, format.name, cfg, 500, entries...)
				lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
				if len(lines) != len(entries) {
					t.Fatalf("config %d: %d lines for %d entries", ci, len(lines), len(entries))
				}
				enc := newEntryWriter(format.name, nil, cfg).(*streamWriter).enc
				for _, r := range v2Records() {
					lines = append(lines, string(enc.appendEntry(nil, &r, false)))
				}
				// v1 entries with their ids, as every run writes them.
				for i, e := range entries[:200] {
					e.ID = riskcloud.EntryID(e, i%3)
					r := recordOfEntry(e, cfg.email)
					lines = append(lines, string(enc.appendEntry(nil, &r, false)))
				}
				for i, line := range lines {
					if problems := format.validate(t, []byte(line)); len(problems) > 0 {
						t.Fatalf("config %d, event %d: %s\n%s", ci, i, strings.Join(problems, "\n"), line)
					}
				}
			}
		})
	}
}

// TestValidators_catchMistakes checks that the schema checks fail on what
// they exist to catch, so that a passing TestSIEMFormats_validate means
// something.
func TestValidators_catchMistakes(t *testing.T) {
	t.Parallel()
	cfg := writerConfig{email: "alice@example.com", version: "v1", now: func() time.Time { return siemNow }}
	e := riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: siemNow, RemoteAddress: "192.0.2.1", Message: "Bad credentials", Raw: []byte(`{}`)}
	ocsf := strings.TrimSpace(writeAll(t, "ocsf", cfg, 0, e))
	ecs := strings.TrimSpace(writeAll(t, "ecs", cfg, 0, e))
	if p := validateOCSF(t, []byte(ocsf)); len(p) > 0 {
		t.Fatalf("the base OCSF event fails: %v", p)
	}
	if p := validateECS(t, []byte(ecs)); len(p) > 0 {
		t.Fatalf("the base ECS document fails: %v", p)
	}
	for _, tt := range []struct{ name, from, to string }{
		{"unknown attribute", `"is_remote":true`, `"is_remote":true,"logon_id":"x"`},
		{"wrong type", `"is_remote":true`, `"is_remote":"yes"`},
		{"integer out of range", `"severity_id":1`, `"severity_id":4294967297`},
		{"enum value", `"status_id":2`, `"status_id":3`},
		{"caption", `"status":"Failure"`, `"status":"Success"`},
		{"type_uid", `"type_uid":300201`, `"type_uid":300202`},
		{"required missing", `"severity_id":1,`, ``},
		{"recommended missing", `"is_remote":true,`, ``},
		{"ip type", `"ip":"192.0.2.1"`, `"ip":"192.0.2.1:80"`},
		{"email type", `"email_addr":"alice@example.com"`, `"email_addr":"alice"`},
		{"object constraint", `"service":{"name":"LogicGate Risk Cloud"}`, `"service":{}`},
		{"class constraint", `"service":{"name":"LogicGate Risk Cloud"},`, ``},
		{"profile", `"is_remote":true`, `"is_remote":true,"is_alert":false`},
		{"object not in trimmed schema", `"is_remote":true`, `"is_remote":true,"session":{"uid":"x"}`},
	} {
		mutateAndExpectProblem(t, "ocsf "+tt.name, validateOCSF, ocsf, tt.from, tt.to)
	}
	for _, tt := range []struct{ name, from, to string }{
		{"unknown field", `"kind":"event"`, `"kind":"event","actionn":"x"`},
		{"unknown field set", `"@timestamp"`, `"riskcloud":{"x":1},"@timestamp"`},
		{"not an array", `"category":["authentication"]`, `"category":"authentication"`},
		{"an array", `"outcome":"failure"`, `"outcome":["failure"]`},
		{"allowed value", `"outcome":"failure"`, `"outcome":"failed"`},
		{"category and type", `"type":["start"]`, `"type":["change"]`},
		{"ip type", `"ip":"192.0.2.1"`, `"ip":"192.0.2.1:80"`},
		{"date type", `"@timestamp":"`, `"@timestamp":"x`},
		{"required missing", `"ecs":{"version":"9.4.0"},`, ``},
		{"ecs version", `"9.4.0"`, `"9.3.0"`},
		{"object for a leaf", `"reason":"Bad credentials"`, `"reason":{"text":"Bad credentials"}`},
	} {
		mutateAndExpectProblem(t, "ecs "+tt.name, validateECS, ecs, tt.from, tt.to)
	}
}

func mutateAndExpectProblem(t *testing.T, name string, validate func(*testing.T, []byte) []string, line, from, to string) {
	t.Helper()
	if !strings.Contains(line, from) {
		t.Errorf("%s: %q not in %s", name, from, line)
		return
	}
	if p := validate(t, []byte(strings.Replace(line, from, to, 1))); len(p) == 0 {
		t.Errorf("%s: the validator accepts %s", name, strings.Replace(line, from, to, 1))
	}
}

// TestIsOCSFEmail checks the hand-written email_t against the schema's
// regular expression.
func TestIsOCSFEmail(t *testing.T) {
	t.Parallel()
	s, err := loadOCSF()
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(s.Types["email_t"].Regex)
	cases := []string{"", "@", "a@b", "a@b.", "a@.b", "a@b.c", "a@b.c.", "a@b..c", "a@-.-", "@b.c", "a@@b.c", "a b@c.d",
		"a,b@c.d", "a/b@c.d", "a\"b@c.d", "a@b_c.d", "a@b.c_d", "A.B+c@EX-ample.CO.uk", "ü@b.c", "a@ü.c", "a.@b.c", "a@b.c@d.e"}
	for _, punct := range "!#$%&'*+,-./:;<=>?@[\\]^_`{|}~\"()" {
		cases = append(cases, string(punct)+"@b.c", "a@b"+string(punct)+"c.d", "a@b.c"+string(punct))
	}
	for _, c := range cases {
		if got, want := isOCSFEmail(c), re.MatchString(c); got != want {
			t.Errorf("isOCSFEmail(%q) = %v, the regex says %v", c, got, want)
		}
	}
}

// TestSIEMFormats_mapping checks what each kind of entry becomes.
func TestSIEMFormats_mapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ                              string
		v2                               bool
		activity                         int
		activityName                     string
		status                           int
		ecsCategory, ecsType, ecsOutcome string
	}{
		{"Login", false, 1, "Logon", 1, "authentication", "start", "success"},
		{"LoginFail", false, 1, "Logon", 2, "authentication", "start", "failure"},
		{"SsoLogin", false, 99, "SsoLogin", 0, "authentication", "info", ""},
		{"", false, 0, "Unknown", 0, "authentication", "info", ""},
		{"LOGIN", true, 1, "Logon", 1, "authentication", "start", "success"},
		{"LOGIN_FAILED", true, 1, "Logon", 2, "authentication", "start", "failure"},
		{"LOGOUT", true, 2, "Logoff", 1, "authentication", "end", "success"},
		{"CREDENTIALS_ROLLED", true, 99, "CREDENTIALS_ROLLED", 1, "iam", "change", "success"},
		{"TOKEN_ROLLED", true, 99, "TOKEN_ROLLED", 1, "iam", "change", "success"},
		{"OTHER", true, 99, "OTHER", 0, "authentication", "info", ""},
	}
	cfg := writerConfig{now: func() time.Time { return siemNow }}
	for _, tt := range tests {
		r := recordOfEntry(riskcloud.Entry{Type: riskcloud.EntryType(tt.typ), Timestamp: siemNow}, "")
		if tt.v2 {
			r.kind = kindOfV2(tt.typ)
		}
		var ocsf struct {
			ActivityID   int    `json:"activity_id"`
			ActivityName string `json:"activity_name"`
			StatusID     int    `json:"status_id"`
		}
		var ecs struct {
			Event struct {
				Category, Type []string
				Outcome        string
			}
		}
		if err := json.Unmarshal(newOCSFEncoder(cfg).appendEntry(nil, &r, true), &ocsf); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(newECSEncoder(cfg).appendEntry(nil, &r, true), &ecs); err != nil {
			t.Fatal(err)
		}
		if ocsf.ActivityID != tt.activity || ocsf.ActivityName != tt.activityName || ocsf.StatusID != tt.status {
			t.Errorf("%s: OCSF %+v", tt.typ, ocsf)
		}
		if ecs.Event.Category[0] != tt.ecsCategory || ecs.Event.Type[0] != tt.ecsType || ecs.Event.Outcome != tt.ecsOutcome {
			t.Errorf("%s: ECS %+v", tt.typ, ecs.Event)
		}
	}
}

// TestSIEMFormats_fields checks the values of one login failure's event in
// each format, a missing timestamp's stand-in, and the stable id.
func TestSIEMFormats_fields(t *testing.T) {
	t.Parallel()
	cfg := writerConfig{email: "alice@example.com", version: "v1.2.3", now: func() time.Time { return siemNow }}
	at := time.Date(2026, 11, 1, 12, 0, 0, 5e6, time.UTC)
	e := riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: at, RemoteAddress: "[2001:db8::1]:443", Message: "Bad credentials",
		Raw: []byte(`{"type":"LoginFail","timestamp":1793534400005}`)}
	wantOCSF := `{"activity_id":1,"activity_name":"Logon","category_uid":3,"category_name":"Identity & Access Management",` +
		`"class_uid":3002,"class_name":"Authentication","type_uid":300201,"type_name":"Authentication: Logon",` +
		`"severity_id":1,"severity":"Informational","status_id":2,"status":"Failure","status_detail":"Bad credentials",` +
		`"message":"Bad credentials","time":1793534400005,"is_remote":true,"metadata":{"version":"1.5.0",` +
		`"product":{"name":"Risk Cloud","vendor_name":"LogicGate"},"log_name":"access-audit","log_provider":"LogicGate Risk Cloud",` +
		`"loggers":[{"name":"riskcloud-audit","product":{"name":"riskcloud-audit","vendor_name":"riskcloud-go","version":"v1.2.3"},"version":"v1.2.3"}]},` +
		`"service":{"name":"LogicGate Risk Cloud"},"src_endpoint":{"ip":"2001:db8::1","port":443},` +
		`"user":{"name":"alice@example.com","email_addr":"alice@example.com"}}` + "\n"
	if got := writeAll(t, "ocsf", cfg, 0, e); got != wantOCSF {
		t.Errorf("ocsf:\n%s\nwant\n%s", got, wantOCSF)
	}
	wantECS := `{"@timestamp":"2026-11-01T12:00:00.005Z","ecs":{"version":"9.4.0"},"event":{"kind":"event",` +
		`"category":["authentication"],"type":["start"],"action":"login-failed","outcome":"failure","reason":"Bad credentials",` +
		`"original":"{\"type\":\"LoginFail\",\"timestamp\":1793534400005}"},` +
		`"source":{"address":"[2001:db8::1]:443","ip":"2001:db8::1","port":443},"user":{"name":"alice@example.com","email":"alice@example.com"},` +
		`"service":{"name":"LogicGate Risk Cloud"},"agent":{"type":"riskcloud-audit","version":"v1.2.3"}}` + "\n"
	if got := writeAll(t, "ecs", cfg, 0, e); got != wantECS {
		t.Errorf("ecs:\n%s\nwant\n%s", got, wantECS)
	}

	// A v1 entry's id, as every run gives it: metadata.uid, event.id.
	e.ID = riskcloud.EntryID(e, 1)
	if got, want := writeAll(t, "ocsf", cfg, 0, e), `"metadata":{"version":"1.5.0","uid":"`+e.ID+`","product"`; !strings.Contains(got, want) {
		t.Errorf("ocsf with an id:\n%s\nlacks %s", got, want)
	}
	if got, want := writeAll(t, "ecs", cfg, 0, e), `"reason":"Bad credentials","id":"`+e.ID+`","original"`; !strings.Contains(got, want) {
		t.Errorf("ecs with an id:\n%s\nlacks %s", got, want)
	}

	// No timestamp: the time of writing, labelled; an id: metadata.uid, event.id.
	r := record{kind: kindLogout, typeName: "LOGOUT", id: "a-42", user: auditUser{id: "u-7"}}
	ocsf := string(newOCSFEncoder(cfg).appendEntry(nil, &r, true))
	for _, want := range []string{`"time":` + fmt.Sprint(siemNow.UnixMilli()), `"uid":"a-42"`, `"labels":["timestamp_missing"]`, `"user":{"uid":"u-7"}`} {
		if !strings.Contains(ocsf, want) {
			t.Errorf("ocsf without a timestamp: %s lacks %s", ocsf, want)
		}
	}
	ecs := string(newECSEncoder(cfg).appendEntry(nil, &r, true))
	for _, want := range []string{`"@timestamp":"2026-12-01T18:00:00.000Z"`, `"id":"a-42"`, `"tags":["timestamp_missing"]`, `"user":{"id":"u-7"}`} {
		if !strings.Contains(ecs, want) {
			t.Errorf("ecs without a timestamp: %s lacks %s", ecs, want)
		}
	}
	// Without an email, OCSF's required user says so; ECS has no user.
	plain := bytes.TrimSpace([]byte(writeAll(t, "ocsf", writerConfig{}, 0, riskcloud.Entry{Type: riskcloud.Login, Timestamp: at})))
	if !bytes.Contains(plain, []byte(`"user":{"name":"unknown"}`)) {
		t.Errorf("ocsf without a user: %s", plain)
	}
	if ecs := writeAll(t, "ecs", writerConfig{}, 0, riskcloud.Entry{Type: riskcloud.Login, Timestamp: at}); strings.Contains(ecs, `"user"`) {
		t.Errorf("ecs without a user: %s", ecs)
	}
}

func TestEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		address, ip string
		port        uint16
		ok          bool
	}{
		{"192.0.2.1", "192.0.2.1", 0, true},
		{"2001:db8::1", "2001:db8::1", 0, true},
		{"2001:0DB8::0001", "2001:0DB8::0001", 0, true}, // as sent: valid, and cheaper
		{"fe80::1%eth0", "fe80::1", 0, true},
		{"::ffff:192.0.2.1", "192.0.2.1", 0, true},
		{"192.0.2.1:8443", "192.0.2.1", 8443, true},
		{"[2001:db8::1]:443", "2001:db8::1", 443, true},
		{"[::ffff:192.0.2.1]:80", "192.0.2.1", 80, true},
		{"", "", 0, false},
		{"unknown", "", 0, false},
		{"192.0.2.1, 198.51.100.2", "", 0, false},
		{"010.0.0.1", "", 0, false},
		{"192.0.2.1:99999", "", 0, false},
	}
	for _, tt := range tests {
		ip, port, ok := endpoint(tt.address)
		if ip != tt.ip || port != tt.port || ok != tt.ok {
			t.Errorf("endpoint(%q) = %q, %d, %v; want %q, %d, %v", tt.address, ip, port, ok, tt.ip, tt.port, tt.ok)
		}
	}
}
