package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

func TestSanitizeTerminal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Bad credentials", "Bad credentials"},
		{"unicode kept", "Mot de passe érroné ✓ 日本", "Mot de passe érroné ✓ 日本"},
		{"replacement char kept", "a\uFFFDb", "a\uFFFDb"},
		{"colour", "\x1b[31mred\x1b[0m", "red"},
		{"window title, BEL", "\x1b]0;evil\x07after", "after"},
		{"window title, ST", "\x1b]0;evil\x1b\\after", "after"},
		{"hyperlink", "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"unterminated OSC", "before\x1b]0;evil", "before"},
		{"DCS", "\x1bP1$r0m\x1b\\x", "x"},
		{"cursor movement", "a\x1b[2Ab\x1b[10;20Hc\x1b[?25l", "abc"},
		{"charset", "\x1b(Bx", "x"},
		{"two-byte escape", "\x1bcx\x1b7y", "xy"},
		{"lone ESC at end", "x\x1b", "x"},
		{"C1 CSI", "a\u009b31mb", "ab"},
		{"C1 OSC", "a\u009d0;evil\u009cb", "ab"},
		{"C1 other", "a\u0085b", "ab"},
		{"line breaks and tabs", "a\r\nb\tc\vd", "a  b c d"},
		{"C0 controls", "a\x00b\x07c\x08d\x7f", "abcd"},
		{"bidi override", "user\u202efdp.exe", "userfdp.exe"},
		{"bidi isolates", "\u2066a\u2069\u200f", "a"},
		{"invalid UTF-8", "a\xffb\xc3", "a\uFFFDb\uFFFD"},
		{"raw C1 byte", "a\x9bb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		if got := sanitizeTerminal(tt.in); got != tt.want {
			t.Errorf("%s: sanitizeTerminal(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func FuzzSanitizeTerminal(f *testing.F) {
	for _, s := range []string{"\x1b[31mred", "\x1b]0;t\x07", "\u009b1m", "a\u202eb", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := sanitizeTerminal(s)
		for _, r := range got {
			if r == '\x1b' || r < 0x20 || (r >= 0x7f && r <= 0x9f) || isBidiControl(r) {
				t.Fatalf("sanitizeTerminal(%q) = %q keeps %U", s, got, r)
			}
		}
		if sanitizeTerminal(got) != got {
			t.Fatalf("sanitizeTerminal is not idempotent on %q", s)
		}
	})
}

func TestNeutralizeFormula(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"Bad credentials", "Bad credentials"},
		{"198.51.100.7", "198.51.100.7"},
		{"2001:db8::1", "2001:db8::1"},
		{"=1+1", "'=1+1"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"\t", "'\t"},
		{"\rplain", "'\rplain"},
		{"a=1", "a=1"},
		{"'=1", "'=1"},
		// What a spreadsheet skips before a formula.
		{" =1+1", "' =1+1"},
		{"  \v\f-1", "'  \v\f-1"},
		{"\n=1+1", "'\n=1+1"},
		{"\x00=1+1", "'\x00=1+1"},
		{"\u00a0=1+1", "'\u00a0=1+1"},
		{"\u0085=1+1", "'\u0085=1+1"},
		{"\u3000+1", "'\u3000+1"},
		{"\ufeff=1+1", "'\ufeff=1+1"},
		{"\ufeff \x00\n@x", "'\ufeff \x00\n@x"},
		// DDE and URL-encoded payloads.
		{"|calc", "'|calc"},
		{"%0A", "'%0A"},
		{" |calc", "' |calc"},
		// Fullwidth forms.
		{"\uff1d1+1", "'\uff1d1+1"},
		{"\uff0b", "'\uff0b"},
		{"\uff0d", "'\uff0d"},
		{"\uff20", "'\uff20"},
		{"\u00a0\uff1d1", "'\u00a0\uff1d1"},
		// Not formulas.
		{" ", " "},
		{"\n", "\n"},
		{"\x00", "\x00"},
		{" Bad credentials", " Bad credentials"},
		{"\ufeffBad credentials", "\ufeffBad credentials"},
		{"\xff=1", "\xff=1"},
		{"\u200b=1", "\u200b=1"}, // a zero-width space is not white space
		{"1|2", "1|2"},
		{"50%", "50%"},
	}
	for _, tt := range tests {
		if got := neutralizeFormula(tt.in); got != tt.want {
			t.Errorf("neutralizeFormula(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTableWriter_columnsStayAlignedAcrossPages(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	w := newEntryWriter("table", &out, writerConfig{})
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	w.write(riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: at, RemoteAddress: "2001:db8::abcd:1", Message: "Bad credentials"})
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	// A later page with narrower cells keeps the columns of the first.
	w.write(riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: at, RemoteAddress: "10.0.0.1", Message: "User is disabled"})
	if err := w.close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %q", out.String())
	}
	col := strings.Index(lines[1], "Bad credentials")
	if col < 0 || strings.Index(lines[0], "MESSAGE") != col || strings.Index(lines[2], "User is disabled") != col {
		t.Errorf("columns do not line up:\n%s", out.String())
	}
}

var errDiskFull = errors.New("disk full")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

// jsonRecord is a line of --format jsonl, decoded.
type jsonRecord struct {
	Type          string  `json:"type"`
	Timestamp     *string `json:"timestamp"`
	Message       *string `json:"message"`
	RemoteAddress string  `json:"remoteAddress"`
	Email         *string `json:"email"`
	ID            *string `json:"id"` // every run's v1 entries have one
}

// writeAll writes entries in format, flushing every page entries, and
// closes the writer.
func writeAll(t testing.TB, format string, cfg writerConfig, page int, entries ...riskcloud.Entry) string {
	t.Helper()
	var out bytes.Buffer
	w := newEntryWriter(format, &out, cfg)
	for i, e := range entries {
		w.write(e)
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

func TestEntryWriter_emptyWalk(t *testing.T) {
	t.Parallel()
	for format, want := range map[string]string{
		"jsonl": "", "json": "[]\n", "csv": "timestamp,type,remote_address,message,email\n", "table": "", "ocsf": "", "ecs": "",
	} {
		if got := writeAll(t, format, writerConfig{}, 0); got != want {
			t.Errorf("%s: %q, want %q", format, got, want)
		}
		if got := writeAll(t, format, writerConfig{noHeader: true}, 0); format == "csv" && got != "" {
			t.Errorf("csv --no-header: %q, want nothing", got)
		}
	}
}

func TestEntryWriter_writeError(t *testing.T) {
	t.Parallel()
	for _, format := range formats {
		w := newEntryWriter(format, failingWriter{}, writerConfig{})
		w.write(riskcloud.Entry{Type: riskcloud.Login, RemoteAddress: "192.0.2.1"})
		if err := w.close(); !errors.Is(err, errDiskFull) {
			t.Errorf("%s: close = %v, want %v", format, err, errDiskFull)
		}
		w.write(riskcloud.Entry{Type: riskcloud.Login})
		if err := w.flush(); !errors.Is(err, errDiskFull) {
			t.Errorf("%s: flush after an error = %v, want %v", format, err, errDiskFull)
		}
	}
}

// TestEntryWriter_timestampsThreeDecimals is rough edge 1: JSON lines and
// CSV wrote …:56Z, …:47.5Z and …:38.51Z, which sort out of order as text.
func TestEntryWriter_timestampsThreeDecimals(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 11, 1, 12, 0, 56, 0, time.UTC)
	var entries []riskcloud.Entry
	var want []string
	for _, ns := range []int{0, 500_000_000, 510_000_000, 1_000_000, 999_999_999, 123_456_789} {
		at := base.Add(time.Duration(ns))
		entries = append(entries, riskcloud.Entry{Type: riskcloud.Login, Timestamp: at.In(time.FixedZone("CET", 3600))})
		want = append(want, at.Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z"))
	}
	recs := jsonLines(t, writeAll(t, "jsonl", writerConfig{}, 0, entries...))
	rows, err := csv.NewReader(strings.NewReader(writeAll(t, "csv", writerConfig{}, 0, entries...))).ReadAll()
	rows = rows[min(1, len(rows)):] // the header
	if err != nil || len(recs) != len(want) || len(rows) != len(want) {
		t.Fatalf("%d lines, %d rows (%v), want %d", len(recs), len(rows), err, len(want))
	}
	for i := range want {
		if recs[i].Timestamp == nil || *recs[i].Timestamp != want[i] || rows[i][0] != want[i] {
			t.Errorf("entry %d: jsonl %v, csv %q, want %q", i, recs[i].Timestamp, rows[i][0], want[i])
		}
	}
}

func TestAppendTimestamp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC), "2026-11-01T12:00:00.000Z"},
		{time.Date(2026, 1, 2, 3, 4, 5, 6_999_999, time.UTC), "2026-01-02T03:04:05.006Z"},
		{time.Date(2026, 12, 31, 23, 59, 59, 999_999_999, time.UTC), "2026-12-31T23:59:59.999Z"},
		{time.Date(2026, 11, 1, 0, 30, 0, 0, time.FixedZone("", -90*60)), "2026-11-01T02:00:00.000Z"},
		{time.Date(1, 1, 1, 0, 0, 0, 1e6, time.UTC), "0001-01-01T00:00:00.001Z"},
		{time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), "9999-12-31T23:59:59.000Z"},
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "10000-01-01T00:00:00.000Z"},
		{time.Date(1969, 12, 31, 23, 59, 59, 500e6, time.UTC), "1969-12-31T23:59:59.500Z"},
	}
	for _, tt := range tests {
		if got := string(appendTimestamp([]byte("x"), tt.at)); got != "x"+tt.want {
			t.Errorf("appendTimestamp(%v) = %q, want %q", tt.at, got[1:], tt.want)
		}
	}
	// And any instant agrees with time.Format.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10_000 {
		at := time.UnixMilli(rng.Int64N(253402300799999)).Add(time.Duration(rng.IntN(1e6)))
		if got, want := string(appendTimestamp(nil, at)), at.UTC().Format(timeLayout); got != want {
			t.Fatalf("appendTimestamp(%v) = %q, want %q", at, got, want)
		}
	}
}

// TestTableWriter_columnsFixed is rough edge 2: with pages of three,
// TYPE was 7 wide until a LoginFail came, then 11.
func TestTableWriter_columnsFixed(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	entries := []riskcloud.Entry{
		{Type: riskcloud.Login, Timestamp: at, RemoteAddress: "10.0.0.1"},
		{Type: riskcloud.Login, Timestamp: at, RemoteAddress: "10.0.0.2"},
		{Type: riskcloud.Login, Timestamp: at, RemoteAddress: "10.0.0.3"},
		{Type: riskcloud.LoginFail, Timestamp: at, RemoteAddress: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Message: "Bad credentials"},
		{Type: riskcloud.LoginFail, Timestamp: at, RemoteAddress: "192.0.2.1", Message: "User is disabled"},
		{Type: riskcloud.Login, Timestamp: time.Time{}, RemoteAddress: ""},
	}
	for _, email := range []string{"", "alice@example.com", "a@b"} {
		out := writeAll(t, "table", writerConfig{email: email}, 3, entries...)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		header := lines[0]
		cols := []int{strings.Index(header, "TYPE"), strings.Index(header, "REMOTE ADDRESS"), strings.Index(header, "MESSAGE")}
		if email != "" {
			cols = append(cols, strings.Index(header, "EMAIL"))
		} else if strings.Contains(header, "EMAIL") {
			t.Errorf("an EMAIL column without an email:\n%s", out)
		}
		for i, line := range lines[1:] {
			e := entries[i]
			cells := []string{string(e.Type), e.RemoteAddress, e.Message, email}
			for c, col := range cols {
				if cells[c] != "" && (col < 0 || !strings.HasPrefix(line[min(col, len(line)):], cells[c])) {
					t.Errorf("email %q, row %d: %q is not at column %d:\n%s", email, i, cells[c], col, out)
				}
			}
			if strings.HasSuffix(line, " ") {
				t.Errorf("row %d ends with spaces: %q", i, line)
			}
		}
	}
}

func TestTableWriter_noHeader(t *testing.T) {
	t.Parallel()
	e := riskcloud.Entry{Type: riskcloud.Login, Timestamp: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC), RemoteAddress: "10.0.0.1"}
	want := "2026-11-01T12:00:00.000Z  Login      10.0.0.1\n"
	if got := writeAll(t, "table", writerConfig{noHeader: true}, 0, e); got != want {
		t.Errorf("%q, want %q", got, want)
	}
}

// TestCSVWriter_controlsNeutralised is rough edge 7: CSV written to a file
// kept ESC and the other controls, which cat then played on the auditor's
// terminal. Now a file gets what a terminal gets.
func TestCSVWriter_controlsNeutralised(t *testing.T) {
	t.Parallel()
	e := riskcloud.Entry{Type: riskcloud.LoginFail, RemoteAddress: "\x1b[0m=1+1",
		Message: "\x1b]0;evil\x07Bad\u009b2J \u202ecredentials\r\nnext, \"quoted\""}
	// The sequence in front of the address hid a formula.
	want := ",LoginFail,'=1+1,\"Bad credentials  next, \"\"quoted\"\"\",\n"
	for _, terminal := range []bool{false, true} {
		if got := writeAll(t, "csv", writerConfig{terminal: terminal, noHeader: true}, 0, e); got != want {
			t.Errorf("terminal %v: %q, want %q", terminal, got, want)
		}
	}
}

// TestCSVWriter_quotingAsEncodingCSV checks the hand-written CSV against
// encoding/csv on cells that need quoting, and that each row reads back.
func TestCSVWriter_quotingAsEncodingCSV(t *testing.T) {
	t.Parallel()
	cells := []string{"", "a", "a b", "=1", "-1", "|x", "%0A", "@", "x\x1by", "a,b", `a"b`, `"`, " lead", "trail ", `\.`, "\u00a0x", "日本", "\ufffd", "x\"\"y", ",", "'=1"}
	for _, cell := range cells {
		e := riskcloud.Entry{Type: riskcloud.EntryType(cell), RemoteAddress: cell, Message: cell}
		got := writeAll(t, "csv", writerConfig{noHeader: true, email: cell}, 0, e)
		var want bytes.Buffer
		cw := csv.NewWriter(&want)
		c := csvCell(cell)
		cw.Write([]string{"", c, c, c, c})
		cw.Flush()
		if got != want.String() {
			t.Errorf("cell %q: %q, want %q", cell, got, want.String())
		}
	}
}

// TestEntryWriter_email is rough edge 8's output part: the rows of
// attempts EMAIL carry the email in every format with a place for it.
func TestEntryWriter_email(t *testing.T) {
	t.Parallel()
	const email = "alice@example.com"
	e := riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC),
		RemoteAddress: "192.0.2.1", Message: "Bad credentials", Raw: []byte(`{"type":"LoginFail"}`)}
	cfg := writerConfig{email: email}
	if recs := jsonLines(t, writeAll(t, "jsonl", cfg, 0, e)); len(recs) != 1 || recs[0].Email == nil || *recs[0].Email != email {
		t.Errorf("jsonl: %+v", recs)
	}
	var arr []jsonRecord
	if err := json.Unmarshal([]byte(writeAll(t, "json", cfg, 0, e)), &arr); err != nil || len(arr) != 1 || arr[0].Email == nil || *arr[0].Email != email {
		t.Errorf("json: %+v, %v", arr, err)
	}
	rows, err := csv.NewReader(strings.NewReader(writeAll(t, "csv", cfg, 0, e))).ReadAll()
	if err != nil || len(rows) != 2 || rows[0][4] != "email" || rows[1][4] != email {
		t.Errorf("csv: %q, %v", rows, err)
	}
	if out := writeAll(t, "table", cfg, 0, e); !strings.Contains(out, "  EMAIL  ") || !strings.Contains(out, "  "+email+"  ") {
		t.Errorf("table: %q", out)
	}
	var ocsf struct {
		User map[string]string `json:"user"`
	}
	if err := json.Unmarshal([]byte(writeAll(t, "ocsf", cfg, 0, e)), &ocsf); err != nil || ocsf.User["email_addr"] != email || ocsf.User["name"] != email {
		t.Errorf("ocsf: %+v, %v", ocsf, err)
	}
	var ecs struct {
		User map[string]string `json:"user"`
	}
	if err := json.Unmarshal([]byte(writeAll(t, "ecs", cfg, 0, e)), &ecs); err != nil || ecs.User["email"] != email {
		t.Errorf("ecs: %+v, %v", ecs, err)
	}
	// Without an email, JSON says null and CSV leaves the cell empty.
	if recs := jsonLines(t, writeAll(t, "jsonl", writerConfig{}, 0, e)); len(recs) != 1 || recs[0].Email != nil {
		t.Errorf("jsonl without an email: %+v", recs)
	}
}

// TestJSONWriter_array checks --format json: one array, whose elements
// are the jsonl lines, written as they come (a page's worth after each
// flush) with a buffer that does not grow with the export.
func TestJSONWriter_array(t *testing.T) {
	t.Parallel()
	entries := riskcloudtest.Generate(5000, 3)
	var out bytes.Buffer
	w := newEntryWriter("json", &out, writerConfig{})
	for i, e := range entries {
		w.write(e)
		if (i+1)%500 == 0 {
			if err := w.flush(); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(out.String(), "[\n{") || !strings.HasSuffix(out.String(), "}") {
				t.Fatalf("after %d entries: %q…", i+1, tail(out.String()))
			}
		}
	}
	if err := w.close(); err != nil {
		t.Fatal(err)
	}
	if c := cap(w.(*streamWriter).buf); c > 2*spillSize {
		t.Errorf("buffer grew to %d bytes", c)
	}
	var arr []jsonRecord
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&arr); err != nil {
		t.Fatal(err)
	}
	lines := jsonLines(t, writeAll(t, "jsonl", writerConfig{}, 0, entries...))
	if len(arr) != len(entries) || len(lines) != len(arr) {
		t.Fatalf("%d elements, %d lines, want %d", len(arr), len(lines), len(entries))
	}
	for i := range arr {
		a, _ := json.Marshal(arr[i])
		l, _ := json.Marshal(lines[i])
		if !bytes.Equal(a, l) {
			t.Fatalf("element %d = %s, line %s", i, a, l)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Bad credentials", `"Bad credentials"`},
		{"html kept", "<a & b>", `"<a & b>"`},
		{"quote and backslash", `a"b\c`, `"a\"b\\c"`},
		{"C0 short escapes", "\b\f\n\r\t", `"\b\f\n\r\t"`},
		{"C0 others", "\x00\x01\x1f", `"\u0000\u0001\u001f"`},
		{"graphic unicode", "érroné ✓ 日本 \u00a0 \U0001F600", "\"érroné ✓ 日本 \u00a0 \U0001F600\""},
		{"replacement char", "a\ufffdb", "\"a\ufffdb\""},
		{"ESC", "\x1b[31m", `"\u001b[31m"`},
		{"DEL", "a\x7fb", `"a\u007fb"`},
		{"C1 CSI", "a\u009b2Jb", `"a\u009b2Jb"`},
		{"C1 OSC and ST", "\u009d0;evil\u009c", `"\u009d0;evil\u009c"`},
		{"C1 NEL", "\u0085", `"\u0085"`},
		{"bidi marks", "\u200e\u200f\u061c", `"\u200e\u200f\u061c"`},
		{"bidi override", "user\u202efdp.exe", `"user\u202efdp.exe"`},
		{"bidi embeddings", "\u202a\u202b\u202c\u202d", `"\u202a\u202b\u202c\u202d"`},
		{"bidi isolates", "\u2066\u2067\u2068\u2069", `"\u2066\u2067\u2068\u2069"`},
		{"line separators", "\u2028\u2029", `"\u2028\u2029"`},
		{"zero width", "a\u200bb\u200dc\ufeff", `"a\u200bb\u200dc\ufeff"`},
		{"soft hyphen", "a\u00adb", `"a\u00adb"`},
		{"private use", "\ue000", `"\ue000"`},
		{"tag, outside the BMP", "\U000E0041", `"\udb40\udc41"`},
		{"invalid UTF-8", "a\xffb\xc3", `"a\ufffdb\ufffd"`},
		{"surrogate half as UTF-8", "\xed\xa0\x80", `"\ufffd\ufffd\ufffd"`},
	}
	for _, tt := range tests {
		if got := string(appendJSONString([]byte("x"), tt.in)); got != "x"+tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got[1:], tt.want)
		}
		if got := string(appendJSONString(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("%s, as bytes: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"a", "\u009b1m", "a\u202eb", "\xff", "\U000E0041", "<&>", "\x1b]0;t\x07", `"\`, "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendJSONString(nil, s)
		var decoded, want string
		if err := json.Unmarshal(got, &decoded); err != nil {
			t.Fatalf("%s is not JSON: %v", got, err)
		}
		std, _ := json.Marshal(s)
		json.Unmarshal(std, &want)
		if decoded != want {
			t.Fatalf("%s decodes to %q, encoding/json's to %q", got, decoded, want)
		}
		if !utf8.Valid(got) {
			t.Fatalf("%q is not UTF-8", got)
		}
		for _, r := range string(got) {
			if !unicode.IsGraphic(r) {
				t.Fatalf("%q keeps %U", got, r)
			}
		}
	})
}

// TestEntryWriter_memoryFlat checks that a writer's buffer stays a few
// lines long however many entries come between flushes.
func TestEntryWriter_memoryFlat(t *testing.T) {
	t.Parallel()
	entries := riskcloudtest.Generate(20_000, 9)
	for _, format := range formats {
		w := newEntryWriter(format, io.Discard, writerConfig{email: "alice@example.com"})
		for range 3 {
			for _, e := range entries {
				w.write(e)
			}
		}
		if c := cap(w.(*streamWriter).buf); c > 2*spillSize {
			t.Errorf("%s: the buffer grew to %d bytes over %d entries", format, c, 3*len(entries))
		}
		if err := w.close(); err != nil {
			t.Fatal(err)
		}
	}
}
