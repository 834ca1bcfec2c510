package riskcloud_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
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
// twins filed while v1 polls walk the pages, as the CLI's kill-and-restart
// test files them: every poll must end without an error. Today every seed
// fails ("lost its place at page 1"): the v1 walk inside a poll gives up
// on a log that changes under it, though the feed's cursor would make a
// re-read safe, so a busy log with clock skew can fail every poll. It runs
// with RISKCLOUD_FEED_REPRO=1 until the feed is fixed (the CLI polls again
// meanwhile: cmd/riskcloud-audit/follow.go, pollAgain).
func TestFeed_lateEntriesFiledDuringPolls(t *testing.T) {
	if os.Getenv("RISKCLOUD_FEED_REPRO") == "" {
		t.Skip("a known failure of the feed, for the lead: RISKCLOUD_FEED_REPRO=1 runs it")
	}
	t.Parallel()
	for seed := range uint64(50) {
		rng := rand.New(rand.NewPCG(seed, 7))
		end := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		newest := end
		var mu sync.Mutex
		entry := func(at time.Time) riskcloud.Entry {
			return riskcloud.Entry{Type: riskcloud.Login, Timestamp: at, RemoteAddress: fmt.Sprintf("192.0.2.%d", rng.IntN(3))}
		}
		srv := riskcloudtest.NewServer(riskcloudtest.WithBeforePage(func(s *riskcloudtest.Server, _ int) {
			mu.Lock()
			defer mu.Unlock()
			for range rng.IntN(4) {
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
		for poll := range 6 {
			for _, err := range feed.Poll(context.Background()) {
				if err != nil {
					t.Fatalf("seed %d, poll %d: %v", seed, poll, err)
				}
			}
		}
	}
}

// TestWalk_twinsApartInOneMillisecond: found by the CLI's tests. Two
// identical twins with another entry between them, all in one
// millisecond (a user failing twice from one address, someone else in
// between), in a log that does not change: with one entry a page, the v1
// walk says the server's pages wrap around, and a Feed's poll, which walks
// the same way, fails the same, on every poll while the page boundaries
// stay. Not rare: on logs of 3,000 entries with ties and a few distinct
// values, Pager.All fails on 5 to 30 % of them at page sizes 37 to 101.
// The CLI reads again in pages of another size meanwhile
// (cmd/riskcloud-audit/follow.go, pollAgain). It runs with
// RISKCLOUD_FEED_REPRO=1 until the walk is fixed.
func TestWalk_twinsApartInOneMillisecond(t *testing.T) {
	if os.Getenv("RISKCLOUD_FEED_REPRO") == "" {
		t.Skip("a known failure of the v1 walk, for the lead: RISKCLOUD_FEED_REPRO=1 runs it")
	}
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
	opts := &riskcloud.ListOptions{Size: 1}
	n := 0
	for _, err := range srv.Client().AccessAudit.Failures(opts).All(context.Background()) {
		if err != nil {
			t.Fatalf("All, after %d of 3 entries: %v", n, err)
		}
		n++
	}
	n = 0
	for _, err := range srv.Client().AccessAudit.Failures(opts).Feed(riskcloud.Cursor{}).Poll(context.Background()) {
		if err != nil {
			t.Fatalf("Poll, after %d of 3 entries: %v", n, err)
		}
		n++
	}
}
