package riskcloud

import (
	"strings"
	"time"
)

// auditsPath is the v2 access audit.
const auditsPath = "/api/v2/audits/access"

// AuditService reads Risk Cloud's v2 audits (beta since Risk Cloud
// v2025.5.1): unlike the v1 [AccessAuditService], each entry names its
// user and carries an id, and the server filters by user, type and time.
// A tenant without the v2 API answers 404, which the Pager reports as an
// error wrapping [ErrNotFound].
//
// Its methods send no request: they check their input and return a [Pager],
// which requests pages when it is used.
type AuditService struct {
	client *Client
}

// AccessAuditType is the kind of an [AccessAudit]. A value the SDK does not
// know is kept as the server sent it.
type AccessAuditType string

// The access audit types the v2 API documents.
const (
	AuditLogin             AccessAuditType = "LOGIN"              // a successful login
	AuditLogout            AccessAuditType = "LOGOUT"             // a logout
	AuditLoginFailed       AccessAuditType = "LOGIN_FAILED"       // a failed login
	AuditCredentialsRolled AccessAuditType = "CREDENTIALS_ROLLED" // API client credentials replaced
	AuditTokenRolled       AccessAuditType = "TOKEN_ROLLED"       // an API token replaced
	AuditOther             AccessAuditType = "OTHER"              // anything else
)

// accessAuditTypes are the values AccessAuditOptions.Type accepts.
var accessAuditTypes = []AccessAuditType{AuditLogin, AuditLogout, AuditLoginFailed,
	AuditCredentialsRolled, AuditTokenRolled, AuditOther}

// AccessAuditOptions chooses which v2 access audits a [Pager] reads. The
// zero value reads every entry, in pages of the server's default size. The
// filters are sent to the server, which applies them; the Pager keeps a
// copy, so changing the options afterwards does not affect it.
type AccessAuditOptions struct {
	// UserID keeps only the entries of the user with this id.
	UserID string
	// UserEmail keeps only the entries of the user with this email; it
	// must be a single bare address.
	UserEmail string
	// Type keeps only entries of this type; "" keeps every type. It must
	// be one of the AccessAuditType constants.
	Type AccessAuditType
	// Since keeps only entries created at or after this instant
	// (created-min); the zero time keeps all.
	Since time.Time
	// Until keeps only entries created at or before this instant
	// (created-max). When it is zero, each walk sends the time it starts,
	// plus a minute for a client clock behind the server's, instead:
	// entries created during the walk would otherwise move the entries of
	// later pages (see [AuditService.Access]). Until before Since is an
	// error wrapping [ErrInvalidArgument].
	Until time.Time
	// Size, Page, Limit and Prefetch are as in [ListOptions].
	Size, Page, Limit, Prefetch int
}

// Access reads the v2 access audit: logins, logouts, failed logins and
// rolled credentials of every user, or of those the options pick:
// GET /api/v2/audits/access. opts may be nil.
//
// The API documents no order, so the Pager assumes none: it tells entries
// apart by id, reads the order from their times, and walks a log sorted
// oldest first from its last page back, so that All yields the entries in
// the order of the pages it reads. A walk pins created-max to its start
// (plus a minute of clock skew) when opts.Until is zero, and to the newest
// entry once it has read it, so that entries arriving meanwhile cannot
// push entries already read onto later pages; entries deleted meanwhile
// (retention) are allowed for by re-reading from where they could have
// moved. Every entry that exists for the whole walk is yielded exactly
// once, within the limits the README's "A v2 walk" lists: on a server
// whose order the times do not show, a change that no response reveals
// can move an entry past the walk, and a server that orders equal times
// differently on every request loses entries at page edges.
func (s *AuditService) Access(opts *AccessAuditOptions) *Pager[AccessAudit] {
	var o AccessAuditOptions
	if opts != nil {
		o = *opts
	}
	err := checkAccessAuditOptions(&o)
	ep := v2Listing{filter: auditFilter{userID: o.UserID, userEmail: o.UserEmail, typ: o.Type,
		since: o.Since, until: o.Until}}
	// Since and Until are the server's to apply, so the walk's bounds
	// leave them out: it can end a walk early only by Limit.
	walk := walkOptions{page: o.Page, size: o.Size, limit: o.Limit, prefetch: o.Prefetch}
	return &Pager[AccessAudit]{client: s.client, ep: ep, opts: walk, err: err}
}

// checkAccessAuditOptions validates opts, never repeating an email or a
// user id in its error.
func checkAccessAuditOptions(o *AccessAuditOptions) error {
	if err := checkPaging("AccessAuditOptions", o.Size, o.Page, o.Limit, o.Prefetch); err != nil {
		return err
	}
	switch {
	case o.Type != "" && !knownAuditType(o.Type):
		return invalidArg("AccessAuditOptions.Type", "is not one of LOGIN, LOGOUT, LOGIN_FAILED, CREDENTIALS_ROLLED, TOKEN_ROLLED, OTHER")
	case !o.Until.IsZero() && o.Until.Before(o.Since):
		return invalidArg("AccessAuditOptions.Until", "is before AccessAuditOptions.Since, so nothing could be read")
	case strings.ContainsFunc(o.UserID, notGraphic):
		return invalidArg("AccessAuditOptions.UserID", "contains a control or invisible character")
	}
	if o.UserEmail != "" {
		return checkEmail("AccessAuditOptions.UserEmail", o.UserEmail)
	}
	return nil
}

func knownAuditType(t AccessAuditType) bool {
	for _, k := range accessAuditTypes {
		if t == k {
			return true
		}
	}
	return false
}
