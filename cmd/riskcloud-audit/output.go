package main

import (
	"io"
	"strings"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// entryWriter writes entries in one format. Errors are kept and returned
// by the next flush or close, so that the loop writing a page stays simple.
type entryWriter interface {
	// write adds a v1 entry, after the header if it is the first.
	write(e riskcloud.Entry)
	// writeAudit adds a v2 entry, as write does; the writer's config
	// says v2, so that its columns are v2's from the first line.
	writeAudit(a riskcloud.AccessAudit)
	// flush passes what was written to the underlying writer.
	flush() error
	// close ends a complete walk: it writes the header if no entry came
	// (for formats that always have one), ends a JSON array, and flushes.
	// A walk that fails or is interrupted is flushed, not closed, so that
	// a JSON array stays unterminated and no reader takes it for whole.
	close() error
}

// formats lists the values of --format, the default first.
var formats = []string{"jsonl", "json", "csv", "table", "ocsf", "ecs"}

// writerConfig is what a format needs to know besides its destination.
type writerConfig struct {
	// terminal says that the destination is a terminal.
	terminal bool
	// noHeader leaves out the header line of CSV and table.
	noHeader bool
	// email is the address the entries were asked for (attempts EMAIL), or
	// "" when the entries belong to users the v1 API does not name.
	email string
	// v2 says that the entries are v2 access audits (audits), which name
	// their user and have an id: the formats of fixed columns (jsonl,
	// json, csv, table) add theirs, which v1 entries would leave empty.
	v2 bool
	// ids says that v1 entries carry their stable id (Entry.ID, which a
	// run sets for every entry it writes): jsonl and json add "id" after
	// email, csv an id column last, table an ID column first, as for v2.
	// OCSF and ECS write an id wherever a record has one.
	ids bool
	// version is the CLI's version, for formats that name their producer.
	version string
	// now is the clock that stamps an entry without a timestamp in the
	// formats that require one (OCSF, ECS); nil means time.Now.
	now func() time.Time
}

// newEntryWriter returns the writer of format (one of formats; anything
// else is jsonl) to w.
func newEntryWriter(format string, w io.Writer, cfg writerConfig) entryWriter {
	return &streamWriter{w: w, enc: newEncoder(format, cfg), email: cfg.email}
}

// newEncoder returns the encoder of format (one of formats; anything else
// is jsonl).
func newEncoder(format string, cfg writerConfig) encoder {
	if cfg.now == nil {
		cfg.now = time.Now
	}
	switch format {
	case "json":
		return &jsonEncoder{array: true, v2: cfg.v2, ids: cfg.ids}
	case "csv":
		return &csvEncoder{header: !cfg.noHeader, v2: cfg.v2, ids: cfg.ids}
	case "table":
		return newTableEncoder(cfg)
	case "ocsf":
		return newOCSFEncoder(cfg)
	case "ecs":
		return newECSEncoder(cfg)
	}
	return &jsonEncoder{v2: cfg.v2, ids: cfg.ids}
}

// encoder appends entries in one format to a line buffer.
type encoder interface {
	// appendEntry appends r; first says that it is the walk's first entry,
	// which a header or an array's bracket goes before.
	appendEntry(dst []byte, r *record, first bool) []byte
	// appendEnd appends what ends a complete walk of n entries.
	appendEnd(dst []byte, n int) []byte
}

// spillSize is how much a streamWriter buffers before it writes, so that
// a page of entries costs a few writes rather than one a line.
const spillSize = 32 << 10

// streamWriter writes what its encoder appends to one reused buffer, so
// that its memory stays that of a few lines whatever the export's size.
type streamWriter struct {
	w     io.Writer
	enc   encoder
	email string
	buf   []byte
	rec   record // the entry being written, here so that it is not allocated
	n     int    // entries written
	err   error
}

func (s *streamWriter) write(e riskcloud.Entry) {
	if s.err != nil {
		return
	}
	s.rec = recordOfEntry(e, s.email)
	s.writeRecord()
}

func (s *streamWriter) writeAudit(a riskcloud.AccessAudit) {
	if s.err != nil {
		return
	}
	s.rec = recordOfAudit(a)
	s.writeRecord()
}

// writeRecord appends s.rec.
func (s *streamWriter) writeRecord() {
	s.buf = s.enc.appendEntry(s.buf, &s.rec, s.n == 0)
	s.n++
	if len(s.buf) >= spillSize {
		s.writeBuf()
	}
}

func (s *streamWriter) writeBuf() {
	if s.err == nil && len(s.buf) > 0 {
		_, s.err = s.w.Write(s.buf)
	}
	s.buf = s.buf[:0]
}

func (s *streamWriter) flush() error {
	s.writeBuf()
	return s.err
}

func (s *streamWriter) close() error {
	if s.err == nil {
		s.buf = s.enc.appendEnd(s.buf, s.n)
	}
	return s.flush()
}

// headCacheSize is how many types' heads a headCache keeps: v1 has two
// types and v2 six, so that more means a server inventing types, whose
// heads are then appended field by field rather than kept.
const headCacheSize = 16

// headCache keeps, for each kind and type seen, the bytes that start an
// event of it, which are the same for every entry of that type: OCSF's
// activity, class and status, ECS's category, type and outcome.
type headCache struct {
	heads []cachedHead
	build func(dst []byte, r *record) []byte
}

type cachedHead struct {
	kind     eventKind
	typeName string
	head     []byte
}

// appendHead appends the head of r's kind and type.
func (c *headCache) appendHead(dst []byte, r *record) []byte {
	for i := range c.heads {
		if h := &c.heads[i]; h.kind == r.kind && h.typeName == r.typeName {
			return append(dst, h.head...)
		}
	}
	if len(c.heads) == headCacheSize {
		return c.build(dst, r)
	}
	// A copy of the type, so that the page it was decoded from is not
	// kept for the rest of the walk.
	head := c.build(nil, r)
	c.heads = append(c.heads, cachedHead{kind: r.kind, typeName: strings.Clone(r.typeName), head: head})
	return append(dst, head...)
}

// userCache keeps the bytes of the last user written, which for v1 is the
// same in every entry (attempts EMAIL's address, or nobody).
type userCache struct {
	user  auditUser
	bytes []byte
	valid bool
	build func(dst []byte, u auditUser) []byte
}

// appendUser appends u as build does.
func (c *userCache) appendUser(dst []byte, u auditUser) []byte {
	if !c.valid || c.user != u {
		c.bytes, c.user, c.valid = c.build(c.bytes[:0], u), u, true
	}
	return append(dst, c.bytes...)
}
