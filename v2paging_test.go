package riskcloud_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// The v2 twins of pagination_test.go and prefetch_test.go: how a v2 walk
// starts, stops and pages. (Walks of a changing log are v2walk_test.go's
// and v2churn_test.go's.)

func TestAudits_All_rangeTwiceWalksTwice(t *testing.T) {
	t.Parallel()
	f := newServer(t, 25)
	c := newTestClient(t, f)
	seq := c.Audits.Access(&riskcloud.AccessAuditOptions{Size: 10, Page: 1}).All(context.Background())
	first, err := collect(t, seq)
	if err != nil {
		t.Fatal(err)
	}
	second, err := collect(t, seq)
	if err != nil {
		t.Fatal(err)
	}
	want := auditIDs(f)[10:]
	checkIDs(t, first, want)
	checkIDs(t, second, want)
	var pages []string
	for _, r := range f.Requests() {
		pages = append(pages, r.Query.Get("page"))
	}
	if want := []string{"1", "2", "1", "2"}; !slices.Equal(pages, want) {
		t.Errorf("pages requested = %v, want %v", pages, want)
	}
}

func TestAudits_All_breakStopsRequests(t *testing.T) {
	t.Parallel()
	for _, prefetch := range []int{0, 3} {
		t.Run(fmt.Sprint("prefetch=", prefetch), func(t *testing.T) {
			t.Parallel()
			f := newServer(t, 100)
			c := newTestClient(t, f)
			n := 0
			for _, err := range c.Audits.Access(&riskcloud.AccessAuditOptions{Size: 10, Prefetch: prefetch}).All(context.Background()) {
				if err != nil {
					t.Fatal(err)
				}
				n++
				if n == 15 {
					break
				}
			}
			// Prefetch sends up to that many requests ahead of page 1.
			if got := f.Stats().PageRequests; got < 2 || got > 2+prefetch {
				t.Errorf("requests = %d, want 2 to %d", got, 2+prefetch)
			}
		})
	}
}

func TestAudits_All_cancelEndsWalk(t *testing.T) {
	t.Parallel()
	f := newServer(t, 100)
	c := newTestClient(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	var last error
	for _, err := range c.Audits.Access(&riskcloud.AccessAuditOptions{Size: 10}).All(ctx) {
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

// TestAudits_Pages_matchesAll: Pages yields All's entries, grouped in
// numbered pages, while entries arrive before every page.
func TestAudits_Pages_matchesAll(t *testing.T) {
	t.Parallel()
	round, churn := 0, true
	f := newServer(t, 43, riskcloudtest.WithBeforePage(func(f *riskcloudtest.Server, page int) {
		if churn && round > 0 {
			arrive(f, 3, fmt.Sprintf("new%d-", round))
		}
		round++
	}))
	want := auditIDs(f)[:35]
	c := newTestClient(t, f)
	var got []riskcloud.AccessAudit
	var numbers []int
	for page, err := range c.Audits.Access(&riskcloud.AccessAuditOptions{Size: 10, Limit: 35}).Pages(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page.Content...)
		numbers = append(numbers, page.Number)
		if page.Size != 10 {
			t.Errorf("page %d Size = %d", page.Number, page.Size)
		}
	}
	checkIDs(t, got, want)
	if len(numbers) == 0 || numbers[0] != 0 || !slices.IsSorted(numbers) {
		t.Errorf("page numbers = %v, want rising from 0", numbers)
	}
	// All, on the log as it is now (it changes no more), yields its newest
	// 35, as Pages did of the log it began with.
	churn = false
	want = auditIDs(f)[:35]
	all, err := collect(t, c.Audits.Access(&riskcloud.AccessAuditOptions{Size: 10, Limit: 35}).All(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	checkIDs(t, all, want)
}

// TestAudits_Page_isOneRawRequest: Page sends one request, with the
// filters (the server's to apply) but not Limit.
func TestAudits_Page_isOneRawRequest(t *testing.T) {
	t.Parallel()
	f := newServer(t, 25)
	c := newTestClient(t, f)
	page, err := c.Audits.Access(&riskcloud.AccessAuditOptions{Size: 10, Limit: 1}).Page(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	want := riskcloud.Page[riskcloud.AccessAudit]{Number: 2, Size: 10, TotalElements: 25, TotalPages: 3, Last: true, NumberOfElements: 5}
	got := *page
	got.Content = nil
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("meta = %+v, want %+v", got, want)
	}
	checkIDs(t, page.Content, auditIDs(f)[20:])
	if n := f.Stats().PageRequests; n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}

func TestAudits_All_emptyLog(t *testing.T) {
	t.Parallel()
	f := newServer(t, 0)
	c := newTestClient(t, f)
	got, err := collect(t, c.Audits.Access(nil).All(context.Background()))
	if err != nil || len(got) != 0 {
		t.Fatalf("got %d entries, err %v", len(got), err)
	}
	if n := f.Stats().PageRequests; n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}

func TestAudits_All_errorYieldedOnce(t *testing.T) {
	t.Parallel()
	f := newServer(t, 30)
	failNext(f, riskcloudtest.Fault{Status: 403, Body: `{"status":403,"message":"Access is denied"}`})
	c := newTestClient(t, f)
	calls := 0
	for a, err := range c.Audits.Access(nil).All(context.Background()) {
		calls++
		if err == nil {
			t.Fatalf("yielded %v before the error", a)
		}
		if !errors.Is(err, riskcloud.ErrForbidden) {
			t.Errorf("err = %v, want ErrForbidden", err)
		}
		if a.ID != "" || a.Raw != nil || !a.Created.IsZero() {
			t.Errorf("entry with the error = %+v, want zero", a)
		}
	}
	if calls != 1 {
		t.Errorf("loop body ran %d times, want 1", calls)
	}
}

func TestAudits_All_serverIgnoresPage(t *testing.T) {
	t.Parallel()
	for _, omitNumber := range []bool{false, true} {
		t.Run(fmt.Sprintf("omitNumber=%v", omitNumber), func(t *testing.T) {
			t.Parallel()
			opts := []riskcloudtest.Option{riskcloudtest.WithPageIgnored()}
			if omitNumber {
				opts = append(opts, riskcloudtest.WithoutPageFields("number", "totalPages"))
			}
			f := newServer(t, 30, opts...)
			c := newTestClient(t, f)
			got, err := collect(t, c.Audits.Access(&riskcloud.AccessAuditOptions{Size: 10}).All(context.Background()))
			if !errors.Is(err, riskcloud.ErrUnexpectedResponse) {
				t.Fatalf("err = %v, want ErrUnexpectedResponse", err)
			}
			if len(got) != 10 {
				t.Errorf("yielded %d entries before the error, want 10", len(got))
			}
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

// TestAudits_All_clampedSize: a server that clamps the size asked for,
// reporting the size it used or the one asked, with or without its
// counts.
func TestAudits_All_clampedSize(t *testing.T) {
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
					opts = append(opts, riskcloudtest.WithoutPageFields("totalElements", "totalPages"))
				}
				f := newServer(t, 45, opts...)
				c := newTestClient(t, f)
				got, err := collect(t, c.Audits.Access(&riskcloud.AccessAuditOptions{Size: 5000}).All(context.Background()))
				if err != nil {
					t.Fatal(err)
				}
				checkIDs(t, got, auditIDs(f))
			})
		}
	}
}

// TestAudits_All_pageMetaMissing: v2's page object has four fields; a walk
// needs none of them.
func TestAudits_All_pageMetaMissing(t *testing.T) {
	t.Parallel()
	fields := []string{"number", "size", "totalElements", "totalPages"}
	for _, m := range append(fields, "all") {
		t.Run(m, func(t *testing.T) {
			t.Parallel()
			omit := []string{m}
			if m == "all" {
				omit = fields
			}
			f := newServer(t, 30, riskcloudtest.WithoutPageFields(omit...))
			c := newTestClient(t, f)
			got, err := collect(t, c.Audits.Access(&riskcloud.AccessAuditOptions{Size: 10}).All(context.Background()))
			if err != nil {
				t.Fatal(err)
			}
			checkIDs(t, got, auditIDs(f))
			if n := f.Stats().PageRequests; n > 4 {
				t.Errorf("requests = %d, want at most 4", n)
			}
		})
	}
}

// TestAudits_prefetch_yieldsWhatSequentialYields walks one log with and
// without Prefetch, in both of the server's orders, over sizes, start
// pages, filters and Limit: the same entries, in the same order, grouped
// in the same pages.
func TestAudits_prefetch_yieldsWhatSequentialYields(t *testing.T) {
	t.Parallel()
	log := riskcloudtest.Generate(1234, 7)
	activity := riskcloudtest.GenerateActivity(log, 7)
	since, until := log[700].Timestamp, log[100].Timestamp
	options := []riskcloud.AccessAuditOptions{
		{Size: 50}, {Size: 50, Page: 3}, {Size: 7}, {Size: 617}, {Size: 3000},
		{Size: 50, Limit: 1}, {Size: 50, Limit: 51}, {Size: 50, Page: 2, Limit: 75},
		{Size: 50, Since: since, Until: until}, {Size: 13, Type: riskcloud.AuditLogout},
		{Size: 20, UserEmail: riskcloudtest.DefaultEmail, Type: riskcloud.AuditLoginFailed, Limit: 100},
	}
	for _, oldestFirst := range []bool{false, true} {
		t.Run(fmt.Sprint("oldestFirst=", oldestFirst), func(t *testing.T) {
			t.Parallel()
			opts := []riskcloudtest.Option{riskcloudtest.WithEntries(log...)}
			if oldestFirst {
				opts = append(opts, riskcloudtest.WithOldestFirst())
			}
			srv := riskcloudtest.NewServer(opts...)
			t.Cleanup(srv.Close)
			srv.AddAudits(activity...)
			c := srv.Client()
			// Each entry once; the order is the walk's (it may read an
			// oldest-first log from its end), compared below.
			served := slices.Sorted(slices.Values(auditIDs(srv)))
			if got, err := collect(t, c.Audits.Access(&riskcloud.AccessAuditOptions{Size: 50, Prefetch: 4}).All(context.Background())); err != nil {
				t.Fatal(err)
			} else if g := slices.Sorted(slices.Values(ids(got))); !slices.Equal(g, served) {
				t.Fatalf("Prefetch 4 yielded %d entries, want each of the %d served once", len(got), len(served))
			}
			for _, o := range options {
				want, err := collect(t, c.Audits.Access(&o).All(context.Background()))
				if err != nil {
					t.Fatal(err)
				}
				if len(want) == 0 {
					t.Fatalf("%+v: nothing to walk", o)
				}
				wantPages := auditPageShapes(t, c.Audits.Access(&o))
				for _, prefetch := range []int{1, 3, riskcloud.MaxPrefetch} {
					o := o
					o.Prefetch = prefetch
					name := fmt.Sprintf("size=%d page=%d limit=%d type=%q prefetch=%d", o.Size, o.Page, o.Limit, o.Type, prefetch)
					got, err := collect(t, c.Audits.Access(&o).All(context.Background()))
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					if !slices.Equal(ids(got), ids(want)) {
						t.Errorf("%s: All yielded %d entries, want the %d a sequential walk yields, in its order", name, len(got), len(want))
					}
					if gotPages := auditPageShapes(t, c.Audits.Access(&o)); !slices.Equal(gotPages, wantPages) {
						t.Errorf("%s: Pages yielded %v, want %v", name, gotPages, wantPages)
					}
				}
			}
		})
	}
}

// auditPageShapes returns each page a Pages walk yields as
// "number:entries".
func auditPageShapes(t *testing.T, p *riskcloud.Pager[riskcloud.AccessAudit]) []string {
	t.Helper()
	var out []string
	for page, err := range p.Pages(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, strconv.Itoa(page.Number)+":"+strconv.Itoa(len(page.Content)))
	}
	return out
}

// TestAudits_prefetch_breakAndCancelStopEverything: breaking out, a
// cancel or a panic while requests sent ahead wait on a server that does
// not answer them ends the walk at once; goleak (TestMain) checks that no
// goroutine is left behind.
func TestAudits_prefetch_breakAndCancelStopEverything(t *testing.T) {
	t.Parallel()
	for _, stop := range []string{"break", "cancel", "panic"} {
		t.Run(stop, func(t *testing.T) {
			t.Parallel()
			release := make(chan struct{})
			srv := riskcloudtest.NewServer(
				riskcloudtest.WithEntries(riskcloudtest.Generate(1000, 5)...),
				riskcloudtest.WithBeforePage(func(_ *riskcloudtest.Server, page int) {
					if page > 0 {
						<-release // only page 0 is ever answered
					}
				}))
			t.Cleanup(srv.Close)
			defer close(release) // before Close, which waits for handlers

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n := 0
			var last error
			func() {
				defer func() {
					if r := recover(); r != nil && (stop != "panic" || r != "boom") {
						t.Errorf("recovered %v", r)
					}
				}()
				for _, err := range srv.Client().Audits.Access(&riskcloud.AccessAuditOptions{Size: 10, Prefetch: 8}).All(ctx) {
					if err != nil {
						last = err
						continue
					}
					n++
					switch stop {
					case "break":
						return
					case "panic":
						panic("boom")
					}
					cancel()
				}
			}()
			if n != 1 {
				t.Errorf("yielded %d entries, want 1", n)
			}
			if want := stop == "cancel"; errors.Is(last, context.Canceled) != want {
				t.Errorf("err = %v, want context.Canceled: %v", last, want)
			}
		})
	}
}
