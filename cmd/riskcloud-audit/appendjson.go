package main

import (
	"math/bits"
	"slices"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The append functions below build an output line in a reused buffer, so
// that writing an entry allocates nothing: they replace encoding/json's
// Encoder and time.Format, which took more CPU than decoding the page.

// appendJSONString appends s as a JSON string. It escapes what
// encoding/json escapes (", \, the C0 controls, U+2028 and U+2029;
// invalid UTF-8 becomes \ufffd) and, so that the line is safe to print on
// a terminal, every other rune that is not graphic (unicode.IsGraphic):
// DEL, the C1 controls (which some terminals read as escape sequences),
// the bidi controls that reorder what is shown (Trojan Source), zero-width
// and other format characters, private-use and unassigned runes. The
// string decodes to s (invalid UTF-8 aside). <, > and & stay as they are:
// the output is not HTML.
//
// Escaping is most of a line's cost, and an entry's raw JSON, with a quote
// every few bytes, most of that. The string is read eight bytes at a time:
// each word is stored whole and then, for each " or \ in it, a backslash
// and the rest of the word a byte further on, so that a quote costs a
// store, not a call to copy the run before it. A string with any byte
// that is not printable ASCII is written again by the general loop.
func appendJSONString[S ~string | ~[]byte](dst []byte, s S) []byte {
	n := len(dst)
	// Room for a backslash before every byte, and for words stored whole
	// past the end.
	size := 2*len(s) + 2 + 16
	dst = slices.Grow(dst, size)
	out := dst[n : n+size]
	out[0] = '"'
	i, j := 0, 1
	var other uint64 // see jsonOther
	for ; i+8 <= len(s); i, j = i+8, j+8 {
		word := load64(s, i)
		other |= jsonOther(word)
		store64(out, j, word)
		// Each " or \ gets its backslash, and what follows it in the
		// word is stored again a byte further on.
		for quotes := jsonQuotes(word); quotes != 0; quotes &= quotes - 1 {
			at := bits.TrailingZeros64(quotes) / 8
			out[j+at] = '\\'
			store64(out, j+at+1, word>>(8*at))
			j++
		}
	}
	if other != 0 {
		return appendJSONStringGeneral(dst[:n], s)
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f {
			return appendJSONStringGeneral(dst[:n], s)
		}
		if c == '"' || c == '\\' {
			out[j] = '\\'
			j++
		}
		out[j] = c
		j++
	}
	out[j] = '"'
	return dst[:n+j+1]
}

// jsonOther sets a high bit of x for each byte below 0x20, 0x7f or above,
// which only the general loop writes; no bit is set for a word without
// one (a subtraction borrows across bytes only from a byte that matches).
func jsonOther(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	del := x ^ (ones * 0x7f)
	return ((x-ones*0x20)&^x | (del-ones)&^del | x) & highs
}

// load64 reads s[i:i+8] as a little-endian word, which the compiler makes
// one load.
func load64[S ~string | ~[]byte](s S, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// store64 writes word to b[i:i+8], little-endian, which the compiler
// makes one store.
func store64(b []byte, i int, word uint64) {
	b = b[i : i+8]
	b[0], b[1], b[2], b[3] = byte(word), byte(word>>8), byte(word>>16), byte(word>>24)
	b[4], b[5], b[6], b[7] = byte(word>>32), byte(word>>40), byte(word>>48), byte(word>>56)
}

// jsonQuotes sets the high bit of the bytes of x that are " or \. It
// adds within bytes only (no carry crosses one), so that every bit is
// right, not only the lowest.
func jsonQuotes(x uint64) uint64 {
	const lows, highs = 0x7f7f7f7f7f7f7f7f, 0x8080808080808080
	quote, backslash := x^(0x0101010101010101*'"'), x^(0x0101010101010101*'\\')
	// A byte's high bit is set by adding 0x7f to its low bits, or is its
	// own, unless the byte is 0.
	nonzeroQuote := (quote&lows + lows) | quote
	nonzeroBackslash := (backslash&lows + lows) | backslash
	return ^(nonzeroQuote & nonzeroBackslash) & highs
}

// appendJSONStringGeneral is appendJSONString for any s.
func appendJSONStringGeneral[S ~string | ~[]byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= 0x20 && c < 0x7f && c != '"' && c != '\\':
			dst = append(dst, c)
			i++
		case c < utf8.RuneSelf:
			dst = appendASCIIEscape(dst, c)
			i++
		default:
			dst, i = appendRune(dst, s, i)
		}
	}
	return append(dst, '"')
}

// appendRune appends the rune that starts at s[i], a non-ASCII byte,
// escaped as appendJSONString says, and returns the index after it.
func appendRune[S ~string | ~[]byte](dst []byte, s S, i int) ([]byte, int) {
	// At most 4 bytes converted: no allocation for a []byte.
	r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
	switch {
	case r == utf8.RuneError && size == 1:
		dst = appendUnicodeEscape(dst, utf8.RuneError)
	case r == '\u2028' || r == '\u2029' || !unicode.IsGraphic(r):
		if r > 0xffff {
			r1, r2 := utf16.EncodeRune(r) // a surrogate pair, as JSON spells it
			dst = appendUnicodeEscape(appendUnicodeEscape(dst, r1), r2)
		} else {
			dst = appendUnicodeEscape(dst, r)
		}
	default:
		dst = append(dst, s[i:i+size]...)
	}
	return dst, i + size
}

// appendASCIIEscape appends the JSON escape of the ASCII byte c, which is
// ", \, a C0 control or DEL, as encoding/json spells it.
func appendASCIIEscape(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return appendUnicodeEscape(dst, rune(c))
}

// appendUnicodeEscape appends \u and the four lower-case hex digits of r,
// as encoding/json writes them. r must be at most U+FFFF.
func appendUnicodeEscape(dst []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	return append(dst, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
}

// timeLayout is every timestamp the CLI writes: UTC, always three
// decimals, so that the text sorts as the instants do and columns keep
// their width. Sub-millisecond digits are cut, not rounded, so that an
// entry never moves into the next millisecond.
const timeLayout = "2006-01-02T15:04:05.000Z"

// appendTimestamp appends t in timeLayout. It does the work of
// t.UTC().AppendFormat(dst, timeLayout) with integer arithmetic on
// t.Unix(), as AppendFormat parses the layout and t.Date splits the
// instant anew on every call; years outside 0 to 9999 go through
// AppendFormat.
func appendTimestamp(dst []byte, t time.Time) []byte {
	var stamps timestamper
	return stamps.appendTimestamp(dst, t)
}

// timestamper is appendTimestamp keeping the date of the last timestamp,
// which the next entry, a few seconds away, most often shares.
type timestamper struct {
	day  int64    // of date, counted from minStampSec
	date [11]byte // "2006-01-02T"
	set  bool
}

// appendTimestamp appends t as appendTimestamp does.
func (s *timestamper) appendTimestamp(dst []byte, t time.Time) []byte {
	sec := t.Unix()
	if sec < minStampSec || sec >= maxStampSec {
		return t.UTC().AppendFormat(dst, timeLayout)
	}
	day, secOfDay := (sec-minStampSec)/86400, int((sec-minStampSec)%86400)
	if !s.set || day != s.day {
		// Days from 0000-03-01, the start of a 400-year era (the leap
		// day last in its year), 60 days after 0000-01-01.
		year, month, dayOfMonth := civilDate(day + stampDayShift)
		date := append2Digits(append2Digits(s.date[:0], year/100), year%100)
		date = append2Digits(append(date, '-'), month)
		copy(s.date[:], append(append2Digits(append(date, '-'), dayOfMonth), 'T'))
		s.day, s.set = day, true
	}
	ms := t.Nanosecond() / int(time.Millisecond)
	dst = append2Digits(append(dst, s.date[:]...), secOfDay/3600)
	dst = append2Digits(append(dst, ':'), secOfDay/60%60)
	dst = append2Digits(append(dst, ':'), secOfDay%60)
	dst = append2Digits(append(dst, '.', byte('0'+ms/100)), ms%100)
	return append(dst, 'Z')
}

const (
	// minStampSec and maxStampSec are 0000-01-01 and 10000-01-01 in Unix
	// seconds: the years appendTimestamp writes itself.
	minStampSec = -62167219200
	maxStampSec = 253402300800
	// stampDayShift is the days from 0000-03-01 back to 0000-01-01, which
	// are -60 days from it (0000 is a leap year).
	stampDayShift = -60
)

// civilDate is the Gregorian date of days counted from 0000-03-01 (which
// may be down to -60): Howard Hinnant's days_from_civil reversed, in
// divisions by constants.
func civilDate(days int64) (year, month, day int) {
	era := (days + 146097) / 146097 // +1 era keeps the dividend positive
	dayOfEra := days + 146097 - era*146097
	yearOfEra := (dayOfEra - dayOfEra/1460 + dayOfEra/36524 - dayOfEra/146096) / 365
	dayOfYear := dayOfEra - (365*yearOfEra + yearOfEra/4 - yearOfEra/100)
	monthFromMarch := (5*dayOfYear + 2) / 153
	day = int(dayOfYear - (153*monthFromMarch+2)/5 + 1)
	month = int(monthFromMarch + 3)
	year = int(yearOfEra + (era-1)*400)
	if month > 12 {
		month -= 12
		year++
	}
	return year, month, day
}

// twoDigits holds 00 to 99, two bytes each.
const twoDigits = "0001020304050607080910111213141516171819" +
	"2021222324252627282930313233343536373839" +
	"4041424344454647484950515253545556575859" +
	"6061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// append2Digits appends v, from 0 to 99, as two digits.
func append2Digits(dst []byte, v int) []byte {
	return append(dst, twoDigits[2*v], twoDigits[2*v+1])
}
