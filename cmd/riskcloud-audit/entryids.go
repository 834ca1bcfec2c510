package main

import (
	"bytes"

	"github.com/riskcloud-go/riskcloud"
)

// maxHeld is the most entries of one timestamp a twinNumberer holds.
const maxHeld = 100_000

// twinNumberer gives the v1 entries of a plain walk, which come newest
// first without ids, the id a feed gives them (riskcloud.EntryID): that
// id counts an entry's position among its identical twins oldest first,
// which a newest-first walk knows only once it has passed the last twin.
// Twins share their bytes, and so their timestamp: the numberer holds
// back the entries of one timestamp at a time and numbers each group of
// identical bytes from its oldest, the last seen. A walk that a limit or
// an interruption cuts within a timestamp numbers the twins it saw as if
// they were all there are; so does one that holds more than maxHeld
// entries of one timestamp (a log whose entries lack their timestamps),
// which it numbers in parts rather than hold whole.
type twinNumberer struct {
	held []riskcloud.Entry // the newest timestamp's entries not yet passed on
}

// add passes on, through out, the entries held before e if e starts a new
// timestamp, and holds e.
func (n *twinNumberer) add(e riskcloud.Entry, out func(riskcloud.Entry)) {
	if len(n.held) > 0 && (!n.held[0].Timestamp.Equal(e.Timestamp) || len(n.held) == maxHeld) {
		n.release(out)
	}
	n.held = append(n.held, e)
}

// release numbers the held entries and passes them on, newest first as
// they came.
func (n *twinNumberer) release(out func(riskcloud.Entry)) {
	held := n.held
	if len(held) == 1 {
		held[0].ID = riskcloud.EntryID(held[0], 0) // the common case: no tie
	} else {
		older := make(map[string]int, len(held)) // twins seen, by bytes
		for i := len(held) - 1; i >= 0; i-- {
			raw := string(bytes.TrimSpace(held[i].Raw))
			held[i].ID = riskcloud.EntryID(held[i], older[raw])
			older[raw]++
		}
	}
	for _, e := range held {
		out(e)
	}
	clear(held) // so that the pages the entries came from can go
	n.held = held[:0]
}
