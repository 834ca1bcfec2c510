package riskcloud_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
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

// TestCursor_textUnder18KB holds the Cursor doc's bound ("its text is
// under 18 KB") for full cursors (MaxCursorEntries distinct entries): one
// entry a millisecond, entries spread across a 5-minute lag, and 100,000
// entries within a few milliseconds. Each remembered entry's time was
// written whole (6 bytes of varint for a time of 2026), which made a
// cursor of 1024 entries 20.5 KB of text.
func TestCursor_textUnder18KB(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		n    int
		step time.Duration
		buf  int
	}{
		{"a millisecond apart", 5000, time.Millisecond, 0},
		{"across 5 minutes", 1100, 5 * time.Minute / 1100, 0},
		{"100k in a few ms", 100_000, 50 * time.Nanosecond, 0},
	} {
		srv := newServer(t, 0, riskcloudtest.WithMaxPageSize(0))
		base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
		es := make([]riskcloud.Entry, tc.n)
		for i := range es {
			es[i] = riskcloud.Entry{Type: riskcloud.Login, Timestamp: base.Add(time.Duration(i) * tc.step),
				RemoteAddress: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)}
		}
		srv.Add(es...)
		f := newTestClient(t, srv).AccessAudit.Logins(&riskcloud.ListOptions{Size: 5000}).Feed(riskcloud.Cursor{})
		f.Buffer = tc.buf
		n := len(drainFeed(t, f))
		text, _ := f.Cursor().MarshalText()
		t.Logf("%s: %d yielded, cursor %d bytes", tc.name, n, len(text))
		if len(text) >= 18_000 {
			t.Errorf("%s: cursor text is %d bytes, not under 18 KB", tc.name, len(text))
		}
	}
}

// TestFeed_v2_smallBufferReachesNow: a v2 poll that reads in windows of
// time widens a window after one that held little. With a Buffer under 4,
// "little" (under Buffer/4) was nothing at all, so the windows kept the
// width of the densest one, a millisecond, and crawled a millisecond a
// request from an hour-old log to now: millions of requests.
func TestFeed_v2_smallBufferReachesNow(t *testing.T) {
	t.Parallel()
	for _, buffer := range []int{1, 2, 3, 4, 7} {
		srv := feedLog(t, 60)
		f := newTestClient(t, srv).Audits.Access(&riskcloud.AccessAuditOptions{Size: 10}).Feed(riskcloud.Cursor{})
		f.Buffer = buffer
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		n := 0
		for _, err := range f.Poll(ctx) {
			if err != nil {
				t.Fatalf("Buffer %d: %v after %d entries and %d requests", buffer, err, n, srv.Stats().PageRequests)
			}
			n++
		}
		cancel()
		reqs := srv.Stats().PageRequests
		t.Logf("Buffer %d: %d entries in %d requests", buffer, n, reqs)
		if n != 60 || reqs > 2000 {
			t.Errorf("Buffer %d: %d entries in %d requests; want 60 in far fewer", buffer, n, reqs)
		}
	}
}

// TestFeed_v1_entriesWithoutTime: v1 entries without a timestamp are
// yielded once, by the first poll, and not again, however many. Past
// MaxCursorEntries of them, the cursor raised its floor to the millisecond
// after "no time" (minMillis+1), which lies before the zero time that
// stands for no time: every later poll read them all again as new.
func TestFeed_v1_entriesWithoutTime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ untimed, timed int }{{10, 0}, {10, 20}, {1100, 0}, {1100, 5}} {
		srv := newServer(t, 0)
		base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
		for i := range tc.untimed {
			srv.Add(riskcloud.Entry{Type: riskcloud.Login, RemoteAddress: fmt.Sprintf("10.4.%d.%d", i/256, i%256)})
		}
		for i := range tc.timed {
			srv.Add(riskcloud.Entry{Type: riskcloud.Login, Timestamp: base.Add(time.Duration(i) * time.Millisecond), RemoteAddress: "10.5.0.1"})
		}
		c := newTestClient(t, srv)
		var cur riskcloud.Cursor
		for round := range 3 {
			f := c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 300}).Feed(cur)
			n := len(drainFeed(t, f))
			want := 0
			if round == 0 {
				want = tc.untimed + tc.timed
			}
			if n != want {
				t.Errorf("%d without a time, %d with: poll %d yielded %d, want %d", tc.untimed, tc.timed, round, n, want)
			}
			text, _ := f.Cursor().MarshalText()
			if err := cur.UnmarshalText(text); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestFeed_v1_untimedArrivalAfterTheFirstPoll: an entry without a time
// that arrives after the first poll is never yielded: a poll skips what
// lies below its floor, and no time counts as below any. The README's "A
// feed" says so ("What it cannot see"); this holds the feed to it, so that
// a change to it is a decision, not an accident.
func TestFeed_v1_untimedArrivalAfterTheFirstPoll(t *testing.T) {
	t.Parallel()
	srv := feedLog(t, 5)
	c := newTestClient(t, srv)
	f := c.AccessAudit.Logins(nil).Feed(riskcloud.Cursor{})
	drainFeed(t, f)
	srv.Add(riskcloud.Entry{Type: riskcloud.Login, RemoteAddress: "10.6.0.1"})
	if n := len(drainFeed(t, c.AccessAudit.Logins(nil).Feed(f.Cursor()))); n != 0 {
		t.Fatalf("a poll after an entry without a time arrived yielded %d, want 0, as documented", n)
	}
}

// TestPager_All_prefetchLateWrite: a v1 walk with Prefetch loses an entry
// when, between two requests, an entry is written late behind the walk's
// frontier (stamped before entries already yielded) as retention deletes
// the oldest: the count stays put, the entries past the late one shift a
// place, and the page requested ahead, placed by the count, starts past
// one of them. A sequential walk ends with ErrUnexpectedResponse instead. The README says a
// walk with Prefetch yields the entries of a sequential one. A Feed's lag
// window finds the entry again on the next poll, but out of order, or, if
// retention moved it, not at all; the Feed property test therefore keeps
// late writes from v1 walks with Prefetch.
func TestPager_All_prefetchLateWrite(t *testing.T) {
	t.Parallel()
	t.Skip("a known loss of the v1 walk with Prefetch, listed in the README (A v1 walk, With Prefetch): entry 1 of 3 is lost")
	base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	mk := func(i, ms int) riskcloud.Entry {
		return riskcloud.Entry{Type: riskcloud.Login, Timestamp: base.Add(time.Duration(ms) * time.Millisecond), RemoteAddress: fmt.Sprint("10.0.0.", i)}
	}
	for _, prefetch := range []int{0, 1} {
		calls := 0
		srv := newServer(t, 0, riskcloudtest.WithBeforePage(func(s *riskcloudtest.Server, _ int) {
			if calls++; calls == 3 {
				s.Add(mk(100, 15)) // between entries 1 and 2
				s.RemoveOldest(1)  // entry 0
			}
		}))
		for i := range 3 {
			srv.Add(mk(i, i*10))
		}
		seen := map[string]int{}
		var werr error
		for e, err := range newTestClient(t, srv).AccessAudit.Logins(&riskcloud.ListOptions{Size: 1, Prefetch: prefetch}).All(context.Background()) {
			if werr = err; err != nil {
				break
			}
			seen[e.RemoteAddress]++
		}
		if errors.Is(werr, riskcloud.ErrUnexpectedResponse) {
			continue // the sequential walk says it cannot reconcile the log: no silent loss
		} else if werr != nil {
			t.Fatalf("Prefetch %d: %v", prefetch, werr)
		}
		for _, addr := range []string{"10.0.0.1", "10.0.0.2"} {
			if seen[addr] != 1 {
				t.Errorf("Prefetch %d: %s, in the log for the whole walk, yielded %d times", prefetch, addr, seen[addr])
			}
		}
	}
}

// TestFeed_v2_twinsWithoutIDs: v2 entries that a server sends without an
// id are keyed by their bytes, and a Feed stamps them as v1's twins; but
// the v2 walk under the Feed takes identical bytes for one entry, so all
// twins but one are lost (5 distinct and 4 twins plus one later entry
// yield 7 ids, not 10). The API's spec gives every entry an id.
func TestFeed_v2_twinsWithoutIDs(t *testing.T) {
	t.Parallel()
	t.Skip("a known loss, listed in the README (A v2 walk): the v2 walk tells audits without an id apart by their bytes, so identical ones collapse")
	srv := newServer(t, 0)
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	add := func(i, ms int) {
		at := base.Add(time.Duration(ms) * time.Millisecond)
		raw := fmt.Sprintf(`{"type":"LOGIN","created":%d,"remoteAddress":"10.7.0.%d","details":"d","user":{"id":"u1"}}`, at.UnixMilli(), i)
		srv.AddAudits(riskcloud.AccessAudit{Type: riskcloud.AuditLogin, Created: at, Raw: []byte(raw)})
	}
	for i := range 5 {
		add(i, i)
	}
	for range 3 {
		add(9, 7)
	}
	c := newTestClient(t, srv)
	f := c.Audits.Access(&riskcloud.AccessAuditOptions{Size: 2}).Feed(riskcloud.Cursor{})
	ids := map[string]int{}
	for _, e := range drainFeed(t, f) {
		ids[e.ID]++
	}
	add(9, 7) // a fourth twin, late
	add(10, 8)
	for _, e := range drainFeed(t, c.Audits.Access(&riskcloud.AccessAuditOptions{Size: 2}).Feed(f.Cursor())) {
		ids[e.ID]++
	}
	if len(ids) != 10 {
		t.Fatalf("%d distinct ids yielded, want 10", len(ids))
	}
}
