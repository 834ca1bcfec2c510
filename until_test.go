package riskcloud_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// TestPager_All_until checks that Until skips exactly the entries newer
// than it, at any page boundary and with Since and Limit, and that Page
// stays unfiltered.
func TestPager_All_until(t *testing.T) {
	t.Parallel()
	all := riskcloudtest.Generate(200, 7)
	srv := riskcloudtest.NewServer(riskcloudtest.WithEntries(all...))
	t.Cleanup(srv.Close)
	c := srv.Client(riskcloud.WithRetry(0, time.Millisecond, time.Millisecond))
	ctx := context.Background()
	failures := filter(all, func(e riskcloud.Entry) bool { return e.Type == riskcloud.LoginFail })

	for _, tc := range []struct {
		name         string
		until, since int // indexes into failures; -1 = unset
		limit, size  int
	}{
		{"until only", 10, -1, 0, 7},
		{"until at a page edge", 14, -1, 0, 7},
		{"until and since", 5, 30, 0, 3},
		{"until equals since", 20, 20, 0, 4},
		{"until with limit", 8, -1, 5, 2},
		{"until at the newest", 0, -1, 0, 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := &riskcloud.ListOptions{Size: tc.size, Limit: tc.limit}
			opts.Until = failures[tc.until].Timestamp
			if tc.since >= 0 {
				opts.Since = failures[tc.since].Timestamp
			}
			want := filter(failures, func(e riskcloud.Entry) bool {
				return !e.Timestamp.After(opts.Until) && (opts.Since.IsZero() || !e.Timestamp.Before(opts.Since))
			})
			if tc.limit > 0 && len(want) > tc.limit {
				want = want[:tc.limit]
			}
			var got []riskcloud.Entry
			for e, err := range c.AccessAudit.Failures(opts).All(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, e)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d entries, want %d", len(got), len(want))
			}
			for i := range got {
				if string(got[i].Raw) != string(want[i].Raw) {
					t.Fatalf("entry %d = %s, want %s", i, got[i].Raw, want[i].Raw)
				}
			}
			page, err := c.AccessAudit.Failures(opts).Page(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Content) != min(tc.size, len(failures)) || string(page.Content[0].Raw) != string(failures[0].Raw) {
				t.Fatalf("Page(0) is filtered: %d entries, first %s", len(page.Content), page.Content[0].Raw)
			}
		})
	}
}

func TestPager_All_untilBeforeSince(t *testing.T) {
	t.Parallel()
	srv := riskcloudtest.NewServer()
	t.Cleanup(srv.Close)
	now := time.Now()
	opts := &riskcloud.ListOptions{Since: now, Until: now.Add(-time.Second)}
	for _, err := range srv.Client().AccessAudit.Logins(opts).All(context.Background()) {
		if !errors.Is(err, riskcloud.ErrInvalidArgument) || !strings.Contains(err.Error(), "ListOptions.Until") {
			t.Fatalf("err = %v, want ErrInvalidArgument naming ListOptions.Until", err)
		}
	}
	if n := srv.Stats().PageRequests; n != 0 {
		t.Fatalf("%d requests sent for invalid options", n)
	}
}

func filter(es []riskcloud.Entry, keep func(riskcloud.Entry) bool) []riskcloud.Entry {
	var out []riskcloud.Entry
	for _, e := range es {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}
