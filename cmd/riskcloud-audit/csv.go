package main

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// csvHeader is the header line of --format csv for v1 entries. email is
// last, so that readers of the first four columns by position are
// unaffected, and is there for every command (empty where the API does not
// name the user).
const csvHeader = "timestamp,type,remote_address,message,email\n"

// csvIDHeader is csvHeader with the entry's stable id last, as every run
// writes it.
const csvIDHeader = "timestamp,type,remote_address,message,email,id\n"

// csvV2Header is the header line of --format csv for v2 entries (audits):
// v1's columns, in v1's order, and then what only v2 has, so that a reader
// of v1's columns by position reads v2's too. email is the user's.
const csvV2Header = "timestamp,type,remote_address,message,email,user_id,user_name,id\n"

// csvEncoder writes RFC 4180 CSV, quoted as encoding/csv quotes.
//
// Every cell is passed through sanitizeTerminal and then neutralizeFormula,
// whatever the destination: the message and the address come from a
// login request, that is from whoever made it, and a CSV file is read with
// cat and less as often as with a spreadsheet. What a cell loses is
// control characters only (line breaks and tabs become spaces, so a row is
// always one line); --format jsonl keeps the data exactly.
type csvEncoder struct {
	header bool // written before the first row, or alone for an empty walk
	v2     bool // the v2 columns, csvV2Header
	ids    bool // v1: the id column, csvIDHeader
	stamps timestamper
}

func (c *csvEncoder) headerLine() string {
	switch {
	case c.v2:
		return csvV2Header
	case c.ids:
		return csvIDHeader
	}
	return csvHeader
}

func (c *csvEncoder) appendEntry(dst []byte, r *record, first bool) []byte {
	if first && c.header {
		dst = append(dst, c.headerLine()...)
	}
	if !r.time.IsZero() {
		dst = c.stamps.appendTimestamp(dst, r.time)
	}
	dst = appendCSVCell(append(dst, ','), r.typeName)
	dst = appendCSVCell(append(dst, ','), r.address)
	dst = appendCSVCell(append(dst, ','), r.message)
	dst = appendCSVCell(append(dst, ','), r.user.email)
	if c.v2 {
		dst = appendCSVCell(append(dst, ','), r.user.id)
		dst = appendCSVCell(append(dst, ','), r.user.name)
		dst = appendCSVCell(append(dst, ','), r.id)
	} else if c.ids {
		dst = appendCSVCell(append(dst, ','), r.id)
	}
	return append(dst, '\n')
}

func (c *csvEncoder) appendEnd(dst []byte, n int) []byte {
	if n == 0 && c.header {
		// An empty export still names its columns.
		return append(dst, c.headerLine()...)
	}
	return dst
}

// appendCSVCell appends s as a CSV cell (see csvCell), in one pass over
// it when it needs no change, as most cells do.
func appendCSVCell(dst []byte, s string) []byte {
	if s == "" {
		return dst
	}
	plain := s[0] > ' ' && strings.IndexByte("=+-@|%", s[0]) < 0 && s != `\.`
	for i := 0; plain && i < len(s); i++ {
		plain = csvPlain[s[i]]
	}
	if plain {
		return append(dst, s...)
	}
	return appendCSVField(dst, csvCell(s))
}

// csvPlain marks the bytes a cell keeps as they are without quotes:
// printable ASCII but the comma and the quote.
var csvPlain = func() (plain [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		plain[c] = c != ',' && c != '"'
	}
	return plain
}()

// csvCell is s as a CSV cell: without control sequences, and never a
// formula. The sanitizer runs first, as removing a sequence can bring a
// formula's = to the front.
func csvCell(s string) string {
	return neutralizeFormula(sanitizeTerminal(s))
}

// appendCSVField appends s as a CSV field, quoted when encoding/csv would
// quote it: when it holds a comma, a quote or a line break, starts with
// white space, or is \. (which PostgreSQL's COPY reads as end of data).
func appendCSVField(dst []byte, s string) []byte {
	if !csvNeedsQuotes(s) {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		dst = append(append(dst, s[:i+1]...), '"')
		s = s[i+1:]
	}
	return append(append(dst, s...), '"')
}

func csvNeedsQuotes(s string) bool {
	if s == "" {
		return false
	}
	if r, _ := utf8.DecodeRuneInString(s); s == `\.` || unicode.IsSpace(r) {
		return true
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	return false
}

// neutralizeFormula keeps a spreadsheet from running a cell as a formula
// (OWASP's CSV injection advice): a cell gets a leading single quote when
// it starts with a tab or a carriage return, or when its first rune after
// any white space, NULs and byte order marks (which spreadsheets skip) is
// =, +, -, @, | or % (DDE and URL-encoded payloads), or the fullwidth =, +,
// - or @ (which some spreadsheets take for the ASCII ones). The server's
// data is not ours to trust: a failed login's message or address can
// carry what an attacker typed.
//
// examples/export-csv copies this function as cell; keep them the same.
func neutralizeFormula(s string) string {
	if s == "" || s[0] > ' ' && s[0] < utf8.RuneSelf && strings.IndexByte("=+-@|%", s[0]) < 0 {
		return s // the common case, decided by the first byte
	}
	if strings.HasPrefix(s, "\t") || strings.HasPrefix(s, "\r") {
		return "'" + s
	}
	rest := strings.TrimLeftFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == 0 || r == '\ufeff' })
	r, _ := utf8.DecodeRuneInString(rest)
	switch r {
	case '=', '+', '-', '@', '|', '%', '\uff1d', '\uff0b', '\uff0d', '\uff20':
		return "'" + s
	}
	return s
}
