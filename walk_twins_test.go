package riskcloud_test

import (
	"context"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// TestAll_twinsApartInOneMillisecond: found by the CLI's tests. Two
// identical twins with another entry between them, all in one millisecond
// (a user failing twice from one address, someone else in between), in a
// log that does not change: with one entry a page, the v1 walk took the
// second twin for a page that wraps around, and a Feed's poll, which walks
// the same way, failed the same on every poll.
func TestAll_twinsApartInOneMillisecond(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	a := riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: at, Message: "m", RemoteAddress: "192.0.2.1"}
	b := a
	b.RemoteAddress = "192.0.2.2"
	srv := riskcloudtest.NewServer()
	t.Cleanup(srv.Close)
	srv.Add(a)
	srv.Add(b)
	srv.Add(a)
	for _, size := range []int{1, 2} {
		opts := &riskcloud.ListOptions{Size: size}
		var got []string
		for e, err := range srv.Client().AccessAudit.Failures(opts).All(context.Background()) {
			if err != nil {
				t.Fatalf("size %d: All, after %v: %v", size, got, err)
			}
			got = append(got, e.RemoteAddress)
		}
		if len(got) != 3 {
			t.Errorf("size %d: All yielded %v, want the three entries", size, got)
		}
		ids := map[string]bool{}
		for e, err := range srv.Client().AccessAudit.Failures(opts).Feed(riskcloud.Cursor{}).Poll(context.Background()) {
			if err != nil {
				t.Fatalf("size %d: Poll, after %d entries: %v", size, len(ids), err)
			}
			ids[e.ID] = true
		}
		if len(ids) != 3 {
			t.Errorf("size %d: Poll yielded %d distinct ids, want 3", size, len(ids))
		}
	}
}
