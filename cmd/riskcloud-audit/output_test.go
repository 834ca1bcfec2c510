package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/riskcloud-go/riskcloud"
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

func TestEntryWriter_emptyWalk(t *testing.T) {
	t.Parallel()
	for format, want := range map[string]string{"jsonl": "", "csv": "timestamp,type,remote_address,message\n", "table": ""} {
		var out bytes.Buffer
		if err := newEntryWriter(format, &out, writerConfig{}).close(); err != nil || out.String() != want {
			t.Errorf("%s: %q, %v; want %q", format, out.String(), err, want)
		}
	}
}

func TestEntryWriter_writeError(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"jsonl", "csv", "table"} {
		w := newEntryWriter(format, failingWriter{}, writerConfig{})
		w.write(riskcloud.Entry{Type: riskcloud.Login, RemoteAddress: "192.0.2.1"})
		if err := w.close(); !errors.Is(err, errDiskFull) {
			t.Errorf("%s: close = %v, want %v", format, err, errDiskFull)
		}
	}
}

var errDiskFull = errors.New("disk full")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestCSVWriter_terminal(t *testing.T) {
	t.Parallel()
	e := riskcloud.Entry{Type: riskcloud.LoginFail, RemoteAddress: "\x1b[0m=1+1",
		Message: "\x1b]0;evil\x07Bad\u009b2J \u202ecredentials\r\nnext"}
	tests := []struct {
		name     string
		terminal bool
		want     string
	}{
		// A file keeps the data as sent, but never a formula.
		{"file", false, ",LoginFail,\x1b[0m=1+1,\"\x1b]0;evil\x07Bad\u009b2J \u202ecredentials\r\nnext\"\n"},
		// A terminal gets what the table would show. The sequence in front
		// of the address hid a formula.
		{"terminal", true, ",LoginFail,'=1+1,Bad credentials  next\n"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		w := newEntryWriter("csv", &out, writerConfig{terminal: tt.terminal})
		w.write(e)
		if err := w.close(); err != nil {
			t.Fatal(err)
		}
		got := strings.TrimPrefix(out.String(), "timestamp,type,remote_address,message\n")
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestAppendTerminalSafe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string // in is a JSON string's content; want its encoding
	}{
		{"plain", "Bad credentials", `"Bad credentials"`},
		{"graphic unicode", "érroné ✓ 日本 \u00a0 \U0001F600", "\"érroné ✓ 日本 \u00a0 \U0001F600\""},
		{"replacement char", "a\ufffdb", "\"a\ufffdb\""},
		{"ESC, by encoding/json", "\x1b[31m", `"\u001b[31m"`},
		{"DEL", "a\x7fb", `"a\u007fb"`},
		{"C1 CSI", "a\u009b2Jb", `"a\u009b2Jb"`},
		{"C1 OSC and ST", "\u009d0;evil\u009c", `"\u009d0;evil\u009c"`},
		{"C1 NEL", "\u0085", `"\u0085"`},
		{"bidi marks", "\u200e\u200f\u061c", `"\u200e\u200f\u061c"`},
		{"bidi override", "user\u202efdp.exe", `"user\u202efdp.exe"`},
		{"bidi embeddings", "\u202a\u202b\u202c\u202d", `"\u202a\u202b\u202c\u202d"`},
		{"bidi isolates", "\u2066\u2067\u2068\u2069", `"\u2066\u2067\u2068\u2069"`},
		{"line separators, by encoding/json", "\u2028\u2029", `"\u2028\u2029"`},
		{"zero width", "a\u200bb\u200dc\ufeff", `"a\u200bb\u200dc\ufeff"`},
		{"soft hyphen", "a\u00adb", `"a\u00adb"`},
		{"private use", "\ue000", `"\ue000"`},
		{"tag, outside the BMP", "\U000E0041", `"\udb40\udc41"`},
		{"invalid UTF-8, by encoding/json", "a\xffb", `"a\ufffdb"`},
	}
	for _, tt := range tests {
		enc, err := json.Marshal(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		got := string(appendTerminalSafe([]byte("x"), enc))
		if got != "x"+tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got[1:], tt.want)
		}
	}
}

func FuzzAppendTerminalSafe(f *testing.F) {
	for _, s := range []string{"a", "\u009b1m", "a\u202eb", "\xff", "\U000E0041", "<&>", "\x1b]0;t\x07"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var line bytes.Buffer
		enc := json.NewEncoder(&line)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(jsonRecord{Type: s, Message: &s, RemoteAddress: s}); err != nil {
			t.Fatal(err)
		}
		got := appendTerminalSafe(nil, line.Bytes())
		var before, after jsonRecord
		if err := json.Unmarshal(line.Bytes(), &before); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(got, &after); err != nil {
			t.Fatalf("%s is not JSON: %v", got, err)
		}
		if before.Type != after.Type || *before.Message != *after.Message || before.RemoteAddress != after.RemoteAddress {
			t.Fatalf("%s decodes to %+v, want %+v", got, after, before)
		}
		if !utf8.Valid(got) {
			t.Fatalf("%q is not UTF-8", got)
		}
		for _, r := range strings.TrimSuffix(string(got), "\n") {
			if !unicode.IsGraphic(r) {
				t.Fatalf("%q keeps %U", got, r)
			}
		}
	})
}
