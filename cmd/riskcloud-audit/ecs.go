package main

import (
	"strconv"
	"time"
)

// ecsVersion is the ECS release the documents follow.
const ecsVersion = "9.4.0"

// ecsEncoder writes each entry as one ECS 9.4 document a line, nested as
// Elasticsearch stores it. FORMATS.md gives the mapping; ecs_test.go checks
// every field against ECS's published field list. What is the same from
// one document to the next is built once: the event's head for each type,
// the user, the end.
type ecsEncoder struct {
	now func() time.Time
	// tail is the end of every document: the service and the CLI as the
	// agent that collected it.
	tail   []byte
	heads  headCache
	users  userCache
	stamps timestamper
}

func newECSEncoder(cfg writerConfig) *ecsEncoder {
	tail := []byte(`,"service":{"name":"` + serviceName + `"},"agent":{"type":"` + name + `"`)
	if cfg.version != "" {
		tail = appendJSONString(append(tail, `,"version":`...), cfg.version)
	}
	return &ecsEncoder{now: cfg.now, tail: append(tail, "}"...),
		heads: headCache{build: appendECSHead}, users: userCache{build: appendECSUser}}
}

// ecsEvent is the event.category, event.type and event.action of kind
// (ECS allows only some types with each category). Logins, failed or
// not, start a session and a logout ends one; rolled credentials and
// tokens change a user's credentials, which is ECS's iam category; what is
// not known is information.
func ecsEvent(r *record) (categoryAndType, action string) {
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

func (c *ecsEncoder) appendEntry(dst []byte, r *record, _ bool) []byte {
	at := r.time
	if at.IsZero() {
		at = c.now() // as ECS says of @timestamp: when the pipeline first saw it
	}
	dst = append(c.stamps.appendTimestamp(append(dst, `{"@timestamp":"`...), at), '"')
	dst = c.heads.appendHead(dst, r)
	if r.message != "" {
		dst = appendJSONString(append(dst, `,"reason":`...), r.message)
	}
	if r.id != "" {
		dst = appendJSONString(append(dst, `,"id":`...), r.id)
	}
	if len(r.raw) > 0 {
		dst = appendJSONString(append(dst, `,"original":`...), r.raw)
	}
	dst = append(dst, '}')
	dst = appendECSSource(dst, r.address)
	dst = c.users.appendUser(dst, r.user)
	dst = append(dst, c.tail...)
	if r.time.IsZero() {
		dst = append(dst, `,"tags":["`+labelTimestampMissing+`"]`...)
	}
	return append(dst, "}\n"...)
}

// appendECSHead appends what follows @timestamp in every document of r's
// kind and type: ecs and the event's kind, category, type, action and
// outcome.
func appendECSHead(dst []byte, r *record) []byte {
	dst = append(dst, `,"ecs":{"version":"`+ecsVersion+`"},"event":{"kind":"event",`...)
	categoryAndType, action := ecsEvent(r)
	dst = append(dst, categoryAndType...)
	if action != "" {
		dst = appendJSONString(append(dst, `,"action":`...), action)
	}
	// An outcome that does not apply is left out, as ECS asks.
	switch r.kind.outcome() {
	case outcomeSuccess:
		dst = append(dst, `,"outcome":"success"`...)
	case outcomeFailure:
		dst = append(dst, `,"outcome":"failure"`...)
	}
	return dst
}

// appendECSSource appends source: the address as sent in source.address,
// as ECS asks of an address that may not be an IP, and its IP and port
// when it is one.
func appendECSSource(dst []byte, address string) []byte {
	if address == "" {
		return dst
	}
	ip, port, ok := endpoint(address)
	if ok && ip == address {
		// An IP address as sent, the common case: its text needs no
		// escaping (see endpoint).
		dst = append(append(append(dst, `,"source":{"address":"`...), address...), '"')
	} else {
		dst = appendJSONString(append(dst, `,"source":{"address":`...), address)
	}
	if ok {
		dst = append(append(append(dst, `,"ip":"`...), ip...), '"')
		if port != 0 {
			dst = strconv.AppendUint(append(dst, `,"port":`...), uint64(port), 10)
		}
	}
	return append(dst, '}')
}

// appendECSUser appends user, when the entry's user is known. Risk Cloud
// users log in with their email, which is also user.name; a v2 user's
// display name is user.full_name.
func appendECSUser(dst []byte, u auditUser) []byte {
	if !u.known() {
		return dst
	}
	dst = append(dst, `,"user":{`...)
	sep := ""
	if u.email != "" {
		dst = appendJSONString(append(dst, `"name":`...), u.email)
		dst = appendJSONString(append(dst, `,"email":`...), u.email)
		sep = ","
	}
	if u.id != "" {
		dst = appendJSONString(append(dst, sep+`"id":`...), u.id)
		sep = ","
	}
	if u.name != "" {
		dst = appendJSONString(append(dst, sep+`"full_name":`...), u.name)
	}
	return append(dst, '}')
}

func (c *ecsEncoder) appendEnd(dst []byte, _ int) []byte { return dst }
