package riskcloud

import (
	"bytes"
	"strconv"
	"time"
)

// This file reads one v2 access audit, with the grammar of jsongrammar.go,
// as entryjson.go reads a v1 entry: keys match exactly, the last of a
// repeated key counts, a null field is empty, and unknown fields are kept
// only in Raw.

// UnmarshalJSON decodes an access audit as a page's entries are decoded
// (keys match exactly, as the server writes them; null fields are empty;
// unknown fields are only kept in Raw, which is set to a copy of data),
// replacing all of a; the literal null leaves a as it is. Created accepts
// the forms [Entry.Timestamp] does. An id (the entry's or its user's) sent
// as a JSON number is kept as the number's text. On an error, a is
// unchanged; a created that cannot be read is an error wrapping a
// [*TimestampError].
func (a *AccessAudit) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	// encoding/json reuses data after this returns: keep a copy.
	audit, err := decodeAudit(bytes.Clone(data))
	if err != nil {
		return err
	}
	*a = audit
	return nil
}

// decodeAudit reads one access audit from data, which it keeps as its Raw
// (surrounding whitespace included), as decodeEntry reads an entry.
func decodeAudit(data []byte) (AccessAudit, error) {
	d := decoder{data: data}
	var a AccessAudit
	var err error
	d.space()
	switch d.peek() {
	case '{':
		err = readAudit(&d, &a)
	case 'n':
		err = d.literal("null")
	default:
		err = d.kindError("an access audit", "an object")
	}
	if err == nil {
		err = d.end()
	}
	if err != nil {
		return AccessAudit{}, err
	}
	a.Raw = data
	return a, nil
}

// readAudit reads an access audit object into a, which must be zero. Raw
// is the object's bytes, capped so that an append copies. Like readEntry,
// it loops over the members itself: through d.object's callback, a would
// escape to the heap, an allocation per entry.
func readAudit(d *decoder, a *AccessAudit) error {
	start := d.off
	if err := d.open(); err != nil {
		return err
	}
	var created []byte
	createdOff := 0
	for first := true; ; first = false {
		key, ok, err := d.member(first)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		switch string(key) {
		case "id":
			a.ID, err = d.id("id")
		case "type":
			a.Type, err = readAuditType(d)
		case "user":
			a.User, err = readAuditUser(d)
		case "remoteAddress":
			a.RemoteAddress, err = d.nullableString("remoteAddress")
		case "details":
			a.Details, err = d.nullableString("details")
		case "created":
			createdOff = d.off
			created, err = d.rawValue()
		default:
			err = d.skip()
		}
		if err != nil {
			return err
		}
	}
	a.Raw = d.bytesFrom(start)
	var err error
	a.Created, err = createdAt(created, createdOff)
	return err
}

// readAuditUser reads an entry's user: an object, or null (the zero user).
func readAuditUser(d *decoder) (u AuditUser, err error) {
	switch d.peek() {
	case 'n':
		return u, d.literal("null")
	case '{':
	default:
		return u, d.kindError(`"user"`, "an object or null")
	}
	if err := d.open(); err != nil {
		return u, err
	}
	for first := true; ; first = false {
		key, ok, err := d.member(first)
		if err != nil || !ok {
			return u, err
		}
		switch string(key) {
		case "id":
			u.ID, err = d.id("user.id")
		case "name":
			u.Name, err = d.nullableString("user.name")
		case "email":
			u.Email, err = d.nullableString("user.email")
		default:
			err = d.skip()
		}
		if err != nil {
			return u, err
		}
	}
}

// id reads an id: a string, or null as "". The API declares ids strings;
// a server that sends one as a number (as a numeric database key might
// be) has its number kept as written, since the digits are the id.
func (d *decoder) id(field string) (string, error) {
	if c := d.peek(); c == '-' || isDigit(c) {
		num, _, err := d.number()
		return string(num), err
	}
	if d.peek() == '"' || d.peek() == 'n' {
		return d.nullableString(field)
	}
	return "", d.kindError(strconv.Quote(field), "a string, a number or null")
}

// readAuditType reads an entry's type, or null as "", without allocating
// for the types the API documents.
func readAuditType(d *decoder) (AccessAuditType, error) {
	if d.peek() == 'n' {
		return "", d.literal("null")
	}
	s, plain, err := d.stringValue("type")
	if err != nil {
		return "", err
	}
	if plain {
		for _, t := range accessAuditTypes {
			if string(s) == string(t) {
				return t, nil
			}
		}
	}
	u, err := stringOf(s, plain)
	return AccessAuditType(u), err
}

// createdAt reads created, raw (nil when absent), found at off, as
// parseTimestamp reads a v1 timestamp; one that cannot be read is a
// *decodeError naming the field and wrapping the *TimestampError.
func createdAt(raw []byte, off int) (time.Time, error) {
	t, err := parseTimestamp(raw)
	if err != nil {
		return time.Time{}, &decodeError{msg: `"created": ` + err.Error(), off: off, err: err}
	}
	return t, nil
}
