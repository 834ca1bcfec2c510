package riskcloud

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"maps"
	"slices"
	"time"
)

// Cursor is where a [Feed] stands in its listing: just past the last entry
// it yielded. Save it (MarshalText) once your sink has that entry, and pass
// it to [Pager.Feed] to resume; the zero Cursor has read nothing yet.
//
// A Cursor is small whatever the log: it holds a floor, below which the
// feed reads nothing again, and a digest (8 bytes of SHA-256) of each entry
// it yielded at or above the floor, at most [MaxCursorEntries] of them,
// with a count for identical twins. The floor trails the newest entry
// yielded by [Feed.Lag], so that a late entry within the lag is found on
// the next poll and told apart from those already yielded. Its text is
// about 14 KB when it remembers all it may (measured with the default lag,
// BenchmarkFeed_CursorAtCap) and never more than 32 KB; it is not meant to
// be read, and it names the listing and filters it was saved for, so that
// a feed of another one refuses it.
type Cursor struct {
	s *cursorState // nil: nothing read yet
}

// MaxCursorEntries is the most entries a [Cursor] remembers (identical
// twins count as one, with their number). Where the lag
// window holds more, the cursor keeps the newest and raises its floor past
// the others: the lag shrinks, for that cursor, to the time the newest
// MaxCursorEntries span.
const MaxCursorEntries = 1024

// cursorState is a Cursor's content. A Feed owns one and changes it in
// place; Cursor() hands out copies.
type cursorState struct {
	listing uint32    // listingPrint of the listing and filters
	floor   time.Time // entries before it are never read again
	newest  time.Time // the newest entry yielded
	// seen holds one entry per identity yielded at or above the floor,
	// sorted by time (a feed yields oldest first, so adding is nearly
	// always an append and forgetting takes from the front); counts
	// holds how many entries of each identity were yielded: identical
	// twins on v1.
	seen   []seenEntry
	counts map[uint64]uint32
}

// seenEntry is the digest of an identity (v1: an entry's bytes; v2: its
// id) yielded at ms.
type seenEntry struct {
	ms  int64 // time in epoch milliseconds, rounded down
	sum uint64
}

// IsZero reports whether c is the zero Cursor: nothing read yet.
func (c Cursor) IsZero() bool { return c.s == nil }

// clone returns a copy of s that shares nothing with it.
func (s *cursorState) clone() *cursorState {
	if s == nil {
		return nil
	}
	c := *s
	c.seen = slices.Clone(s.seen)
	c.counts = maps.Clone(s.counts)
	return &c
}

// count returns how many entries with identity sum the cursor remembers.
func (s *cursorState) count(sum uint64) uint32 { return s.counts[sum] }

// add records an entry yielded, at t with identity sum, moves the floor to
// lag before the newest entry, and forgets what falls below it. It returns
// the entry's position among the entries that share its identity (0 for
// the first), which the entry's id encodes.
func (s *cursorState) add(t time.Time, sum uint64, lag time.Duration) int {
	if s.counts == nil {
		s.counts = make(map[uint64]uint32)
	}
	twin := s.counts[sum]
	s.counts[sum] = twin + 1
	if twin == 0 {
		e := seenEntry{ms: floorMillis(t), sum: sum}
		i := len(s.seen)
		for i > 0 && s.seen[i-1].ms > e.ms {
			i-- // a late entry: keep seen sorted
		}
		s.seen = slices.Insert(s.seen, i, e)
	}
	if t.After(s.newest) {
		s.newest = t
	}
	if f := s.newest.Add(-lag); !s.newest.IsZero() && f.After(s.floor) {
		s.floor = f
	}
	s.prune()
	return int(twin)
}

// prune forgets entries below the floor, and the oldest beyond
// MaxCursorEntries, raising the floor past every millisecond it forgets.
func (s *cursorState) prune() {
	if !s.floor.IsZero() {
		s.forgetBelow(floorMillis(s.floor))
	}
	if len(s.seen) <= MaxCursorEntries {
		return
	}
	// Forget whole milliseconds, so that no millisecond is half
	// remembered: its forgotten entries would be read again as new.
	cut := s.seen[len(s.seen)-MaxCursorEntries].ms
	s.floor = time.UnixMilli(cut + 1).UTC()
	if cut == minMillis {
		// Entries without a time: the millisecond after minMillis lies
		// before the zero time that stands for none, not above it.
		s.floor = time.Time{}.Add(time.Nanosecond)
	}
	s.forgetBelow(cut + 1)
}

// forgetBelow forgets the identities seen before ms.
func (s *cursorState) forgetBelow(ms int64) {
	i := 0
	for i < len(s.seen) && s.seen[i].ms < ms {
		delete(s.counts, s.seen[i].sum)
		i++
	}
	s.seen = s.seen[i:]
}

// minMillis stands for the time of entries that have none (the zero
// time), which no lag forgets while the floor is zero.
const minMillis = -1 << 63

// floorMillis returns t in epoch milliseconds, rounded down; minMillis
// for the zero time.
func floorMillis(t time.Time) int64 {
	if t.IsZero() {
		return minMillis
	}
	return millisDown(t)
}

// cursorMagic starts a Cursor's text; its digit is the encoding's
// version.
const cursorMagic = "rc1."

// MarshalText encodes c as printable ASCII: empty for the zero Cursor.
func (c Cursor) MarshalText() ([]byte, error) {
	if c.s == nil {
		return []byte{}, nil
	}
	s := c.s
	b := binary.BigEndian.AppendUint32(nil, s.listing)
	b = appendTime(b, s.floor)
	b = appendTime(b, s.newest)
	b = binary.AppendUvarint(b, uint64(len(s.seen)))
	// Times as steps from the one before (seen is sorted): a few bytes
	// each, where whole epoch milliseconds take six.
	prev := int64(0)
	for i, e := range s.seen {
		if i == 0 {
			b = binary.AppendVarint(b, e.ms)
		} else {
			b = binary.AppendUvarint(b, uint64(e.ms-prev))
		}
		prev = e.ms
		b = binary.BigEndian.AppendUint64(b, e.sum)
		b = binary.AppendUvarint(b, uint64(s.counts[e.sum]))
	}
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	out := append([]byte(cursorMagic), make([]byte, base64.RawURLEncoding.EncodedLen(len(b)))...)
	base64.RawURLEncoding.Encode(out[len(cursorMagic):], b)
	return out, nil
}

// UnmarshalText decodes a Cursor that MarshalText encoded; empty text is
// the zero Cursor. Text that is not a cursor, or was damaged, is an error
// wrapping [ErrInvalidArgument], and leaves c as it was.
func (c *Cursor) UnmarshalText(text []byte) error {
	text = bytes.TrimSpace(text)
	if len(text) == 0 {
		*c = Cursor{}
		return nil
	}
	s, err := decodeCursor(text)
	if err != nil {
		return invalidArg("Cursor", err.Error())
	}
	*c = Cursor{s: s}
	return nil
}

var errCursorDamaged = errors.New("is damaged: its checksum does not match (was the saved text cut short or edited?)")

func decodeCursor(text []byte) (*cursorState, error) {
	rest, ok := bytes.CutPrefix(text, []byte(cursorMagic))
	if !ok {
		return nil, errors.New("is not a cursor saved by this SDK (it must start with " + cursorMagic + ")")
	}
	b := make([]byte, base64.RawURLEncoding.DecodedLen(len(rest)))
	n, err := base64.RawURLEncoding.Decode(b, rest)
	if err != nil || n < 8 {
		return nil, errCursorDamaged
	}
	b = b[:n]
	body, sum := b[:n-4], binary.BigEndian.Uint32(b[n-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, errCursorDamaged
	}
	r := cursorReader{b: body}
	s := &cursorState{listing: r.uint32()}
	s.floor = r.time()
	s.newest = r.time()
	n64 := r.uvarint()
	if n64 > MaxCursorEntries {
		return nil, errCursorDamaged
	}
	r.seen(s, int(n64))
	if r.err || len(r.b) != 0 {
		return nil, errCursorDamaged
	}
	return s, nil
}

// seen reads n remembered identities into s: times as steps from the one
// before, each identity once, every count at least 1.
func (r *cursorReader) seen(s *cursorState, n int) {
	s.seen = make([]seenEntry, 0, n)
	s.counts = make(map[uint64]uint32, n)
	for i := range n {
		var e seenEntry
		if i == 0 {
			e.ms = r.varint()
		} else {
			prev := s.seen[i-1].ms
			e.ms = prev + int64(r.uvarint())
			if e.ms < prev { // a step wraps around int64 only from minMillis
				r.err = true
			}
		}
		e.sum = r.uint64()
		c := r.uvarint()
		_, twice := s.counts[e.sum]
		if c == 0 || c > 1<<31 || twice {
			r.err = true
		}
		s.counts[e.sum] = uint32(c)
		s.seen = append(s.seen, e)
	}
}

// appendTime appends t as seconds and nanoseconds since 1970, or a single
// zero byte for the zero time.
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// cursorReader reads what MarshalText wrote, noting rather than
// returning the first error.
type cursorReader struct {
	b   []byte
	err bool
}

func (r *cursorReader) uint32() uint32 {
	if len(r.b) < 4 {
		r.err, r.b = true, nil
		return 0
	}
	v := binary.BigEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *cursorReader) uint64() uint64 {
	if len(r.b) < 8 {
		r.err, r.b = true, nil
		return 0
	}
	v := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *cursorReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *cursorReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *cursorReader) time() time.Time {
	if len(r.b) == 0 {
		r.err = true
		return time.Time{}
	}
	set := r.b[0]
	r.b = r.b[1:]
	if set == 0 {
		return time.Time{}
	}
	sec, ns := r.varint(), r.uvarint()
	if set != 1 || ns >= 1e9 {
		r.err = true
	}
	return time.Unix(sec, int64(ns)).UTC()
}
