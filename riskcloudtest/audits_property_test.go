package riskcloudtest_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// TestAudits_oneLogProperty drives two servers (newest first, oldest first)
// through random adds of every kind, with many equal timestamps, and
// deletions; after each step v2 must serve Audits() in order on any page
// size, the other server its exact reverse, ids must be unique, and v1 must
// serve exactly the LOGIN and LOGIN_FAILED records, in the same order.
func TestAudits_oneLogProperty(t *testing.T) {
	t.Parallel()
	for seed := range uint64(120) {
		rng := rand.New(rand.NewPCG(seed, 12))
		newest := riskcloudtest.NewHandler()
		oldest := riskcloudtest.NewHandler(riskcloudtest.WithOldestFirst())
		for step := range 8 {
			op := randomOp(rng)
			op(newest)
			op(oldest)
			size := 1 + rng.IntN(12)
			want := auditIDs(newest.Audits())
			got := ids(t, walkAudits(t, newest, "", size))
			rev := ids(t, walkAudits(t, oldest, "", size))
			slices.Reverse(rev)
			if !slices.Equal(got, want) || !slices.Equal(rev, want) {
				t.Fatalf("seed %d step %d size %d:\n newest %v\n oldest reversed %v\n Audits %v", seed, step, size, got, rev, want)
			}
			if len(unique(want)) != len(want) {
				t.Fatalf("seed %d step %d: repeated ids in %v", seed, step, want)
			}
			if v1, v2 := v1Keys(newest.Entries()), v2LoginKeys(newest.Audits()); !slices.Equal(v1, v2) {
				t.Fatalf("seed %d step %d: v1 %v\nv2 %v", seed, step, v1, v2)
			}
		}
	}
}

// randomOp is one change of the log, the same for every server it is given.
func randomOp(rng *rand.Rand) func(*riskcloudtest.Server) {
	at := func() time.Time {
		return t0.Add(time.Duration(rng.IntN(6))*time.Second + time.Duration(rng.IntN(2))*time.Microsecond)
	}
	n := 1 + rng.IntN(6)
	switch rng.IntN(4) {
	case 0, 1:
		es := make([]riskcloud.Entry, n)
		for i := range es {
			es[i] = riskcloud.Entry{Type: []riskcloud.EntryType{riskcloud.Login, riskcloud.LoginFail}[rng.IntN(2)],
				Timestamp: at(), RemoteAddress: fmt.Sprintf("10.0.0.%d", rng.IntN(256)), Message: "m"}
		}
		if rng.IntN(2) == 0 {
			return func(s *riskcloudtest.Server) { s.Add(es...) }
		}
		return func(s *riskcloudtest.Server) { s.AddFor("x@example.com", es...) }
	case 2:
		as := make([]riskcloud.AccessAudit, n)
		for i := range as {
			as[i] = riskcloud.AccessAudit{Type: []riskcloud.AccessAuditType{riskcloud.AuditLogin, riskcloud.AuditLoginFailed,
				riskcloud.AuditLogout, riskcloud.AuditTokenRolled, riskcloud.AuditOther}[rng.IntN(5)],
				Created: at(), RemoteAddress: fmt.Sprintf("192.0.2.%d", rng.IntN(256)), Details: "m"}
		}
		return func(s *riskcloudtest.Server) { s.AddAudits(as...) }
	}
	return func(s *riskcloudtest.Server) { s.RemoveOldest(n) }
}

func v1Keys(es []riskcloud.Entry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, fmt.Sprint(e.Timestamp.UnixMilli(), e.RemoteAddress, e.Type))
	}
	return out
}

func v2LoginKeys(as []riskcloud.AccessAudit) []string {
	out := []string{}
	for _, a := range as {
		switch a.Type {
		case riskcloud.AuditLogin:
			out = append(out, fmt.Sprint(a.Created.UnixMilli(), a.RemoteAddress, riskcloud.Login))
		case riskcloud.AuditLoginFailed:
			out = append(out, fmt.Sprint(a.Created.UnixMilli(), a.RemoteAddress, riskcloud.LoginFail))
		}
	}
	return out
}

func unique(ss []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range ss {
		m[s] = true
	}
	return m
}
