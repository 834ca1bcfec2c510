// Command brute-force looks for password guessing: it counts the failed
// logins of each remote address over a window and prints the addresses
// with the most, each with when it was first and last seen.
//
//	failures  address        first seen            last seen
//	42        203.0.113.87   2026-11-25T13:32:42Z  2026-11-25T13:33:42Z
//	9         192.0.2.145    2026-11-25T16:50:00Z  2026-11-26T10:47:05Z
//
// Many failures from one address within seconds is a script guessing
// passwords; a few spread over the day is someone who forgot theirs.
//
// With no RISKCLOUD_URL set it reads a generated Risk Cloud served
// in-process, whose log holds a few such bursts from 203.0.113.x; set
// RISKCLOUD_URL and RISKCLOUD_TOKEN (or RISKCLOUD_CLIENT_ID and
// RISKCLOUD_CLIENT_SECRET) to read your own instance:
//
//	go run ./examples/brute-force
//	RISKCLOUD_URL=https://acme.logicgate.com RISKCLOUD_TOKEN=... go run ./examples/brute-force -window 1h -top 5
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

var (
	window = flag.Duration("window", 24*time.Hour, "count the failed logins of this long before now")
	top    = flag.Int("top", 10, "print this many addresses (0: all)")
)

func main() {
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("brute-force: ")
	if err := realMain(os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// realMain is main up to the exit, which would skip deferred calls: it
// returns its error once the demo server is closed.
func realMain(stdout io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	c, closeDemo, err := newClient()
	if err != nil {
		return err
	}
	defer closeDemo()

	return run(ctx, c, stdout, time.Now().Add(-*window), *top)
}

// offender is one remote address and its failed logins.
type offender struct {
	address     string
	failures    int
	first, last time.Time
}

// run counts the failed logins since the given instant per remote address
// and writes the top addresses to w: most failures first, then by address.
// top <= 0 writes them all.
func run(ctx context.Context, c *riskcloud.Client, w io.Writer, since time.Time, top int) error {
	byAddress := make(map[string]*offender)
	opts := &riskcloud.ListOptions{Since: since, Size: 500}
	for e, err := range c.AccessAudit.Failures(opts).All(ctx) {
		if err != nil {
			return err
		}
		o := byAddress[e.RemoteAddress]
		if o == nil {
			o = &offender{address: e.RemoteAddress, first: e.Timestamp, last: e.Timestamp}
			byAddress[e.RemoteAddress] = o
		}
		o.failures++
		if e.Timestamp.Before(o.first) {
			o.first = e.Timestamp
		}
		if e.Timestamp.After(o.last) {
			o.last = e.Timestamp
		}
	}
	if len(byAddress) == 0 {
		_, err := fmt.Fprintf(w, "no failed logins since %s\n", since.UTC().Format(time.RFC3339))
		return err
	}

	offenders := slices.SortedFunc(maps.Values(byAddress), func(a, b *offender) int {
		return cmp.Or(cmp.Compare(b.failures, a.failures), strings.Compare(a.address, b.address))
	})
	if top > 0 && len(offenders) > top {
		offenders = offenders[:top]
	}

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "failures\taddress\tfirst seen\tlast seen")
	for _, o := range offenders {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", o.failures, printable(o.address),
			o.first.Format(time.RFC3339), o.last.Format(time.RFC3339))
	}
	return tw.Flush()
}

// printable returns s without the runes that are not graphic, for a
// terminal: the address is what the client sent, so it may carry escape
// sequences (ESC or a C1 control starts one, which could retitle the
// window or rewrite what was printed), tabs and line breaks that would
// break the table, and bidi controls that reorder what is shown.
// Invalid UTF-8 shows as U+FFFD.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsGraphic(r) {
			return r
		}
		return -1
	}, s)
}

// newClient returns a client of the Risk Cloud at RISKCLOUD_URL or, when
// that is unset, of a generated one served in-process until closeDemo.
func newClient() (c *riskcloud.Client, closeDemo func(), err error) {
	baseURL := os.Getenv("RISKCLOUD_URL")
	if baseURL == "" {
		srv := riskcloudtest.NewServer()
		srv.Add(riskcloudtest.GenerateAt(3000, 1, time.Now())...)
		fmt.Fprintln(os.Stderr, "RISKCLOUD_URL is not set: reading a generated Risk Cloud served in-process")
		return srv.Client(), srv.Close, nil
	}
	creds := riskcloud.WithToken(os.Getenv("RISKCLOUD_TOKEN"))
	if id := os.Getenv("RISKCLOUD_CLIENT_ID"); id != "" {
		creds = riskcloud.WithClientCredentials(id, os.Getenv("RISKCLOUD_CLIENT_SECRET"))
	} else if os.Getenv("RISKCLOUD_TOKEN") == "" {
		return nil, nil, errors.New("set RISKCLOUD_TOKEN, or RISKCLOUD_CLIENT_ID and RISKCLOUD_CLIENT_SECRET")
	}
	c, err = riskcloud.NewClient(baseURL, creds)
	return c, func() {}, err
}
