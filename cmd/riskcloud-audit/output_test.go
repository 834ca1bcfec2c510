package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

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
		{"a=1", "a=1"},
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
	w := newEntryWriter("table", &out)
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
		if err := newEntryWriter(format, &out).close(); err != nil || out.String() != want {
			t.Errorf("%s: %q, %v; want %q", format, out.String(), err, want)
		}
	}
}

func TestEntryWriter_writeError(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"jsonl", "csv", "table"} {
		w := newEntryWriter(format, failingWriter{})
		w.write(riskcloud.Entry{Type: riskcloud.Login, RemoteAddress: "192.0.2.1"})
		if err := w.close(); !errors.Is(err, errDiskFull) {
			t.Errorf("%s: close = %v, want %v", format, err, errDiskFull)
		}
	}
}

var errDiskFull = errors.New("disk full")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }
