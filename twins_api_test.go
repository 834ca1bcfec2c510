package riskcloud_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// TestPager_All_twinBurstsUnderChurn walks, through the public API, logs
// of bursts of identical entries that change between requests: the walks
// that yielded one burst again and again and lost others with no error
// (see TestPosition_twinBursts for the same at position's level). Each
// burst comes out in order, each entry at most twice, and no more than
// one entry of a burst that stayed in the log is lost without an error.
func TestPager_All_twinBurstsUnderChurn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		bursts []int // oldest first
		size   int
		omit   []string
		// change stages what happens before request req (from 1).
		change func(s *riskcloudtest.Server, req int)
	}{
		// The walk: pages of 1, every field, an arrival and a
		// deletion in turn.
		{name: "pages of 1, +1 and -1 in turn", bursts: []int{4, 2, 3, 1, 3, 4, 3, 3, 3, 1}, size: 1,
			change: func(s *riskcloudtest.Server, req int) {
				if req%2 == 1 {
					arrive(s, 1, fmt.Sprintf("new%d-", req))
				} else {
					s.RemoveOldest(1)
				}
			}},
		// No totalElements, two arrivals before every other request.
		{name: "no count, +2 before every other request", bursts: []int{2, 1, 1, 3, 2, 4, 3, 4, 2, 1, 4, 3, 2}, size: 3,
			omit: []string{"totalElements"},
			change: func(s *riskcloudtest.Server, req int) {
				if req%2 == 1 {
					arrive(s, 2, fmt.Sprintf("new%d-", req))
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := 0
			srv := newServer(t, 0, riskcloudtest.WithoutPageFields(tt.omit...),
				riskcloudtest.WithBeforePage(func(s *riskcloudtest.Server, _ int) {
					if req > 0 {
						tt.change(s, req)
					}
					req++
				}))
			had := map[string]int{}
			for i, k := range tt.bursts {
				e := makeEntry(i, "burst", logEnd.Add(time.Duration(i*10)*time.Millisecond), riskcloud.Login)
				for range k {
					srv.Add(e)
				}
				had[string(e.Raw)] = k
			}
			order := raws(srv.Entries())
			got, err := collect(t, newTestClient(t, srv).AccessAudit.Logins(&riskcloud.ListOptions{Size: tt.size}).All(context.Background()))
			if p := burstProblem(order, raws(srv.Entries()), raws(got), had, err != nil); p != "" {
				t.Errorf("%s; err %v", p, err)
			}
		})
	}
}

// burstProblem returns what is wrong with a walk that yielded got from a
// log of bursts that was orig when it began (had: each burst's size) and
// is now, or "".
func burstProblem(orig, now, got []string, had map[string]int, failed bool) string {
	rank := map[string]int{}
	for _, r := range orig {
		if _, ok := rank[r]; !ok {
			rank[r] = len(rank)
		}
	}
	yields, last := map[string]int{}, -1
	for _, r := range got {
		k, ok := rank[r]
		switch {
		case !ok:
			return fmt.Sprintf("yielded %s, which arrived during the walk", r)
		case k < last:
			return fmt.Sprintf("yielded %s after a newer burst", r)
		}
		last = k
		if yields[r]++; yields[r] > 2*had[r] {
			return fmt.Sprintf("yielded a burst of %d %d times: %s", had[r], yields[r], r)
		}
	}
	stayed := map[string]int{}
	for _, r := range now {
		stayed[r]++
	}
	for r, n := range had {
		if !failed && yields[r] < min(n, stayed[r])-1 {
			return fmt.Sprintf("%d of a burst of %d stayed, %d yielded, no error: %s", stayed[r], n, yields[r], r)
		}
	}
	return ""
}
