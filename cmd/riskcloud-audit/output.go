package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/riskcloud-go/riskcloud"
)

// entryWriter writes entries in one format. Errors are kept and returned
// by the next flush or close, so that the loop writing a page stays simple.
type entryWriter interface {
	// write adds an entry, after the header if it is the first.
	write(e riskcloud.Entry)
	// flush passes what was written to the underlying writer.
	flush() error
	// close ends a complete walk: it writes the header if no entry came
	// (for formats that always have one) and flushes.
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
	// version is the CLI's version, for formats that name their producer.
	version string
}

// newEntryWriter returns the writer of format to w. cfg.terminal says that w
// is a terminal: CSV cells then lose their terminal control sequences, as
// the table's do (a CSV file keeps the data as sent).
func newEntryWriter(format string, w io.Writer, cfg writerConfig) entryWriter {
	switch format {
	case "csv":
		return &csvWriter{w: csv.NewWriter(w), terminal: cfg.terminal}
	case "table":
		return &tableWriter{w: tabwriter.NewWriter(&trimWriter{w: w}, 0, 8, 2, ' ', 0)}
	}
	j := &jsonWriter{w: w}
	j.enc = json.NewEncoder(&j.line)
	j.enc.SetEscapeHTML(false) // the output is not HTML; keep <, > and & readable
	return j
}

// jsonRecord is an entry as a JSON line. It is the normalised entry rather
// than Entry.Raw, the object as the server sent it, because the API's
// timestamp form is undocumented and may differ between instances (epoch
// milliseconds or seconds, ISO-8601 with or without a zone): a SIEM or jq filter
// needs one form, and a fixed set of keys in a fixed order (the struct's),
// whatever else a server adds. Message and Timestamp are null when absent,
// as the API sends a Login's message.
type jsonRecord struct {
	Type          string  `json:"type"`
	Timestamp     *string `json:"timestamp"`
	Message       *string `json:"message"`
	RemoteAddress string  `json:"remoteAddress"`
}

// jsonWriter writes a JSON object a line. Each line is encoded into line,
// then written with its non-graphic runes escaped (see appendTerminalSafe).
type jsonWriter struct {
	w    io.Writer
	enc  *json.Encoder // writes to line
	line bytes.Buffer
	out  []byte
	err  error
}

func (j *jsonWriter) write(e riskcloud.Entry) {
	if j.err != nil {
		return
	}
	rec := jsonRecord{Type: string(e.Type), RemoteAddress: e.RemoteAddress}
	if !e.Timestamp.IsZero() {
		ts := e.Timestamp.UTC().Format(time.RFC3339Nano)
		rec.Timestamp = &ts
	}
	if e.Message != "" {
		rec.Message = &e.Message
	}
	j.line.Reset()
	if j.err = j.enc.Encode(rec); j.err != nil {
		return
	}
	j.out = appendTerminalSafe(j.out[:0], j.line.Bytes())
	_, j.err = j.w.Write(j.out)
}

// appendTerminalSafe appends the encoded JSON src to dst with every rune
// that is not graphic (unicode.IsGraphic) and that encoding/json left as
// is written as a \u escape: DEL, the C1 controls (U+0080 to U+009F, which
// some terminals read as ESC sequences), the bidi controls that reorder
// what is shown (Trojan Source), zero-width and other format characters,
// private-use and unassigned runes. encoding/json already escapes the C0
// controls, U+2028 and U+2029, and replaces invalid UTF-8 with U+FFFD.
// The line decodes to the same data and is safe to print on a terminal.
//
// The runes replaced can only occur inside JSON strings (the rest of a
// line is ASCII punctuation, digits and literals), where an escape means
// the same, so the replacement is made byte-wise on the encoded line. A
// line of graphic ASCII is appended as is.
func appendTerminalSafe(dst, src []byte) []byte {
	start := 0 // of the bytes not yet appended
	for i := 0; i < len(src); {
		c := src[i]
		if c >= 0x20 && c < 0x7f || c == '\n' {
			i++
			continue
		}
		r, size := utf8.DecodeRune(src[i:]) // invalid UTF-8: U+FFFD, 1
		if size > 1 && unicode.IsGraphic(r) {
			i += size
			continue
		}
		dst = append(dst, src[start:i]...)
		if r > 0xffff {
			r1, r2 := utf16.EncodeRune(r) // a surrogate pair, as JSON spells it
			dst = appendUnicodeEscape(appendUnicodeEscape(dst, r1), r2)
		} else {
			dst = appendUnicodeEscape(dst, r)
		}
		i += size
		start = i
	}
	return append(dst, src[start:]...)
}

// appendUnicodeEscape appends \u and the four lower-case hex digits of r,
// as encoding/json writes them. r must be at most U+FFFF.
func appendUnicodeEscape(dst []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	return append(dst, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
}

func (j *jsonWriter) flush() error { return j.err }
func (j *jsonWriter) close() error { return j.err }

// csvHeader names the columns of --format csv.
var csvHeader = []string{"timestamp", "type", "remote_address", "message"}

type csvWriter struct {
	w        *csv.Writer
	terminal bool // the output is a terminal
	header   bool // written
	err      error
}

func (c *csvWriter) writeHeader() {
	if !c.header && c.err == nil {
		c.header = true
		c.err = c.w.Write(csvHeader)
	}
}

func (c *csvWriter) write(e riskcloud.Entry) {
	c.writeHeader()
	if c.err != nil {
		return
	}
	c.err = c.w.Write([]string{
		csvTime(e.Timestamp),
		c.cell(string(e.Type)),
		c.cell(e.RemoteAddress),
		c.cell(e.Message),
	})
}

// cell is s as a CSV cell: never a formula, and on a terminal without
// control sequences. The sanitizer runs first, as removing a sequence can
// bring a formula's = to the front.
func (c *csvWriter) cell(s string) string {
	if c.terminal {
		s = sanitizeTerminal(s)
	}
	return neutralizeFormula(s)
}

func (c *csvWriter) flush() error {
	if c.err != nil {
		return c.err
	}
	c.w.Flush()
	return c.w.Error()
}

func (c *csvWriter) close() error {
	c.writeHeader()
	return c.flush()
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
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

// tableLayout is the timestamp of --format table: fixed width, so that the
// column lines up across pages.
const tableLayout = "2006-01-02T15:04:05.000Z07:00"

// tableWriter aligns columns with a tabwriter, flushed page by page so that
// a long listing scrolls as it arrives rather than after the last page.
// Cells are padded to the widest seen so far, so that the columns of later
// pages line up with earlier ones unless a wider value comes.
type tableWriter struct {
	w      *tabwriter.Writer
	header bool
	widths [3]int
	err    error
}

func (t *tableWriter) write(e riskcloud.Entry) {
	if !t.header {
		t.header = true
		t.row("TIMESTAMP", "TYPE", "REMOTE ADDRESS", "MESSAGE")
	}
	ts := ""
	if !e.Timestamp.IsZero() {
		ts = e.Timestamp.UTC().Format(tableLayout)
	}
	t.row(ts, sanitizeTerminal(string(e.Type)), sanitizeTerminal(e.RemoteAddress), sanitizeTerminal(e.Message))
}

func (t *tableWriter) row(cells ...string) {
	if t.err != nil {
		return
	}
	var b strings.Builder
	for i, cell := range cells[:len(cells)-1] {
		n := utf8.RuneCountInString(cell)
		t.widths[i] = max(t.widths[i], n)
		b.WriteString(cell)
		b.WriteString(strings.Repeat(" ", t.widths[i]-n))
		b.WriteByte('\t')
	}
	b.WriteString(cells[len(cells)-1])
	b.WriteByte('\n')
	_, t.err = io.WriteString(t.w, b.String())
}

func (t *tableWriter) flush() error {
	if t.err != nil {
		return t.err
	}
	return t.w.Flush()
}

func (t *tableWriter) close() error { return t.flush() }

// trimWriter drops the spaces at the end of each line: a tabwriter pads
// every cell but the last, so a Login's empty message leaves a trail of
// them.
type trimWriter struct {
	w      io.Writer
	spaces int // held back until a non-space shows they are inside the line
	buf    []byte
}

func (t *trimWriter) Write(p []byte) (int, error) {
	t.buf = t.buf[:0]
	for _, c := range p {
		switch c {
		case ' ':
			t.spaces++
			continue
		case '\n':
		default:
			for ; t.spaces > 0; t.spaces-- {
				t.buf = append(t.buf, ' ')
			}
		}
		t.spaces = 0
		t.buf = append(t.buf, c)
	}
	if _, err := t.w.Write(t.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// sanitizeTerminal makes remote data safe to print on a terminal: escape
// sequences (which could retitle the window, move the cursor, rewrite what
// was printed before or, on some terminals, answer back as input) are
// removed with their parameters; tabs and line breaks, which would break
// the table's rows, become spaces; other C0 and C1 controls and the bidi
// controls that reorder what is shown (Trojan Source) are dropped; invalid
// UTF-8 becomes U+FFFD.
func sanitizeTerminal(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) || isBidiControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
		case r == '\x1b':
			i += escapeLen(s[i:])
			continue
		case r == '\u009b': // CSI as a C1 control
			i += size + csiLen(s[i+size:])
			continue
		case r == '\u0090' || r == '\u0098' || r == '\u009d' || r == '\u009e' || r == '\u009f':
			// DCS, SOS, OSC, PM, APC: a string up to a terminator.
			i += size + controlStringLen(s[i+size:])
			continue
		case r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f':
			b.WriteByte(' ')
		case unicode.IsControl(r) || isBidiControl(r):
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// escapeLen is the length of the escape sequence at the start of s, which
// begins with ESC (ECMA-48): a control sequence (ESC [), a control string
// (ESC ] P X ^ _, up to BEL or ST), or ESC, intermediates and one final
// byte. A sequence cut short runs to the end of s.
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		return 2 + csiLen(s[2:])
	case ']', 'P', 'X', '^', '_':
		return 2 + controlStringLen(s[2:])
	}
	i := 1
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f { // intermediates
		i++
	}
	if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e { // final
		i++
	}
	return i
}

// csiLen is the length of a control sequence's parameters, intermediates
// and final byte at the start of s. It stops before a byte that cannot be
// part of one, which is then handled on its own.
func csiLen(s string) int {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f { // parameters, intermediates
		i++
	}
	if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
		i++
	}
	return i
}

// controlStringLen is the length of a control string's body and terminator
// (BEL, ESC \ or the C1 ST) at the start of s; an unterminated one runs to
// the end of s, as a terminal would swallow it.
func controlStringLen(s string) int {
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\a':
			return i + 1
		case s[i] == '\x1b' && i+1 < len(s) && s[i+1] == '\\':
			return i + 2
		case strings.HasPrefix(s[i:], "\u009c"):
			return i + len("\u009c")
		}
	}
	return len(s)
}

// isBidiControl reports the Unicode controls that change the display
// order of text: marks, embeddings, overrides and isolates.
func isBidiControl(r rune) bool {
	switch {
	case r == '\u061c', r == '\u200e', r == '\u200f':
		return true
	case r >= '\u202a' && r <= '\u202e':
		return true
	case r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}
