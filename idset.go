package riskcloud

// idSet is the set of the ids (hashed) a v2 walk has yielded. The hashes
// are maphash values, already uniform, so an open-addressing table of bare
// uint64s, kept at most three quarters full, holds them in about 11 to 21
// bytes each, where a Go map of them takes about 37.
type idSet struct {
	slots []uint64 // 0 marks an empty slot; the hash 0 is kept in zero
	n     int
	zero  bool
}

// add puts h in the set and reports whether it was new.
func (s *idSet) add(h uint64) bool {
	if h == 0 {
		isNew := !s.zero
		s.zero = true
		return isNew
	}
	if 4*(s.n+1) > 3*len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return false
		case 0:
			s.slots[i] = h
			s.n++
			return true
		}
	}
}

// grow doubles the table (from 64 slots) and puts every hash back.
func (s *idSet) grow() {
	old := s.slots
	s.slots = make([]uint64, max(64, 2*len(old)))
	mask := uint64(len(s.slots) - 1)
	for _, h := range old {
		if h == 0 {
			continue
		}
		i := h & mask
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = h
	}
}
