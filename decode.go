package riskcloud

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// This file decodes a page of entries in one pass over the response body,
// which the client has already read into memory. Decoding the page with
// encoding/json and each entry a second time to keep its bytes cost half
// the throughput of a walk (see DESIGN.md); here each entry's Raw is the
// body's own sub-slice, captured while the entry is read.
//
// The decoder accepts the JSON grammar encoding/json accepts (whitespace,
// numbers, escapes, the nesting limit, nothing after the value) and reads
// the page types as it does, with two differences. Keys match exactly:
// Jackson, which Risk Cloud runs on, writes its camelCase property names
// as declared, so encoding/json's case-insensitive match ("Size", even
// "ſize" for "size") only let a malformed body pass for a page. And of a
// repeated "content", the last is read afresh, where encoding/json decoded
// it over the earlier one's entries and could let a null element keep an
// earlier array's entry. Of other duplicate keys the last wins, and null
// leaves a field absent. decode_test.go checks all of this against
// encoding/json, value by value.
//
// Errors give the byte offset and what was found there, quoting at most a
// short value (never a stretch of the body).

// decodeEntryPage reads a page of entries: a Spring page object, a bare
// JSON array (the content, with no meta), or null (an empty page with no
// meta). A null entry is an error: the walk could not tell it apart from
// another. Each entry's Raw shares body.
//
// A page may hold at most maxEntries entries (at least 1; see entryLimit):
// the decoder stops at the next one, before decoding it, so that a body of
// millions of tiny entries costs no more than maxEntries of them. A page
// may also hold no more entries than its own size, when it states one
// above 0; as Spring puts the size after the content, that is checked
// once the page is read. A negative number, size, totalElements,
// totalPages or numberOfElements is an error naming the field.
func decodeEntryPage(body []byte, maxEntries int) (*Page[Entry], pageMeta, error) {
	d := decoder{data: body, maxEntries: maxEntries}
	page := new(Page[Entry])
	var meta pageMeta
	var err error
	d.space()
	switch d.peek() {
	case '{':
		err = d.page(page, &meta)
	case '[':
		page.Content, err = d.content()
	case 'n':
		err = d.literal("null")
	default:
		err = d.kindError("the body", "a page object, an array or null")
	}
	if err == nil {
		err = d.end()
	}
	if err == nil && meta.size && page.Size > 0 && len(page.Content) > page.Size {
		// A size of 0 bounds nothing: Spring states the content's length
		// for an unpaged result, and the walk reads 0 as no size.
		err = fmt.Errorf("content holds %d entries, more than its own size of %d", len(page.Content), page.Size)
	}
	if err != nil {
		return nil, pageMeta{}, err
	}
	return page, meta, nil
}

// maxPageEntries is the most entries a page may hold, whatever size was
// asked for; it is also the bound when none was (ListOptions.Size 0, the
// server's default, documented as 20 and capped at 2,000 by Spring's
// defaults). A server may not clamp a size asked for, so the bound is not
// Spring's cap but fifty times it: no server seen sends pages that large,
// and it bounds what a page that holds them can cost, whatever it says of
// itself. Each entry takes an Entry of about 100 bytes, far more than the
// 3 bytes of an empty object, so without a bound a body under the 32 MiB
// cap could cost some GiB; with it, at most about 10 MiB of entries.
const maxPageEntries = 100_000

// entryLimit is the most entries a page may hold when size entries were
// asked for (0: none, the server's default).
func entryLimit(size int) int {
	if size <= 0 || size > maxPageEntries {
		return maxPageEntries
	}
	return size
}

// entryKey gives an entry's identity (its raw bytes) and time.
func entryKey(e *Entry) ([]byte, time.Time) { return e.Raw, e.Timestamp }

// decodeEntry reads one entry from data, which it keeps as the entry's Raw
// (surrounding whitespace included). Whitespace around the literal null
// gives an entry with only Raw set. A timestamp that cannot be read is a
// bare *TimestampError, as before this decoder.
func decodeEntry(data []byte) (Entry, error) {
	d := decoder{data: data}
	var e Entry
	var err error
	d.space()
	switch d.peek() {
	case '{':
		err = d.entry(&e)
	case 'n':
		err = d.literal("null")
	default:
		err = d.kindError("an entry", "an object")
	}
	if err == nil {
		err = d.end()
	}
	if tsErr := (*TimestampError)(nil); errors.As(err, &tsErr) {
		return Entry{}, tsErr
	}
	if err != nil {
		return Entry{}, err
	}
	e.Raw = data
	return e, nil
}

// decodeError is JSON the decoder cannot read, or cannot read into the
// page types, with the byte offset where the problem was found. Its text
// never quotes more than a short value, whatever the body holds.
type decodeError struct {
	msg string
	off int
	// err is what made a value unreadable (an entry's *TimestampError),
	// nil for JSON that is invalid or of the wrong kind.
	err error
}

func (e *decodeError) Error() string { return e.msg + " at offset " + strconv.Itoa(e.off) }
func (e *decodeError) Unwrap() error { return e.err }

// maxDepth is encoding/json's limit on nested objects and arrays.
const maxDepth = 10000

// decoder reads JSON from a byte slice. Its methods start with off at the
// first byte of what they read and leave it just after.
type decoder struct {
	data  []byte
	off   int
	depth int // objects and arrays open
	// maxEntries bounds each content array that content reads.
	maxEntries int
}

// page reads a Spring page object into p, noting in m which meta fields
// it held. A field sent as null is absent; of a repeated key, the last
// counts.
func (d *decoder) page(p *Page[Entry], m *pageMeta) error {
	if err := d.open(); err != nil {
		return err
	}
	for first := true; ; first = false {
		key, ok, err := d.member(first)
		if err != nil || !ok {
			return err
		}
		var n int64
		switch string(key) {
		case "content":
			p.Content, err = d.content()
		case "number":
			n, m.number, err = d.integer("number", false)
			p.Number = int(n)
		case "size":
			n, m.size, err = d.integer("size", false)
			p.Size = int(n)
		case "totalElements":
			p.TotalElements, m.totalElements, err = d.integer("totalElements", true)
		case "totalPages":
			n, m.totalPages, err = d.integer("totalPages", false)
			p.TotalPages = int(n)
		case "first":
			p.First, _, err = d.boolean("first")
		case "last":
			p.Last, m.last, err = d.boolean("last")
		case "numberOfElements":
			n, _, err = d.integer("numberOfElements", false)
			p.NumberOfElements = int(n)
		default:
			err = d.skip()
		}
		if err != nil {
			return err
		}
	}
}

// maxContentGuess bounds the capacity content reserves from its estimate
// (2048 entries, about 200 KiB), so that a short first entry followed by a
// long body cannot make it reserve much; so does the page's bound on its
// entries, which for the sizes usually asked for is far less.
const maxContentGuess = 2048

// content reads a page's content: an array of entry objects, or null (nil).
// An empty array gives an empty, non-nil slice, as encoding/json does.
func (d *decoder) content() ([]Entry, error) {
	switch d.peek() {
	case 'n':
		return nil, d.literal("null")
	case '[':
	default:
		return nil, d.kindError("content", "an array or null")
	}
	if err := d.open(); err != nil {
		return nil, err
	}
	var out []Entry
	for first := true; ; first = false {
		ok, err := d.element(first)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		i, start := len(out), d.off
		if i == d.maxEntries {
			// Stop here, before keeping more: the rest may be millions of
			// entries. Any content array counts, even one a later
			// "content" key would replace, as the decoder cannot know.
			return nil, d.tooManyEntries()
		}
		switch d.peek() {
		case '{':
		case 'n':
			if err := d.literal("null"); err != nil {
				return nil, err
			}
			return nil, &decodeError{msg: fmt.Sprintf("entry %d is null", i), off: start}
		default:
			return nil, d.kindError(fmt.Sprintf("entry %d", i), "an object")
		}
		if i == 0 {
			// Entries of a page are alike: guess their count from the
			// first one's length and the bytes left, to allocate once.
			var e Entry
			if err := d.entry(&e); err != nil {
				return nil, fmt.Errorf("entry 0: %w", err)
			}
			out = make([]Entry, 1, min((len(d.data)-d.off)/(len(e.Raw)+1)+1, maxContentGuess, d.maxEntries))
			out[0] = e
			continue
		}
		if i == cap(out) {
			// Double, but never past the bound. append would grow a
			// large slice by a quarter at a time, which for a page
			// refused at the bound allocates five times the bound's
			// entries in all, where doubling allocates twice.
			grown := make([]Entry, i, min(2*i, d.maxEntries))
			copy(grown, out)
			out = grown
		}
		out = out[:i+1]
		if err := d.entry(&out[i]); err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
	}
	if out == nil {
		out = []Entry{}
	}
	return out, nil
}

// tooManyEntries reports an entry past maxEntries, at off.
func (d *decoder) tooManyEntries() error {
	why := fmt.Sprintf("more than the %d entries asked for (the server may be ignoring size)", d.maxEntries)
	if d.maxEntries >= maxPageEntries {
		why = fmt.Sprintf("more than %d entries, the most a page may hold", d.maxEntries)
	}
	return &decodeError{msg: "content holds " + why, off: d.off}
}

// entry reads an entry object into e, which must be zero. Raw is the
// object's bytes, capped so that an append copies.
func (d *decoder) entry(e *Entry) error {
	start := d.off
	if err := d.open(); err != nil {
		return err
	}
	var ts []byte
	tsOff := 0
	for first := true; ; first = false {
		key, ok, err := d.member(first)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		switch string(key) {
		case "type":
			// null leaves Type as it was, as encoding/json does for a
			// string field.
			if d.peek() == 'n' {
				err = d.literal("null")
				break
			}
			var s []byte
			var plain bool
			s, plain, err = d.stringValue("type")
			if err == nil {
				e.Type, err = internType(s, plain)
			}
		case "timestamp":
			tsOff = d.off
			err = d.skip()
			ts = d.data[tsOff:d.off]
		case "message":
			e.Message, err = d.nullableString("message")
		case "remoteAddress":
			e.RemoteAddress, err = d.nullableString("remoteAddress")
		default:
			err = d.skip()
		}
		if err != nil {
			return err
		}
	}
	e.Raw = d.data[start:d.off:d.off]
	t, err := parseTimestamp(ts)
	if err != nil {
		return &decodeError{msg: err.Error(), off: tsOff, err: err}
	}
	e.Timestamp = t
	return nil
}

// internType returns the known entry types without allocating. s is a
// string's bytes between the quotes, plain if it holds no escape or
// invalid UTF-8.
func internType(s []byte, plain bool) (EntryType, error) {
	if !plain {
		u, err := unquote(s)
		return EntryType(u), err
	}
	switch string(s) {
	case string(Login):
		return Login, nil
	case string(LoginFail):
		return LoginFail, nil
	}
	return EntryType(s), nil
}

// nullableString reads a string, or null as "".
func (d *decoder) nullableString(field string) (string, error) {
	if d.peek() == 'n' {
		return "", d.literal("null")
	}
	s, plain, err := d.stringValue(field)
	if err != nil {
		return "", err
	}
	return stringOf(s, plain)
}

// stringOf returns the value of a string whose bytes between the quotes
// are s, plain as plainStr reports it.
func stringOf(s []byte, plain bool) (string, error) {
	if plain {
		return string(s), nil
	}
	return unquote(s)
}

// stringValue reads a string and returns the bytes between its quotes;
// plain reports that they are its value (no escape, valid UTF-8). Any
// other kind of value is an error naming field.
func (d *decoder) stringValue(field string) (s []byte, plain bool, err error) {
	if d.peek() != '"' {
		return nil, false, d.kindError(strconv.Quote(field), "a string or null")
	}
	return d.plainStr()
}

// plainStr reads a string as str does; plain reports that the bytes
// between its quotes are its value (no escape, valid UTF-8).
func (d *decoder) plainStr() (s []byte, plain bool, err error) {
	s, escaped, ascii, err := d.str()
	return s, err == nil && !escaped && (ascii || utf8.Valid(s)), err
}

// unquote decodes the bytes between the quotes of a valid JSON string that
// has escapes or invalid UTF-8, through encoding/json, so that surrogates
// and invalid bytes (U+FFFD) come out exactly as it decodes them. It is
// the slow path: the API's strings have neither.
func unquote(s []byte) (string, error) {
	q := make([]byte, 0, len(s)+2)
	q = append(append(append(q, '"'), s...), '"')
	var out string
	err := json.Unmarshal(q, &out)
	return out, err
}

// integer reads a non-negative integer that fits in an int64 if wide,
// else in an int, or null (present false). Every integer of a page's meta
// is a count or an index: a negative one would end a walk early (a
// totalPages of -1 reads as past the end) or upset its arithmetic, so it
// is an error, even where a later key of the same name would replace it.
func (d *decoder) integer(field string, wide bool) (n int64, present bool, err error) {
	bits := strconv.IntSize
	if wide {
		bits = 64
	}
	switch c := d.peek(); {
	case c == 'n':
		return 0, false, d.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		start := d.off
		num, isInt, err := d.number()
		if err != nil {
			return 0, false, err
		}
		if isInt {
			if n, err := strconv.ParseInt(string(num), 10, bits); err == nil {
				if n < 0 {
					return 0, false, &decodeError{
						msg: fmt.Sprintf("%q is %s, want a non-negative integer or null", field, clipTo(string(num), 32)),
						off: start,
					}
				}
				return n, true, nil
			}
		}
		value := clipTo(string(num), 32)
		return 0, false, &decodeError{
			msg: fmt.Sprintf("%q is %s, want an integer of at most %d bits or null", field, value, bits),
			off: start,
		}
	default:
		return 0, false, d.kindError(strconv.Quote(field), "an integer or null")
	}
}

// boolean reads true, false, or null (present false).
func (d *decoder) boolean(field string) (b, present bool, err error) {
	switch d.peek() {
	case 'n':
		return false, false, d.literal("null")
	case 't':
		return true, true, d.literal("true")
	case 'f':
		return false, true, d.literal("false")
	}
	return false, false, d.kindError(strconv.Quote(field), "true, false or null")
}

// kindError reports a value of the wrong kind for what (a quoted field
// name, or a description), after checking that the value is valid JSON:
// invalid JSON is reported as such.
func (d *decoder) kindError(what, want string) error {
	start := d.off
	if err := d.skip(); err != nil {
		return err
	}
	kind := "an object"
	switch d.data[start] {
	case '[':
		kind = "an array"
	case '"':
		kind = "a string"
	case 't', 'f':
		kind = "a boolean"
	case 'n':
		kind = "null"
	case '{':
	default:
		kind = "a number"
	}
	return &decodeError{
		msg: what + " is " + kind + ", want " + want,
		off: start,
	}
}

// The JSON grammar, as encoding/json's scanner checks it.

func (d *decoder) peek() byte {
	if d.off < len(d.data) {
		return d.data[d.off]
	}
	return 0
}

// space skips JSON whitespace.
func (d *decoder) space() {
	for d.off < len(d.data) {
		switch d.data[d.off] {
		case ' ', '\t', '\n', '\r':
			d.off++
		default:
			return
		}
	}
}

// end checks that only whitespace follows the value.
func (d *decoder) end() error {
	d.space()
	if d.off < len(d.data) {
		return d.syntaxError("after top-level value")
	}
	return nil
}

// syntaxError reports the byte at off (or the end of the input), found
// where context says.
func (d *decoder) syntaxError(context string) error {
	if d.off >= len(d.data) {
		return &decodeError{msg: "unexpected end of JSON input", off: len(d.data)}
	}
	return &decodeError{msg: "invalid character " + quoteChar(d.data[d.off:]) + " " + context, off: d.off}
}

// quoteChar quotes the character b starts with, or names its first byte
// if that is not UTF-8, so that an error's text stays valid UTF-8.
func quoteChar(b []byte) string {
	r, size := utf8.DecodeRune(b)
	if r == utf8.RuneError && size <= 1 {
		return fmt.Sprintf("byte 0x%02x", b[0])
	}
	return strconv.QuoteRune(r)
}

// open consumes the '{' or '[' at off.
func (d *decoder) open() error {
	d.depth++
	if d.depth > maxDepth {
		return &decodeError{msg: "exceeded max depth", off: d.off}
	}
	d.off++
	return nil
}

// member reads the key of the next member of the object being read and
// the colon after it, leaving off at the value; ok is false at the
// closing '}'. first is true for the first call after open.
func (d *decoder) member(first bool) (key []byte, ok bool, err error) {
	d.space()
	if first {
		if d.peek() == '}' {
			d.off++
			d.depth--
			return nil, false, nil
		}
	} else {
		switch d.peek() {
		case '}':
			d.off++
			d.depth--
			return nil, false, nil
		case ',':
			d.off++
			d.space()
		default:
			return nil, false, d.syntaxError("after object key:value pair")
		}
	}
	if d.peek() != '"' {
		return nil, false, d.syntaxError("looking for beginning of object key string")
	}
	key, escaped, _, err := d.str()
	if err != nil {
		return nil, false, err
	}
	if escaped {
		k, err := unquote(key)
		if err != nil {
			return nil, false, err
		}
		key = []byte(k)
	}
	d.space()
	if d.peek() != ':' {
		return nil, false, d.syntaxError("after object key")
	}
	d.off++
	d.space()
	return key, true, nil
}

// element moves to the next element of the array being read, leaving off
// at its value; ok is false at the closing ']'.
func (d *decoder) element(first bool) (ok bool, err error) {
	d.space()
	switch {
	case d.peek() == ']' && first:
	case first:
		return true, nil
	case d.peek() == ',':
		d.off++
		d.space()
		return true, nil
	case d.peek() != ']':
		return false, d.syntaxError("after array element")
	}
	d.off++
	d.depth--
	return false, nil
}

// skip reads any value, checking it.
func (d *decoder) skip() error {
	switch c := d.peek(); c {
	case '{':
		if err := d.open(); err != nil {
			return err
		}
		for first := true; ; first = false {
			_, ok, err := d.member(first)
			if err != nil || !ok {
				return err
			}
			if err := d.skip(); err != nil {
				return err
			}
		}
	case '[':
		if err := d.open(); err != nil {
			return err
		}
		for first := true; ; first = false {
			ok, err := d.element(first)
			if err != nil || !ok {
				return err
			}
			if err := d.skip(); err != nil {
				return err
			}
		}
	case '"':
		_, _, _, err := d.str()
		return err
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	default:
		if c == '-' || '0' <= c && c <= '9' {
			_, _, err := d.number()
			return err
		}
		return d.syntaxError("looking for beginning of value")
	}
}

// literal reads word (true, false or null), whose first byte is at off.
func (d *decoder) literal(word string) error {
	for i := 1; i < len(word); i++ {
		d.off++
		if d.peek() != word[i] {
			return d.syntaxError("in literal " + word + " (expecting " + strconv.QuoteRune(rune(word[i])) + ")")
		}
	}
	d.off++
	return nil
}

// number reads a number and returns its bytes; isInt reports that it has
// no fraction and no exponent.
func (d *decoder) number() (num []byte, isInt bool, err error) {
	start := d.off
	if d.peek() == '-' {
		d.off++
	}
	switch c := d.peek(); {
	case c == '0':
		d.off++
	case '1' <= c && c <= '9':
		d.digits()
	default:
		return nil, false, d.syntaxError("in numeric literal")
	}
	isInt = true
	if d.peek() == '.' {
		d.off++
		if !isDigit(d.peek()) {
			return nil, false, d.syntaxError("after decimal point in numeric literal")
		}
		d.digits()
		isInt = false
	}
	if c := d.peek(); c == 'e' || c == 'E' {
		d.off++
		if c := d.peek(); c == '+' || c == '-' {
			d.off++
		}
		if !isDigit(d.peek()) {
			return nil, false, d.syntaxError("in exponent of numeric literal")
		}
		d.digits()
		isInt = false
	}
	return d.data[start:d.off], isInt, nil
}

func (d *decoder) digits() {
	for d.off < len(d.data) && isDigit(d.data[d.off]) {
		d.off++
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// plainByte marks the bytes a string may hold as they are: not a quote, a
// backslash, a control character (invalid) or part of a multi-byte
// character (valid only as UTF-8).
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads a string and returns the bytes between its quotes, reporting
// whether they hold an escape and whether they are all ASCII.
func (d *decoder) str() (s []byte, escaped, ascii bool, err error) {
	data := d.data
	start := d.off + 1
	i := start
	ascii = true
	for {
		for i < len(data) && plainByte[data[i]] {
			i++
		}
		if i >= len(data) {
			d.off = i
			return nil, false, false, d.syntaxError("")
		}
		switch c := data[i]; {
		case c == '"':
			d.off = i + 1
			return data[start:i], escaped, ascii, nil
		case c == '\\':
			escaped = true
			d.off = i + 1
			if err := d.escape(); err != nil {
				return nil, false, false, err
			}
			i = d.off
		case c < 0x20:
			d.off = i
			return nil, false, false, d.syntaxError("in string literal")
		default:
			ascii = false
			i++
		}
	}
}

// escape checks the escape after a backslash.
func (d *decoder) escape() error {
	switch d.peek() {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		d.off++
		return nil
	case 'u':
		for range 4 {
			d.off++
			switch c := d.peek(); {
			case isDigit(c), 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
			default:
				return d.syntaxError(`in \u hexadecimal character escape`)
			}
		}
		d.off++
		return nil
	}
	return d.syntaxError("in string escape code")
}
