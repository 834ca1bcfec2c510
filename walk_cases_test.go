package riskcloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// This file holds the walks an independent reviewer's harness got wrong
// after the walk was rewritten, each in its smallest form (see also
// churn_test.go).

// TestPager_All_staticSameInstantSize1: a log that does not change, read
// one entry a page, whose entries share one millisecond (or carry no
// time), with full meta. The walk could not settle "the page follows the
// entry yielded last" against "that entry was deleted": it alternated
// pages 1 and 0 until its stall limit, 52 requests later.
func TestPager_All_staticSameInstantSize1(t *testing.T) {
	t.Parallel()
	for _, mode := range []tsMode{tsTied, tsNone} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			s := newChurnServer(1, mode, 2)
			want := s.serials()
			res := walkChurn(t, s, riskcloud.ListOptions{Size: 1}, false)
			if res.err != nil || !slices.Equal(res.got, want) {
				t.Errorf("got %v, err %v after %d requests; want %v", res.got, res.err, s.requests(), want)
			}
		})
	}
}

// TestPager_All_staticTwins: a log of bursts of identical entries that does
// not change is read exactly, whatever the page size and the meta. With
// full meta and pages of 1, a log of two identical entries lost one: the
// walk took the second for the first, shifted.
func TestPager_All_staticTwins(t *testing.T) {
	t.Parallel()
	t.Run("pair", func(t *testing.T) {
		t.Parallel()
		f := newServer(t, 0)
		e := makeEntry(7, "pair", logEnd, riskcloud.LoginFail)
		f.Add(e, e)
		c := newTestClient(t, f)
		got, err := collect(t, c.AccessAudit.Failures(&riskcloud.ListOptions{Size: 1}).All(context.Background()))
		if err != nil || len(got) != 2 {
			t.Errorf("got %d entries, err %v; want both twins", len(got), err)
		}
	})
	none := map[string]bool{}
	all := map[string]bool{"number": true, "size": true, "totalElements": true, "totalPages": true, "last": true}
	for _, omit := range []map[string]bool{none, all} {
		for size := 1; size <= 7; size++ {
			t.Run(fmt.Sprintf("size=%d/meta=%v", size, len(omit) == 0), func(t *testing.T) {
				t.Parallel()
				f := newServer(t, 0, withoutFields(omit))
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
}

// TestPager_All_shortFirstPageOfAGrowingLog: the first page is short
// because the log ends there, and no meta says so; then the log grows. The
// walk, which had taken the short page's length for the page size, must
// switch to the size asked for (or reported) once a page shows more, not
// fail. From a start page above 0, the entries it placed by the short
// length lie further on by the true size; left where they were, the walk
// went back over pages before its start and ended at the stall limit.
func TestPager_All_shortFirstPageOfAGrowingLog(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                   string
		n, size, page, arrived int
		omitSize               bool
	}{
		{"from page 0, no size", 2, 3, 0, 3, true},
		{"from page 100, size reported", 2007, 20, 100, 21, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			round := 0
			f := newServer(t, tt.n,
				withoutFields(map[string]bool{"last": true, "totalElements": true, "totalPages": true, "size": tt.omitSize}),
				riskcloudtest.WithBeforePage(func(f *riskcloudtest.Server, page int) {
					if round == 1 {
						arrive(f, tt.arrived, "new-")
					}
					round++
				}))
			want := tagsOf(f.Entries()[tt.page*tt.size:])
			c := newTestClient(t, f)
			got, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: tt.size, Page: tt.page}).All(context.Background()))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(tags(t, got), want) {
				t.Errorf("got %v, want %v", tags(t, got), want)
			}
		})
	}
}

// TestPager_All_firstPageCountSmallerThanThePage: the README says a count
// smaller than the page that carries it is ignored; on the first page it
// was not. Page 0 holds 5 entries and says totalElements 2, page 1 the
// truth, 10: the walk read 8 arrivals, jumped past page 1, and ended with
// 5 of the 10 entries of a log that did not change.
func TestPager_All_firstPageCountSmallerThanThePage(t *testing.T) {
	t.Parallel()
	for _, mode := range []tsMode{tsTied, tsNone, tsDistinct} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			s := newChurnServer(1, mode, 10)
			s.omit["last"], s.omit["totalPages"] = true, true
			want := s.serials()
			h := metaRewrite{next: s, edit: func(page int, body map[string]json.RawMessage) {
				if page == 0 {
					setJSON(body, "totalElements", "2")
				}
			}}
			c := newTestClient(t, h)
			got, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 5}).All(context.Background()))
			if err != nil {
				t.Fatal(err)
			}
			if g := serials(t, got); !slices.Equal(g, want) {
				t.Errorf("got %v, want %v", g, want)
			}
		})
	}
}

// TestPager_All_serverWrapsAround: a server whose pages past the end of
// its log start over (page n answers page n mod 10), with entries that
// carry no time and no meta. The walk remembered only its last 64 entries,
// so each wrap looked new: 15,000 entries of a 100-entry log in 3,000
// requests, and no end. It must end with an error after reading the log
// once, yielding no entry twice.
func TestPager_All_serverWrapsAround(t *testing.T) {
	t.Parallel()
	s := newChurnServer(1, tsNone, 100)
	s.bare = true
	want := s.serials()
	wrap := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		page, _ := strconv.Atoi(q.Get("page"))
		q.Set("page", strconv.Itoa(page%10))
		r2 := r.Clone(r.Context())
		r2.URL.RawQuery = q.Encode()
		s.ServeHTTP(w, r2)
	})
	c := newTestClient(t, wrap)
	got, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 10}).All(context.Background()))
	if !errors.Is(err, riskcloud.ErrUnexpectedResponse) {
		t.Fatalf("err = %v after %d entries and %d requests, want ErrUnexpectedResponse", err, len(got), s.requests())
	}
	if g := serials(t, got); !slices.Equal(g, want) {
		t.Errorf("yielded %d entries, want the log once (%d)", len(g), len(want))
	}
	// Without times, each page takes a second look at the one before.
	if n := s.requests(); n > 2*10+1 {
		t.Errorf("%d requests, want at most two for each of the 10 pages and one that wraps", n)
	}
}

// TestPrefetch_staticLogInOneInstant: on a log whose entries share one
// millisecond, each page needs a second look at the page before it, and
// that look used to make the walk distrust and request again every page
// it had requested ahead: Prefetch 8 cost 105 requests for 20 pages. With
// or without Prefetch, it costs at most two requests a page.
func TestPrefetch_staticLogInOneInstant(t *testing.T) {
	t.Parallel()
	for _, prefetch := range []int{0, 1, 4, 8} {
		t.Run(strconv.Itoa(prefetch), func(t *testing.T) {
			t.Parallel()
			s := newChurnServer(1, tsTied, 1000)
			want := s.serials()
			res := walkChurn(t, s, riskcloud.ListOptions{Size: 50, Prefetch: prefetch}, false)
			if res.err != nil || !slices.Equal(res.got, want) {
				t.Fatalf("got %d entries, err %v", len(res.got), res.err)
			}
			if n := s.requests(); n > 40 {
				t.Errorf("%d requests for 20 pages (%.2f a page), want at most 2 a page", n, float64(n)/20)
			}
		})
	}
}

// serials returns the serials of entries from a churnServer's log.
func serials(t *testing.T, es []riskcloud.Entry) []int {
	t.Helper()
	out := make([]int, len(es))
	for i, e := range es {
		out[i] = serialOf(t, e)
	}
	return out
}

// TestPager_All_clampedSizeEchoedShortPageNotLast: a server that clamps
// size 13 to 11 and echoes 13, asked for page 2 of a 37-entry log, sends
// 11 entries, last false, and a count that happens to end the log exactly
// where 13 a page would (2×13+11 = 37). The walk took the count's word
// over the server's last: false, and stopped after the page.
func TestPager_All_clampedSizeEchoedShortPageNotLast(t *testing.T) {
	t.Parallel()
	f := newServer(t, 37, riskcloudtest.WithMaxPageSize(11), riskcloudtest.WithEchoedPageSize(),
		riskcloudtest.WithoutPageFields("totalPages"))
	c := newTestClient(t, f)
	got, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 13, Page: 2}).All(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	if want := tagsOf(f.Entries()[22:]); !slices.Equal(tags(t, got), want) {
		t.Errorf("got %v, want %v", tags(t, got), want)
	}
}

// TestPager_All_countBeyondAnyPage: a count that jumps to 3,000,000,000
// made the walk ask for page 2,999,999,999 (on 32 bits, a negative page),
// find it empty, and end with no error, the entry of page 1 never yielded.
// A page past what a server can number ends the walk with an error; a
// page marked last shows such a count false.
func TestPager_All_countBeyondAnyPage(t *testing.T) {
	t.Parallel()
	for _, withLast := range []bool{false, true} {
		t.Run(fmt.Sprintf("last=%v", withLast), func(t *testing.T) {
			t.Parallel()
			countBeyondAnyPage(t, withLast)
		})
	}
}

func countBeyondAnyPage(t *testing.T, withLast bool) {
	s := newChurnServer(1, tsNone, 2)
	if !withLast {
		s.omit["last"], s.omit["totalPages"] = true, true
	}
	h := metaRewrite{next: s, edit: func(page int, body map[string]json.RawMessage) {
		if page > 0 {
			setJSON(body, "totalElements", "3000000000")
		}
	}}
	c := newTestClient(t, h)
	got, err := collect(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 1}).All(context.Background()))
	// Marked last, the page settles it: the count is ignored and the walk
	// is exact. Without an end, the count is all there is: an error.
	if withLast && (err != nil || len(got) != 2) {
		t.Fatalf("got %d entries, err = %v; want both", len(got), err)
	}
	if !withLast && !errors.Is(err, riskcloud.ErrUnexpectedResponse) {
		t.Fatalf("got %d entries, err = %v; want ErrUnexpectedResponse", len(got), err)
	}
	for _, r := range s.trace {
		if strings.Contains(r, "page 2999999999") {
			t.Errorf("asked for a page past any a server can number: %s", r)
		}
	}
}
