package riskcloud_test

import (
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// Findings of an adversarial review of the v2 walk, against a server that
// shares nothing with riskcloudtest (v2adversary_server_test.go), kept as
// regression tests. Each failed before its fix.

// advBase is a time an hour before now, in ms: the log lives there.
func advBase() int64 { return time.Now().Add(-time.Hour).UnixMilli() }

// fillShape adds n entries shaped as shape.
func fillShape(s *advServer, n int, shape string) {
	base := advBase()
	ms := base
	for i := range n {
		noTs := false
		switch shape {
		case "distinct":
			ms = base + int64(i)
		case "allSame":
			ms = base
		case "runs5":
			ms = base + int64(i/5)
		case "runs40":
			ms = base + int64(i/40)
		case "someNull":
			ms = base + int64(i)
			noTs = i%7 == 3
		case "allNull":
			noTs = true
		case "random":
			ms = base + int64(s.rng.IntN(10))
		}
		s.add(ms, noTs, i%4)
	}
}

// A still log whose server sorts by id (times in no order): page 0 showed
// falling times, the walk took it for the newest, lowered created-max to
// it and left a newer entry on page 1 out of every later page. The pin
// check sees the count fall and puts the pin back.
func TestAdversary_pinNewestMisreadOrder(t *testing.T) {
	s := newAdv(1)
	s.order = "id"
	b := advBase()
	for _, d := range []int64{7, 0, 8, 4, 1} {
		s.add(b+d, false, 0)
	}
	if r := advWalk(t, s, riskcloud.AccessAuditOptions{Size: 2}, nil); !r.ok() {
		t.Errorf("%v", r)
	}
}

// An oldest-first server whose totalElements overstates by 5: the walk
// turned to read from the end, found no plausible count there, turned
// back, and again, forever, each turn counting as progress.
func TestAdversary_overstatedTotalEnds(t *testing.T) {
	s := newAdv(1)
	s.order = "old"
	s.totalMode = "plus"
	fillShape(s, 43, "distinct")
	if r := advWalk(t, s, riskcloud.AccessAuditOptions{Size: 10}, nil); r.timedOut || r.reqs > 100 {
		t.Errorf("%v", r)
	}
}

// An entry the server stamped 30 s past the client's clock, there before
// the walk began: a pin at the client's start left it out.
func TestAdversary_clockSkew(t *testing.T) {
	for _, order := range []string{"new", "old"} {
		s := newAdv(1)
		s.order = order
		fillShape(s, 10, "distinct")
		s.add(time.Now().Add(30*time.Second).UnixMilli(), false, 1)
		if r := advWalk(t, s, riskcloud.AccessAuditOptions{Size: 3}, nil); !r.ok() {
			t.Errorf("order=%s: %v", order, r)
		}
	}
}
