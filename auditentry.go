package riskcloud

import (
	"encoding/json"
	"time"
)

// AccessAudit is one entry of the v2 access audit.
type AccessAudit struct {
	// ID identifies the entry; it is the same on every page and in every
	// walk. The API declares it a string; one sent as a JSON number is
	// kept as the number's text ("" when null or missing).
	ID string
	// Type says what happened: one of the AccessAuditType constants, or
	// any other value as sent.
	Type AccessAuditType
	// User is whose login, logout or credentials it was; the zero
	// AuditUser when the server sent none (or null).
	User AuditUser
	// RemoteAddress is the client address the server saw.
	RemoteAddress string
	// Details describes the event, such as "Login succeeded".
	Details string
	// Created is when it happened, in UTC; the zero time when the server
	// sent none. The API declares a date-time string and documents epoch
	// milliseconds; both are read, as [Entry.Timestamp] is.
	Created time.Time
	// Raw is the entry's JSON object exactly as received, unknown fields
	// included. In an entry of a page it shares the page's body, with its
	// capacity capped, exactly as [Entry.Raw] does (read its doc before
	// keeping or changing it); [AccessAudit.UnmarshalJSON] sets it to a
	// copy of its input.
	Raw json.RawMessage
}

// AuditUser is the user an [AccessAudit] is about. Fields the server sent
// as null, or not at all, are ""; an ID sent as a JSON number is kept as
// the number's text, as [AccessAudit.ID] is.
type AuditUser struct {
	ID, Name, Email string
}
