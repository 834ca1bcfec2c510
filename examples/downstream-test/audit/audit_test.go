package audit_test

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/examples/downstream-test/audit"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
	"go.uber.org/goleak"
)

// There is no interface to mock: the code under test gets a real
// *riskcloud.Client, pointed at a fake Risk Cloud. Two fakes serve the same
// API:
//
//   - riskcloudtest.NewServer, an in-memory Risk Cloud on a loopback port,
//     which can also fail on demand or refuse a key without Admin > All;
//   - riskcloudtest.RegisterResponders, the same answers through an
//     httpmock.MockTransport, for tests that already mock at the transport.

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m) // the server and the client leave no goroutine behind
}

var since = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// entries is a small access audit: failures from two addresses inside the
// window, one exactly at its start, one just before, and a login.
var entries = []riskcloud.Entry{
	{Type: riskcloud.LoginFail, Timestamp: since.Add(3 * time.Minute), Message: "Bad credentials", RemoteAddress: "203.0.113.7"},
	{Type: riskcloud.LoginFail, Timestamp: since.Add(2 * time.Minute), Message: "Bad credentials", RemoteAddress: "203.0.113.7"},
	{Type: riskcloud.Login, Timestamp: since.Add(90 * time.Second), RemoteAddress: "192.0.2.10"},
	{Type: riskcloud.LoginFail, Timestamp: since.Add(time.Minute), Message: "User account is locked", RemoteAddress: "198.51.100.23"},
	{Type: riskcloud.LoginFail, Timestamp: since, Message: "Bad credentials", RemoteAddress: "203.0.113.7"},
	{Type: riskcloud.LoginFail, Timestamp: since.Add(-time.Second), Message: "Bad credentials", RemoteAddress: "198.51.100.23"},
}

var want = map[string]int{"203.0.113.7": 3, "198.51.100.23": 1}

// (a) riskcloudtest.NewServer: add entries, take srv.Client().

func TestFailuresByAddress(t *testing.T) {
	t.Parallel()
	srv := riskcloudtest.NewServer()
	t.Cleanup(srv.Close)
	srv.Add(entries...) // in any order: the server keeps them newest first

	got, err := audit.FailuresByAddress(context.Background(), srv.Client(), since)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("FailuresByAddress = %v, want %v", got, want)
	}
}

// A realistic log of many pages, from Generate: the same n and seed always
// give the same entries, so the expected counts come from the slice itself.
func TestFailuresByAddress_manyPages(t *testing.T) {
	t.Parallel()
	generated := riskcloudtest.Generate(3000, 7) // newest first
	srv := riskcloudtest.NewServer()
	t.Cleanup(srv.Close)
	srv.Add(generated...)

	since := generated[2000].Timestamp
	want := make(map[string]int)
	for _, e := range generated {
		if e.Type == riskcloud.LoginFail && !e.Timestamp.Before(since) {
			want[e.RemoteAddress]++
		}
	}

	got, err := audit.FailuresByAddress(context.Background(), srv.Client(), since)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("FailuresByAddress = %v, want %v", got, want)
	}
}

// The next request fails with 503; the SDK retries it (srv.Client waits
// 1 ms between attempts), so the code under test never sees the failure.
func TestFailuresByAddress_retriesUnavailable(t *testing.T) {
	t.Parallel()
	srv := riskcloudtest.NewServer()
	t.Cleanup(srv.Close)
	srv.Add(entries...)
	srv.FailNext(1, riskcloudtest.Fault{Status: http.StatusServiceUnavailable})

	got, err := audit.FailuresByAddress(context.Background(), srv.Client(), since)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("FailuresByAddress = %v, want %v", got, want)
	}
	if n := srv.Stats().PageRequests; n != 2 {
		t.Errorf("%d page requests, want 2 (the 503 and its retry)", n)
	}
}

// A key whose user lacks Admin > All gets 403, which is not retried.
func TestFailuresByAddress_forbidden(t *testing.T) {
	t.Parallel()
	srv := riskcloudtest.NewServer(riskcloudtest.WithoutAdmin())
	t.Cleanup(srv.Close)

	_, err := audit.FailuresByAddress(context.Background(), srv.Client(), since)
	if !errors.Is(err, riskcloud.ErrForbidden) {
		t.Errorf("err = %v, want ErrForbidden", err)
	}
}

// (b) httpmock: riskcloudtest.RegisterResponders answers on a MockTransport,
// which the client gets through WithHTTPClient.
//
// httpmock.Activate() would not work here: it replaces
// http.DefaultTransport, and the SDK never sends through that (it builds its
// own transport, which go-retryablehttp uses for every attempt), so the
// requests would go to the network instead. Always hand the MockTransport to
// the client.
func TestFailuresByAddress_httpmock(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	riskcloudtest.RegisterResponders(mt, "https://acme.logicgate.com", entries)
	c, err := riskcloud.NewClient("https://acme.logicgate.com",
		riskcloud.WithHTTPClient(&http.Client{Transport: mt}),
		riskcloud.WithToken("any")) // RegisterResponders accepts any bearer token
	if err != nil {
		t.Fatal(err)
	}

	got, err := audit.FailuresByAddress(context.Background(), c, since)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("FailuresByAddress = %v, want %v", got, want)
	}
	if n := mt.GetTotalCallCount(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}
