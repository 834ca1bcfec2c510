package riskcloud_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// The v2 twins run v1's behaviour tests (retries, auth, secrets, paging,
// prefetch, faults) against c.Audits.Access. They compare what a walk
// yields with the server's log by id (srv.Audits), as v1's compare tags.

// v2Path is the v2 access audit's path, as the server sees it.
const v2Path = testPrefix + "/api/v2/audits/access"

// ids returns the ID of each audit.
func ids(as []riskcloud.AccessAudit) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

// auditIDs returns the ids of srv's whole log, in the order a v2 walk
// yields it.
func auditIDs(srv *riskcloudtest.Server) []string { return ids(srv.Audits()) }

// listing is one way to walk the test log: v1's Logins or v2's Access. It
// lets a behaviour test run unchanged against both API generations.
type listing struct {
	name string
	path string // the page's path, after the base URL
	// walk reads the log in pages of size and returns a key for each
	// entry: its tag on v1, its id on v2. v1 reads testEmail's entries,
	// which are the whole log of newServer; v2 reads every entry, as the
	// server gives them made-up users.
	walk func(ctx context.Context, c *riskcloud.Client, size int) ([]string, error)
	// keys returns the keys of srv's log, in the order a walk yields them.
	keys func(srv *riskcloudtest.Server) []string
}

var v1Logins = listing{
	name: "v1 Logins",
	path: "/api/v1/access-audit/logins",
	walk: func(ctx context.Context, c *riskcloud.Client, size int) ([]string, error) {
		var got []riskcloud.Entry
		for e, err := range c.AccessAudit.Logins(&riskcloud.ListOptions{Size: size, Email: testEmail}).All(ctx) {
			if err != nil {
				return tagsOf(got), err
			}
			got = append(got, e)
		}
		return tagsOf(got), nil
	},
	keys: func(srv *riskcloudtest.Server) []string { return tagsOf(srv.Entries()) },
}

// v2Access walks up to v2Until: on synctest's clock, which starts in 2000,
// a walk that pinned created-max to its start would see none of the test
// log.
var v2Access = listing{
	name: "v2 Access",
	path: "/api/v2/audits/access",
	walk: func(ctx context.Context, c *riskcloud.Client, size int) ([]string, error) {
		var got []string
		for a, err := range c.Audits.Access(&riskcloud.AccessAuditOptions{Size: size, Until: v2Until}).All(ctx) {
			if err != nil {
				return got, err
			}
			got = append(got, a.ID)
		}
		return got, nil
	},
	keys: auditIDs,
}

// v2Until is later than any entry of a test log.
var v2Until = logEnd.Add(time.Hour)

// checkIDs fails the test unless got are the ids of want, in order.
func checkIDs(t *testing.T, got []riskcloud.AccessAudit, want []string) {
	t.Helper()
	if !slices.Equal(ids(got), want) {
		t.Errorf("got %d entries %v\nwant %d %v", len(got), ids(got), len(want), want)
	}
}
