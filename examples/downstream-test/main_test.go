package main

import (
	"bytes"
	"context"
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
	fail := func(d time.Duration, addr string) riskcloud.Entry {
		return riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: since.Add(d), Message: "Bad credentials", RemoteAddress: addr}
	}
	srv := riskcloudtest.NewServer()
	t.Cleanup(srv.Close)
	srv.Add(
		fail(5*time.Minute, "203.0.113.7"),
		fail(4*time.Minute, "203.0.113.7"),
		fail(3*time.Minute, "198.51.100.23"),
		fail(2*time.Minute, "192.0.2.10"),
		riskcloud.Entry{Type: riskcloud.Login, Timestamp: since.Add(time.Minute), RemoteAddress: "192.0.2.44"},
		fail(0, "203.0.113.7"),
		fail(-time.Second, "192.0.2.10"), // before since: not counted
	)

	var out bytes.Buffer
	if err := run(context.Background(), srv.Client(), &out, since); err != nil {
		t.Fatal(err)
	}
	want := "3 203.0.113.7\n1 192.0.2.10\n1 198.51.100.23\n"
	if got := out.String(); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}
