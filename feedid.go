package riskcloud

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
)

// digest is the first 16 bytes of the SHA-256 of an entry's identity (v1:
// its bytes, without surrounding space; v2: its id). A Cursor keeps 8 of
// them; a weaker hash would let whoever controls part of an entry (a
// remote address, a user name) craft one that a cursor takes for an entry
// already yielded, and so hide it from the SIEM.
type digest [16]byte

func digestOf(identity []byte) digest {
	sum := sha256.Sum256(bytes.TrimSpace(identity))
	return digest(sum[:16])
}

// sum is what a Cursor keeps of d.
func (d digest) sum() uint64 { return binary.BigEndian.Uint64(d[:8]) }

// id is the stable id of the twin-th entry (from 0) with identity d: d
// itself for the first, so that an entry without twins needs no second
// hash.
func (d digest) id(twin int) string {
	if twin > 0 {
		var b [24]byte
		copy(b[:], d[:])
		binary.BigEndian.PutUint64(b[16:], uint64(twin))
		sum := sha256.Sum256(b[:])
		d = digest(sum[:16])
	}
	var out [32]byte
	hex.Encode(out[:], d[:])
	return string(out[:])
}

// EntryID returns the stable identifier of a v1 entry: 32 hex digits
// derived from its bytes (Raw, without surrounding space) and its position
// among the entries with exactly those bytes (identical twins, from 0,
// oldest first). It is the same in every run for the same entry, so a sink
// can drop what it already holds after a crash. A [Feed] sets Entry.ID to
// it; a plain walk ([Pager.All]) leaves Entry.ID empty, since it cannot
// know how many twins of an entry lie beyond where it stops.
func EntryID(e Entry, twin int) string { return digestOf(e.Raw).id(twin) }

// listingPrint identifies a listing and its filters (not its paging, Since
// or Until), so that a Cursor saved by a feed of one listing is refused by
// a feed of another.
func listingPrint(parts ...string) uint32 {
	h := fnv.New32a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum32()
}
