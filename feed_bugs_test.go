package riskcloud_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// This file holds the regression tests of bugs the Feed property tests
// found, each fixed in the commit that adds it, or skipped with the
// reason where the fix is the lead's.

// TestFeed_Follow_cancelOnTheLastEntryOfAPoll cancels Follow's ctx while
// the caller handles the last entry a poll may yield (its Limit): Follow
// must still yield ctx.Err() last, as its doc says, so that a caller can
// tell a cancelled Follow from one that ended otherwise.
func TestFeed_Follow_cancelOnTheLastEntryOfAPoll(t *testing.T) {
	t.Parallel()
	srv := feedLog(t, 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newTestClient(t, srv).AccessAudit.Logins(&riskcloud.ListOptions{Limit: 1}).Feed(riskcloud.Cursor{})
	var yields []error
	for _, err := range f.Follow(ctx, time.Millisecond) {
		yields = append(yields, err)
		if err == nil {
			cancel()
		}
	}
	if len(yields) != 2 || yields[0] != nil || !errors.Is(yields[1], context.Canceled) {
		t.Fatalf("Follow yielded %v; want one entry, then context.Canceled", yields)
	}
}
