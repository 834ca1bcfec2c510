package riskcloud

import (
	"slices"
	"testing"
	"time"
)

// atSecond returns the fingerprint of an entry at second s after modelEpoch
// (s < 0: no time).
func atSecond(s int) fingerprint {
	if s < 0 {
		return fingerprint{sum: uint64(1000 + s)}
	}
	return fingerprint{sum: uint64(s), ts: time.UnixMilli(modelEpoch + int64(s)*1000).UTC()}
}

// TestTrim: Since ends a walk at the first entry strictly older (one
// without a time never does), Until skips those strictly newer (never one
// without a time), Limit counts what is left after Until.
func TestTrim(t *testing.T) {
	t.Parallel()
	sec := func(s int) time.Time { return time.UnixMilli(modelEpoch + int64(s)*1000).UTC() }
	tests := []struct {
		name    string
		b       bounds
		times   []int // seconds, newest first; -1: none
		yielded int
		want    []int // the indexes kept
		end     bool
	}{
		{"no bounds", bounds{}, []int{9, 8, 7}, 0, []int{0, 1, 2}, false},
		{"since inclusive", bounds{since: sec(8)}, []int{9, 8, 7, 6}, 0, []int{0, 1}, true},
		{"since: no time never ends", bounds{since: sec(8)}, []int{9, -1, 8, -1}, 0, []int{0, 1, 2, 3}, false},
		{"since: cut at the first older, even if a later one is newer", bounds{since: sec(5)}, []int{9, 4, 7}, 0, []int{0}, true},
		{"until inclusive", bounds{until: sec(8)}, []int{9, 8, 7}, 0, []int{1, 2}, false},
		{"until: no time never skipped", bounds{until: sec(8)}, []int{-1, 9, -1, 8}, 0, []int{0, 2, 3}, false},
		{"until skips all", bounds{until: sec(1)}, []int{9, 8}, 0, []int{}, false},
		{"limit reached inside", bounds{limit: 5}, []int{9, 8, 7, 6}, 3, []int{0, 1}, true},
		{"limit reached exactly", bounds{limit: 5}, []int{9, 8}, 3, []int{0, 1}, true},
		{"limit not reached", bounds{limit: 5}, []int{9}, 3, []int{0}, false},
		{"limit counts after until", bounds{limit: 2, until: sec(8)}, []int{10, 9, 8, 7, 6}, 0, []int{2, 3}, true},
		{"since, until and limit", bounds{since: sec(6), until: sec(9), limit: 10}, []int{10, 9, 7, 5}, 8, []int{1, 2}, true},
		{"since before limit", bounds{since: sec(8), limit: 2}, []int{9, 7}, 0, []int{0}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			entries := make([]int, len(tt.times))
			fingerprints := make([]fingerprint, len(tt.times))
			for i, s := range tt.times {
				entries[i], fingerprints[i] = i, atSecond(s)
			}
			orig := slices.Clone(entries)
			got, end := trim(tt.b, entries, fingerprints, tt.yielded)
			if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) || end != tt.end {
				t.Errorf("trim = %v, %v; want %v, %v", got, end, tt.want, tt.end)
			}
			if !slices.Equal(entries, orig) {
				t.Errorf("trim changed its input: %v", entries)
			}
		})
	}
}

// TestBounds_aheadEnd: the last page worth requesting ahead, from the
// page just read.
func TestBounds_aheadEnd(t *testing.T) {
	t.Parallel()
	full := pageMeta{number: true, size: true, totalElements: true, totalPages: true, last: true}
	page := func(n, m int, total int64, meta pageMeta) view {
		entries := make([]fingerprint, m)
		for i := range entries {
			entries[i] = atSecond(100 - n*10 - i)
		}
		pages := int((total + 9) / 10)
		return view{n: n, entries: entries, meta: meta, total: total, totalPages: pages, last: int64(n*10+m) >= total}
	}
	noPages := full
	noPages.totalPages, noPages.last = false, false
	noTotal := full
	noTotal.totalElements = false
	tests := []struct {
		name string
		b    bounds
		v    view
		want int
	}{
		{"to the end of the log", bounds{}, page(0, 10, 95, full), 9},
		{"totalPages says fewer", bounds{}, func() view { v := page(0, 10, 95, full); v.totalPages = 4; return v }(), 3},
		{"count only", bounds{}, page(2, 10, 95, noPages), 9},
		{"no count: nothing ahead", bounds{}, page(2, 10, 95, noTotal), 2},
		{"empty page", bounds{}, page(2, 0, 95, full), 2},
		{"last page", bounds{}, page(9, 5, 95, full), 9},
		{"short page", bounds{}, page(3, 5, 95, noPages), 3},
		{"zero count", bounds{}, func() view { v := page(0, 10, 95, noPages); v.total = 0; return v }(), 0},
		{"limit", bounds{limit: 25}, page(0, 10, 95, full), 2},
		{"limit from a later first page", bounds{limit: 25, first: 4}, page(4, 10, 95, full), 6},
		{"limit already passed", bounds{limit: 5}, page(3, 10, 95, full), 3},
		{"past since", bounds{since: time.UnixMilli(modelEpoch + 95_000)}, page(0, 10, 95, full), 0},
		{"since not reached", bounds{since: time.UnixMilli(modelEpoch + 50_000)}, page(0, 10, 95, full), 9},
		{"count beyond any page", bounds{}, page(0, 10, 1<<50, noPages), maxJavaInt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.b.aheadEnd(tt.v, 10); got != tt.want {
				t.Errorf("aheadEnd = %d, want %d", got, tt.want)
			}
		})
	}
}
