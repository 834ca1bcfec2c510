package riskcloud

import "time"

// timeOrder is what the entries' times show of the server's order. Only
// neighbours within a page count: a page is one snapshot of the log, while
// the next page may hold entries that arrived at a newest-first log's head
// in between and look like a rise. So a walk in pages of one entry, or
// through pages that each hold one time, never reads the order, and reads
// forward.
//
// When the first page shows no order (one entry, or one time), the walk
// asks for the last page once and compares its times with the first
// page's: that holds across snapshots, since in a log newest first an
// entry on the last page is never newer than one that was first (an
// arrival or late write newer than it sorts before it), and oldest first
// never older.
type timeOrder struct {
	rising  bool // an entry newer than the one before it
	falling bool // an entry older than the one before it
	// anchor is the time of the first page, to compare the last page with;
	// probes is how many more looks at the last page may be taken (it may
	// come back empty, the log having shrunk); probing says one was asked
	// for, of page probe.
	anchor  time.Time
	probes  int
	probe   int
	probing bool
}

// maxProbes bounds the looks at the last page a walk takes to read the
// order, for a log that shrinks past its last page every time.
const maxProbes = 3

// observe notes the times of v's entries, and, if v is the probe (the
// last page asked for to read the order), how they compare with the first
// page's.
func (o *timeOrder) observe(v view, probe bool) {
	var prev time.Time
	for _, e := range v.entries {
		if probe {
			prev = o.anchor
		}
		if e.ts.IsZero() {
			continue
		}
		o.rising = o.rising || !prev.IsZero() && e.ts.After(prev)
		o.falling = o.falling || !prev.IsZero() && e.ts.Before(prev)
		prev = e.ts
	}
	o.probing = o.probing && !probe
}

// probeNext reports whether the walk should look at the last page, as p
// counts it, now; if so, it is o.probe.
func (o *timeOrder) probeNext(p *idPlacer) bool {
	if o.probes == 0 || o.probing || o.rising || o.falling || p.cover.backward || !p.counted {
		return false
	}
	last := (p.total - 1) / p.sizing.size
	if last <= p.cover.frontier/p.sizing.size || last > maxJavaInt {
		o.probes = 0 // the walk reaches it anyway
		return false
	}
	o.probes--
	o.probe, o.probing = int(last), true
	return true
}

// probeFrom plans looks at the last page when v, the first page, shows no
// order but has a time (see probeNext).
func (o *timeOrder) probeFrom(v view, p *idPlacer) {
	if o.rising || o.falling || p.done || !p.counted || p.cover.backward {
		return
	}
	for _, e := range v.entries {
		if !e.ts.IsZero() {
			o.anchor = e.ts
		}
	}
	if !o.anchor.IsZero() {
		o.probes = maxProbes
	}
}

// oldestFirst reports whether the times seen rise and never fall.
func (o *timeOrder) oldestFirst() bool { return o.rising && !o.falling }
