package riskcloud

import (
	"math/rand/v2"
	"testing"
)

// TestIDSet_matchesAMap: add reports new exactly when a map would, for
// hashes with every low-bit pattern (the table indexes by them), repeats,
// and 0, across growth.
func TestIDSet_matchesAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var s idSet
	m := map[uint64]bool{}
	for i := range 200_000 {
		var h uint64
		switch i % 4 {
		case 0:
			h = rng.Uint64()
		case 1:
			h = uint64(rng.IntN(5000)) << 40 // equal low bits: long probe runs
		case 2:
			h = uint64(rng.IntN(3000)) // small, 0 among them
		default:
			h = rng.Uint64N(1 << 20)
		}
		if got, want := s.add(h), !m[h]; got != want {
			t.Fatalf("add(%#x) after %d adds = %v, want %v", h, i, got, want)
		}
		m[h] = true
	}
}
