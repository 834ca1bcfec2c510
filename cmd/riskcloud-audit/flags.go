package main

// The listing commands' flags: their definitions, their checks, and
// --since and --until.

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
	"github.com/spf13/pflag"
)

// options are a listing command's command line.
type options struct {
	command string // attempts, logins, failures or audits
	email   string // EMAIL of attempts, or --email of logins and failures
	audit   auditFlags
	walk    walkFlags
	conn    connFlags
	out     outFlags
	feed    feedFlags
}

// walkFlags choose the entries.
type walkFlags struct {
	since, until       time.Time // zero when not given
	sinceArg, untilArg string    // as given, for messages
	limit, size        int
	prefetch           int
}

// connFlags choose the instance and how it is reached.
type connFlags struct {
	url          string
	urlFrom      string // the flag or variable url came from, for messages
	demo         bool
	noTokenCache bool
	timeout      time.Duration
	retries      int
}

// outFlags choose how entries are written and what else is said.
type outFlags struct {
	format   string
	noHeader bool
	verbose  bool
}

// usageError is a bad command line or missing configuration: exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// addListFlags defines a listing command's flags on fs, bound to o.
// withEmail adds --email, which attempts takes as its argument instead.
func (o *options) addListFlags(fs *pflag.FlagSet, withEmail bool) {
	fs.StringVarP(&o.out.format, "format", "o", "", "output `FORMAT`: "+strings.Join(formats, ", ")+
		" (default: table when stdout is a terminal, jsonl otherwise)")
	fs.StringVar(&o.walk.sinceArg, "since", "", "only entries at or after `WHEN`: a duration back from now (24h, 90m, 7d),\n"+
		"a date (midnight UTC) or a time (2026-11-01T00:00:00Z; with no zone, UTC)")
	fs.StringVar(&o.walk.untilArg, "until", "", "only entries at or before `WHEN`, in --since's forms")
	fs.IntVar(&o.walk.limit, "limit", 0, "at most `N` entries (0: all)")
	fs.IntVar(&o.walk.size, "size", defaultSize, "`N` entries per page request (0: the server's default, 20)")
	fs.IntVar(&o.walk.prefetch, "prefetch", 4, "`N` pages requested ahead of the one being written (at most 64;\n"+
		"0 reads one page at a time: see the README's Guarantees)")
	if withEmail {
		fs.StringVar(&o.email, "email", "", "only the entries of the user with this `EMAIL`")
	}
	fs.StringVar(&o.conn.url, "url", "", "the instance's `URL`, such as https://acme.logicgate.com (default: $RISKCLOUD_URL)")
	fs.BoolVar(&o.conn.demo, "demo", false, "read a generated Risk Cloud served in-process (about 5,000 entries\n"+
		"over a few days, the newest now) instead of a real one; ignores RISKCLOUD_*.\n"+
		"Its entries belong to "+riskcloudtest.DefaultEmail+" for attempts, and to a few made-up\n"+
		"users for audits")
	fs.BoolVar(&o.conn.noTokenCache, "no-token-cache", false, "exchange client credentials afresh, and keep no token on disk")
	fs.DurationVar(&o.conn.timeout, "timeout", riskcloud.DefaultAttemptTimeout, "longest wait for one request's answer, each retry afresh (`D` such as 30s, 2m)")
	fs.IntVar(&o.conn.retries, "retries", riskcloud.DefaultRetryMax, "`N` retries of a request that failed for a passing reason (0: none)")
	fs.BoolVar(&o.out.noHeader, "no-header", false, "leave out the header line of csv and table")
	o.addFeedFlags(fs)
	fs.BoolVar(&o.out.verbose, "verbose", false, "say each retry on stderr (on a terminal, retries are said after\n"+
		"a second of silence without it)")
}

// check validates the flags that parsing alone cannot, and completes
// o from them: which were given, --since and --until as instants. Notes
// on how a value was read go to note.
func (o *options) check(fs *pflag.FlagSet, now time.Time, note func(string)) error {
	if o.out.format != "" && !slices.Contains(formats, o.out.format) {
		return usagef("--format %q is not one of %s", o.out.format, strings.Join(formats, ", "))
	}
	if err := o.checkNumbers(); err != nil {
		return err
	}
	switch {
	case fs.Changed("url") && o.conn.url == "":
		return usagef("--url is empty")
	case fs.Changed("url") && o.conn.demo:
		return usagef("--url and --demo exclude each other: the demo serves its own instance")
	}
	if err := o.checkFilters(fs); err != nil {
		return err
	}
	if err := o.checkFeed(fs, o.out.format); err != nil {
		return err
	}
	if !fs.Changed("size") && o.walk.limit > 0 {
		o.walk.size = min(o.walk.size, o.walk.limit) // don't fetch 500 entries to print 5
	}
	return o.checkInstants(fs.Changed("since"), fs.Changed("until"), now, note)
}

// checkFilters checks the filters the server applies: audits' own, or
// --email of logins and failures.
func (o *options) checkFilters(fs *pflag.FlagSet) error {
	if o.command == auditsCommand {
		return o.checkAudit(fs)
	}
	if fs.Changed("email") && o.email == "" {
		return usagef("--email is empty: leave it out for every user's entries")
	}
	return nil
}

// checkNumbers checks the numeric flags' ranges.
func (o *options) checkNumbers() error {
	switch {
	case o.walk.limit < 0:
		return usagef("--limit must not be negative (0 means no limit)")
	case o.walk.size < 0:
		return usagef("--size must not be negative (0 means the server's default)")
	case o.walk.size > math.MaxInt32:
		return usagef("--size must be at most %d", math.MaxInt32)
	case o.walk.prefetch < 0:
		return usagef("--prefetch must not be negative (0 means one page at a time)")
	case o.walk.prefetch > riskcloud.MaxPrefetch:
		return usagef("--prefetch must be at most %d", riskcloud.MaxPrefetch)
	case o.conn.timeout <= 0:
		return usagef("--timeout must be positive, such as 30s or 2m")
	case o.conn.retries < 0:
		return usagef("--retries must not be negative (0 means no retries)")
	}
	return nil
}

// checkInstants reads --since and --until. A time with no zone is read as
// UTC, and said so; a --since in the future is allowed (a clock may be
// wrong) but warned of, since it can match nothing yet.
func (o *options) checkInstants(sinceSet, untilSet bool, now time.Time, note func(string)) error {
	for _, f := range []struct {
		flag string
		set  bool
		arg  string
		dst  *time.Time
	}{{"--since", sinceSet, o.walk.sinceArg, &o.walk.since}, {"--until", untilSet, o.walk.untilArg, &o.walk.until}} {
		if !f.set {
			continue
		}
		t, err := parseInstant(f.flag, f.arg, now)
		if err != nil {
			return err
		}
		*f.dst = t
		if zoneless(f.arg) {
			note(fmt.Sprintf("%s %s has no time zone: read as UTC (%s)", f.flag, f.arg, t.Format(time.RFC3339)))
		}
	}
	if sinceSet && o.walk.since.After(now) {
		note(fmt.Sprintf("warning: --since %s is in the future: no entry is that new yet", o.walk.sinceArg))
	}
	if sinceSet && untilSet && o.walk.until.Before(o.walk.since) {
		return usagef("--until %s is before --since %s: nothing lies between them", o.walk.untilArg, o.walk.sinceArg)
	}
	return nil
}

var daysRE = regexp.MustCompile(`^(\d+)d(.*)$`)

// zonelessLayout is an RFC 3339 time without its zone, which --since and
// --until read as UTC.
const zonelessLayout = "2006-01-02T15:04:05.999999999"

// parseSince reads --since: see parseInstant.
func parseSince(s string, now time.Time) (time.Time, error) {
	return parseInstant("--since", s, now)
}

// zoneless reports whether s is a time that parseInstant reads as UTC for
// want of a zone.
func zoneless(s string) bool {
	_, err := time.Parse(zonelessLayout, s)
	return err == nil
}

// parseInstant reads the value of flag (--since or --until): a duration
// back from now (a Go duration such as 90m or 24h, optionally led by whole
// days: 7d, 1d12h), an RFC 3339 time (UTC when it has no zone), or a date
// (midnight UTC).
func parseInstant(flag, s string, now time.Time) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, zonelessLayout, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	bad := usagef("%s %q is neither a duration (24h, 90m, 7d) nor a time (2026-11-01, 2026-11-01T00:00:00Z)", flag, s)
	if s == "" {
		return time.Time{}, bad
	}
	var d time.Duration
	rest := s
	if m := daysRE.FindStringSubmatch(s); m != nil {
		days, err := strconv.Atoi(m[1])
		if err != nil || days > 100*366 {
			return time.Time{}, bad
		}
		d, rest = time.Duration(days)*24*time.Hour, m[2]
	}
	if rest != "" {
		more, err := time.ParseDuration(rest)
		if err != nil {
			return time.Time{}, bad
		}
		if more < 0 {
			return time.Time{}, usagef("%s %q must not be negative: it counts back from now", flag, s)
		}
		d += more
	}
	return now.Add(-d).UTC(), nil
}
