package riskcloud_test

import (
	"context"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

func TestFeed_resumesFromSavedCursor(t *testing.T) {
	ctx := context.Background()
	srv := riskcloudtest.NewServer()
	defer srv.Close()
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	var all []riskcloud.Entry
	add := func(n int, at time.Time) {
		for i := 0; i < n; i++ {
			e := riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: at.Add(time.Duration(i%3) * time.Millisecond), RemoteAddress: "10.0.0.1", Message: "bad"}
			all = append(all, e)
			srv.Add(e)
		}
	}
	add(50, base)
	c := srv.Client(riskcloud.WithRetry(0, 0, 0))
	for _, buf := range []int{0, 7} {
		var cur riskcloud.Cursor
		got := map[string]int{}
		for round := 0; round < 4; round++ {
			f := c.AccessAudit.Failures(&riskcloud.ListOptions{Size: 5}).Feed(cur)
			f.Buffer = buf
			n := 0
			var last time.Time
			for e, err := range f.Poll(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				if e.Timestamp.Before(last) {
					t.Errorf("not oldest first")
				}
				last = e.Timestamp
				got[e.ID]++
				n++
			}
			txt, _ := f.Cursor().MarshalText()
			t.Logf("buf %d round %d: %d entries, cursor %d bytes", buf, round, n, len(txt))
			if err := cur.UnmarshalText(txt); err != nil {
				t.Fatal(err)
			}
			if round == 1 {
				add(10, base.Add(time.Duration(round)*time.Second))
			}
		}
		total := 0
		for id, k := range got {
			if k != 1 {
				t.Errorf("id %s yielded %d times", id, k)
			}
			total += k
		}
		if total != len(all) {
			t.Errorf("buf %d: %d yielded, %d in log", buf, total, len(all))
		}
	}
}
