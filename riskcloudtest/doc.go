// Package riskcloudtest is an in-memory Risk Cloud for tests and demos.
//
// [NewServer] starts an HTTP server on loopback that answers the three v1
// access-audit endpoints, the v2 one (see below) and the token exchange the
// way Risk Cloud does:
// Spring-style pages, zero-indexed page numbers, 20 entries per page unless
// asked otherwise, newest entry first, bearer-token checks, 403 for a key
// without the Admin > All entitlement, and Risk Cloud's error bodies. Its
// options provoke what a client must survive: latency, failing responses
// (with Retry-After), bodies cut short, a clamped page size, entries arriving
// while a walk runs, expiring, rotating and revoked tokens, rolled
// credentials.
//
//	srv := riskcloudtest.NewServer()
//	defer srv.Close()
//	srv.Add(riskcloudtest.Generate(500, 1)...)
//	c := srv.Client() // a *riskcloud.Client with srv's token and 1 ms retry waits
//
// A Server is safe for concurrent use, and never reaches the network beyond
// loopback.
//
// [NewHandler] builds the same server without a socket, answering through
// its ServeHTTP or an in-process transport: for tests inside
// testing/synctest, or behind a handler of the test's own. Other options
// stage servers a client must cope with: pages missing meta fields
// ([WithoutPageFields]), a page parameter ignored ([WithPageIgnored]), a
// clamped size reported as asked ([WithEchoedPageSize]), no authentication
// at all ([WithoutAuthentication]); and [WithTokenIssuer], [Server.Requests]
// and [Server.Entries] let a test check what a client sent and received.
//
// [RegisterResponders] serves the same endpoints through an
// httpmock.MockTransport instead, for tests that mock at the transport.
//
// # Users
//
// A v1 entry carries no email, so the server files each entry under a user:
// [Server.Add] under [DefaultEmail], [Server.AddFor] under any address. GET
// /api/v1/access-audit?email=… answers that user's entries; the logins and
// failures endpoints answer every user's, or one user's with ?email=.
//
// v2 entries name their user. AddFor's entries belong to the email's user
// (an id derived from the address, a name from its local part, the same on
// every server). Add's belong to one of [MadeUpUsers], picked by the entry's
// remote address, so that Generate's entries spread over a few users and a
// burst of failures from one address stays with one; v1's attempts endpoint
// still files them all under DefaultEmail, as it always has.
//
// # The v2 access audit
//
// GET /api/v2/audits/access serves the same log: every record has an id
// (unique, given when it is added, the same in every run that adds the same
// entries) and a user; v1's Login is LOGIN with details "Login succeeded",
// LoginFail is LOGIN_FAILED with its message, any other v1 type is OTHER.
// [Server.AddAudits] files v2 records directly, and [GenerateActivity] the
// logouts and rolled tokens and credentials that go with [Generate]'s
// entries: those types only v2 serves, while LOGIN and LOGIN_FAILED records
// are v1's logins and failures too. [Server.Audits] is the v2 view of the
// whole log; RemoveOldest and Shift delete from both views.
//
// The filters user-id, user-email (any case), type, created-min and
// created-max (epoch ms, inclusive) are applied; page and size as in v1,
// except that a value out of range or unreadable (like an unknown type or an
// unreadable created bound) is a 400, as the spec's validated parameters
// are. Pages are {content, links, page}, newest first, or oldest first with
// [WithOldestFirst]; [WithCreatedEncoding] picks how created is written.
// The v1 knobs apply to v2 where a v2 page has the same thing: the
// authentication options, faults, latency, [WithBeforePage] and
// [WithArrivals] (with the v2 page number), [Server.Stats] and
// [Server.Requests], [WithMaxPageSize], [WithEchoedPageSize] and
// [WithPageIgnored]. [WithoutPageFields] leaves "number", "size",
// "totalElements" and "totalPages" out of the page object; v2 has no
// "first", "last", "empty" or "numberOfElements" to leave out.
package riskcloudtest
