package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var since = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// failures returns n failed logins from addr, a second apart, the newest
// at since+at.
func failures(n int, addr string, at time.Duration) []riskcloud.Entry {
	es := make([]riskcloud.Entry, n)
	for i := range es {
		es[i] = riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: since.Add(at - time.Duration(i)*time.Second),
			Message: "Bad credentials", RemoteAddress: addr}
	}
	return es
}

// newServer serves a log of failed logins from a few addresses inside and
// around the window that starts at since.
func newServer(t *testing.T) *riskcloudtest.Server {
	t.Helper()
	srv := riskcloudtest.NewServer()
	t.Cleanup(srv.Close)
	srv.Add(failures(30, "203.0.113.7", 2*time.Hour)...)
	srv.Add(failures(12, "203.0.113.50", 3*time.Hour)...)
	srv.Add(failures(12, "203.0.113.9", 4*time.Hour)...) // ties with .50: ordered by address
	srv.Add(failures(2, "192.0.2.10", time.Hour+time.Second)...)
	srv.Add(failures(1, "192.0.2.10", 5*time.Hour)...)
	srv.Add(failures(1, "2001:db8::1", 0)...)               // exactly at since: counted
	srv.Add(failures(50, "198.51.100.23", -time.Second)...) // before since: not counted
	srv.Add(riskcloud.Entry{Type: riskcloud.Login, Timestamp: since.Add(time.Hour), RemoteAddress: "192.0.2.10"})
	return srv
}

func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		top  int
		want string
	}{
		{top: 3, want: `failures  address       first seen            last seen
30        203.0.113.7   2026-11-25T10:59:31Z  2026-11-25T11:00:00Z
12        203.0.113.50  2026-11-25T11:59:49Z  2026-11-25T12:00:00Z
12        203.0.113.9   2026-11-25T12:59:49Z  2026-11-25T13:00:00Z
`},
		{top: 0, want: `failures  address       first seen            last seen
30        203.0.113.7   2026-11-25T10:59:31Z  2026-11-25T11:00:00Z
12        203.0.113.50  2026-11-25T11:59:49Z  2026-11-25T12:00:00Z
12        203.0.113.9   2026-11-25T12:59:49Z  2026-11-25T13:00:00Z
3         192.0.2.10    2026-11-25T10:00:00Z  2026-11-25T14:00:00Z
1         2001:db8::1   2026-11-25T09:00:00Z  2026-11-25T09:00:00Z
`},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("top=%d", tt.top), func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			var out bytes.Buffer
			if err := run(context.Background(), srv.Client(), &out, since, tt.top); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tt.want {
				t.Errorf("output:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestRun_noFailures(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	var out bytes.Buffer
	if err := run(context.Background(), srv.Client(), &out, since.Add(6*time.Hour), 10); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "no failed logins since 2026-11-25T15:00:00Z\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}

// TestRun_addressIsPrintable checks that an address, which the client
// sends, reaches the terminal without control characters.
func TestRun_addressIsPrintable(t *testing.T) {
	t.Parallel()
	srv := riskcloudtest.NewServer()
	t.Cleanup(srv.Close)
	srv.Add(failures(2, "203.0.113.66\x1b]0;owned\x07\x1b[2J\u009b1A\r\n\t\u202e\x7f\xff", time.Hour)...)
	srv.Add(failures(1, "192.0.2.10", time.Hour)...)

	var out bytes.Buffer
	if err := run(context.Background(), srv.Client(), &out, since, 0); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"failures  address                     first seen            last seen\n" +
		"2         203.0.113.66]0;owned[2J1A\ufffd  2026-11-25T09:59:59Z  2026-11-25T10:00:00Z\n" +
		"1         192.0.2.10                  2026-11-25T10:00:00Z  2026-11-25T10:00:00Z\n"
	if got := out.String(); got != want {
		t.Errorf("output:\n%q\nwant:\n%q", got, want)
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
