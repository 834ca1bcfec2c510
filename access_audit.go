package riskcloud

import "time"

// The access-audit endpoints.
const (
	attemptsPath = "/api/v1/access-audit"
	loginsPath   = "/api/v1/access-audit/logins"
	failuresPath = "/api/v1/access-audit/failures"
)

// AccessAuditService reads Risk Cloud's access audit: every login and every
// failed login, newest first. Only keys whose user has the Admin > All
// entitlement may read it; others get [ErrForbidden] or [ErrUnauthorized]
// (or, on some instances, nothing at all).
//
// Its methods send no request: they check their input and return a [Pager],
// which requests pages when it is used.
type AccessAuditService struct {
	client *Client
}

// ListOptions chooses which entries a [Pager] reads. The zero value reads
// every entry, in pages of the server's default size. The Pager keeps a
// copy: changing the options afterwards does not affect it.
type ListOptions struct {
	// Size is the number of entries per page; 0 means the server's default
	// (20). A server may clamp it (often to 2,000); the walk follows the size
	// the server reports. A page holding more entries than Size, or than
	// the size it reports (when above 0), or than 100,000 whatever Size
	// says (the only bound when Size is 0), is an error wrapping
	// [ErrUnexpectedResponse], found before its entries are kept.
	Size int
	// Page is the first page to read, numbered from 0.
	Page int
	// Email keeps only the entries of this user, on Logins and Failures. It
	// must be a single bare address. Attempts takes its email as an argument.
	Email string
	// Since ends a walk at the first entry older than this instant (entries
	// at exactly Since are kept). The zero time reads to the end. Entries
	// without a timestamp never end the walk.
	Since time.Time
	// Until skips the entries newer than this instant (entries at exactly
	// Until are kept); the zero time skips none. The v1 endpoints have no
	// such filter, so the walk still reads the pages that hold the skipped
	// entries. Entries without a timestamp are never skipped. Until before
	// Since is an error wrapping [ErrInvalidArgument].
	Until time.Time
	// Limit ends a walk after this many entries; 0 means no limit.
	Limit int
	// Prefetch is how many pages may be requested ahead of the one being
	// read, each on its own connection, to hide the round trips of a long
	// walk; 0, the default, walks one page at a time. It yields what a
	// sequential walk yields, in the same order, and costs about Prefetch
	// pages of memory. Breaking out of the loop, Since, Limit and the end
	// of ctx cancel the requests sent ahead. A page requested ahead is used
	// only if it was sent after the answer of the last page that did not
	// prove the log still; otherwise it is requested again, so a busy log
	// costs some extra requests. Values above [MaxPrefetch] count as
	// MaxPrefetch.
	// The client's own transport keeps MaxPrefetch+1 idle connections per
	// host; size a transport given to [WithHTTPClient] to Prefetch+1.
	Prefetch int
}

// Attempts reads the logins and failed logins of one user, newest first:
// GET /api/v1/access-audit?email=…
//
// email must be a single bare address such as "user@example.com" (no
// display name, no control characters); an invalid one, or a conflicting
// opts.Email, is reported by the Pager's methods as an error wrapping
// [ErrInvalidArgument], before any request. opts may be nil.
func (s *AccessAuditService) Attempts(email string, opts *ListOptions) *Pager[Entry] {
	o := copyOptions(opts)
	err := checkEmail("email", email)
	if err == nil && o.Email != "" && o.Email != email {
		err = invalidArg("ListOptions.Email", "differs from the email argument of Attempts; leave it empty")
	}
	o.Email = email
	return newEntryPager(s.client, attemptsPath, o, err)
}

// Logins reads the successful logins of every user (or of opts.Email),
// newest first: GET /api/v1/access-audit/logins. opts may be nil.
func (s *AccessAuditService) Logins(opts *ListOptions) *Pager[Entry] {
	return newEntryPager(s.client, loginsPath, copyOptions(opts), nil)
}

// Failures reads the failed logins of every user (or of opts.Email), newest
// first, each with the reason in Message: GET /api/v1/access-audit/failures.
// opts may be nil.
func (s *AccessAuditService) Failures(opts *ListOptions) *Pager[Entry] {
	return newEntryPager(s.client, failuresPath, copyOptions(opts), nil)
}

// MaxPrefetch is the most pages a walk requests ahead, whatever
// ListOptions.Prefetch says: more in flight than this load the server
// without shortening a walk much further.
const MaxPrefetch = 64

func copyOptions(opts *ListOptions) ListOptions {
	if opts == nil {
		return ListOptions{}
	}
	return *opts
}

// v1Query is the query of a page request to the v1 endpoints.
// go-querystring encodes it, so the keys are spelled once, here.
type v1Query struct {
	Email string `url:"email,omitempty"`
	Page  int    `url:"page"`
	Size  int    `url:"size,omitempty"`
}

// v1Listing is the endpoint of the three v1 listings: Spring pages of
// entries without ids, placed by position.
type v1Listing struct {
	urlPath string
	email   string // "" on Logins and Failures without ListOptions.Email
}

func (l v1Listing) path() string { return l.urlPath }

func (l v1Listing) query(n, size int) any { return v1Query{Email: l.email, Page: n, Size: size} }

func (v1Listing) decode(body []byte, maxEntries int) (*Page[Entry], pageMeta, error) {
	return decodeEntryPage(body, maxEntries)
}

func (v1Listing) key(e *Entry) ([]byte, time.Time) { return entryKey(e) }

func (v1Listing) newPlacer(first, size int) placer { return newPosition(first, size) }

// forWalk returns l: the v1 endpoints have no filter to pin.
func (l v1Listing) forWalk(time.Time) endpoint[Entry] { return l }

func newEntryPager(c *Client, path string, opts ListOptions, err error) *Pager[Entry] {
	if err == nil {
		err = checkListOptions(&opts)
	}
	ep := v1Listing{urlPath: path, email: opts.Email}
	return &Pager[Entry]{client: c, ep: ep, opts: walkOptionsOf(opts), err: err}
}

func (v1Listing) feedRange(o walkOptions) (since, until time.Time) { return o.since, o.until }

// within reads v1 from page; the v1 API filters by nothing but email, so
// the feed's read ends itself once it is past since (see endsBelow), and
// the walk is not bounded by it.
func (l v1Listing) within(o walkOptions, page int, _, until time.Time) (endpoint[Entry], walkOptions) {
	o.page, o.limit, o.since = page, 0, time.Time{}
	if !until.IsZero() {
		o.until = until
	}
	return l, o
}

func (l v1Listing) print() uint32 { return listingPrint(l.urlPath, l.email) }

func (v1Listing) stamp(e *Entry, d digest, twin int) { e.ID = d.id(twin) }

func (v1Listing) byTime() bool { return false }
