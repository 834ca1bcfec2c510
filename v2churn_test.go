package riskcloud_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// v2Churn is one walk of the v2 property test: a log in one order that
// changes before every page request but the first, as a busy Risk Cloud
// does, in every way the API leaves open.
type v2Churn struct {
	oldestFirst bool
	size        int // AccessAuditOptions.Size (0: the server's 20)
	prefetch    int
	// Per request, at most: entries created after the walk's start
	// (now, or past its pin), entries written late at the newest time
	// or a millisecond after (created before the pin, so in the walk),
	// entries written late at any time the log spans, and the oldest
	// entries deleted (retention).
	fresh, late, lateAnywhere, retained int
	budget                              int // late writes in all: the pin makes them finite
	ties                                bool
	// lateAfterNewest puts late writes after the newest time, not at it.
	lateAfterNewest bool
}

func drawV2Churn(rng *rand.Rand) v2Churn {
	sizes := []int{0, 1, 2, 3, 5, 8, 13, 40}
	c := v2Churn{oldestFirst: rng.IntN(2) == 0, size: sizes[rng.IntN(len(sizes))], ties: rng.IntN(2) == 0,
		fresh: rng.IntN(3), late: rng.IntN(3), lateAnywhere: rng.IntN(2), retained: rng.IntN(4), budget: rng.IntN(150)}
	if rng.IntN(2) == 0 {
		c.prefetch = 1 + rng.IntN(4)
		// Pages requested at once are snapshots in no known order, so an
		// entry written late behind the frontier, with a deletion hiding
		// it from the count, can move an entry between two of them unseen
		// (see idPlacer). Late writes after the newest time the first page
		// shows stay out (idPlacer.pinNewest); at or before it, they are
		// the documented limit of Prefetch, left to sequential walks here.
		c.lateAnywhere, c.lateAfterNewest = 0, true
	}
	return c
}

// churnLog is the log of one walk: what the test added, and its clock.
type churnLog struct {
	mu    sync.Mutex
	rng   *rand.Rand
	start time.Time // the walk's start, as near as the test knows it
	next  int
	// late is how many late writes may still come.
	late int
}

// audit returns a new LOGIN audit at ts by one of a few users.
func (l *churnLog) audit(ts time.Time) riskcloud.AccessAudit {
	l.next++
	u := l.rng.IntN(4)
	return riskcloud.AccessAudit{Type: riskcloud.AuditLogin, Created: ts, Details: fmt.Sprint("churn ", l.next),
		RemoteAddress: "192.0.2.7", User: riskcloud.AuditUser{ID: fmt.Sprint("u", u), Name: "User", Email: fmt.Sprintf("user%d@example.com", u)}}
}

// change stages what happens between two requests.
func (c v2Churn) change(srv *riskcloudtest.Server, l *churnLog) {
	l.mu.Lock()
	defer l.mu.Unlock()
	all := srv.Audits() // newest first
	var newest, oldest time.Time
	if len(all) > 0 {
		newest, oldest = all[0].Created, all[len(all)-1].Created
	} else {
		newest, oldest = l.start.Add(-time.Hour), l.start.Add(-time.Hour)
	}
	var add []riskcloud.AccessAudit
	for range l.rng.IntN(c.fresh + 1) {
		// Now, as a server stamps them (inside the pin's minute, which the
		// walk lowers to the newest entry once it has read it), or past
		// the pin.
		at := time.Now().Add(time.Duration(l.rng.IntN(1000)) * time.Millisecond)
		if l.late == 0 || l.rng.IntN(2) == 0 {
			at = at.Add(2 * time.Minute)
		} else {
			l.late-- // inside the pin, they are writes the walk must take in
		}
		add = append(add, l.audit(at))
	}
	for range min(l.rng.IntN(c.late+1), l.late) {
		l.late--
		after := l.rng.IntN(2)
		if c.lateAfterNewest {
			after++
		}
		add = append(add, l.audit(newest.Add(time.Duration(after)*time.Millisecond)))
	}
	for range min(l.rng.IntN(c.lateAnywhere+1), l.late) {
		l.late--
		add = append(add, l.audit(oldest.Add(time.Duration(l.rng.Int64N(int64(newest.Sub(oldest))+1))).Truncate(time.Millisecond)))
	}
	for _, a := range add {
		srv.AddAudits(a)
	}
	srv.RemoveOldest(l.rng.IntN(c.retained + 1))
}

// TestAudits_Access_exactlyOnceUnderChurn is the v2 property test: in
// either order, with ties or distinct times, any page size, with and
// without Prefetch, while entries arrive after the walk's start, are
// written late at its newest time and anywhere, and retention deletes the
// oldest, a walk yields every audit that existed for the whole walk
// exactly once, no id twice, nothing created after it started, and only
// audits the log held.
func TestAudits_Access_exactlyOnceUnderChurn(t *testing.T) {
	t.Parallel()
	seeds := churnSeeds(t, 300)
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(seed), 0x2c4))
			c := drawV2Churn(rng)
			log := &churnLog{rng: rand.New(rand.NewPCG(uint64(seed), 0x2c5)), start: time.Now(), late: c.budget}
			var requests int
			var hookMu sync.Mutex
			srv := newServer(t, 0, riskcloudtest.WithBeforePage(func(s *riskcloudtest.Server, _ int) {
				hookMu.Lock()
				requests++
				first := requests == 1
				hookMu.Unlock()
				if !first {
					c.change(s, log)
				}
			}), oldestFirstIf(c.oldestFirst))
			seedLog(srv, log, rng.IntN(120), c.ties)
			before := srv.Audits()

			start := time.Now()
			yielded := map[string]int{}
			for a, err := range newTestClient(t, srv).Audits.Access(&riskcloud.AccessAuditOptions{Size: c.size, Prefetch: c.prefetch}).All(context.Background()) {
				if err != nil {
					t.Fatalf("%+v: %v", c, err)
				}
				yielded[a.ID]++
				if yielded[a.ID] > 1 {
					t.Fatalf("%+v: id %s yielded twice", c, a.ID)
				}
				// The pin lies a minute past the start, for a client clock
				// behind the server's (maxClockSkew).
				if a.Created.After(start.Add(time.Minute)) {
					t.Fatalf("%+v: yielded %s, created %v, past the pin of a walk started at %v", c, a.ID, a.Created, start)
				}
			}
			after := map[string]bool{}
			for _, a := range srv.Audits() {
				after[a.ID] = true
			}
			for _, a := range before {
				if after[a.ID] && yielded[a.ID] == 0 {
					t.Fatalf("%+v: %s (created %v), in the log for the whole walk, was not yielded; %d yielded in %d requests",
						c, a.ID, a.Created, len(yielded), requests)
				}
			}
		})
	}
}

// seedLog fills srv with n audits an hour or so before the walk, at
// distinct milliseconds or in runs of ties.
func seedLog(srv *riskcloudtest.Server, l *churnLog, n int, ties bool) {
	ts := l.start.Add(-time.Hour).Truncate(time.Millisecond)
	for range n {
		if !ties || l.rng.IntN(3) == 0 {
			ts = ts.Add(-time.Duration(1+l.rng.IntN(3)) * time.Millisecond)
		}
		srv.AddAudits(l.audit(ts))
	}
}

func oldestFirstIf(on bool) riskcloudtest.Option {
	if on {
		return riskcloudtest.WithOldestFirst()
	}
	return func(*riskcloudtest.Server) {}
}
