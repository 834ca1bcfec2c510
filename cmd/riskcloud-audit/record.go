package main

import (
	"net/netip"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// record is an audit entry as the formats see it, whichever version of
// the API sent it: a v1 entry (riskcloud.Entry, recordOfEntry) or a v2
// access audit (riskcloud.AccessAudit, recordOfAudit), which adds an id and
// a user. Each format writes records, so that it has one mapping for both.
type record struct {
	kind     eventKind
	typeName string    // the entry's type as the server sent it
	time     time.Time // zero when the entry had none
	address  string    // the client's address as sent; see endpoint
	message  string    // a failure's reason, or a v2 entry's details
	id       string    // the entry's stable id; "" for a v1 entry without one
	user     auditUser
	raw      []byte // the entry's JSON as sent
}

// auditUser is whom an entry concerns, as far as it is known: v1 entries
// name nobody (attempts EMAIL knows the email it asked for), v2 entries
// carry a user with an id, a name and an email.
type auditUser struct {
	id, name, email string
}

func (u auditUser) known() bool { return u.id != "" || u.name != "" || u.email != "" }

// recordOfEntry is a v1 entry as a record; email is the address the
// entries were asked for, or "".
func recordOfEntry(e riskcloud.Entry, email string) record {
	return record{
		kind:     kindOfV1(e.Type),
		typeName: string(e.Type),
		time:     e.Timestamp,
		address:  e.RemoteAddress,
		message:  e.Message,
		id:       e.ID,
		user:     auditUser{email: email},
		raw:      e.Raw,
	}
}

// recordOfAudit is a v2 access audit as a record: its details are the
// message, and its user is named in full.
func recordOfAudit(a riskcloud.AccessAudit) record {
	return record{
		kind:     kindOfV2(string(a.Type)),
		typeName: string(a.Type),
		time:     a.Created,
		address:  a.RemoteAddress,
		message:  a.Details,
		id:       a.ID,
		user:     auditUser{id: a.User.ID, name: a.User.Name, email: a.User.Email},
		raw:      a.Raw,
	}
}

// eventKind is what an entry records. The formats map it to their own
// vocabularies (see FORMATS.md for the whole table):
//
//	kind                v1 type    v2 type             OCSF 3002 activity  ECS category/type     outcome
//	kindLogin           Login      LOGIN               1 Logon             authentication/start  success
//	kindLoginFailed     LoginFail  LOGIN_FAILED        1 Logon             authentication/start  failure
//	kindLogout                     LOGOUT              2 Logoff            authentication/end    success
//	kindCredentialsRolled          CREDENTIALS_ROLLED  99 Other            iam/change,user       success
//	kindTokenRolled                TOKEN_ROLLED        99 Other            iam/change,user       success
//	kindOther                      OTHER               99 Other            authentication/info   (none)
//	kindUnknown         any other  any other           99 Other            authentication/info   (none)
type eventKind uint8

const (
	kindUnknown eventKind = iota // a type this version does not know
	kindLogin
	kindLoginFailed
	kindLogout
	kindCredentialsRolled
	kindTokenRolled
	kindOther
)

// kindOfV1 maps a v1 entry type.
func kindOfV1(t riskcloud.EntryType) eventKind {
	switch t {
	case riskcloud.Login:
		return kindLogin
	case riskcloud.LoginFail:
		return kindLoginFailed
	}
	return kindUnknown
}

// kindOfV2 maps a v2 access audit type (AccessAuditType's values).
func kindOfV2(t string) eventKind {
	switch t {
	case "LOGIN":
		return kindLogin
	case "LOGIN_FAILED":
		return kindLoginFailed
	case "LOGOUT":
		return kindLogout
	case "CREDENTIALS_ROLLED":
		return kindCredentialsRolled
	case "TOKEN_ROLLED":
		return kindTokenRolled
	case "OTHER":
		return kindOther
	}
	return kindUnknown
}

// outcome is whether what an entry records succeeded.
type outcome uint8

const (
	outcomeUnknown outcome = iota
	outcomeSuccess
	outcomeFailure
)

func (k eventKind) outcome() outcome {
	switch k {
	case kindLogin, kindLogout, kindCredentialsRolled, kindTokenRolled:
		return outcomeSuccess
	case kindLoginFailed:
		return outcomeFailure
	}
	return outcomeUnknown
}

// endpoint reads the client's address as an IP address, with a port if
// one was sent with it ("192.0.2.1:443", "[2001:db8::1]:443"), and gives
// the IP's text: the address itself in the common case, so that nothing
// is formatted. ok is false when the address is not one (empty, a host
// name, a list from a proxy): the formats then keep it as text only. An
// IPv6 zone is dropped and an IPv4-mapped IPv6 address unmapped, as SIEMs
// index the plain address. The text needs no JSON escaping.
func endpoint(address string) (ip string, port uint16, ok bool) {
	if isPlainIPv4(address) {
		return address, 0, true
	}
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

// isPlainIPv4 reports whether s is an IPv4 address in dotted decimal, as
// netip.ParseAddr takes it (four fields of 0 to 255, no leading zeros):
// most addresses are, and this is a third of what parsing one costs.
// Whatever it rejects goes to netip.
func isPlainIPv4(s string) bool {
	fields, value, digits := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 || value > 255 {
				return false
			}
			fields, value, digits = fields+1, 0, 0
			continue
		}
		c := s[i]
		if c < '0' || c > '9' || (digits == 1 && value == 0) || digits == 3 {
			return false // not a digit, a leading zero, four digits
		}
		value, digits = value*10+int(c-'0'), digits+1
	}
	return fields == 4
}
