// Command quickstart prints every failed login of the last 24 hours, newest
// first, one line each, and their count on stderr.
//
// With no RISKCLOUD_URL set it reads a generated Risk Cloud served
// in-process (riskcloudtest), so that it runs anywhere with no account:
//
//	go run ./examples/quickstart
//
// To read your own instance, give its URL and a token of a user with the
// Admin > All entitlement (or RISKCLOUD_CLIENT_ID and RISKCLOUD_CLIENT_SECRET
// instead of the token):
//
//	RISKCLOUD_URL=https://acme.logicgate.com RISKCLOUD_TOKEN=... go run ./examples/quickstart
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("quickstart: ")
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

	n, err := run(ctx, c, stdout, time.Now().Add(-24*time.Hour))
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%d failed logins in the last 24 hours\n", n)
	return nil
}

// run writes every failed login since the given instant to w, newest first,
// as "timestamp address reason", and returns how many it wrote.
func run(ctx context.Context, c *riskcloud.Client, w io.Writer, since time.Time) (int, error) {
	n := 0
	opts := &riskcloud.ListOptions{Since: since, Size: 500}
	for e, err := range c.AccessAudit.Failures(opts).All(ctx) {
		if err != nil {
			return n, err
		}
		if _, err := fmt.Fprintln(w, e.Timestamp.Format(time.RFC3339), e.RemoteAddress, e.Message); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
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
