package main

import (
	"strconv"
	"time"
)

// The OCSF event's constants: OCSF 1.5.0, class Authentication (3002) of
// category Identity & Access Management (3).
const (
	ocsfVersion     = "1.5.0"
	ocsfClassUID    = 3002
	ocsfCategoryUID = 3
	// serviceName names the audited service, in OCSF's service.name and
	// ECS's service.name.
	serviceName = "LogicGate Risk Cloud"
	// labelTimestampMissing marks an event whose entry had no timestamp,
	// stamped with the time it was written (OCSF metadata.labels, ECS tags).
	labelTimestampMissing = "timestamp_missing"
	// unknownUser is OCSF's user.name for an entry that names nobody (v1
	// logins and failures): user is required and needs a name or an id,
	// and no Risk Cloud login is an address-less word.
	unknownUser = "unknown"
)

// ocsfEncoder writes each entry as one OCSF 1.5.0 Authentication event a
// line. FORMATS.md gives the mapping; ocsf_test.go checks every event
// against the published schema. What is the same from one event to the
// next is built once: the head of each type, the user, the metadata's end.
type ocsfEncoder struct {
	now func() time.Time
	// metadataTail is the end of the metadata object and the service, the
	// same for every event: product, log and the CLI as its logger.
	metadataTail []byte
	heads        headCache
	users        userCache
}

func newOCSFEncoder(cfg writerConfig) *ocsfEncoder {
	tail := []byte(`"product":{"name":"Risk Cloud","vendor_name":"LogicGate"},"log_name":"access-audit","log_provider":` +
		`"` + serviceName + `","loggers":[{"name":"` + name + `","product":{"name":"` + name + `","vendor_name":"riskcloud-go"`)
	if cfg.version != "" {
		tail = appendJSONString(append(tail, `,"version":`...), cfg.version)
	}
	tail = append(tail, "}"...)
	if cfg.version != "" {
		tail = appendJSONString(append(tail, `,"version":`...), cfg.version)
	}
	tail = append(tail, `}]},"service":{"name":"`+serviceName+`"}`...)
	return &ocsfEncoder{now: cfg.now, metadataTail: tail,
		heads: headCache{build: appendOCSFHead}, users: userCache{build: appendOCSFUser}}
}

// ocsfActivity is the Authentication activity of kind: its id and name.
// The v2 types without an activity of their own (credentials and tokens
// rolled, other) and types this version does not know are 99 Other, whose
// activity_name OCSF reserves for the source's own value, the type as
// sent.
func ocsfActivity(r *record) (int, string) {
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

// ocsfTypeName is the type_name of an activity_id that ocsfActivity gives.
func ocsfTypeName(activity int) string {
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

func (o *ocsfEncoder) appendEntry(dst []byte, r *record, _ bool) []byte {
	dst = o.heads.appendHead(dst, r)
	if r.message != "" {
		if r.kind.outcome() == outcomeFailure {
			dst = appendJSONString(append(dst, `,"status_detail":`...), r.message)
		}
		dst = appendJSONString(append(dst, `,"message":`...), r.message)
	}
	at := r.time
	if at.IsZero() {
		at = o.now()
	}
	dst = strconv.AppendInt(append(dst, `,"time":`...), at.UnixMilli(), 10)
	// Every entry is a request to a SaaS over the network.
	dst = append(dst, `,"is_remote":true,"metadata":{"version":"`+ocsfVersion+`",`...)
	if r.id != "" {
		dst = append(appendJSONString(append(dst, `"uid":`...), r.id), ',')
	}
	if r.time.IsZero() {
		dst = append(dst, `"labels":["`+labelTimestampMissing+`"],`...)
	}
	dst = append(dst, o.metadataTail...)
	dst = appendOCSFEndpoint(dst, r.address)
	dst = o.users.appendUser(dst, r.user)
	// raw_data (optional) is left out: every field of a v1 entry is
	// mapped, and escaping the entry into it would add a fifth to an
	// event's cost. --format ecs keeps the entry as sent, in
	// event.original.
	return append(dst, "}\n"...)
}

// appendOCSFHead appends what starts every event of r's kind and type:
// activity, category, class, type, severity and status.
func appendOCSFHead(dst []byte, r *record) []byte {
	activity, activityName := ocsfActivity(r)
	dst = strconv.AppendInt(append(dst, `{"activity_id":`...), int64(activity), 10)
	dst = appendJSONString(append(dst, `,"activity_name":`...), activityName)
	dst = append(dst, `,"category_uid":3,"category_name":"Identity & Access Management","class_uid":3002,"class_name":"Authentication","type_uid":`...)
	dst = strconv.AppendInt(dst, ocsfClassUID*100+int64(activity), 10)
	dst = append(append(append(dst, `,"type_name":"`...), ocsfTypeName(activity)...), '"')
	// An audit entry is a record of normal operation: failed logins
	// matter in their numbers, which is a detection's job to weigh.
	dst = append(dst, `,"severity_id":1,"severity":"Informational"`...)
	switch r.kind.outcome() {
	case outcomeSuccess:
		return append(dst, `,"status_id":1,"status":"Success"`...)
	case outcomeFailure:
		return append(dst, `,"status_id":2,"status":"Failure"`...)
	}
	return append(dst, `,"status_id":0,"status":"Unknown"`...)
}

// appendOCSFEndpoint appends src_endpoint: the address's IP and port when
// it is an IP address, else the address as name, as OCSF's ip_t takes
// only an IP. An empty address leaves src_endpoint out.
func appendOCSFEndpoint(dst []byte, address string) []byte {
	if address == "" {
		return dst
	}
	ip, port, ok := endpoint(address)
	if !ok {
		return append(appendJSONString(append(dst, `,"src_endpoint":{"name":`...), address), '}')
	}
	dst = append(append(append(dst, `,"src_endpoint":{"ip":"`...), ip...), '"')
	if port != 0 {
		dst = strconv.AppendUint(append(dst, `,"port":`...), uint64(port), 10)
	}
	return append(dst, '}')
}

// appendOCSFUser appends user. Risk Cloud users log in with their email,
// so the email is the user's name (OCSF's "username"), and email_addr
// too when it is an address by OCSF's email_t. A v2 user's name, a
// display name, is full_name.
func appendOCSFUser(dst []byte, u auditUser) []byte {
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
		dst = appendJSONString(append(dst, `"name":`...), login)
		sep = ","
	}
	if isOCSFEmail(u.email) {
		dst = appendJSONString(append(dst, sep+`"email_addr":`...), u.email)
		sep = ","
	}
	if u.id != "" {
		dst = appendJSONString(append(dst, sep+`"uid":`...), u.id)
		sep = ","
	}
	if u.name != "" && u.name != login {
		dst = appendJSONString(append(dst, sep+`"full_name":`...), u.name)
	}
	return append(dst, '}')
}

func (o *ocsfEncoder) appendEnd(dst []byte, _ int) []byte { return dst }

// isOCSFEmail reports whether s matches OCSF 1.5.0's email_t, whose
// regular expression is
//
//	^[a-zA-Z0-9!#$%&'*+-/=?^_`{|}~.]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$
//
// (in whose first class +-/ is a range, from + to /). It is written out
// because a regexp per line would cost more than the rest of the event.
func isOCSFEmail(s string) bool {
	at := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '@' {
			at = i
			break
		}
		if !isAlnum(s[i]) && !isEmailLocalPunct(s[i]) {
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
		case isAlnum(c) || c == '-' || (c == '.' && dot >= 0):
		default:
			return false
		}
	}
	return dot > 0 && dot < len(domain)-1
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isEmailLocalPunct reports the punctuation of email_t's local part:
// !#$%&'*+-/=?^_`{|}~. and, from the range +-/, the comma.
func isEmailLocalPunct(c byte) bool {
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', ',', '-', '.', '/', '=', '?', '^', '_', '`', '{', '|', '}', '~':
		return true
	}
	return false
}
