package riskcloud_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

func TestPager_All_walksEveryPageInOrder(t *testing.T) {
	t.Parallel()
	f := newServer(t, 95)
	c := newTestClient(t, f)

	got, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 10}).All(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	if want := tagsOf(f.Entries()); !slices.Equal(tags(t, got), want) {
		t.Fatalf("got %v\nwant %v", tags(t, got), want)
	}
	if n := f.Stats().PageRequests; n != 10 {
		t.Errorf("requests = %d, want 10 (stop on last)", n)
	}
	for i, r := range f.Requests() {
		if r.Query.Get("page") != strconv.Itoa(i) || r.Query.Get("size") != "10" {
			t.Errorf("request %d query = %v", i, r.Query)
		}
		if string(r.Authorization) != "Bearer "+testToken {
			t.Errorf("request %d Authorization = %q", i, string(r.Authorization))
		}
	}
}

func TestPager_All_entryFields(t *testing.T) {
	t.Parallel()
	f := newServer(t, 0)
	addFor(f, mixed(4))
	c := newTestClient(t, f)

	got, err := collect(t, c.AccessAudit.Failures(nil).All(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	// mixed: entries 0 and 3 are failures.
	if len(got) != 2 {
		t.Fatalf("got %d failures, want 2", len(got))
	}
	e := got[1]
	want := riskcloud.Entry{
		Type:          riskcloud.LoginFail,
		Timestamp:     logEnd.Add(-3 * time.Second),
		Message:       "Bad credentials",
		RemoteAddress: "10.0.0.3",
	}
	if e.Type != want.Type || !e.Timestamp.Equal(want.Timestamp) || e.Timestamp.Location() != time.UTC ||
		e.Message != want.Message || e.RemoteAddress != want.RemoteAddress {
		t.Errorf("entry = %+v, want %+v", e, want)
	}
	if want := f.Entries()[3].Raw; string(e.Raw) != string(want) {
		t.Errorf("Raw = %s, want %s", e.Raw, want)
	}
}

func TestAccessAudit_endpointsAndFilters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		pager func(*riskcloud.Client) *riskcloud.Pager[riskcloud.Entry]
		path  string
		query map[string]string
		want  func(userEntry) bool
	}{
		{"logins", func(c *riskcloud.Client) *riskcloud.Pager[riskcloud.Entry] {
			return c.AccessAudit.Logins(nil)
		}, "/api/v1/access-audit/logins", map[string]string{"page": "0"},
			func(e userEntry) bool { return e.entry.Type == riskcloud.Login }},
		{"failures of one user", func(c *riskcloud.Client) *riskcloud.Pager[riskcloud.Entry] {
			return c.AccessAudit.Failures(&riskcloud.ListOptions{Email: "bob@example.com"})
		}, "/api/v1/access-audit/failures", map[string]string{"page": "0", "email": "bob@example.com"},
			func(e userEntry) bool { return e.entry.Type == riskcloud.LoginFail && e.email == "bob@example.com" }},
		{"attempts", func(c *riskcloud.Client) *riskcloud.Pager[riskcloud.Entry] {
			return c.AccessAudit.Attempts(testEmail, &riskcloud.ListOptions{Size: 7})
		}, "/api/v1/access-audit", map[string]string{"page": "0", "size": "7", "email": testEmail},
			func(e userEntry) bool { return e.email == testEmail }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newServer(t, 0)
			log := mixed(30)
			addFor(f, log)
			c := newTestClient(t, f)
			got, err := collect(t, tt.pager(c).All(context.Background()))
			if err != nil {
				t.Fatal(err)
			}
			var want []riskcloud.Entry
			for _, e := range log {
				if tt.want(e) {
					want = append(want, e.entry)
				}
			}
			if !slices.Equal(tags(t, got), tagsOf(want)) {
				t.Errorf("got %v, want %v", tags(t, got), tagsOf(want))
			}
			r := f.Requests()[0]
			if r.Path != testPrefix+tt.path {
				t.Errorf("path = %q, want %q", r.Path, testPrefix+tt.path)
			}
			if len(r.Query) != len(tt.query) {
				t.Errorf("query = %v, want %v", r.Query, tt.query)
			}
			for k, v := range tt.query {
				if r.Query[k][0] != v {
					t.Errorf("query %s = %v, want %q", k, r.Query[k], v)
				}
			}
		})
	}
}

// TestPager_All_growingLog inserts entries at the head of the log between
// page requests: every later page shifts, and each entry that existed when
// the walk began must come out exactly once, in order.
func TestPager_All_growingLog(t *testing.T) {
	t.Parallel()
	const size = 10
	tests := []struct {
		name     string
		arrivals int
		before   func(round int) bool // insert before this request?
	}{
		{"once before page 1", 1, func(r int) bool { return r == 1 }},
		{"once before page 2", size - 1, func(r int) bool { return r == 2 }},
		{"once before page 3", size, func(r int) bool { return r == 3 }},
		{"once before page 1, 2x+1", 2*size + 1, func(r int) bool { return r == 1 }},
		{"twice", size, func(r int) bool { return r == 1 || r == 4 }},
		{"before every page, 1", 1, func(r int) bool { return r > 0 }},
		{"before every page, size-1", size - 1, func(r int) bool { return r > 0 }},
		{"before every fifth page, 2x+1", 2*size + 1, func(r int) bool { return r > 0 && r%5 == 0 }},
	}
	for _, tt := range tests {
		for _, omitTotal := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/omitTotal=%v", tt.name, omitTotal), func(t *testing.T) {
				t.Parallel()
				round := 0
				f := newServer(t, 57, withoutFields(map[string]bool{"totalElements": omitTotal}),
					riskcloudtest.WithBeforePage(func(f *riskcloudtest.Server, page int) {
						if tt.before(round) {
							arrive(f, tt.arrivals, fmt.Sprintf("new%d-", round))
						}
						round++
					}))
				want := tagsOf(f.Entries())
				c := newTestClient(t, f)
				got, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: size}).All(context.Background()))
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(tags(t, got), want) {
					t.Fatalf("got  %v\nwant %v", tags(t, got), want)
				}
			})
		}
	}
}

// TestPager_All_logOutgrowsWalk: when a page's worth of entries or more
// arrives before every request, no page ever holds an entry not yet
// yielded. The walk must end with an error that says so, not spin forever
// or stop as if it were complete.
func TestPager_All_logOutgrowsWalk(t *testing.T) {
	t.Parallel()
	round := 0
	f := newServer(t, 57, riskcloudtest.WithBeforePage(func(f *riskcloudtest.Server, page int) {
		if round > 0 {
			arrive(f, 10, fmt.Sprintf("new%d-", round))
		}
		round++
	}))
	c := newTestClient(t, f)
	got, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 10}).All(context.Background()))
	if !errors.Is(err, riskcloud.ErrUnexpectedResponse) || !strings.Contains(err.Error(), "grows faster") {
		t.Fatalf("err = %v, want one saying the log grows faster than the walk", err)
	}
	if !slices.Equal(tags(t, got), tagsOf(entries(10, ""))) {
		t.Errorf("yielded %v before the error, want the first page", tags(t, got))
	}
	if n := f.Stats().PageRequests; n > 60 {
		t.Errorf("requests = %d, want a bounded number", n)
	}
}

// TestPager_All_shrinkingLog deletes the oldest entries while the walk
// runs: no entry that still exists may be skipped or doubled.
func TestPager_All_shrinkingLog(t *testing.T) {
	t.Parallel()
	const size = 10
	for _, grow := range []int{0, 3, 9} {
		for _, drop := range []int{1, 4, 11} {
			t.Run(fmt.Sprintf("grow=%d/drop=%d", grow, drop), func(t *testing.T) {
				t.Parallel()
				round := 0
				f := newServer(t, 80, riskcloudtest.WithBeforePage(func(f *riskcloudtest.Server, page int) {
					if round > 0 {
						arrive(f, grow, fmt.Sprintf("new%d-", round))
						f.RemoveOldest(drop)
					}
					round++
				}))
				orig := tagsOf(f.Entries())
				c := newTestClient(t, f)
				got, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: size}).All(context.Background()))
				if err != nil {
					t.Fatal(err)
				}
				checkExactlyOnce(t, tags(t, got), orig, tagsOf(f.Entries()))
			})
		}
	}
}

// checkExactlyOnce checks that got is orig in order, with nothing
// repeated, and holds at least every entry of orig still in the log.
func checkExactlyOnce(t *testing.T, got, orig, now []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, g := range got {
		if seen[g] {
			t.Fatalf("entry %s yielded twice\ngot %v", g, got)
		}
		seen[g] = true
	}
	inOrig := map[string]int{}
	for i, o := range orig {
		inOrig[o] = i
	}
	last := -1
	for _, g := range got {
		i, ok := inOrig[g]
		if !ok {
			t.Fatalf("entry %s did not exist when the walk began\ngot %v", g, got)
		}
		if i <= last {
			t.Fatalf("entry %s out of order\ngot %v", g, got)
		}
		last = i
	}
	for _, n := range now {
		if _, ok := inOrig[n]; ok && !seen[n] {
			t.Fatalf("entry %s, still in the log, was skipped\ngot %v", n, got)
		}
	}
}

// TestPager_All_randomDrift runs many walks against logs that gain and lose
// entries at random between requests, with random page sizes and missing
// meta fields, and checks exactly-once delivery each time.
func TestPager_All_randomDrift(t *testing.T) {
	t.Parallel()
	for seed := range uint64(300) {
		t.Run(strconv.Itoa(int(seed)), func(t *testing.T) {
			t.Parallel()
			randomDrift(t, seed, true, func(n int) []riskcloud.Entry { return entries(n, "") })
		})
	}
}

// TestPager_All_randomDriftTwins does the same with logs full of bursts of
// byte-identical entries (the same failure from the same address in the
// same millisecond), which only position and count can tell apart. The log
// only grows: with growth alone, the walk must still be exact. Without
// totalElements, identical entries at a page boundary cannot be told from
// ones shifted there by arrivals (the README says so), so every page here
// carries it.
func TestPager_All_randomDriftTwins(t *testing.T) {
	t.Parallel()
	for seed := range uint64(300) {
		t.Run(strconv.Itoa(int(seed)), func(t *testing.T) {
			t.Parallel()
			randomDrift(t, seed, false, twins, "totalElements")
		})
	}
}

// TestPager_All_twinsWithoutMeta: on a log that does not change, bursts of
// identical entries come out exactly, even with no meta at all.
func TestPager_All_twinsWithoutMeta(t *testing.T) {
	t.Parallel()
	for size := 1; size <= 7; size++ {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			t.Parallel()
			f := newServer(t, 0, riskcloudtest.WithoutPageFields("number", "size", "totalElements", "totalPages", "last"))
			f.Add(twins(60)...)
			c := newTestClient(t, f)
			got, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: size}).All(context.Background()))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(raws(got), raws(f.Entries())) {
				t.Errorf("got %d entries, want %d", len(got), f.Len())
			}
		})
	}
}

// twins makes n entries in bursts of one to four identical ones.
func twins(n int) []riskcloud.Entry {
	out := make([]riskcloud.Entry, 0, n)
	for i := 0; len(out) < n; i++ {
		e := makeEntry(i, "burst", logEnd.Add(-time.Duration(i)*time.Second), riskcloud.Login)
		for range min(1+i*7%4, n-len(out)) {
			out = append(out, e)
		}
	}
	return out
}

// randomDrift walks a random log of up to 120 entries from newLog, in pages
// of 1 to 15, with meta fields left out at random, while entries arrive at
// the head (and, if shrink, leave the tail) before each request. It checks
// that the walk yields a prefix of the original log, in order, with nothing
// doubled, that reaches at least every original entry still in the log.
func randomDrift(t *testing.T, seed uint64, shrink bool, newLog func(int) []riskcloud.Entry, keep ...string) {
	t.Helper()
	randomDriftWith(t, seed, 0, shrink, newLog, keep...)
}

// randomDriftWith is randomDrift with ListOptions.Prefetch set to prefetch.
// With prefetch and shrink, a change that deletes entries adds more than
// it deletes: a page requested ahead is checked by the log's count, which
// cannot show a change that adds and deletes the same number (the README
// says so).
func randomDriftWith(t *testing.T, seed uint64, prefetch int, shrink bool, newLog func(int) []riskcloud.Entry, keep ...string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	log := newLog(rng.IntN(120))
	orig := raws(log)
	size := 1 + rng.IntN(15)
	omit := map[string]bool{}
	for _, m := range []string{"number", "size", "totalElements", "totalPages", "last"} {
		if rng.IntN(4) == 0 && !slices.Contains(keep, m) {
			omit[m] = true
		}
	}
	// Arrivals average well under a page per request, with the odd burst
	// of more than two pages: a log that gains a page or more before every
	// request outruns any walk (see TestPager_All_logOutgrowsWalk).
	type change struct{ grow, drop int }
	var changes []change
	dropped := 0
	hook := func(f *riskcloudtest.Server, page int) {
		var c change
		// Logins arrive with time, not with requests: with pages requested
		// ahead, more requests share the same time.
		quiet := prefetch > 0 && rng.IntN(prefetch+1) != 0
		if (len(changes) > 0 || dropped > 0) && !quiet {
			switch r := rng.IntN(20); {
			case r == 0:
				c.grow = 2*size + 1
			case r < 7:
				c.grow = rng.IntN(size + 1)
			}
			if shrink && rng.IntN(3) == 0 {
				c.drop = min(rng.IntN(size+1), f.Len())
				if prefetch > 0 && c.drop > 0 && c.grow <= c.drop {
					c.grow = c.drop + 1
				}
			}
		}
		arrive(f, c.grow, fmt.Sprintf("new%d-", len(changes)))
		f.RemoveOldest(c.drop)
		dropped += c.drop
		changes = append(changes, c)
		if os.Getenv("DRIFT_TRACE") != "" { // to see what a failing seed's walk was served
			es := f.Entries()
			from, to := min(page*size, len(es)), min(page*size+size, len(es))
			t.Logf("page %d after +%d -%d (total %d): %v", page, c.grow, c.drop, len(es), tagsOf(es[from:to]))
		}
	}
	f := newServer(t, 0, withoutFields(omit), riskcloudtest.WithBeforePage(hook))
	f.Add(log...)
	c := newTestClient(t, f)
	got, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: size, Prefetch: prefetch}).All(context.Background()))
	if err != nil {
		// Without page numbers, a log that gained and lost exactly a page's
		// worth twice in a row looks just like a server that ignores page.
		n := len(changes)
		if omit["number"] && strings.Contains(err.Error(), "ignore the page parameter") && n >= 2 &&
			changes[n-1].grow == changes[n-1].drop && changes[n-1].grow%size == 0 && changes[n-1].grow > 0 &&
			changes[n-2].grow == changes[n-2].drop && changes[n-2].grow%size == 0 && changes[n-2].grow > 0 {
			return
		}
		t.Fatalf("size %d, omit %v: %v", size, omit, err)
	}
	survivors := max(0, len(orig)-dropped)
	yielded := raws(got)
	if len(yielded) < survivors || len(yielded) > len(orig) || !slices.Equal(yielded, orig[:len(yielded)]) {
		t.Fatalf("size %d, omit %v, %d of %d survive:\ngot  %v\nwant %v", size, omit, survivors, len(orig), yielded, orig)
	}
}

func raws(es []riskcloud.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = string(e.Raw)
	}
	return out
}

func TestPager_All_rangeTwiceWalksTwice(t *testing.T) {
	t.Parallel()
	f := newServer(t, 25)
	c := newTestClient(t, f)
	seq := c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 10, Page: 1}).All(context.Background())
	first, err := collect(t, seq)
	if err != nil {
		t.Fatal(err)
	}
	second, err := collect(t, seq)
	if err != nil {
		t.Fatal(err)
	}
	want := tagsOf(f.Entries()[10:])
	if !slices.Equal(tags(t, first), want) || !slices.Equal(tags(t, second), want) {
		t.Fatalf("first %v\nsecond %v\nwant %v", tags(t, first), tags(t, second), want)
	}
	var pages []string
	for _, r := range f.Requests() {
		pages = append(pages, r.Query.Get("page"))
	}
	if want := []string{"1", "2", "1", "2"}; !slices.Equal(pages, want) {
		t.Errorf("pages requested = %v, want %v", pages, want)
	}
}

func TestPager_All_breakStopsRequests(t *testing.T) {
	t.Parallel()
	f := newServer(t, 100)
	c := newTestClient(t, f)
	n := 0
	for _, err := range c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 10}).All(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 15 {
			break
		}
	}
	if got := f.Stats().PageRequests; got != 2 {
		t.Errorf("requests = %d, want 2", got)
	}
}

func TestPager_All_cancelEndsWalk(t *testing.T) {
	t.Parallel()
	f := newServer(t, 100)
	c := newTestClient(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	var last error
	for _, err := range c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 10}).All(ctx) {
		if err != nil {
			last = err
			continue // a well-behaved sequence ends after its error
		}
		n++
		if n == 5 {
			cancel()
		}
	}
	if !errors.Is(last, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", last)
	}
	if n != 5 {
		t.Errorf("yielded %d entries after cancel at 5", n)
	}
	if got := f.Stats().PageRequests; got != 1 {
		t.Errorf("requests = %d, want 1", got)
	}
}

func TestPager_All_sinceAndLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     riskcloud.ListOptions
		want     int // entries, from the newest
		requests int
	}{
		{"since is inclusive", riskcloud.ListOptions{Size: 10, Since: logEnd.Add(-24 * time.Second)}, 25, 3},
		{"since at a page boundary", riskcloud.ListOptions{Size: 10, Since: logEnd.Add(-19 * time.Second)}, 20, 3},
		{"since after the newest", riskcloud.ListOptions{Size: 10, Since: logEnd.Add(time.Second)}, 0, 1},
		{"limit", riskcloud.ListOptions{Size: 10, Limit: 13}, 13, 2},
		{"limit on a page boundary", riskcloud.ListOptions{Size: 10, Limit: 20}, 20, 2},
		{"limit beyond the log", riskcloud.ListOptions{Size: 10, Limit: 500}, 50, 5},
		{"since before limit", riskcloud.ListOptions{Size: 10, Limit: 30, Since: logEnd.Add(-4 * time.Second)}, 5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newServer(t, 50)
			c := newTestClient(t, f)
			got, err := collect(t, c.AccessAudit.Logins(&tt.opts).All(context.Background()))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(tags(t, got), tagsOf(f.Entries()[:tt.want])) {
				t.Errorf("got %v, want the newest %d", tags(t, got), tt.want)
			}
			if n := f.Stats().PageRequests; n != tt.requests {
				t.Errorf("requests = %d, want %d", n, tt.requests)
			}
		})
	}
}

func TestPager_Pages_matchesAll(t *testing.T) {
	t.Parallel()
	round := 0
	f := newServer(t, 43, riskcloudtest.WithBeforePage(func(f *riskcloudtest.Server, page int) {
		if round > 0 {
			arrive(f, 3, fmt.Sprintf("new%d-", round))
		}
		round++
	}))
	c := newTestClient(t, f)
	var got []riskcloud.Entry
	var numbers []int
	for page, err := range c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 10, Limit: 35}).Pages(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page.Content...)
		numbers = append(numbers, page.Number)
		if page.Size != 10 {
			t.Errorf("page %d Size = %d", page.Number, page.Size)
		}
	}
	if !slices.Equal(tags(t, got), tagsOf(entries(35, ""))) {
		t.Errorf("got %v", tags(t, got))
	}
	// Three arrivals before each later page: page 1 then holds entries 7..16
	// of the original log, 7 of them new, and so on: 10+7+7+7+4 = 35.
	if want := []int{0, 1, 2, 3, 4}; !slices.Equal(numbers, want) {
		t.Errorf("page numbers = %v, want %v", numbers, want)
	}
}

func TestPager_Page_isOneRawRequest(t *testing.T) {
	t.Parallel()
	f := newServer(t, 25)
	c := newTestClient(t, f)
	page, err := c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 10, Limit: 1, Since: logEnd}).Page(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	want := riskcloud.Page[riskcloud.Entry]{Number: 2, Size: 10, TotalElements: 25, TotalPages: 3, Last: true, NumberOfElements: 5}
	got := *page
	got.Content = nil
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("meta = %+v, want %+v", got, want)
	}
	if !slices.Equal(tags(t, page.Content), tagsOf(f.Entries()[20:])) {
		t.Errorf("content = %v (Since and Limit must not filter a raw page)", tags(t, page.Content))
	}
	if n := f.Stats().PageRequests; n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}

func TestPager_All_pageMetaMissing(t *testing.T) {
	t.Parallel()
	all := []string{"number", "size", "totalElements", "totalPages", "first", "last", "empty", "numberOfElements"}
	for _, m := range append(all, "all") {
		t.Run(m, func(t *testing.T) {
			t.Parallel()
			omit := map[string]bool{m: true}
			if m == "all" {
				delete(omit, "all")
				for _, a := range all {
					omit[a] = true
				}
			}
			f := newServer(t, 30, withoutFields(omit))
			c := newTestClient(t, f)
			got, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 10}).All(context.Background()))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(tags(t, got), tagsOf(f.Entries())) {
				t.Errorf("got %v", tags(t, got))
			}
			if n := f.Stats().PageRequests; n > 4 {
				t.Errorf("requests = %d, want at most 4", n)
			}
		})
	}
}

// TestPager_All_clampedSize: a server that clamps the size asked for, and
// reports the size it used or the one asked. Without last, totalElements
// and totalPages, an echoing server's short first page was once taken for
// the last, silently leaving most of the log unread.
func TestPager_All_clampedSize(t *testing.T) {
	t.Parallel()
	for _, echo := range []bool{false, true} {
		for _, noEnd := range []bool{false, true} {
			t.Run(fmt.Sprintf("echoSize=%v/noEnd=%v", echo, noEnd), func(t *testing.T) {
				t.Parallel()
				opts := []riskcloudtest.Option{riskcloudtest.WithMaxPageSize(10)}
				if echo {
					opts = append(opts, riskcloudtest.WithEchoedPageSize())
				}
				if noEnd {
					opts = append(opts, riskcloudtest.WithoutPageFields("last", "totalElements", "totalPages"))
				}
				f := newServer(t, 45, opts...)
				c := newTestClient(t, f)
				got, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 5000}).All(context.Background()))
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(tags(t, got), tagsOf(f.Entries())) {
					t.Errorf("got %d entries, want 45: %v", len(got), tags(t, got))
				}
			})
		}
	}
}

func TestPager_All_serverIgnoresPage(t *testing.T) {
	t.Parallel()
	for _, omitNumber := range []bool{false, true} {
		t.Run(fmt.Sprintf("omitNumber=%v", omitNumber), func(t *testing.T) {
			t.Parallel()
			opts := []riskcloudtest.Option{riskcloudtest.WithPageIgnored()}
			if omitNumber {
				opts = append(opts, riskcloudtest.WithoutPageFields("number", "last", "totalPages"))
			}
			f := newServer(t, 30, opts...)
			c := newTestClient(t, f)
			got, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 10}).All(context.Background()))
			if !errors.Is(err, riskcloud.ErrUnexpectedResponse) {
				t.Fatalf("err = %v, want ErrUnexpectedResponse", err)
			}
			if len(got) != 10 {
				t.Errorf("yielded %d entries before the error, want 10", len(got))
			}
			// With a number, the first wrong one gives it away; without,
			// it takes the same page three times (see position.checkAnswered).
			want := 2
			if omitNumber {
				want = 3
			}
			if n := f.Stats().PageRequests; n != want {
				t.Errorf("requests = %d, want %d", n, want)
			}
		})
	}
}

func TestPager_All_emptyLog(t *testing.T) {
	t.Parallel()
	f := newServer(t, 0)
	c := newTestClient(t, f)
	got, err := collect(t, c.AccessAudit.Logins(nil).All(context.Background()))
	if err != nil || len(got) != 0 {
		t.Fatalf("got %d entries, err %v", len(got), err)
	}
	if n := f.Stats().PageRequests; n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}

func TestPager_All_errorYieldedOnce(t *testing.T) {
	t.Parallel()
	f := newServer(t, 30)
	failNext(f, riskcloudtest.Fault{Status: 403, Body: `{"status":403,"message":"Access is denied"}`})
	c := newTestClient(t, f)
	calls := 0
	for e, err := range c.AccessAudit.Logins(nil).All(context.Background()) {
		calls++
		if err == nil {
			t.Fatalf("yielded %v before the error", e)
		}
		if !errors.Is(err, riskcloud.ErrForbidden) {
			t.Errorf("err = %v, want ErrForbidden", err)
		}
		if e.Raw != nil || !e.Timestamp.IsZero() {
			t.Errorf("entry with the error = %+v, want zero", e)
		}
	}
	if calls != 1 {
		t.Errorf("loop body ran %d times, want 1", calls)
	}
}
