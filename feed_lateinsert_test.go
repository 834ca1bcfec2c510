package riskcloud_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// TestFeed_lateEntryFiledDuringPoll: found by the CLI's kill-and-restart
// test. A late entry (stamped within the lag, before entries the poll has
// read) filed while a v1 poll walks the pages is what Feed.Lag exists for,
// yet the poll's walk gives up on it ("lost its place"); the feed, whose
// cursor makes a re-read safe, could read again rather than fail the poll.
func TestFeed_lateEntryFiledDuringPoll(t *testing.T) {
	t.Parallel()
	end := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	var once sync.Once
	srv := riskcloudtest.NewServer(riskcloudtest.WithBeforePage(func(s *riskcloudtest.Server, page int) {
		if page == 1 {
			once.Do(func() {
				// Stamped between the entries of page 0: filed among them.
				s.Add(riskcloud.Entry{Type: riskcloud.Login, Timestamp: end.Add(-1500 * time.Millisecond), RemoteAddress: "192.0.2.99"})
			})
		}
	}))
	t.Cleanup(srv.Close)
	var entries []riskcloud.Entry
	for i := range 30 {
		entries = append(entries, riskcloud.Entry{Type: riskcloud.Login, Timestamp: end.Add(-time.Duration(i) * time.Second), RemoteAddress: "192.0.2.1"})
	}
	srv.Add(entries...)
	feed := srv.Client().AccessAudit.Logins(&riskcloud.ListOptions{Size: 10}).Feed(riskcloud.Cursor{})
	n := 0
	for range 2 { // the late entry in the first poll or the second
		for _, err := range feed.Poll(context.Background()) {
			if err != nil {
				t.Fatalf("after %d entries: %v", n, err)
			}
			n++
		}
	}
	if n != 31 {
		t.Errorf("%d entries, want 31", n)
	}
}

// TestFeed_lateEntriesFiledDuringPolls: late entries, ties and identical
// twins filed before every page request of v1 polls, as the CLI's
// kill-and-restart test files them. A walk expects arrivals at the head:
// one filed inside the run of entries it has just yielded, or behind it,
// leaves no placement of its last entry that fits, and the walk gives up
// rather than risk a lost or doubled entry. A poll reads again up to five
// times, then yields the error and leaves the cursor where it was; under
// this much churn nearly every poll of more than one page ends so. (Reading
// a count that grew with no shift as entries filed behind the walk took
// that to a quarter, but placed wrong pages on logs that also lose
// entries: TestFeed_v1_exactlyOnceUnderChurn yielded twice.) What must
// hold: no id twice, and once the log holds still, a poll that succeeds.
func TestFeed_lateEntriesFiledDuringPolls(t *testing.T) {
	t.Parallel()
	polls, failed := 0, 0
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 7))
		end := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		newest := end
		var mu sync.Mutex
		still := false
		entry := func(at time.Time) riskcloud.Entry {
			return riskcloud.Entry{Type: riskcloud.Login, Timestamp: at, RemoteAddress: fmt.Sprintf("192.0.2.%d", rng.IntN(3))}
		}
		srv := riskcloudtest.NewServer(riskcloudtest.WithBeforePage(func(s *riskcloudtest.Server, _ int) {
			mu.Lock()
			defer mu.Unlock()
			n := rng.IntN(4)
			if still {
				n = 0
			}
			for range n {
				newest = newest.Add(time.Duration(rng.IntN(3)) * time.Millisecond)
				s.Add(entry(newest), entry(newest.Add(-time.Duration(rng.IntN(400))*time.Millisecond)))
			}
		}))
		var initial []riskcloud.Entry
		for i := range 150 {
			initial = append(initial, entry(end.Add(-time.Duration(i*2)*time.Millisecond)))
		}
		t.Cleanup(srv.Close)
		srv.Add(initial...)
		feed := srv.Client().AccessAudit.Logins(&riskcloud.ListOptions{Size: 1 + rng.IntN(40)}).Feed(riskcloud.Cursor{})
		feed.Lag = time.Second
		ids := map[string]bool{}
		poll := func() error {
			for e, err := range feed.Poll(context.Background()) {
				if err != nil {
					return err
				}
				if ids[e.ID] {
					t.Fatalf("seed %d: id %s (%v %s) yielded twice", seed, e.ID, e.Timestamp, e.RemoteAddress)
				}
				ids[e.ID] = true
			}
			return nil
		}
		for range 6 {
			polls++
			if err := poll(); err != nil {
				failed++
			}
		}
		mu.Lock()
		still = true
		mu.Unlock()
		if err := poll(); err != nil {
			t.Fatalf("seed %d: a poll of a log that holds still: %v", seed, err)
		}
	}
	t.Logf("%d of %d polls failed while entries were filed late during them", failed, polls)
}
