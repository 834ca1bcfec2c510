package riskcloud

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// These tests drive idPlacer directly over a model of the v2 log: entries
// with ids and times, in whatever order the server keeps, changed between
// responses by arrivals, late writes and deletions. v2walk_test.go walks
// such logs through HTTP and riskcloudtest.

// idEntry is an entry of the model log: its id and its time in ms.
type idEntry struct {
	id uint64
	ms int64
}

// idLog is a log that the server sends in one of three orders: "newest
// first" and "oldest first" by time (ties by id, consistently), or "by
// id" (by a hash of it: an order that says nothing of time).
type idLog struct {
	order   string
	entries []idEntry // in the server's order
	nextID  uint64
}

var idOrders = []string{"newest first", "oldest first", "by id"}

func newIDLog(order string, n int, rng *rand.Rand) *idLog {
	l := &idLog{order: order}
	ms := int64(0)
	for range n {
		ms += int64(rng.IntN(3)) // ties, often
		l.add(ms)
	}
	return l
}

// compare orders entries as the server does.
func (l *idLog) compare(a, b idEntry) int {
	switch l.order {
	case "newest first":
		return cmp.Or(cmp.Compare(b.ms, a.ms), cmp.Compare(b.id, a.id))
	case "oldest first":
		return cmp.Or(cmp.Compare(a.ms, b.ms), cmp.Compare(a.id, b.id))
	}
	return cmp.Compare(a.id*0x9e3779b97f4a7c15, b.id*0x9e3779b97f4a7c15)
}

// add files a new entry at ms where the order puts it.
func (l *idLog) add(ms int64) {
	l.nextID++
	e := idEntry{id: l.nextID, ms: ms}
	i, _ := slices.BinarySearchFunc(l.entries, e, l.compare)
	l.entries = slices.Insert(l.entries, i, e)
}

// span returns the oldest and newest times, or 0, 0 for an empty log.
func (l *idLog) span() (oldest, newest int64) {
	if len(l.entries) == 0 {
		return 0, 0
	}
	oldest, newest = l.entries[0].ms, l.entries[0].ms
	for _, e := range l.entries {
		oldest, newest = min(oldest, e.ms), max(newest, e.ms)
	}
	return oldest, newest
}

// removeOldest deletes the oldest entry, as retention does.
func (l *idLog) removeOldest() {
	if len(l.entries) == 0 {
		return
	}
	oldest := slices.MinFunc(l.entries, func(a, b idEntry) int { return cmp.Or(cmp.Compare(a.ms, b.ms), cmp.Compare(a.id, b.id)) })
	l.entries = slices.DeleteFunc(l.entries, func(e idEntry) bool { return e == oldest })
}

func (l *idLog) ids() []uint64 {
	out := make([]uint64, len(l.entries))
	for i, e := range l.entries {
		out[i] = e.id
	}
	return out
}

// page answers page n of size entries as a v2 server does.
func (l *idLog) page(n, size int) view {
	total := len(l.entries)
	from, to := min(n*size, total), min(n*size+size, total)
	v := view{n: n, number: n, pageSize: size, total: int64(total), totalPages: (total + size - 1) / size,
		meta: pageMeta{number: true, size: true, totalElements: true, totalPages: true}}
	for _, e := range l.entries[from:to] {
		v.entries = append(v.entries, fingerprint{sum: e.id, ts: time.UnixMilli(1_700_000_000_000 + e.ms)})
	}
	return v
}

// idWalk walks l in pages of size with idPlacer, calling change before
// every request but the first, and returns the ids yielded, in order, and
// the number of requests.
func idWalk(t *testing.T, l *idLog, size int, change func(*idLog)) ([]uint64, int, error) {
	t.Helper()
	p := newIDPlacer(0, size)
	var yielded []uint64
	for requests := 0; ; requests++ {
		n, ok := p.next()
		if !ok {
			return yielded, requests, p.failure()
		}
		if requests > 100_000 {
			t.Fatalf("walk did not end after %d requests", requests)
		}
		if requests > 0 {
			change(l)
		}
		v := l.page(n, size)
		st, err := p.advance(v)
		if err != nil {
			return yielded, requests, err
		}
		for i := st.from; i < len(v.entries); i++ {
			if st.fresh == nil || st.fresh[i] {
				yielded = append(yielded, v.entries[i].sum)
			}
		}
	}
}

// checkExactlyOnce fails unless yielded holds each id of before that is
// still in after exactly once, and no id twice.
func checkExactlyOnce(t *testing.T, what string, yielded, before, after []uint64) {
	t.Helper()
	count := map[uint64]int{}
	for _, id := range yielded {
		count[id]++
		if count[id] > 1 {
			t.Fatalf("%s: id %d yielded twice", what, id)
		}
	}
	for _, id := range before {
		if count[id] == 0 && slices.Contains(after, id) {
			t.Fatalf("%s: id %d, in the log for the whole walk, was not yielded (%d yielded)", what, id, len(yielded))
		}
	}
}

// TestIDPlacer_timeOrderedChurn: a log sorted by time, newest or oldest
// first, with ties, gains arrivals at its new end (tied with the newest,
// often), late writes at any time it spans, and loses its oldest to
// retention, in any amounts between any two responses. Every entry there
// for the whole walk is yielded exactly once.
func TestIDPlacer_timeOrderedChurn(t *testing.T) {
	for seed := range uint64(1200) {
		rng := rand.New(rand.NewPCG(seed, 21))
		timeOrderedChurn(t, seed, rng, 1+rng.IntN(12))
	}
}

// TestIDPlacer_pagesOfOne is timeOrderedChurn in pages of one entry,
// which show no order: the last page does.
func TestIDPlacer_pagesOfOne(t *testing.T) {
	for seed := range uint64(600) {
		timeOrderedChurn(t, seed, rand.New(rand.NewPCG(seed, 23)), 1)
	}
}

func timeOrderedChurn(t *testing.T, seed uint64, rng *rand.Rand, size int) {
	t.Helper()
	order := idOrders[seed%2]
	l := newIDLog(order, rng.IntN(150), rng)
	before := l.ids()
	arrive, late, retain := rng.IntN(4), rng.IntN(3), rng.IntN(5)
	budget := rng.IntN(200) // the pin keeps arrivals finite
	yielded, _, err := idWalk(t, l, size, func(l *idLog) {
		oldest, newest := l.span()
		for range min(rng.IntN(arrive+1), budget) {
			budget--
			l.add(newest + int64(rng.IntN(2)))
		}
		for range min(rng.IntN(late+1), budget) {
			budget--
			l.add(oldest + rng.Int64N(newest-oldest+1))
		}
		for range rng.IntN(retain + 1) {
			l.removeOldest()
		}
	})
	what := fmt.Sprintf("seed %d (%s, size %d)", seed, order, size)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	checkExactlyOnce(t, what, yielded, before, l.ids())
}

// TestIDPlacer_deletionsAnywhere: in any order, entries are deleted
// anywhere (an administrator's purge, not retention) while nothing is
// written late. Every entry left is yielded exactly once.
func TestIDPlacer_deletionsAnywhere(t *testing.T) {
	for seed := range uint64(900) {
		rng := rand.New(rand.NewPCG(seed, 22))
		order := idOrders[seed%3]
		l := newIDLog(order, rng.IntN(150), rng)
		before := l.ids()
		size := 1 + rng.IntN(12)
		rate := rng.IntN(4)
		yielded, _, err := idWalk(t, l, size, func(l *idLog) {
			for range rng.IntN(rate + 1) {
				if len(l.entries) > 0 {
					i := rng.IntN(len(l.entries))
					l.entries = slices.Delete(l.entries, i, i+1)
				}
			}
		})
		what := fmt.Sprintf("seed %d (%s, size %d)", seed, order, size)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		checkExactlyOnce(t, what, yielded, before, l.ids())
	}
}

// TestIDPlacer_oldestFirstChurn is the case that makes the placer read an
// oldest-first log from its end: between two responses, the oldest entry
// is deleted and one arrives, so the count stays. Read forward, the next
// page would start one entry later than the walk thinks, and that entry
// would be lost.
func TestIDPlacer_oldestFirstChurn(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	l := newIDLog("oldest first", 30, rng)
	before := l.ids()
	yielded, requests, err := idWalk(t, l, 3, func(l *idLog) {
		_, newest := l.span()
		l.removeOldest()
		l.add(newest + 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, "oldest first, one in and one out per request", yielded, before, l.ids())
	t.Logf("%d requests for %d entries in pages of 3", requests, len(yielded))
}

// TestIDPlacer_maskedChange pins down the change that no rule reading
// responses can see (see idPlacer) where the order cannot be read: in a
// log sorted by neither time, one entry deleted behind the frontier and
// one arriving ahead of it in the same interval leave the count as it
// was, and an entry there all along moves behind the frontier unseen. A
// placer that closes the gap shows here. Oldest first in pages of one,
// the same change is seen: the last page shows the order.
func TestIDPlacer_maskedChange(t *testing.T) {
	for _, tt := range []struct {
		order string
		size  int
		lost  int
	}{{"by id", 3, 1}, {"oldest first", 1, 0}, {"oldest first", 3, 0}} {
		l := &idLog{order: tt.order}
		for i := range 9 {
			l.add(int64(i))
		}
		before := l.ids()
		calls := 0
		yielded, _, err := idWalk(t, l, tt.size, func(l *idLog) {
			calls++
			if calls == 1 { // after the first page
				l.entries = slices.Delete(l.entries, 0, 1)
				l.entries = append(l.entries, idEntry{id: 100, ms: 100})
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		lost := 0
		for _, id := range before[1:] {
			if !slices.Contains(yielded, id) {
				lost++
			}
		}
		if lost != tt.lost {
			t.Errorf("%s, pages of %d: %d entries lost, want %d (yielded %v of %v)", tt.order, tt.size, lost, tt.lost, yielded, before)
		}
	}
}
