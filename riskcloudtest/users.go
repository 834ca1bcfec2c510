package riskcloudtest

import (
	"fmt"
	"hash/fnv"
	"strings"
	"unicode"

	"github.com/riskcloud-go/riskcloud"
)

// user is whom a record belongs to in v2 pages.
type user struct {
	id, name, email string
	match           string // the email as the user-email filter compares it
}

// madeUpEmails are the users [Server.Add] spreads entries over. The first is
// DefaultEmail, so that a demo filtered on it finds entries in v1 and v2.
var madeUpEmails = []string{
	DefaultEmail, "jane.doe@example.com", "bob.okafor@example.com",
	"carmen.ruiz@example.com", "dmitri.petrov@example.com", "siem.bot@example.com",
}

// madeUp holds the users of madeUpEmails, built once: records share them.
var madeUp = func() []*user {
	out := make([]*user, len(madeUpEmails))
	for i, email := range madeUpEmails {
		out[i] = userFor(email)
	}
	return out
}()

// MadeUpUsers returns the users that entries filed with [Server.Add] belong
// to in v2 pages, as [riskcloud.AuditUser] values: a test or a demo can
// filter on their ids and emails. The list is the same in every run.
func MadeUpUsers() []riskcloud.AuditUser {
	out := make([]riskcloud.AuditUser, len(madeUp))
	for i, u := range madeUp {
		out[i] = u.public()
	}
	return out
}

// madeUpUser picks e's user by its remote address, so that one address
// (a burst of failures, say) stays with one user.
func madeUpUser(e riskcloud.Entry) *user {
	return madeUp[hash32(e.RemoteAddress)%uint32(len(madeUp))]
}

// userFor is the user of an email: an id derived from it, so that the same
// address is the same user on every server, and a name made of its local
// part ("jane.doe" is "Jane Doe").
func userFor(email string) *user {
	match := normalEmail(email)
	local, _, _ := strings.Cut(match, "@")
	words := strings.FieldsFunc(local, func(r rune) bool { return strings.ContainsRune("._-+", r) })
	for i, w := range words {
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		words[i] = string(r)
	}
	return &user{id: fmt.Sprintf("%08x", hash32("user:"+match)), name: strings.Join(words, " "), email: match, match: match}
}

// auditUser is the user an [riskcloud.AccessAudit] names, kept as given.
func auditUser(u riskcloud.AuditUser) *user {
	return &user{id: u.ID, name: u.Name, email: u.Email, match: normalEmail(u.Email)}
}

func (u *user) public() riskcloud.AuditUser {
	return riskcloud.AuditUser{ID: u.id, Name: u.name, Email: u.email}
}

func hash32(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}
