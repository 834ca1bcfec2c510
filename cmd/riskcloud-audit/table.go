package main

import (
	"unicode/utf8"

	"github.com/riskcloud-go/riskcloud"
)

// The widths of the table's columns: what each can hold, so that no
// column moves between pages (a tabwriter flushed page by page moved TYPE
// when the first LoginFail came). MESSAGE, last, is as long as it is.
const (
	// tableTimeWidth is len(timeLayout).
	tableTimeWidth = len(timeLayout)
	// tableAddressWidth holds any IPv6 address in its canonical text
	// (8 groups of 4 hex digits), the longest an address usually is.
	tableAddressWidth = len("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
	// tableGap separates columns.
	tableGap = "  "
)

// tableTypes are the types the TYPE column is sized for, v1's and v2's: a
// type the API adds later is written whole, moving the rest of its row
// only.
var (
	tableTypes   = []string{string(riskcloud.Login), string(riskcloud.LoginFail)}
	tableV2Types = []string{string(riskcloud.AuditLogin), string(riskcloud.AuditLogout), string(riskcloud.AuditLoginFailed),
		string(riskcloud.AuditCredentialsRolled), string(riskcloud.AuditTokenRolled), string(riskcloud.AuditOther)}
)

// tableUserEmailWidth is the EMAIL column's width for v2 entries, each of
// which names its own user: most addresses fit; a longer one moves the
// rest of its own row only, as an unknown type does.
const tableUserEmailWidth = 32

// tableEncoder writes an aligned table for reading on a terminal, its
// cells stripped of control sequences (sanitizeTerminal).
//
// v1 entries name nobody: with attempts EMAIL an EMAIL column shows the
// address asked for, so that a row copied elsewhere still says whose it
// is; without, the column would be empty in every row and is left out.
// v2 entries (audits) have an ID column first, as wide as the first
// entry's id (a server's ids are all alike: a UUID, or a short key), and
// an EMAIL column with each entry's user; v1 entries have the ID column
// too when they carry ids (writerConfig.ids), 32 hex digits each. The user's id and name are left
// to the formats for programs: a person reads the email.
type tableEncoder struct {
	header     bool
	v2         bool
	idColumn   bool   // v2, or v1 entries with ids: an ID column first
	email      string // sanitised; v1 only
	emailWidth int    // the email's, or its header's if wider; v2: tableUserEmailWidth
	typeWidth  int
	idWidth    int // set by the first entry
	// emailCell is the EMAIL cell of every v1 row, padded, with its gap;
	// "" without the column.
	emailCell string
	stamps    timestamper
}

func newTableEncoder(cfg writerConfig) *tableEncoder {
	if cfg.v2 {
		t := tableEncoder{header: !cfg.noHeader, v2: true, idColumn: true, emailWidth: tableUserEmailWidth}
		for _, typ := range tableV2Types {
			t.typeWidth = max(t.typeWidth, len(typ))
		}
		return &t
	}
	email := sanitizeTerminal(cfg.email)
	t := tableEncoder{header: !cfg.noHeader, idColumn: cfg.ids, email: email, emailWidth: max(len("EMAIL"), utf8.RuneCountInString(email))}
	for _, typ := range tableTypes {
		t.typeWidth = max(t.typeWidth, len(typ))
	}
	if email != "" {
		t.emailCell = string(appendPadded(nil, email, t.emailWidth))
	}
	return &t
}

func (t *tableEncoder) appendEntry(dst []byte, r *record, first bool) []byte {
	if first && t.idColumn {
		t.idWidth = max(len("ID"), utf8.RuneCountInString(sanitizeTerminal(r.id)))
	}
	if first && t.header {
		email := ""
		if t.v2 || t.email != "" {
			email = "EMAIL"
		}
		dst = t.appendRow(dst, "TIMESTAMP", "TYPE", email, "REMOTE ADDRESS", "MESSAGE")
	}
	start := len(dst)
	if t.idColumn {
		dst = appendTerminalCell(dst, r.id, t.idWidth)
	}
	timeStart := len(dst)
	if !r.time.IsZero() {
		dst = t.stamps.appendTimestamp(dst, r.time)
	}
	for n := len(dst) - timeStart; n < tableTimeWidth; n++ {
		dst = append(dst, ' ')
	}
	dst = appendTerminalCell(append(dst, tableGap...), r.typeName, t.typeWidth)
	if t.v2 {
		dst = appendTerminalCell(dst, r.user.email, t.emailWidth)
	} else {
		dst = append(dst, t.emailCell...)
	}
	dst = appendTerminalCell(dst, r.address, tableAddressWidth)
	dst = appendTerminalCell(dst, r.message, 0)
	return endRow(dst, start)
}

// appendTerminalCell appends sanitizeTerminal(cell) padded to width runes
// and, if width is not 0, the gap to the next column. A cell of printable
// ASCII, as most are, is copied as it is, its length its width.
func appendTerminalCell(dst []byte, cell string, width int) []byte {
	i := 0
	for i < len(cell) && cell[i] >= 0x20 && cell[i] < 0x7f {
		i++
	}
	if i < len(cell) {
		cell = sanitizeTerminal(cell)
		i = utf8.RuneCountInString(cell)
	}
	if width == 0 {
		return append(dst, cell...)
	}
	dst = append(dst, cell...)
	for ; i < width; i++ {
		dst = append(dst, ' ')
	}
	return append(dst, tableGap...)
}

// endRow ends the row that starts at dst[start:] with a line break, and
// with no spaces before it.
func endRow(dst []byte, start int) []byte {
	end := len(dst)
	for end > start && dst[end-1] == ' ' {
		end--
	}
	return append(dst[:end], '\n')
}

// appendRow appends one line of cells padded to their columns' widths,
// with no spaces at its end: the header. ID leads a v2 table; email is
// left out when the table has no EMAIL column.
func (t *tableEncoder) appendRow(dst []byte, stamp, typ, email, address, message string) []byte {
	start := len(dst)
	if t.idColumn {
		dst = appendPadded(dst, "ID", t.idWidth)
	}
	dst = appendPadded(dst, stamp, tableTimeWidth)
	dst = appendPadded(dst, typ, t.typeWidth)
	if email != "" {
		dst = appendPadded(dst, email, t.emailWidth)
	}
	dst = appendPadded(dst, address, tableAddressWidth)
	return endRow(append(dst, message...), start)
}

// appendPadded appends cell, padded with spaces to width runes, and the
// gap to the next column.
func appendPadded(dst []byte, cell string, width int) []byte {
	dst = append(dst, cell...)
	for n := utf8.RuneCountInString(cell); n < width; n++ {
		dst = append(dst, ' ')
	}
	return append(dst, tableGap...)
}

func (t *tableEncoder) appendEnd(dst []byte, _ int) []byte { return dst }
