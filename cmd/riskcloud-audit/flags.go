package main

// The command line: its flags and arguments, --since, and the usage text.

import (
	"flag"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// options are the parsed command line.
type options struct {
	command      string // attempts, logins or failures
	email        string // for attempts
	format       string
	since        time.Time
	limit        int
	size         int
	prefetch     int
	url          string
	demo         bool
	noTokenCache bool
}

// usageError is a bad command line or missing configuration: exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// parse reads the command line. Flags may come before or after the
// command and its EMAIL; "--" ends the flags.
func (c *cli) parse(args []string) (*options, error) {
	o := &options{}
	var since string
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by run, with a short usage
	fs.StringVar(&o.format, "format", "", "")
	fs.StringVar(&since, "since", "", "")
	fs.IntVar(&o.limit, "limit", 0, "")
	fs.IntVar(&o.size, "size", defaultSize, "")
	fs.IntVar(&o.prefetch, "prefetch", 4, "")
	fs.StringVar(&o.url, "url", "", "")
	fs.BoolVar(&o.demo, "demo", false, "")
	fs.BoolVar(&o.noTokenCache, "no-token-cache", false, "")

	var positional []string
	for rest := args; len(rest) > 0; {
		if err := fs.Parse(rest); err != nil {
			return nil, err
		}
		left := fs.Args()
		if consumed := len(rest) - len(left); consumed > 0 && rest[consumed-1] == "--" {
			positional = append(positional, left...)
			break
		}
		if len(left) == 0 {
			break
		}
		positional = append(positional, left[0])
		rest = left[1:]
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	if o.format != "" && !slices.Contains(formats, o.format) {
		return nil, usagef("--format %q is not one of %s", o.format, strings.Join(formats, ", "))
	}
	switch {
	case o.limit < 0:
		return nil, usagef("--limit must not be negative (0 means no limit)")
	case o.size < 0:
		return nil, usagef("--size must not be negative (0 means the server's default)")
	case o.size > math.MaxInt32:
		return nil, usagef("--size must be at most %d", math.MaxInt32)
	case o.prefetch < 0:
		return nil, usagef("--prefetch must not be negative (0 means one page at a time)")
	case o.prefetch > riskcloud.MaxPrefetch:
		return nil, usagef("--prefetch must be at most %d", riskcloud.MaxPrefetch)
	case set["url"] && o.url == "":
		return nil, usagef("--url is empty")
	case set["url"] && o.demo:
		return nil, usagef("--url and --demo exclude each other: the demo serves its own instance")
	}
	if !set["size"] && o.limit > 0 {
		o.size = min(o.size, o.limit) // don't fetch 500 entries to print 5
	}
	if set["since"] {
		t, err := parseSince(since, c.now())
		if err != nil {
			return nil, err
		}
		o.since = t
	}

	if len(positional) > 0 && positional[0] == "help" {
		return nil, flag.ErrHelp
	}
	if len(positional) == 0 {
		return nil, usagef("missing command: attempts EMAIL, logins or failures")
	}
	o.command = positional[0]
	want := 1
	switch o.command {
	case "attempts":
		if len(positional) < 2 {
			return nil, usagef("attempts needs the EMAIL of the user whose logins to list")
		}
		o.email = positional[1]
		want = 2
	case "logins", "failures":
	default:
		return nil, usagef("unknown command %q; want attempts EMAIL, logins or failures", o.command)
	}
	if len(positional) > want {
		return nil, usagef("unexpected argument %q after %s", positional[want], strings.Join(positional[:want], " "))
	}
	return o, nil
}

var daysRE = regexp.MustCompile(`^(\d+)d(.*)$`)

// parseSince reads --since: a duration back from now (a Go duration such as
// 90m or 24h, optionally led by whole days: 7d, 1d12h), an RFC 3339 time, or
// a date (midnight UTC).
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	bad := usagef("--since %q is neither a duration (24h, 90m, 7d) nor a time (2026-11-01, 2026-11-01T00:00:00Z)", s)
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
			return time.Time{}, usagef("--since %q must not be negative: it counts back from now", s)
		}
		d += more
	}
	return now.Add(-d).UTC(), nil
}

const shortUsage = "usage: " + name + " [flags] attempts EMAIL | logins | failures (" + name + " -h for help)\n"

const usage = `usage: ` + name + ` [flags] attempts EMAIL | logins | failures

Prints the access audit of a LogicGate Risk Cloud instance, newest first:
  attempts EMAIL   one user's logins and failed logins
  logins           every successful login
  failures         every failed login

Flags (before or after the command):
  --format jsonl|csv|table
        output format (default: table when stdout is a terminal, jsonl otherwise)
  --since 24h|90m|7d|2026-11-01|2026-11-01T00:00:00Z
        only entries at or after this instant: a duration back from now,
        a date (midnight UTC) or an RFC 3339 time
  --limit N
        at most N entries (default 0: all)
  --size N
        entries per page request (default 500; 0: the server's default, 20)
  --prefetch N
        pages requested ahead of the one being written (default 4, at most
        64; 0 reads one page at a time: see the README's Guarantees)
  --url URL
        the instance, such as https://acme.logicgate.com (default: $RISKCLOUD_URL)
  --demo
        read a generated Risk Cloud served in-process (about 5,000 entries
        over a few days, the newest now) instead of a real one; ignores
        RISKCLOUD_*. Its entries belong to ` + riskcloudtest.DefaultEmail + `, for attempts.
  --no-token-cache
        exchange client credentials afresh, and keep no token on disk

Environment (credentials are never taken from flags, which ps shows):
  RISKCLOUD_URL                                 the instance, unless --url
  RISKCLOUD_TOKEN                               a bearer token, or:
  RISKCLOUD_CLIENT_ID, RISKCLOUD_CLIENT_SECRET  client credentials, exchanged for a
                                                token that is cached (0600) in the
                                                user's cache directory, so that runs
                                                do not invalidate each other's token
The key's user needs the Admin > All entitlement.

Exit status: 0 success, 1 API or network error, 2 usage or configuration
error, 130 interrupted (what was written is flushed, whole lines only).

Examples:
  # failed logins of the last 24 hours, one JSON object per line
  ` + name + ` --format jsonl failures --since 24h | jq -r .remoteAddress | sort | uniq -c
  # the last week of logins, as CSV for a spreadsheet
  ` + name + ` --format csv logins --since 7d > logins.csv
  # a user's 20 latest attempts, as a table
  ` + name + ` --format table attempts alice@example.com --limit 20
  # try it with no account
  ` + name + ` --demo --format table failures --limit 10
`
