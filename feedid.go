package riskcloud

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
)

// identitySum is the digest a Cursor keeps of an entry's identity (v1: its
// bytes; v2: its id): the first 8 bytes of its SHA-256. A weaker hash
// would let whoever controls part of an entry (a remote address, a user
// name) craft one that a cursor takes for an entry already yielded, and so
// hide it from the SIEM.
func identitySum(identity []byte) uint64 {
	sum := sha256.Sum256(bytes.TrimSpace(identity))
	return binary.BigEndian.Uint64(sum[:8])
}

// EntryID returns the stable identifier of a v1 entry: 32 hex digits
// derived from its bytes (Raw, without surrounding space) and its position
// among the entries with exactly those bytes (identical twins, from 0,
// oldest first). It is the same in every run for the same entry, so a sink
// can drop what it already holds after a crash. A [Feed] sets Entry.ID to
// it; a plain walk ([Pager.All]) leaves Entry.ID empty, since it cannot
// know how many twins of an entry lie beyond where it stops.
func EntryID(e Entry, twin int) string {
	h := sha256.New()
	h.Write(bytes.TrimSpace(e.Raw))
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(twin)))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

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
