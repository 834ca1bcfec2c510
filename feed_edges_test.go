package riskcloud_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// This file ranges a Feed over what the API leaves open beyond the
// property test's log: more entries in one millisecond than a cursor
// remembers or a buffer holds, entries without a time, a server that
// ignores created-min, clamped pages, and errors mid-poll.

// pollAll polls fresh feeds from each other's cursor text until a poll
// finds nothing, and returns every entry yielded, by id.
func pollAll[T any](t *testing.T, feed func(riskcloud.Cursor) *riskcloud.Feed[T], id func(T) string) map[string]int {
	t.Helper()
	got := map[string]int{}
	var cur riskcloud.Cursor
	for range 20 {
		f := feed(cur)
		n := 0
		for e, err := range f.Poll(context.Background()) {
			if err != nil {
				t.Fatalf("Poll: %v", err)
			}
			got[id(e)]++
			n++
		}
		text, _ := f.Cursor().MarshalText()
		if err := cur.UnmarshalText(text); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return got
		}
	}
	t.Fatal("polls still find new entries in a log that does not change")
	return nil
}

func entryID(e riskcloud.Entry) string       { return e.ID }
func auditID(e riskcloud.AccessAudit) string { return e.ID }

// onceEach fails unless got holds want ids, each once.
func onceEach(t *testing.T, name string, got map[string]int, want int) {
	t.Helper()
	dup := 0
	for _, k := range got {
		if k > 1 {
			dup++
		}
	}
	if len(got) != want || dup > 0 {
		t.Errorf("%s: %d of %d entries yielded, %d of them more than once", name, len(got), want, dup)
	}
}

// TestFeed_oneMillisecondBeyondTheCursor puts more entries in one
// millisecond than a cursor remembers: a poll whose buffer holds them all
// yields them all, and the cursor's floor then rises past that
// millisecond, so that none is yielded again.
func TestFeed_oneMillisecondBeyondTheCursor(t *testing.T) {
	t.Parallel()
	oneMillisecond(t, 0, true)
	oneMillisecond(t, 500, false) // v2 reads such a millisecond whole
}

// TestFeed_oneMillisecondBeyondTheCursorInParts is the same with a buffer
// smaller than that millisecond, so that a v1 poll reads in ranges of
// pages. They split the millisecond: once the cursor forgets it (past
// MaxCursorEntries), the parts after read from past it, and the rest of
// the millisecond is never yielded, silently.
func TestFeed_oneMillisecondBeyondTheCursorInParts(t *testing.T) {
	t.Parallel()
	t.Skip("a known loss, listed in the README (A feed, What it cannot see): v1 yields 1,072 of 3,072 entries of one millisecond with Buffer 500, and no later poll yields the rest (v2's windows read such a millisecond whole)")
	oneMillisecond(t, 500, true)
}

func oneMillisecond(t *testing.T, buffer int, v1 bool) {
	const n = 3 * riskcloud.MaxCursorEntries
	srv := newServer(t, 0)
	at := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	es := make([]riskcloud.Entry, n)
	for i := range es {
		es[i] = riskcloud.Entry{Type: riskcloud.Login, Timestamp: at, RemoteAddress: "10.1." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256)}
	}
	srv.Add(es...)
	c := newTestClient(t, srv)
	name := fmt.Sprintf("Buffer %d", buffer)
	if v1 {
		onceEach(t, "v1 "+name, pollAll(t, func(k riskcloud.Cursor) *riskcloud.Feed[riskcloud.Entry] {
			f := c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 100}).Feed(k)
			f.Buffer = buffer
			return f
		}, entryID), n)
	}
	onceEach(t, "v2 "+name, pollAll(t, func(k riskcloud.Cursor) *riskcloud.Feed[riskcloud.AccessAudit] {
		f := c.Audits.Access(&riskcloud.AccessAuditOptions{Size: 100}).Feed(k)
		f.Buffer = buffer
		return f
	}, auditID), n)
}

// ignoringCreatedMin serves srv's pages as a server that ignores the
// created-min filter would: every entry up to created-max.
func ignoringCreatedMin(srv *riskcloudtest.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		q.Del("created-min")
		r.URL.RawQuery = q.Encode()
		srv.ServeHTTP(w, r)
	})
}

// TestFeed_pagesTheAPILeavesOpen: pages of one, pages clamped by the
// server below the size asked, and a v2 server that ignores created-min,
// each with buffers small enough that polls read in parts, while entries
// arrive between polls, some of them late.
func TestFeed_pagesTheAPILeavesOpen(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		size, clamp int
		ignoreMin   bool
	}{
		{"pages of one", 1, 0, false},
		{"clamped to 3", 50, 3, false},
		{"ignores created-min", 7, 0, true},
		{"ignores created-min, clamped", 20, 4, true},
	} {
		for _, buffer := range []int{0, 1, 5} {
			name := fmt.Sprintf("%s, Buffer %d", tc.name, buffer)
			srv := feedLog(t, 40, riskcloudtest.WithMaxPageSize(tc.clamp))
			var h http.Handler = srv
			if tc.ignoreMin {
				h = ignoringCreatedMin(srv)
			}
			c := newTestClient(t, h)
			v1 := func(k riskcloud.Cursor) *riskcloud.Feed[riskcloud.Entry] {
				f := c.AccessAudit.Logins(&riskcloud.ListOptions{Size: tc.size}).Feed(k)
				f.Buffer, f.Lag = buffer, time.Minute
				return f
			}
			v2 := func(k riskcloud.Cursor) *riskcloud.Feed[riskcloud.AccessAudit] {
				f := c.Audits.Access(&riskcloud.AccessAuditOptions{Size: tc.size}).Feed(k)
				f.Buffer, f.Lag = buffer, time.Minute
				return f
			}
			got1, got2 := map[string]int{}, map[string]int{}
			var cur1, cur2 riskcloud.Cursor
			for round := range 3 {
				cur1 = pollInto(t, name, v1(cur1), entryID, got1)
				cur2 = pollInto(t, name, v2(cur2), auditID, got2)
				// Arrivals, and entries written 30 s late, within the lag.
				now := time.Now().Add(-time.Hour).Add(time.Duration(round+1) * time.Second)
				for i := range 4 {
					srv.Add(riskcloud.Entry{Type: riskcloud.Login, Timestamp: now.Add(time.Duration(i) * time.Millisecond),
						RemoteAddress: fmt.Sprintf("10.2.%d.%d", round, i)})
					srv.Add(riskcloud.Entry{Type: riskcloud.Login, Timestamp: now.Add(-30 * time.Second),
						RemoteAddress: fmt.Sprintf("10.3.%d.%d", round, i)})
				}
			}
			pollInto(t, name, v1(cur1), entryID, got1)
			pollInto(t, name, v2(cur2), auditID, got2)
			onceEach(t, "v1 "+name, got1, 64)
			onceEach(t, "v2 "+name, got2, 64)
		}
	}
}

// pollInto polls f, counts what it yields in got, and returns its cursor
// through its text.
func pollInto[T any](t *testing.T, name string, f *riskcloud.Feed[T], id func(T) string, got map[string]int) riskcloud.Cursor {
	t.Helper()
	for e, err := range f.Poll(context.Background()) {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got[id(e)]++
	}
	text, _ := f.Cursor().MarshalText()
	var cur riskcloud.Cursor
	if err := cur.UnmarshalText(text); err != nil {
		t.Fatal(err)
	}
	return cur
}

// TestFeed_errorMidPoll fails the k-th page request of a run of polls
// (four 503s in a row, one more than the client retries), for every k:
// the poll yields the error, its cursor stays just past the last entry
// yielded, and the next poll goes on without loss or duplicate.
func TestFeed_errorMidPoll(t *testing.T) {
	t.Parallel()
	for _, buffer := range []int{0, 6} {
		for k := 1; k <= 12; k++ {
			name := fmt.Sprintf("Buffer %d, request %d fails", buffer, k)
			requests := 0
			srv := feedLog(t, 45, riskcloudtest.WithBeforePage(func(s *riskcloudtest.Server, _ int) {
				if requests++; requests == k {
					s.FailNext(4, riskcloudtest.Fault{Status: http.StatusServiceUnavailable})
				}
			}))
			c := newTestClient(t, srv)
			got1, got2 := map[string]int{}, map[string]int{}
			var cur1, cur2 riskcloud.Cursor
			errs := 0
			for range 6 {
				f1 := c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 4}).Feed(cur1)
				f1.Buffer = buffer
				errs += pollCounting(f1, entryID, got1)
				cur1 = f1.Cursor()
				f2 := c.Audits.Access(&riskcloud.AccessAuditOptions{Size: 4}).Feed(cur2)
				f2.Buffer = buffer
				errs += pollCounting(f2, auditID, got2)
				cur2 = f2.Cursor()
			}
			onceEach(t, "v1 "+name, got1, 45)
			onceEach(t, "v2 "+name, got2, 45)
			if errs != 1 && requests >= k+4 {
				t.Errorf("%s: %d errors yielded; want 1", name, errs)
			}
		}
	}
}

// pollCounting polls f once, counting entries by id, and returns the
// number of errors it yielded.
func pollCounting[T any](f *riskcloud.Feed[T], id func(T) string, got map[string]int) int {
	errs := 0
	for e, err := range f.Poll(context.Background()) {
		if err != nil {
			errs++
			continue
		}
		got[id(e)]++
	}
	return errs
}
