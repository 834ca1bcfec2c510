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
	srv := riskcloudtest.NewServer()
	t.Cleanup(srv.Close)
	srv.Add(
		riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: since.Add(30*time.Minute + 2*time.Second), Message: "Bad credentials", RemoteAddress: "203.0.113.7"},
		riskcloud.Entry{Type: riskcloud.Login, Timestamp: since.Add(20 * time.Minute), RemoteAddress: "192.0.2.10"},
		riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: since.Add(12*time.Minute + 45*time.Second), Message: "User account is locked", RemoteAddress: "198.51.100.23"},
		riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: since, Message: "Bad credentials", RemoteAddress: "2001:db8::1"},
		riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: since.Add(-time.Millisecond), Message: "Bad credentials", RemoteAddress: "198.51.100.99"},
	)

	var out bytes.Buffer
	n, err := run(context.Background(), srv.Client(), &out, since)
	if err != nil {
		t.Fatal(err)
	}
	want := `2026-11-25T09:30:02Z 203.0.113.7 Bad credentials
2026-11-25T09:12:45Z 198.51.100.23 User account is locked
2026-11-25T09:00:00Z 2001:db8::1 Bad credentials
`
	if got := out.String(); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
	if n != 3 {
		t.Errorf("run returned %d, want 3", n)
	}
}

func TestRun_forbidden(t *testing.T) {
	t.Parallel()
	srv := riskcloudtest.NewServer(riskcloudtest.WithoutAdmin())
	t.Cleanup(srv.Close)

	var out bytes.Buffer
	_, err := run(context.Background(), srv.Client(), &out, time.Time{})
	if !errors.Is(err, riskcloud.ErrForbidden) {
		t.Errorf("err = %v, want ErrForbidden", err)
	}
	if out.Len() != 0 {
		t.Errorf("wrote %q, want nothing", out.String())
	}
}
