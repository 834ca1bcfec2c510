package riskcloud

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// This file is the JSON grammar the page readers are built on: a decoder
// over a body already in memory that checks the grammar as encoding/json's
// scanner does (whitespace, numbers, escapes, the nesting limit, nothing
// after the value) and hands out what it reads as sub-slices of the body,
// so that a reader copies only what it keeps. It knows no page shape:
// pagecontent.go reads a page's bounded array of entries, springpage.go
// and entryjson.go the v1 shapes. A reader of an object is d.object with a
// switch on the key, each case reading its value with one of the typed
// readers below (count, boolean, nullableString, rawValue) or another
// object, and the default skipping it.
//
// Errors give the byte offset and what was found there, quoting at most a
// short value (never a stretch of the body).

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
}

// object reads an object, calling member with each key (unescaped) while
// off is at the key's value, which member must read. Of a repeated key
// member sees each value, in order.
func (d *decoder) object(member func(key []byte) error) error {
	if err := d.open(); err != nil {
		return err
	}
	for first := true; ; first = false {
		key, ok, err := d.member(first)
		if err != nil || !ok {
			return err
		}
		if err := member(key); err != nil {
			return err
		}
	}
}

// rawValue reads any value and returns its bytes.
func (d *decoder) rawValue() ([]byte, error) {
	start := d.off
	if err := d.skip(); err != nil {
		return nil, err
	}
	return d.data[start:d.off], nil
}

// bytesFrom returns the bytes read since start, their capacity capped so
// that an append copies rather than writing over the body.
func (d *decoder) bytesFrom(start int) []byte { return d.data[start:d.off:d.off] }

// The typed readers: each reads one value of the kind it names, or null,
// and reports any other kind as an error naming the field.

// count reads a non-negative integer of at most bits bits, or null
// (present false). The integers of a page's meta are counts or indexes: a
// negative one would end a walk early (a totalPages of -1 reads as past
// the end) or upset its arithmetic, so it is an error, even where a later
// key of the same name would replace it.
func (d *decoder) count(field string, bits int) (n int64, present bool, err error) {
	switch c := d.peek(); {
	case c == 'n':
		return 0, false, d.literal("null")
	case c == '-' || isDigit(c):
	default:
		return 0, false, d.kindError(strconv.Quote(field), "an integer or null")
	}
	start := d.off
	num, isInt, err := d.number()
	if err != nil {
		return 0, false, err
	}
	if isInt {
		n, err := strconv.ParseInt(string(num), 10, bits)
		switch {
		case err == nil && n >= 0:
			return n, true, nil
		case err == nil:
			return 0, false, countError(field, num, start, "a non-negative integer")
		}
	}
	return 0, false, countError(field, num, start, fmt.Sprintf("an integer of at most %d bits", bits))
}

// countError reports the number num, at off, that count cannot read.
func countError(field string, num []byte, off int, want string) error {
	return &decodeError{msg: fmt.Sprintf("%q is %s, want %s or null", field, clipTo(string(num), 32), want), off: off}
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

// stringOf returns the value of a string whose bytes between the quotes
// are s, plain as plainStr reports it.
func stringOf(s []byte, plain bool) (string, error) {
	if plain {
		return string(s), nil
	}
	return unquote(s)
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
	return &decodeError{msg: what + " is " + kind + ", want " + want, off: start}
}

// The grammar, as encoding/json's scanner checks it.

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
	switch c := d.peek(); {
	case c == '}':
		d.off++
		d.depth--
		return nil, false, nil
	case first:
	case c == ',':
		d.off++
		d.space()
	default:
		return nil, false, d.syntaxError("after object key:value pair")
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
		return d.object(func([]byte) error { return d.skip() })
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
		if c == '-' || isDigit(c) {
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
