// Package riskcloud is a client for the access-audit API of LogicGate Risk
// Cloud: who logged in, who failed to, when and from where.
//
// # Usage
//
//	c, err := riskcloud.NewClient("https://acme.logicgate.com",
//		riskcloud.WithToken(os.Getenv("RISKCLOUD_TOKEN")))
//	if err != nil {
//		return err
//	}
//	opts := &riskcloud.ListOptions{Since: time.Now().Add(-24 * time.Hour)}
//	for e, err := range c.AccessAudit.Failures(opts).All(ctx) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(e.Timestamp, e.RemoteAddress, e.Message)
//	}
//
// [AccessAuditService.Attempts] reads one user's logins and failures,
// [AccessAuditService.Logins] and [AccessAuditService.Failures] everyone's.
//
// # Authentication
//
// [WithToken] sends a static bearer token. [WithClientCredentials] exchanges
// a client ID and secret for one, lazily and as rarely as possible, since
// each exchange invalidates the token other integrations of the same key
// hold. A program that runs often (a cron job, a CLI) should keep the
// token between runs with [WithTokenCache], so that each run does not
// invalidate the last one's. Either way, only keys whose user has the
// Admin > All entitlement may read the access audit.
//
// # Pagination
//
// A [Pager] reads pages lazily: [Pager.All] yields every entry, newest
// first, [Pager.Pages] the same grouped by page, and [Pager.Page] one raw
// page. Results are newest first and new logins arrive at the head while a
// walk is under way, shifting later pages; the walk follows the shift (from
// totalElements, confirmed by matching entries across the page boundary)
// so that each entry that existed when it began is yielded exactly once.
// [ListOptions] Since and Limit end a walk early; Until skips the newest
// entries.
//
// # Feeds: resuming where the last run stopped
//
// [Pager.Feed] turns a listing, v1 or v2, into a stream that resumes: each
// [Feed.Poll] yields, oldest first, the entries that are new since a
// [Cursor], and [Feed.Follow] polls again at an interval until ctx ends.
// Save [Feed.Cursor] (it is an [encoding.TextMarshaler]) once your sink
// holds the entries, and pass it to the next run's Pager.Feed: every entry
// after it is yielded exactly once, entries sharing its millisecond
// included. Each entry a feed yields carries a stable id (Entry.ID, see
// [EntryID]; AccessAudit.ID), the same in every run, so that a sink can
// drop the repeats of a run that died before it saved its cursor. Each
// poll re-reads the last [Feed.Lag] of the log ([DefaultLag] by default)
// and yields entries written late within it; a cursor stays small whatever
// the log, remembering at most [MaxCursorEntries] entries.
//
//	feed := c.AccessAudit.Failures(nil).Feed(cursor) // the zero Cursor: from the beginning
//	for e, err := range feed.Poll(ctx) {
//		if err != nil {
//			return err // save nothing: the next run reads these again
//		}
//		send(e) // to the SIEM, with e.ID
//	}
//	flush() // then save feed.Cursor()
//
// # Errors
//
// Invalid input is refused before any request with an error wrapping
// [ErrInvalidArgument]. A response other than 2xx, after retries, is an
// [*APIError] with the status, the server's message, the method and the
// path; errors.Is matches it to [ErrUnauthorized], [ErrForbidden],
// [ErrNotFound], [ErrRateLimited], [ErrBadRequest] (another 4xx),
// [ErrServer] (5xx) or [ErrRedirect] (3xx). A 2xx response that cannot be
// used wraps [ErrUnexpectedResponse]; a request that got no usable response
// matches [ErrNetwork], or [ErrRedirect] when a redirect was not followed.
// Every error of a [Pager] matches one of these sentinels, or ctx.Err(). Errors, logs and fmt output never contain
// the token, the secret or the query string (which holds the email), even
// where a server quotes them back: the client redacts what it knows to be
// secret from the server's words.
//
// # Retries
//
// Transport errors, 429, 500, 502, 503, 504 and a 200 whose body is cut
// short are retried with jittered exponential backoff, honouring
// Retry-After up to the maximum wait; see [WithRetry] for the defaults.
//
// # Testing
//
// [WithHTTPClient] with an httpmock.MockTransport (from
// github.com/jarcoal/httpmock) mocks the API in tests. httpmock.Activate
// alone does not: it replaces http.DefaultTransport, which this client
// never uses.
package riskcloud
