// Command downstream-test shows how to test your own code that uses the
// SDK. The code is package audit ([audit.FailuresByAddress] counts failed
// logins by remote address); audit/audit_test.go tests it against
// riskcloudtest's in-memory Risk Cloud and against an httpmock transport:
//
//	go test ./examples/downstream-test/...
//
// This command runs that code for the last 24 hours and prints each
// address with its count, most first. With no RISKCLOUD_URL set it reads a
// generated Risk Cloud served in-process; set RISKCLOUD_URL and
// RISKCLOUD_TOKEN (or RISKCLOUD_CLIENT_ID and RISKCLOUD_CLIENT_SECRET) to
// read your own instance:
//
//	go run ./examples/downstream-test
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/examples/downstream-test/audit"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("downstream-test: ")
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

	return run(ctx, c, stdout, time.Now().Add(-24*time.Hour))
}

// run writes the failed logins since the given instant per remote address
// to w, as "count address", most first, then by address.
func run(ctx context.Context, c *riskcloud.Client, w io.Writer, since time.Time) error {
	counts, err := audit.FailuresByAddress(ctx, c, since)
	if err != nil {
		return err
	}
	addresses := slices.SortedFunc(maps.Keys(counts), func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), strings.Compare(a, b))
	})
	for _, addr := range addresses {
		if _, err := fmt.Fprintln(w, counts[addr], addr); err != nil {
			return err
		}
	}
	return nil
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
