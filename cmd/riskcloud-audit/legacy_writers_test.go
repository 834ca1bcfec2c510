package main

// This file keeps the writers as they were before they were made faster
// (commit 6d4dd89), renamed with a legacy prefix, so that
// TestWriters_matchLegacy can check that the new ones write the same bytes.
// It is a test's oracle only: fix nothing here.

import (
	"net/netip"
	"slices"
	"strconv"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/riskcloud-go/riskcloud"
)

// The append functions below build an output line in a reused buffer, so
// that writing an entry allocates nothing: they replace encoding/json's
// Encoder and time.Format, which took more CPU than decoding the page.

// legacyAppendJSONString appends s as a JSON string. It escapes what
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
// every few bytes, most of that: printable ASCII takes a loop without
// branches, anything else the general one.
func legacyAppendJSONString[S ~string | ~[]byte](dst []byte, s S) []byte {
	n := len(dst)
	dst = slices.Grow(dst, 2*len(s)+2)
	out := dst[n : n+2*len(s)+2] // room for a backslash before every byte
	out[0] = '"'
	j := 1
	var other byte // 1 once a byte needs the general loop
	for i := 0; i < len(s); i++ {
		c := s[i]
		other |= legacyJsonOther[c]
		out[j] = '\\'
		j += int(legacyJsonBackslashed[c]) // " and \ keep the backslash
		out[j] = c
		j++
	}
	if other != 0 {
		return legacyAppendJSONStringGeneral(dst[:n], s)
	}
	out[j] = '"'
	return dst[:n+j+1]
}

// legacyJsonBackslashed marks " and \; legacyJsonOther the bytes that are neither
// printable ASCII nor those two.
var legacyJsonBackslashed, legacyJsonOther = func() (backslashed, other [256]byte) {
	for c := range 256 {
		switch {
		case c == '"' || c == '\\':
			backslashed[c] = 1
		case c < 0x20 || c >= 0x7f:
			other[c] = 1
		}
	}
	return backslashed, other
}()

// legacyAppendJSONStringGeneral is legacyAppendJSONString for any s.
func legacyAppendJSONStringGeneral[S ~string | ~[]byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= 0x20 && c < 0x7f && c != '"' && c != '\\':
			dst = append(dst, c)
			i++
		case c < utf8.RuneSelf:
			dst = legacyAppendASCIIEscape(dst, c)
			i++
		default:
			dst, i = legacyAppendRune(dst, s, i)
		}
	}
	return append(dst, '"')
}

// legacyAppendRune appends the rune that starts at s[i], a non-ASCII byte,
// escaped as legacyAppendJSONString says, and returns the index after it.
func legacyAppendRune[S ~string | ~[]byte](dst []byte, s S, i int) ([]byte, int) {
	// At most 4 bytes converted: no allocation for a []byte.
	r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
	switch {
	case r == utf8.RuneError && size == 1:
		dst = legacyAppendUnicodeEscape(dst, utf8.RuneError)
	case r == '\u2028' || r == '\u2029' || !unicode.IsGraphic(r):
		if r > 0xffff {
			r1, r2 := utf16.EncodeRune(r) // a surrogate pair, as JSON spells it
			dst = legacyAppendUnicodeEscape(legacyAppendUnicodeEscape(dst, r1), r2)
		} else {
			dst = legacyAppendUnicodeEscape(dst, r)
		}
	default:
		dst = append(dst, s[i:i+size]...)
	}
	return dst, i + size
}

// legacyAppendASCIIEscape appends the JSON escape of the ASCII byte c, which is
// ", \, a C0 control or DEL, as encoding/json spells it.
func legacyAppendASCIIEscape(dst []byte, c byte) []byte {
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
	return legacyAppendUnicodeEscape(dst, rune(c))
}

// legacyAppendUnicodeEscape appends \u and the four lower-case hex digits of r,
// as encoding/json writes them. r must be at most U+FFFF.
func legacyAppendUnicodeEscape(dst []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	return append(dst, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
}

// legacyAppendTimestamp appends t in timeLayout. It does the work of
// t.UTC().AppendFormat(dst, timeLayout) digit by digit, as that parses the
// layout on every call; years outside 0 to 9999 go through AppendFormat.
func legacyAppendTimestamp(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(dst, timeLayout)
	}
	hour, minute, sec := t.Clock()
	ms := t.Nanosecond() / int(time.Millisecond)
	dst = legacyAppend2Digits(legacyAppend2Digits(dst, year/100), year%100)
	dst = legacyAppend2Digits(append(dst, '-'), int(month))
	dst = legacyAppend2Digits(append(dst, '-'), day)
	dst = legacyAppend2Digits(append(dst, 'T'), hour)
	dst = legacyAppend2Digits(append(dst, ':'), minute)
	dst = legacyAppend2Digits(append(dst, ':'), sec)
	dst = legacyAppend2Digits(append(dst, '.', byte('0'+ms/100)), ms%100)
	return append(dst, 'Z')
}

// legacyTwoDigits holds 00 to 99, two bytes each.
const legacyTwoDigits = "0001020304050607080910111213141516171819" +
	"2021222324252627282930313233343536373839" +
	"4041424344454647484950515253545556575859" +
	"6061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// legacyAppend2Digits appends v, from 0 to 99, as two digits.
func legacyAppend2Digits(dst []byte, v int) []byte {
	return append(dst, legacyTwoDigits[2*v], legacyTwoDigits[2*v+1])
}

// legacyOcsfEncoder writes each entry as one OCSF 1.5.0 Authentication event a
// line. FORMATS.md gives the mapping; ocsf_test.go checks every event
// against the published schema.
type legacyOcsfEncoder struct {
	now func() time.Time
	// metadataTail is the end of the metadata object, the same for every
	// event: product, log and the CLI as its logger.
	metadataTail []byte
}

func legacyNewOCSFEncoder(cfg writerConfig) legacyOcsfEncoder {
	tail := []byte(`"product":{"name":"Risk Cloud","vendor_name":"LogicGate"},"log_name":"access-audit","log_provider":` +
		`"` + serviceName + `","loggers":[{"name":"` + name + `","product":{"name":"` + name + `","vendor_name":"riskcloud-go"`)
	if cfg.version != "" {
		tail = legacyAppendJSONString(append(tail, `,"version":`...), cfg.version)
	}
	tail = append(tail, "}"...)
	if cfg.version != "" {
		tail = legacyAppendJSONString(append(tail, `,"version":`...), cfg.version)
	}
	tail = append(tail, "}]}"...)
	return legacyOcsfEncoder{now: cfg.now, metadataTail: tail}
}

// legacyOcsfActivity is the Authentication activity of kind: its id and name.
// The v2 types without an activity of their own (credentials and tokens
// rolled, other) and types this version does not know are 99 Other, whose
// activity_name OCSF reserves for the source's own value, the type as
// sent.
func legacyOcsfActivity(r *record) (int, string) {
	switch r.kind {
	case kindLogin, kindLoginFailed:
		return 1, "Logon"
	case kindLogout:
		return 2, "Logoff"
	}
	if r.typeName == "" {
		return 0, "Unknown"
	}
	return 99, r.typeName
}

// legacyOcsfTypeName is the type_name of an activity_id that legacyOcsfActivity gives.
func legacyOcsfTypeName(activity int) string {
	switch activity {
	case 1:
		return "Authentication: Logon"
	case 2:
		return "Authentication: Logoff"
	case 99:
		return "Authentication: Other"
	}
	return "Authentication: Unknown"
}

func (o legacyOcsfEncoder) appendEntry(dst []byte, r *record, _ bool) []byte {
	activity, activityName := legacyOcsfActivity(r)
	dst = strconv.AppendInt(append(dst, `{"activity_id":`...), int64(activity), 10)
	dst = legacyAppendJSONString(append(dst, `,"activity_name":`...), activityName)
	dst = append(dst, `,"category_uid":3,"category_name":"Identity & Access Management","class_uid":3002,"class_name":"Authentication","type_uid":`...)
	dst = strconv.AppendInt(dst, ocsfClassUID*100+int64(activity), 10)
	dst = append(append(append(dst, `,"type_name":"`...), legacyOcsfTypeName(activity)...), '"')
	// An audit entry is a record of normal operation: failed logins
	// matter in their numbers, which is a detection's job to weigh.
	dst = append(dst, `,"severity_id":1,"severity":"Informational"`...)
	switch r.kind.outcome() {
	case outcomeSuccess:
		dst = append(dst, `,"status_id":1,"status":"Success"`...)
	case outcomeFailure:
		dst = append(dst, `,"status_id":2,"status":"Failure"`...)
		if r.message != "" {
			dst = legacyAppendJSONString(append(dst, `,"status_detail":`...), r.message)
		}
	default:
		dst = append(dst, `,"status_id":0,"status":"Unknown"`...)
	}
	if r.message != "" {
		dst = legacyAppendJSONString(append(dst, `,"message":`...), r.message)
	}
	at := r.time
	if at.IsZero() {
		at = o.now()
	}
	dst = strconv.AppendInt(append(dst, `,"time":`...), at.UnixMilli(), 10)
	// Every entry is a request to a SaaS over the network.
	dst = append(dst, `,"is_remote":true`...)
	dst = o.appendMetadata(dst, r)
	dst = append(dst, `,"service":{"name":"`+serviceName+`"}`...)
	dst = legacyAppendOCSFEndpoint(dst, r.address)
	dst = legacyAppendOCSFUser(dst, r.user)
	// raw_data (optional) is left out: every field of a v1 entry is
	// mapped, and escaping the entry into it would add a fifth to an
	// event's cost. --format ecs keeps the entry as sent, in
	// event.original.
	return append(dst, "}\n"...)
}

func (o legacyOcsfEncoder) appendMetadata(dst []byte, r *record) []byte {
	dst = append(dst, `,"metadata":{"version":"`+ocsfVersion+`",`...)
	if r.id != "" {
		dst = append(legacyAppendJSONString(append(dst, `"uid":`...), r.id), ',')
	}
	if r.time.IsZero() {
		dst = append(dst, `"labels":["`+labelTimestampMissing+`"],`...)
	}
	return append(dst, o.metadataTail...)
}

// legacyAppendOCSFEndpoint appends src_endpoint: the address's IP and port when
// it is an IP address, else the address as name, as OCSF's ip_t takes
// only an IP. An empty address leaves src_endpoint out.
func legacyAppendOCSFEndpoint(dst []byte, address string) []byte {
	if address == "" {
		return dst
	}
	ip, port, ok := legacyEndpoint(address)
	if !ok {
		return append(legacyAppendJSONString(append(dst, `,"src_endpoint":{"name":`...), address), '}')
	}
	dst = append(append(append(dst, `,"src_endpoint":{"ip":"`...), ip...), '"')
	if port != 0 {
		dst = strconv.AppendUint(append(dst, `,"port":`...), uint64(port), 10)
	}
	return append(dst, '}')
}

// legacyAppendOCSFUser appends user. Risk Cloud users log in with their email,
// so the email is the user's name (OCSF's "username"), and email_addr
// too when it is an address by OCSF's email_t. A v2 user's name, a
// display name, is full_name.
func legacyAppendOCSFUser(dst []byte, u auditUser) []byte {
	login := u.email
	if login == "" && u.id == "" {
		login = u.name
		if login == "" {
			login = unknownUser
		}
	}
	dst = append(dst, `,"user":{`...)
	sep := ""
	if login != "" {
		dst = legacyAppendJSONString(append(dst, `"name":`...), login)
		sep = ","
	}
	if legacyIsOCSFEmail(u.email) {
		dst = legacyAppendJSONString(append(dst, sep+`"email_addr":`...), u.email)
		sep = ","
	}
	if u.id != "" {
		dst = legacyAppendJSONString(append(dst, sep+`"uid":`...), u.id)
		sep = ","
	}
	if u.name != "" && u.name != login {
		dst = legacyAppendJSONString(append(dst, sep+`"full_name":`...), u.name)
	}
	return append(dst, '}')
}

func (o legacyOcsfEncoder) appendEnd(dst []byte, _ int) []byte { return dst }

// legacyIsOCSFEmail reports whether s matches OCSF 1.5.0's email_t, whose
// regular expression is
//
//	^[a-zA-Z0-9!#$%&'*+-/=?^_`{|}~.]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$
//
// (in whose first class +-/ is a range, from + to /). It is written out
// because a regexp per line would cost more than the rest of the event.
func legacyIsOCSFEmail(s string) bool {
	at := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '@' {
			at = i
			break
		}
		if !legacyIsAlnum(s[i]) && !legacyIsEmailLocalPunct(s[i]) {
			return false
		}
	}
	if at < 1 {
		return false
	}
	domain := s[at+1:]
	dot := -1
	for i := 0; i < len(domain); i++ {
		c := domain[i]
		switch {
		case c == '.' && dot < 0 && i > 0:
			dot = i
		case legacyIsAlnum(c) || c == '-' || (c == '.' && dot >= 0):
		default:
			return false
		}
	}
	return dot > 0 && dot < len(domain)-1
}

func legacyIsAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// legacyIsEmailLocalPunct reports the punctuation of email_t's local part:
// !#$%&'*+-/=?^_`{|}~. and, from the range +-/, the comma.
func legacyIsEmailLocalPunct(c byte) bool {
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', ',', '-', '.', '/', '=', '?', '^', '_', '`', '{', '|', '}', '~':
		return true
	}
	return false
}

// legacyEcsEncoder writes each entry as one ECS 9.4 document a line, nested as
// Elasticsearch stores it. FORMATS.md gives the mapping; ecs_test.go checks
// every field against ECS's published field list.
type legacyEcsEncoder struct {
	now func() time.Time
	// tail is the end of every document: the service and the CLI as the
	// agent that collected it.
	tail []byte
}

func legacyNewECSEncoder(cfg writerConfig) legacyEcsEncoder {
	tail := []byte(`,"service":{"name":"` + serviceName + `"},"agent":{"type":"` + name + `"`)
	if cfg.version != "" {
		tail = legacyAppendJSONString(append(tail, `,"version":`...), cfg.version)
	}
	return legacyEcsEncoder{now: cfg.now, tail: append(tail, "}"...)}
}

// legacyEcsEvent is the event.category, event.type and event.action of kind
// (ECS allows only some types with each category). Logins, failed or
// not, start a session and a logout ends one; rolled credentials and
// tokens change a user's credentials, which is ECS's iam category; what is
// not known is information.
func legacyEcsEvent(r *record) (categoryAndType, action string) {
	switch r.kind {
	case kindLogin:
		return `"category":["authentication"],"type":["start"]`, "login"
	case kindLoginFailed:
		return `"category":["authentication"],"type":["start"]`, "login-failed"
	case kindLogout:
		return `"category":["authentication"],"type":["end"]`, "logout"
	case kindCredentialsRolled:
		return `"category":["iam"],"type":["change","user"]`, "credentials-rolled"
	case kindTokenRolled:
		return `"category":["iam"],"type":["change","user"]`, "token-rolled"
	case kindOther:
		return `"category":["authentication"],"type":["info"]`, "other"
	}
	return `"category":["authentication"],"type":["info"]`, r.typeName
}

func (c legacyEcsEncoder) appendEntry(dst []byte, r *record, _ bool) []byte {
	at := r.time
	if at.IsZero() {
		at = c.now() // as ECS says of @timestamp: when the pipeline first saw it
	}
	dst = append(legacyAppendTimestamp(append(dst, `{"@timestamp":"`...), at), '"')
	dst = append(dst, `,"ecs":{"version":"`+ecsVersion+`"},"event":{"kind":"event",`...)
	categoryAndType, action := legacyEcsEvent(r)
	dst = append(dst, categoryAndType...)
	if action != "" {
		dst = legacyAppendJSONString(append(dst, `,"action":`...), action)
	}
	// An outcome that does not apply is left out, as ECS asks.
	switch r.kind.outcome() {
	case outcomeSuccess:
		dst = append(dst, `,"outcome":"success"`...)
	case outcomeFailure:
		dst = append(dst, `,"outcome":"failure"`...)
	}
	if r.message != "" {
		dst = legacyAppendJSONString(append(dst, `,"reason":`...), r.message)
	}
	if r.id != "" {
		dst = legacyAppendJSONString(append(dst, `,"id":`...), r.id)
	}
	if len(r.raw) > 0 {
		dst = legacyAppendJSONString(append(dst, `,"original":`...), r.raw)
	}
	dst = append(dst, '}')
	dst = legacyAppendECSSource(dst, r.address)
	dst = legacyAppendECSUser(dst, r.user)
	dst = append(dst, c.tail...)
	if r.time.IsZero() {
		dst = append(dst, `,"tags":["`+labelTimestampMissing+`"]`...)
	}
	return append(dst, "}\n"...)
}

// legacyAppendECSSource appends source: the address as sent in source.address,
// as ECS asks of an address that may not be an IP, and its IP and port
// when it is one.
func legacyAppendECSSource(dst []byte, address string) []byte {
	if address == "" {
		return dst
	}
	dst = legacyAppendJSONString(append(dst, `,"source":{"address":`...), address)
	if ip, port, ok := legacyEndpoint(address); ok {
		dst = append(append(append(dst, `,"ip":"`...), ip...), '"')
		if port != 0 {
			dst = strconv.AppendUint(append(dst, `,"port":`...), uint64(port), 10)
		}
	}
	return append(dst, '}')
}

// legacyAppendECSUser appends user, when the entry's user is known. Risk Cloud
// users log in with their email, which is also user.name; a v2 user's
// display name is user.full_name.
func legacyAppendECSUser(dst []byte, u auditUser) []byte {
	if !u.known() {
		return dst
	}
	dst = append(dst, `,"user":{`...)
	sep := ""
	if u.email != "" {
		dst = legacyAppendJSONString(append(dst, `"name":`...), u.email)
		dst = legacyAppendJSONString(append(dst, `,"email":`...), u.email)
		sep = ","
	}
	if u.id != "" {
		dst = legacyAppendJSONString(append(dst, sep+`"id":`...), u.id)
		sep = ","
	}
	if u.name != "" {
		dst = legacyAppendJSONString(append(dst, sep+`"full_name":`...), u.name)
	}
	return append(dst, '}')
}

func (c legacyEcsEncoder) appendEnd(dst []byte, _ int) []byte { return dst }

// legacyTableTypes are the types the TYPE column is sized for: a type the API
// adds later is written whole, moving the rest of its row only.
var legacyTableTypes = []riskcloud.EntryType{riskcloud.Login, riskcloud.LoginFail}

// legacyTableEncoder writes an aligned table for reading on a terminal, its
// cells stripped of control sequences (sanitizeTerminal). With attempts
// EMAIL an EMAIL column shows the address asked for, so that a row copied
// elsewhere still says whose it is; without, the column would be empty in
// every row and is left out.
type legacyTableEncoder struct {
	header     bool
	email      string // sanitised
	emailWidth int    // the email's, or its header's if wider
	typeWidth  int
}

func legacyNewTableEncoder(cfg writerConfig) legacyTableEncoder {
	email := sanitizeTerminal(cfg.email)
	t := legacyTableEncoder{header: !cfg.noHeader, email: email, emailWidth: max(len("EMAIL"), utf8.RuneCountInString(email))}
	for _, typ := range legacyTableTypes {
		t.typeWidth = max(t.typeWidth, len(typ))
	}
	return t
}

func (t legacyTableEncoder) appendEntry(dst []byte, r *record, first bool) []byte {
	if first && t.header {
		email := ""
		if t.email != "" {
			email = "EMAIL"
		}
		dst = t.appendRow(dst, "TIMESTAMP", "TYPE", email, "REMOTE ADDRESS", "MESSAGE")
	}
	var ts [tableTimeWidth]byte
	stamp := ""
	if !r.time.IsZero() {
		stamp = string(legacyAppendTimestamp(ts[:0], r.time))
	}
	return t.appendRow(dst, stamp, sanitizeTerminal(r.typeName), t.email,
		sanitizeTerminal(r.address), sanitizeTerminal(r.message))
}

// appendRow appends one line of cells padded to their columns' widths,
// with no spaces at its end. email is left out when the table has no
// EMAIL column.
func (t legacyTableEncoder) appendRow(dst []byte, stamp, typ, email, address, message string) []byte {
	start := len(dst)
	dst = legacyAppendPadded(dst, stamp, tableTimeWidth)
	dst = legacyAppendPadded(dst, typ, t.typeWidth)
	if t.email != "" {
		dst = legacyAppendPadded(dst, email, t.emailWidth)
	}
	dst = legacyAppendPadded(dst, address, tableAddressWidth)
	dst = append(dst, message...)
	end := len(dst)
	for end > start && dst[end-1] == ' ' {
		end--
	}
	return append(dst[:end], '\n')
}

// legacyAppendPadded appends cell, padded with spaces to width runes, and the
// gap to the next column.
func legacyAppendPadded(dst []byte, cell string, width int) []byte {
	dst = append(dst, cell...)
	for n := utf8.RuneCountInString(cell); n < width; n++ {
		dst = append(dst, ' ')
	}
	return append(dst, tableGap...)
}

func (t legacyTableEncoder) appendEnd(dst []byte, _ int) []byte { return dst }

type legacyJsonEncoder struct {
	array bool
}

func (j legacyJsonEncoder) appendEntry(dst []byte, r *record, first bool) []byte {
	if j.array {
		if first {
			dst = append(dst, "[\n"...)
		} else {
			dst = append(dst, ",\n"...)
		}
	}
	dst = append(dst, `{"type":`...)
	dst = legacyAppendJSONString(dst, r.typeName)
	dst = append(dst, `,"timestamp":`...)
	if r.time.IsZero() {
		dst = append(dst, "null"...)
	} else {
		dst = append(legacyAppendTimestamp(append(dst, '"'), r.time), '"')
	}
	dst = append(dst, `,"message":`...)
	dst = legacyAppendNullableString(dst, r.message)
	dst = append(dst, `,"remoteAddress":`...)
	dst = legacyAppendJSONString(dst, r.address)
	dst = append(dst, `,"email":`...)
	dst = legacyAppendNullableString(dst, r.user.email)
	dst = append(dst, '}')
	if !j.array {
		dst = append(dst, '\n')
	}
	return dst
}

func (j legacyJsonEncoder) appendEnd(dst []byte, n int) []byte {
	switch {
	case !j.array:
		return dst
	case n == 0:
		return append(dst, "[]\n"...)
	}
	return append(dst, "\n]\n"...)
}

// legacyAppendNullableString appends s as a JSON string, or null when it is "".
func legacyAppendNullableString(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, "null"...)
	}
	return legacyAppendJSONString(dst, s)
}

type legacyCsvEncoder struct {
	header bool // written before the first row, or alone for an empty walk
}

func (c legacyCsvEncoder) appendEntry(dst []byte, r *record, first bool) []byte {
	if first && c.header {
		dst = append(dst, csvHeader...)
	}
	if !r.time.IsZero() {
		dst = legacyAppendTimestamp(dst, r.time)
	}
	dst = appendCSVCell(append(dst, ','), r.typeName)
	dst = appendCSVCell(append(dst, ','), r.address)
	dst = appendCSVCell(append(dst, ','), r.message)
	dst = appendCSVCell(append(dst, ','), r.user.email)
	return append(dst, '\n')
}
func legacyEndpoint(address string) (ip string, port uint16, ok bool) {
	if addr, err := netip.ParseAddr(address); err == nil {
		if addr.Zone() == "" && !addr.Is4In6() {
			return address, 0, true
		}
		return addr.WithZone("").Unmap().String(), 0, true
	}
	if ap, err := netip.ParseAddrPort(address); err == nil {
		return ap.Addr().WithZone("").Unmap().String(), ap.Port(), true
	}
	return "", 0, false
}

func (c legacyCsvEncoder) appendEnd(dst []byte, n int) []byte {
	return (&csvEncoder{header: c.header}).appendEnd(dst, n)
}

// legacyEncoder is the encoder newEntryWriter gave format before.
func legacyEncoder(format string, cfg writerConfig) encoder {
	switch format {
	case "json":
		return legacyJsonEncoder{array: true}
	case "csv":
		return legacyCsvEncoder{header: !cfg.noHeader}
	case "table":
		return legacyNewTableEncoder(cfg)
	case "ocsf":
		return legacyNewOCSFEncoder(cfg)
	case "ecs":
		return legacyNewECSEncoder(cfg)
	}
	return legacyJsonEncoder{}
}
