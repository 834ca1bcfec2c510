// Command export-csv writes every successful login of the last 24 hours to
// stdout as CSV, newest first, for a spreadsheet or a SIEM import:
//
//	timestamp,remote_address,type,message
//	2026-11-25T09:41:00.000Z,192.0.2.10,Login,
//
// The audit is untrusted input: anyone can make a login attempt, and what
// the server records comes from them. A cell that starts with =, +, -, @, |
// or % (after any white space), a tab or a carriage return can run as a
// formula when the file is opened in Excel, LibreOffice or Google Sheets,
// so such cells get a leading apostrophe (OWASP's advice against CSV
// injection).
//
// With no RISKCLOUD_URL set it reads a generated Risk Cloud served
// in-process; set RISKCLOUD_URL and RISKCLOUD_TOKEN (or RISKCLOUD_CLIENT_ID
// and RISKCLOUD_CLIENT_SECRET) to read your own instance. -window reads
// further back:
//
//	go run ./examples/export-csv > logins.csv
//	RISKCLOUD_URL=https://acme.logicgate.com RISKCLOUD_TOKEN=... go run ./examples/export-csv -window 168h > logins.csv
package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

var window = flag.Duration("window", 24*time.Hour, "export the logins of this long before now")

func main() {
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("export-csv: ")
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

	return run(ctx, c, stdout, time.Now().Add(-*window))
}

// run writes every login since the given instant to w as CSV, newest first,
// after a header row.
func run(ctx context.Context, c *riskcloud.Client, w io.Writer, since time.Time) error {
	out := csv.NewWriter(w)
	if err := out.Write([]string{"timestamp", "remote_address", "type", "message"}); err != nil {
		return err
	}
	opts := &riskcloud.ListOptions{Since: since, Size: 500}
	for e, err := range c.AccessAudit.Logins(opts).All(ctx) {
		if err != nil {
			return err
		}
		var ts string
		if !e.Timestamp.IsZero() {
			ts = e.Timestamp.Format("2006-01-02T15:04:05.000Z07:00")
		}
		if err := out.Write([]string{cell(ts), cell(e.RemoteAddress), cell(string(e.Type)), cell(e.Message)}); err != nil {
			return err
		}
	}
	out.Flush()
	return out.Error()
}

// cell returns s so that a spreadsheet shows it rather than runs it: a
// value gets a leading apostrophe when it starts with a tab or a carriage
// return, or when its first rune after any white space, NULs and byte
// order marks (which spreadsheets skip) is =, +, -, @, | or % (DDE and
// URL-encoded payloads), or the fullwidth =, +, - or @ (which some
// spreadsheets take for the ASCII ones).
//
// It is a copy of neutralizeFormula in cmd/riskcloud-audit/csv.go, the
// reference, so that this example stands alone; keep them the same.
func cell(s string) string {
	if strings.HasPrefix(s, "\t") || strings.HasPrefix(s, "\r") {
		return "'" + s
	}
	rest := strings.TrimLeftFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == 0 || r == '\ufeff' })
	r, _ := utf8.DecodeRuneInString(rest)
	switch r {
	case '=', '+', '-', '@', '|', '%', '\uff1d', '\uff0b', '\uff0d', '\uff20':
		return "'" + s
	}
	return s
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
