package riskcloud

import (
	"errors"
	"time"
)

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
		err = readEntry(&d, &e)
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

// readEntries reads a page's content of entries (see contentArray), or
// null (nil). An empty array gives an empty, non-nil slice, as
// encoding/json does.
func readEntries(d *decoder, maxEntries int) ([]Entry, error) {
	c, ok, err := openContent(d, maxEntries)
	if err != nil || !ok {
		return nil, err
	}
	out := []Entry{}
	for {
		if ok, err := c.next(); err != nil || !ok {
			return out, err
		}
		if len(out) == 0 {
			// The first entry sizes the slice (see appendEntry): read
			// it apart; the others in place.
			var e Entry
			if err := readEntry(d, &e); err != nil {
				return nil, c.entryError(err)
			}
			out = appendEntry(out, &c, e)
			continue
		}
		var e *Entry
		out, e = appendZero(out, &c)
		if err := readEntry(d, e); err != nil {
			return nil, c.entryError(err)
		}
	}
}

// readEntry reads an entry object into e, which must be zero, as
// encoding/json would read it into the fields the API documents, with
// keys matched exactly (see decodeEntryPage). Raw is the object's bytes,
// capped so that an append copies. It runs once an entry, so it loops over
// the members itself rather than through d.object's callback.
func readEntry(d *decoder, e *Entry) error {
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
			err = readEntryType(d, &e.Type)
		case "timestamp":
			tsOff = d.off
			ts, err = d.rawValue()
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
	e.Raw = d.bytesFrom(start)
	var err error
	e.Timestamp, err = timestampAt(ts, tsOff)
	return err
}

// readEntryType reads an entry's type into t. null leaves t as it was, as
// encoding/json does for a string field.
func readEntryType(d *decoder, t *EntryType) error {
	if d.peek() == 'n' {
		return d.literal("null")
	}
	s, plain, err := d.stringValue("type")
	if err == nil {
		*t, err = internType(s, plain)
	}
	return err
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

// timestampAt reads the timestamp raw (nil when absent), found at off; one
// that cannot be read is a *decodeError wrapping the *TimestampError.
func timestampAt(raw []byte, off int) (time.Time, error) {
	t, err := parseTimestamp(raw)
	if err != nil {
		return time.Time{}, &decodeError{msg: err.Error(), off: off, err: err}
	}
	return t, nil
}
