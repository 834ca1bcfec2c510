package riskcloud

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// EntryType says whether an [Entry] is a successful or a failed login.
// A value the SDK does not know is kept as the server sent it.
type EntryType string

// The entry types the access-audit API documents.
const (
	Login     EntryType = "Login"     // a successful login
	LoginFail EntryType = "LoginFail" // a failed login; Entry.Message says why
)

// Entry is one record of the access audit: a login or a failed login.
type Entry struct {
	// Type is Login or LoginFail, or any other value as sent.
	Type EntryType
	// Timestamp is when it happened, in UTC; the zero time when the server
	// sent none. A number (or numeric string) is epoch milliseconds, except
	// that one below 1e11 in magnitude is epoch seconds: as milliseconds it
	// would fall before 1973-03-03, when no login of this API happened,
	// while as seconds 1e11 is in the year 5138. A fraction is kept, to the
	// nanosecond. Dates in ISO-8601 are read with or without a zone (none
	// is UTC).
	Timestamp time.Time
	// Message is the reason a login failed; "" for a Login (sent as null).
	Message string
	// RemoteAddress is the client address the server saw.
	RemoteAddress string
	// Raw is the entry's JSON object exactly as received, including fields
	// this version of the SDK does not know. In an entry of a page it is not
	// a copy: it shares the buffer the page's response body was read into,
	// with its capacity capped at its length. Modifying its bytes in place
	// changes no other entry (the entries' bytes do not overlap), appending
	// to it copies, and keeping it keeps that page's whole body in memory;
	// copy it (bytes.Clone) to keep it apart. [Entry.UnmarshalJSON] sets it
	// to a copy of its input.
	Raw json.RawMessage
	// ID is the entry's stable identifier (see [EntryID]), set on the
	// entries a [Feed] yields; "" on entries of Page, Pages and All, and
	// never read from or written to JSON.
	ID string `json:"-"`
}

// UnmarshalJSON decodes an entry, accepting every timestamp form the API is
// known or suspected to send (see [Entry.Timestamp]), and keeps a copy of
// data in Raw. It decodes as a page's entries are decoded (keys match
// exactly, as the server writes them; null fields are empty; unknown ones
// are only kept in Raw), replacing all of e; the literal null leaves e as
// it is. On an error, e is unchanged; a timestamp that cannot be read is a
// [*TimestampError].
func (e *Entry) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	// encoding/json reuses data after this returns: keep a copy.
	entry, err := decodeEntry(bytes.Clone(data))
	if err != nil {
		return err
	}
	*e = entry
	return nil
}

// TimestampError is a timestamp the SDK could not read. Value is the JSON
// value as received (shortened if long).
type TimestampError struct {
	Value string
}

// Error names the value and the forms that are accepted.
func (e *TimestampError) Error() string {
	return fmt.Sprintf("timestamp %s is neither epoch seconds or milliseconds nor an ISO-8601 date-time", e.Value)
}

// maxEpochMillis bounds epoch milliseconds to the years time.Time formats
// sensibly (up to 9999-12-31T23:59:59.999Z) and keeps float conversion exact.
const maxEpochMillis = 253402300799999

// secondsBelow is where an epoch number stops being seconds and becomes
// milliseconds. As milliseconds, a number below it in magnitude falls
// between 1966-10-31 and 1973-03-03, long before any login this API
// records, so a server that sends it means seconds (as many Unix tools
// do); as seconds, 1e11 is in the year 5138, so no real login in seconds
// reaches it.
const secondsBelow = 100_000_000_000

// isoLayouts are the date-time forms accepted after normalisation (upper
// case, 'T' separator). time.Parse accepts a fractional second after the
// seconds field even when the layout has none.
// With no zone in the layout, time.Parse returns UTC. The forms without
// seconds are what Java's LocalDateTime and OffsetDateTime toString write
// when the seconds are zero.
var isoLayouts = []string{
	"2006-01-02T15:04:05Z07:00", // RFC 3339: Z or +01:00
	"2006-01-02T15:04:05Z0700",  // Jackson's default: +0100
	"2006-01-02T15:04:05Z07",    // +01
	"2006-01-02T15:04:05",       // no zone: UTC
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04",
}

// parseTimestamp reads a JSON timestamp: null or absent (the zero time),
// an epoch number or numeric string (seconds below secondsBelow in
// magnitude, milliseconds from there on), or an ISO-8601 date-time with or
// without a zone (no zone means UTC). The result is UTC.
func parseTimestamp(raw json.RawMessage) (time.Time, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	if raw[0] == '"' {
		d := decoder{data: raw}
		inner, plain, err := d.plainStr()
		var s string
		if err == nil && d.off == len(raw) {
			s, err = stringOf(inner, plain)
		}
		if err != nil || d.off != len(raw) {
			return time.Time{}, timestampError(raw)
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return time.Time{}, nil
		}
		if t, ok := parseEpoch(s); ok {
			return t, nil
		}
		if t, ok := parseISO(s); ok {
			return t, nil
		}
		return time.Time{}, timestampError(raw)
	}
	if n, ok := shortInteger(raw); ok {
		// The API's form, without strconv's generality.
		if t, ok := epochInteger(n); ok {
			return t, nil
		}
	}
	if t, ok := parseEpoch(string(raw)); ok {
		return t, nil
	}
	return time.Time{}, timestampError(raw)
}

// shortInteger reads an optional minus sign and 1 to 15 decimal digits,
// which cannot overflow: all of the epoch milliseconds in range.
func shortInteger(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// epochInteger reads a whole epoch number: seconds below secondsBelow in
// magnitude, else milliseconds, which must lie within maxEpochMillis.
func epochInteger(n int64) (time.Time, bool) {
	switch {
	case -secondsBelow < n && n < secondsBelow:
		return time.Unix(n, 0).UTC(), true
	case -maxEpochMillis <= n && n <= maxEpochMillis:
		return time.UnixMilli(n).UTC(), true
	}
	return time.Time{}, false
}

// parseEpoch reads an epoch number spelled as JSON spells numbers (or as
// strconv reads them): an integer, a decimal fraction (read exactly, to the
// nanosecond) or a number with an exponent (read through float64). Its
// magnitude picks the unit, as in epochInteger.
func parseEpoch(s string) (time.Time, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return epochInteger(n)
	}
	if t, ok, decimal := parseEpochDecimal(s); decimal {
		return t, ok
	}
	if !looksNumeric(s) {
		return time.Time{}, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) > maxEpochMillis {
		return time.Time{}, false
	}
	whole, frac := math.Modf(f)
	if math.Abs(f) < secondsBelow {
		return time.Unix(int64(whole), int64(math.Round(frac*1e9))).UTC(), true
	}
	return time.UnixMilli(int64(whole)).Add(time.Duration(math.Round(frac * 1e6))).UTC(), true
}

// parseEpochDecimal reads s if it is an optional minus sign, digits, a dot
// and digits (decimal reports whether it is), keeping every digit down to
// the nanosecond, which float64 would not: at 1.8e9 seconds its step is a
// quarter of a microsecond. A digit past the nanosecond rounds.
func parseEpochDecimal(s string) (t time.Time, ok, decimal bool) {
	whole, frac, found := strings.Cut(s, ".")
	digits := strings.TrimPrefix(whole, "-")
	if !found || !allDigits(digits) || !allDigits(frac) {
		return time.Time{}, false, false
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > maxEpochMillis {
		return time.Time{}, false, true
	}
	// The fraction's value in units of 10^-scale, rounded at the next digit.
	scale := 6 // milliseconds to nanoseconds
	if n < secondsBelow {
		scale = 9 // seconds to nanoseconds
	}
	var nanos int64
	for i := range scale {
		nanos *= 10
		if i < len(frac) {
			nanos += int64(frac[i] - '0')
		}
	}
	if len(frac) > scale && frac[scale] >= '5' {
		nanos++
	}
	if len(digits) != len(whole) {
		n, nanos = -n, -nanos
	}
	if scale == 9 {
		return time.Unix(n, nanos).UTC(), true, true
	}
	return time.UnixMilli(n).Add(time.Duration(nanos)).UTC(), true, true
}

// allDigits reports whether s is one or more ASCII digits.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// looksNumeric reports whether s is spelled like a JSON number, so that
// ParseFloat's extras ("Inf", "0x1p3", "1_000") are not taken for one.
func looksNumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
		default:
			return false
		}
	}
	return s != ""
}

// parseISO reads an ISO-8601 date-time: 'T' or a space between date and
// time, seconds with a fraction of any length or no seconds, and Z,
// ±hh:mm, ±hhmm, ±hh or no zone.
func parseISO(s string) (time.Time, bool) {
	if len(s) < len("2006-01-02T15:04") {
		return time.Time{}, false
	}
	// Upper-case ASCII only: strings.ToUpper can shorten a string ("ı"
	// becomes "I"), and the length was checked above.
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	if b[10] == ' ' {
		b[10] = 'T'
	}
	s = string(b)
	for _, layout := range isoLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func timestampError(raw []byte) error {
	return &TimestampError{Value: clipTo(string(raw), 64)}
}
