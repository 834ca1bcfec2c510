package riskcloud_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
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

// TestFeed_v1LateEntryAtTheHead: a v1 server that lists entries by when
// they arrived puts a late one, stamped before the lag window, at the head
// of its first page, before a newer entry. The read must not end at the
// late entry, as a walk with Since would, or the newer one is never read:
// every later poll meets the late entry first.
func TestFeed_v1LateEntryAtTheHead(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	entry := func(ts time.Time, addr string) string {
		return fmt.Sprintf(`{"type":"LoginFail","timestamp":%d,"message":"Bad credentials","remoteAddress":%q}`, ts.UnixMilli(), addr)
	}
	var mu sync.Mutex
	log := []string{entry(t0.Add(time.Second), "10.0.0.2"), entry(t0, "10.0.0.1")} // by arrival, newest first
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		page := 0
		fmt.Sscan(r.URL.Query().Get("page"), &page)
		content := []string{}
		if page == 0 {
			content = log
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"content":[%s],"number":%d,"size":20,"totalElements":%d,"totalPages":1,"last":%t}`,
			strings.Join(content, ","), page, len(log), page >= 0)
	}))
	defer srv.Close()
	c, err := riskcloud.NewClient(srv.URL, riskcloud.WithToken("t"), riskcloud.WithRetry(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	poll := func(cur riskcloud.Cursor) ([]string, riskcloud.Cursor) {
		feed := c.AccessAudit.Failures(nil).Feed(cur)
		var got []string
		for e, err := range feed.Poll(context.Background()) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, e.RemoteAddress)
		}
		return got, feed.Cursor()
	}
	got, cur := poll(riskcloud.Cursor{})
	if want := []string{"10.0.0.1", "10.0.0.2"}; !slices.Equal(got, want) {
		t.Fatalf("first poll: %v, want %v", got, want)
	}
	mu.Lock()
	log = append([]string{entry(t0.Add(-time.Hour), "10.0.0.9"), entry(t0.Add(2*time.Second), "10.0.0.3")}, log...)
	mu.Unlock()
	if got, _ = poll(cur); !slices.Equal(got, []string{"10.0.0.3"}) {
		t.Fatalf("second poll: %v, want [10.0.0.3] (the entry an hour late is past the lag)", got)
	}
}
