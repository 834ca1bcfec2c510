package main

// jsonEncoder writes an entry as a JSON object, one a line (jsonl), or as
// the elements of one JSON array (json), a line each, for tools that read
// a document rather than lines. The array is streamed: nothing is held
// back but the closing bracket.
//
// An object is the normalised entry rather than the raw one, because the
// API's timestamp form is undocumented and may differ between instances
// (epoch milliseconds or seconds, ISO-8601 with or without a zone): a SIEM
// or jq filter needs one form, and a fixed set of keys in a fixed order,
// whatever else a server adds:
//
//	{"type":"LoginFail","timestamp":"2026-11-01T12:00:00.000Z","message":"Bad credentials","remoteAddress":"192.0.2.1","email":null,"id":"5f0c…"}
//
// message, timestamp and email are null when absent (as the API sends a
// Login's message); email is the address of attempts EMAIL; id is the
// entry's stable id (riskcloud.EntryID), which every run sets. A v2 entry
// (audits) has the same keys, message its details and email its user's,
// and then what only v2 has, null when absent:
//
//	{"type":"LOGIN","timestamp":"2026-11-01T12:00:00.000Z","message":"Login succeeded","remoteAddress":"192.0.2.1","email":"alice@example.com","userId":"u-1","userName":"Alice","id":"a-1"}
//
// so that one jq filter reads both. Strings are
// escaped by appendJSONString, so that a line is safe on a terminal and
// decodes to what the server sent.
type jsonEncoder struct {
	array  bool
	v2     bool // add userId, userName and id
	ids    bool // v1: add id
	stamps timestamper
}

func (j *jsonEncoder) appendEntry(dst []byte, r *record, first bool) []byte {
	if j.array {
		if first {
			dst = append(dst, "[\n"...)
		} else {
			dst = append(dst, ",\n"...)
		}
	}
	dst = append(dst, `{"type":`...)
	dst = appendJSONString(dst, r.typeName)
	dst = append(dst, `,"timestamp":`...)
	if r.time.IsZero() {
		dst = append(dst, "null"...)
	} else {
		dst = append(j.stamps.appendTimestamp(append(dst, '"'), r.time), '"')
	}
	dst = append(dst, `,"message":`...)
	dst = appendNullableString(dst, r.message)
	dst = append(dst, `,"remoteAddress":`...)
	dst = appendJSONString(dst, r.address)
	dst = append(dst, `,"email":`...)
	dst = appendNullableString(dst, r.user.email)
	if j.v2 {
		dst = appendNullableString(append(dst, `,"userId":`...), r.user.id)
		dst = appendNullableString(append(dst, `,"userName":`...), r.user.name)
		dst = appendNullableString(append(dst, `,"id":`...), r.id)
	} else if j.ids {
		dst = appendNullableString(append(dst, `,"id":`...), r.id)
	}
	dst = append(dst, '}')
	if !j.array {
		dst = append(dst, '\n')
	}
	return dst
}

func (j *jsonEncoder) appendEnd(dst []byte, n int) []byte {
	switch {
	case !j.array:
		return dst
	case n == 0:
		return append(dst, "[]\n"...)
	}
	return append(dst, "\n]\n"...)
}

// appendNullableString appends s as a JSON string, or null when it is "".
func appendNullableString(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, "null"...)
	}
	return appendJSONString(dst, s)
}
