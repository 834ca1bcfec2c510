package riskcloud_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// The benchmarks of issue 13: what a feed costs when nothing is new, what
// its cursor weighs, and what a first poll over a long history holds.

// BenchmarkFeed_EmptyPoll polls a feed that is caught up, over a log of
// 10,000 entries that ends now, with one entry every 10 s, so that its
// 5-minute lag window holds 30 entries: the poll that a Follow repeats
// while nothing happens. Beside it, the baseline is one hand-written
// request for the same first page, decoded with encoding/json: the least
// any poll can cost. It reports requests/poll (target: 1 on v2; on v1 the
// pages from the head to the lag window's end, here 1), the time ratio
// (feed over baseline), allocations per poll, and the cursor's size.
func BenchmarkFeed_EmptyPoll(b *testing.B) {
	const n, size = 10_000, 500
	for _, v2 := range []bool{false, true} {
		b.Run(map[bool]string{false: "v1", true: "v2"}[v2], func(b *testing.B) {
			srv := riskcloudtest.NewServer(riskcloudtest.WithRequestHistory(0))
			defer srv.Close()
			srv.Add(steadyLog(n, 10*time.Second)...)
			counter := &countingTransport{base: http.DefaultTransport}
			c := srv.Client(riskcloud.WithHTTPClient(&http.Client{Transport: counter}))
			ctx := context.Background()
			poll, cursor := benchFeed(b, c, v2, size)
			if got := poll(ctx); got == 0 {
				b.Fatal("the first poll yielded nothing")
			}
			path := map[bool]string{false: "/api/v1/access-audit/failures", true: "/api/v2/audits/access"}[v2]
			base := func() {
				if err := getFirstPage(ctx, srv, path, size); err != nil {
					b.Fatal(err)
				}
			}
			var feedTime, baseTime time.Duration
			counter.n.Store(0)
			polls := 0
			for i := 0; b.Loop(); i++ {
				// Alternate which goes first, so that neither always pays
				// for the other's garbage.
				for _, side := range [2]int{i % 2, 1 - i%2} {
					start := time.Now()
					if side == 0 {
						if got := poll(ctx); got != 0 {
							b.Fatalf("an empty poll yielded %d", got)
						}
						feedTime += time.Since(start)
						polls++
					} else {
						base()
						baseTime += time.Since(start)
					}
				}
			}
			feedRequests := counter.n.Load() // the baseline sends through its own client
			b.ReportMetric(float64(feedRequests)/float64(polls), "requests/poll")
			b.ReportMetric(float64(feedTime)/float64(baseTime), "time-ratio")
			b.ReportMetric(float64(feedTime.Microseconds())/float64(polls), "feed-µs/poll")
			b.ReportMetric(float64(baseTime.Microseconds())/float64(polls), "base-µs/poll")
			text, err := cursor().MarshalText()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(text)), "cursor-B")
		})
	}
}

// BenchmarkFeed_CursorAtCap reports the size of a cursor that remembers
// as many entries as it may (MaxCursorEntries): a log of 5,000 entries,
// ten per second, so that a 5-minute lag window holds 3,000.
func BenchmarkFeed_CursorAtCap(b *testing.B) {
	srv := riskcloudtest.NewServer(riskcloudtest.WithRequestHistory(0))
	defer srv.Close()
	srv.Add(steadyLog(5_000, 100*time.Millisecond)...)
	c := srv.Client()
	var size int
	for b.Loop() {
		poll, cursor := benchFeed(b, c, false, 1000)
		if poll(context.Background()) == 0 {
			b.Fatal("the poll yielded nothing")
		}
		text, err := cursor().MarshalText()
		if err != nil {
			b.Fatal(err)
		}
		size = len(text)
	}
	b.ReportMetric(float64(size), "cursor-B")
}

// BenchmarkFeed_FirstPoll reads 100,000 and 1,000,000 entries in pages of
// 500 with a feed's first poll (Buffer at its default, 10,000, so that it
// reads in parts: ranges of pages on v1, windows of time on v2) and, beside
// it, with Pager.All, and reports each one's peak live heap, entries/s,
// and requests/page, its requests over the n/500 pages of the log: what
// oldest first over a long history costs. The feed's peak should not grow
// with N.
func BenchmarkFeed_FirstPoll(b *testing.B) {
	const size = 500
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			srv := startBenchServer(b, benchServerConfig{Entries: n, Seed: benchSeed, MaxPageSize: size})
			counter := &countingTransport{base: benchHTTPClient(b).Transport}
			c, err := riskcloud.NewClient(srv.URL, riskcloud.WithToken(srv.Token),
				riskcloud.WithHTTPClient(&http.Client{Transport: counter, Timeout: time.Minute}))
			if err != nil {
				b.Fatal(err)
			}
			v1 := c.AccessAudit.Attempts(riskcloudtest.DefaultEmail, &riskcloud.ListOptions{Size: size})
			v2 := c.Audits.Access(&riskcloud.AccessAuditOptions{Size: size})
			cases := []struct {
				name string
				read func() error
			}{
				{"v1-feed", func() error { return readFeed(v1.Feed(riskcloud.Cursor{}), entryTime) }},
				{"v1-all", func() error { return readAll(v1, entryTime) }},
				{"v2-feed", func() error { return readFeed(v2.Feed(riskcloud.Cursor{}), auditTime) }},
				{"v2-all", func() error { return readAll(v2, auditTime) }},
			}
			for _, tc := range cases {
				b.Run(tc.name, func(b *testing.B) {
					before := counter.n.Load()
					measureLiveHeap(b, n, size, func(add func(typ string, ts time.Time, message, addr string)) error {
						benchAdd = add
						return tc.read()
					})
					b.ReportMetric(float64(counter.n.Load()-before)/(float64(b.N)*float64(n)/size), "requests/page")
				})
			}
		})
	}
}

// benchAdd is the measuring callback of the FirstPoll case being run;
// entryTime and auditTime hand it each entry.
var benchAdd func(typ string, ts time.Time, message, addr string)

func entryTime(e riskcloud.Entry) time.Time {
	benchAdd(string(e.Type), e.Timestamp, e.Message, e.RemoteAddress)
	return e.Timestamp
}

func auditTime(e riskcloud.AccessAudit) time.Time {
	benchAdd(string(e.Type), e.Created, e.Details, e.RemoteAddress)
	return e.Created
}

// readAll walks every entry of p with All, handing each to use.
func readAll[T any](p *riskcloud.Pager[T], use func(T) time.Time) error {
	for e, err := range p.All(context.Background()) {
		if err != nil {
			return err
		}
		use(e)
	}
	return nil
}

// readFeed runs one poll of feed, handing each entry to use, which
// returns its time, and fails unless they come oldest first.
func readFeed[T any](feed *riskcloud.Feed[T], use func(T) time.Time) error {
	var last time.Time
	for e, err := range feed.Poll(context.Background()) {
		if err != nil {
			return err
		}
		ts := use(e)
		if ts.Before(last) {
			return fmt.Errorf("%v after %v: not oldest first", ts, last)
		}
		last = ts
	}
	return nil
}

// steadyLog returns n failed logins, the newest now, one every gap.
func steadyLog(n int, gap time.Duration) []riskcloud.Entry {
	es := riskcloudtest.Generate(n, benchSeed)
	now := time.Now().Truncate(time.Millisecond)
	for i := range es {
		es[i].Type, es[i].Message = riskcloud.LoginFail, "Bad credentials"
		es[i].Timestamp = now.Add(-time.Duration(i) * gap)
		es[i].Raw = nil
	}
	return es
}

// benchFeed returns a poll of a new feed of c's failures (v1) or audits
// (v2), which counts what it yields, and its Cursor.
func benchFeed(b *testing.B, c *riskcloud.Client, v2 bool, size int) (func(context.Context) int, func() riskcloud.Cursor) {
	if v2 {
		return countPoll(b, c.Audits.Access(&riskcloud.AccessAuditOptions{Size: size}).Feed(riskcloud.Cursor{}))
	}
	return countPoll(b, c.AccessAudit.Failures(&riskcloud.ListOptions{Size: size}).Feed(riskcloud.Cursor{}))
}

func countPoll[T any](b *testing.B, feed *riskcloud.Feed[T]) (func(context.Context) int, func() riskcloud.Cursor) {
	return func(ctx context.Context) int {
		got := 0
		for _, err := range feed.Poll(ctx) {
			if err != nil {
				b.Fatal(err)
			}
			got++
		}
		return got
	}, feed.Cursor
}

// getFirstPage is the baseline of an empty poll: one request for page 0
// of size entries, decoded with encoding/json.
func getFirstPage(ctx context.Context, srv *riskcloudtest.Server, path string, size int) error {
	u := fmt.Sprintf("%s%s?page=0&size=%d", srv.URL, path, size)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+srv.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	// One struct for both versions' entries, as a user would write it.
	var page struct {
		Content []struct {
			ID            string          `json:"id"`
			Type          string          `json:"type"`
			Timestamp     json.RawMessage `json:"timestamp"`
			Created       json.RawMessage `json:"created"`
			Message       string          `json:"message"`
			Details       string          `json:"details"`
			RemoteAddress string          `json:"remoteAddress"`
		} `json:"content"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return err
	}
	if len(page.Content) == 0 {
		return fmt.Errorf("%s: an empty first page", path)
	}
	return nil
}

// countingTransport counts the requests sent through it.
type countingTransport struct {
	base http.RoundTripper
	n    atomic.Int64
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.base.RoundTrip(r)
}
