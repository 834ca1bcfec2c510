// Package riskcloudtest is an in-memory Risk Cloud for tests and demos.
//
// [NewServer] starts an HTTP server on loopback that answers the three v1
// access-audit endpoints and the token exchange the way Risk Cloud does:
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
package riskcloudtest
