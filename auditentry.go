package riskcloud

import (
	"encoding/json"
	"time"
)

// AccessAudit is one entry of the v2 access audit.
type AccessAudit struct {
	// ID identifies the entry; it is the same on every page and in every
	// walk.
	ID string
	// Type says what happened: one of the AccessAuditType constants, or
	// any other value as sent.
	Type AccessAuditType
	// User is whose login, logout or credentials it was.
	User AuditUser
	// RemoteAddress is the client address the server saw.
	RemoteAddress string
	// Details describes the event, such as "Login succeeded".
	Details string
	// Created is when it happened, in UTC; the zero time when the server
	// sent none. The API declares a date-time string and documents epoch
	// milliseconds; both are read, as [Entry.Timestamp] is.
	Created time.Time
	// Raw is the entry's JSON object exactly as received, shared with the
	// page's body as [Entry.Raw] is.
	Raw json.RawMessage
}

// AuditUser is the user an [AccessAudit] is about.
type AuditUser struct {
	ID, Name, Email string
}
