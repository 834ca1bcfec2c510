package riskcloudtest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// A test serves the entries its code should see, then points the code at
// the server's client.
func ExampleNewServer() {
	srv := riskcloudtest.NewServer()
	defer srv.Close()
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	srv.Add(
		riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: at, Message: "Bad credentials", RemoteAddress: "203.0.113.7"},
		riskcloud.Entry{Type: riskcloud.Login, Timestamp: at.Add(-time.Minute), RemoteAddress: "198.51.100.23"},
	)

	for e, err := range srv.Client().AccessAudit.Failures(nil).All(context.Background()) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(e.Timestamp.Format(time.RFC3339), e.RemoteAddress, e.Message)
	}
	// Output:
	// 2026-11-01T12:00:00Z 203.0.113.7 Bad credentials
}

// Faults are queued; the client's retries (1 ms apart) ride them out.
func ExampleServer_FailNext() {
	srv := riskcloudtest.NewServer()
	defer srv.Close()
	srv.Add(riskcloudtest.Generate(100, 1)...)
	srv.FailNext(2, riskcloudtest.Fault{Status: 503, RetryAfter: "1"})

	n := 0
	for _, err := range srv.Client().AccessAudit.Logins(&riskcloud.ListOptions{Size: 100}).All(context.Background()) {
		if err != nil {
			fmt.Println(err)
			return
		}
		n++
	}
	fmt.Println(n > 0, srv.Stats().PageRequests)
	// Output:
	// true 3
}

// A key whose user lacks the Admin > All entitlement is refused.
func ExampleWithoutAdmin() {
	srv := riskcloudtest.NewServer(riskcloudtest.WithoutAdmin())
	defer srv.Close()

	_, err := srv.Client().AccessAudit.Logins(nil).Page(context.Background(), 0)
	fmt.Println(errors.Is(err, riskcloud.ErrForbidden))
	// Output:
	// true
}

// The v2 access audit serves the same log with ids and users; the events
// only v2 knows come from GenerateActivity, and Generate's entries stay as
// v1 serves them.
func ExampleGenerateActivity() {
	srv := riskcloudtest.NewServer()
	defer srv.Close()
	entries := riskcloudtest.Generate(1000, 1)
	srv.Add(entries...)
	srv.AddAudits(riskcloudtest.GenerateActivity(entries, 1)...)

	audits := srv.Audits() // what GET /api/v2/audits/access serves, newest first
	fmt.Println(len(srv.Entries()), "v1 entries,", len(audits), "v2 audits")
	count := map[riskcloud.AccessAuditType]int{}
	for _, a := range audits {
		count[a.Type]++
	}
	for _, typ := range []riskcloud.AccessAuditType{riskcloud.AuditLogin, riskcloud.AuditLoginFailed,
		riskcloud.AuditLogout, riskcloud.AuditTokenRolled, riskcloud.AuditCredentialsRolled, riskcloud.AuditOther} {
		fmt.Println(typ, count[typ])
	}
	newest := audits[0]
	fmt.Println(newest.ID, newest.Type, newest.User.Email, newest.Created.Format(time.RFC3339))
	// Output:
	// 1000 v1 entries, 1320 v2 audits
	// LOGIN 848
	// LOGIN_FAILED 152
	// LOGOUT 310
	// TOKEN_ROLLED 6
	// CREDENTIALS_ROLLED 1
	// OTHER 3
	// 514e28b7 LOGIN jane.doe@example.com 2026-11-01T12:00:00Z
}
