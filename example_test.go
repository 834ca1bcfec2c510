package riskcloud_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// The README's snippets are copied from these examples; readme_test.go
// checks that they still are. Examples that need a real Risk Cloud only
// compile; the others run against riskcloudtest or httpmock and check
// their output.

// Example is the README's quick start: every failed login of the last day.
// It needs a real Risk Cloud and a token, so it is compiled but not run.
func Example() {
	ctx := context.Background()
	c, err := riskcloud.NewClient("https://acme.logicgate.com",
		riskcloud.WithToken(os.Getenv("RISKCLOUD_TOKEN")))
	if err != nil {
		log.Fatal(err)
	}
	opts := &riskcloud.ListOptions{Since: time.Now().Add(-24 * time.Hour)}
	for e, err := range c.AccessAudit.Failures(opts).All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Timestamp.Format(time.RFC3339), e.RemoteAddress, e.Message)
	}
}

// The walk of the quick start, against riskcloudtest's in-memory Risk
// Cloud.
func ExampleAccessAuditService_Failures() {
	ctx := context.Background()
	srv := cannedRiskCloud()
	defer srv.Close()
	c := srv.Client()

	opts := &riskcloud.ListOptions{Since: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	for e, err := range c.AccessAudit.Failures(opts).All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Timestamp.Format(time.RFC3339), e.RemoteAddress, e.Message)
	}
	// Output:
	// 2026-11-25T09:30:02Z 203.0.113.7 Bad credentials
	// 2026-11-25T09:30:01Z 203.0.113.7 Bad credentials
	// 2026-11-25T09:12:45Z 198.51.100.23 User account is locked
}

// The v2 access audit names the user of each entry and filters on the
// server: here every failed login of one user since a given time. Entries
// carry ids; the walk yields each once whatever order the server sends.
func ExampleAuditService_Access() {
	ctx := context.Background()
	srv := cannedRiskCloud()
	defer srv.Close()
	c := srv.Client()

	opts := &riskcloud.AccessAuditOptions{
		UserEmail: "priya.shah@example.com",
		Type:      riskcloud.AuditLoginFailed,
		Since:     time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC),
	}
	for a, err := range c.Audits.Access(opts).All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(a.Created.Format(time.RFC3339), a.User.Name, a.RemoteAddress, a.Details)
	}
	// Output:
	// 2026-11-25T09:30:02Z Priya Shah 203.0.113.7 Bad credentials
	// 2026-11-25T09:30:01Z Priya Shah 203.0.113.7 Bad credentials
}

// One page at a time: Page sends exactly one request and returns the page
// as the server sent it, with its meta.
func ExamplePager_Page() {
	ctx := context.Background()
	srv := cannedRiskCloud()
	defer srv.Close()
	c := srv.Client()

	logins := c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 2})
	page, err := logins.Page(ctx, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("page %d of %d, %d logins in all\n", page.Number+1, page.TotalPages, page.TotalElements)
	for _, e := range page.Content {
		fmt.Println(e.Timestamp.Format(time.RFC3339), e.RemoteAddress)
	}
	// Output:
	// page 1 of 2, 3 logins in all
	// 2026-11-25T09:41:00Z 192.0.2.10
	// 2026-11-25T08:05:13Z 192.0.2.44
}

// Pages groups the walk by page, for work done a page at a time (a SIEM
// batch, a progress line).
func ExamplePager_Pages() {
	ctx := context.Background()
	srv := cannedRiskCloud()
	defer srv.Close()
	c := srv.Client()

	for page, err := range c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 2}).Pages(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("page %d: %d entries\n", page.Number, len(page.Content))
	}
	// Output:
	// page 0: 2 entries
	// page 1: 1 entries
}

// Prefetch keeps pages in flight while the walk reads one: a long export
// waits for the network once per Prefetch+1 pages instead of once per page.
// The entries, and their order, are those of a sequential walk.
func ExampleListOptions_prefetch() {
	ctx := context.Background()
	srv := riskcloudtest.NewServer(riskcloudtest.WithEntries(riskcloudtest.Generate(5000, 1)...))
	defer srv.Close()
	c := srv.Client()

	export := c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 500, Prefetch: 4})
	n := 0
	for _, err := range export.All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		n++ // write the entry to the SIEM here
	}
	fmt.Println(n, "logins")
	// Output:
	// 3967 logins
}

// A Feed resumes where the last run stopped: each run of this cron-style
// job prints, oldest first, only what is new since the cursor it saved,
// late arrivals included, and saves the cursor once the entries are in
// the sink.
func ExamplePager_Feed() {
	ctx := context.Background()
	srv := cannedRiskCloud()
	defer srv.Close()
	c := srv.Client()
	dir, err := os.MkdirTemp("", "feed")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	state := filepath.Join(dir, "failures.cursor")

	ship := func() {
		cursor, err := loadCursor(state) // the zero Cursor on the first run
		if err != nil {
			log.Fatal(err)
		}
		feed := c.AccessAudit.Failures(nil).Feed(cursor)
		for e, err := range feed.Poll(ctx) {
			if err != nil {
				log.Fatal(err) // the cursor is not saved: the next run reads this again
			}
			fmt.Println(e.Timestamp.Format(time.RFC3339), e.RemoteAddress, e.Message) // send e, with e.ID, to the sink
		}
		// Flush the sink first: a cursor saved ahead of it loses what it had not written.
		if err := saveCursor(state, feed.Cursor()); err != nil {
			log.Fatal(err)
		}
	}

	fmt.Println("run 1:")
	ship()
	srv.Add(
		riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: time.Date(2026, 11, 25, 9, 47, 10, 0, time.UTC), Message: "Bad credentials", RemoteAddress: "192.0.2.99"},
		// Written late: stamped before the newest entry run 1 printed, within the lag.
		riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: time.Date(2026, 11, 25, 9, 28, 40, 0, time.UTC), Message: "Bad credentials", RemoteAddress: "198.51.100.7"},
	)
	fmt.Println("run 2:")
	ship()
	fmt.Println("run 3:")
	ship()
	// Output:
	// run 1:
	// 2026-11-24T22:03:09Z 198.51.100.23 Bad credentials
	// 2026-11-25T09:12:45Z 198.51.100.23 User account is locked
	// 2026-11-25T09:30:01Z 203.0.113.7 Bad credentials
	// 2026-11-25T09:30:02Z 203.0.113.7 Bad credentials
	// run 2:
	// 2026-11-25T09:28:40Z 198.51.100.7 Bad credentials
	// 2026-11-25T09:47:10Z 192.0.2.99 Bad credentials
	// run 3:
}

// Follow polls again every interval until ctx ends, yielding new entries
// oldest first as they arrive. A failed poll is yielded as an error and
// the next one goes on from the cursor; the end of ctx (here a stand-in
// for SIGTERM, once the arrival is printed) ends the loop, with the cursor
// just past the last entry yielded.
func ExampleFeed_Follow() {
	srv := cannedRiskCloud()
	defer srv.Close()
	c := srv.Client()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	every := 10 * time.Millisecond // 30 * time.Second, say, against Risk Cloud
	arrival := riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: time.Date(2026, 11, 25, 9, 47, 10, 0, time.UTC), Message: "Bad credentials", RemoteAddress: "192.0.2.99"}
	sent := 0
	send := func(e riskcloud.Entry) {
		fmt.Println(e.Timestamp.Format(time.RFC3339), e.RemoteAddress, e.Message)
		sent++
		switch sent {
		case 2:
			srv.Add(arrival) // arrives after the first poll
		case 3:
			stop() // stands in for SIGTERM
		}
	}

	opts := &riskcloud.ListOptions{Since: time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)}
	feed := c.AccessAudit.Failures(opts).Feed(riskcloud.Cursor{})
	for e, err := range feed.Follow(ctx, every) {
		if err != nil {
			if ctx.Err() != nil {
				break // stopped: every entry yielded has been sent
			}
			log.Print(err) // this poll failed; the next one goes on from the cursor
			continue
		}
		send(e)
	}
	cursor := feed.Cursor() // save it (saveCursor) before the program exits

	// The next run resumes from it: nothing is new, nothing repeats.
	again := 0
	for _, err := range c.AccessAudit.Failures(opts).Feed(cursor).Poll(context.Background()) {
		if err != nil {
			log.Fatal(err)
		}
		again++
	}
	fmt.Println(again, "new after the restart")
	// Output:
	// 2026-11-25T09:30:01Z 203.0.113.7 Bad credentials
	// 2026-11-25T09:30:02Z 203.0.113.7 Bad credentials
	// 2026-11-25T09:47:10Z 192.0.2.99 Bad credentials
	// 0 new after the restart
}

// loadCursor reads the cursor that saveCursor wrote to path; a missing
// file is the zero Cursor, where a feed starts from the beginning (or
// from ListOptions.Since).
func loadCursor(path string) (riskcloud.Cursor, error) {
	var cursor riskcloud.Cursor
	text, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cursor, nil
	}
	if err != nil {
		return cursor, err
	}
	return cursor, cursor.UnmarshalText(text)
}

// saveCursor writes the cursor to path atomically: to a temporary file
// in the same directory, synced, then renamed over path, so that a crash
// leaves the old cursor or the new one, never half of one.
func saveCursor(path string, cursor riskcloud.Cursor) error {
	text, err := cursor.MarshalText()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".cursor-*") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(text); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Handling errors: errors.Is for the kind, errors.As for the details.
func ExampleAPIError() {
	ctx := context.Background()
	srv := riskcloudtest.NewServer(riskcloudtest.WithoutAdmin())
	defer srv.Close()
	c := srv.Client()

	_, err := c.AccessAudit.Logins(nil).Page(ctx, 0)
	if errors.Is(err, riskcloud.ErrForbidden) {
		fmt.Println("the key's user needs Admin > All")
	}
	var apiErr *riskcloud.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Message)
	}
	fmt.Println(err)
	// Output:
	// the key's user needs Admin > All
	// 403 Access is denied
	// riskcloud: GET /api/v1/access-audit/logins: 403 Forbidden: Access is denied (the API key's user needs the Admin > All entitlement to read the access audit)
}

// Tuning retries and seeing them: transport errors, 429 and 5xx are
// retried with jittered exponential backoff; WithLogger shows each attempt
// at debug level.
func ExampleWithRetry() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := riskcloud.NewClient("https://acme.logicgate.com",
		riskcloud.WithToken(os.Getenv("RISKCLOUD_TOKEN")),
		riskcloud.WithRetry(8, 500*time.Millisecond, time.Minute), // up to 8 retries, 0.5 s to 1 min apart
		riskcloud.WithLogger(logger),
	)
	if err != nil {
		log.Fatal(err)
	}
	_ = c
}

// Testing your own code against riskcloudtest: an in-memory Risk Cloud on
// loopback, with the real API's pages and errors, and knobs for the
// failures your code must survive.
func Example_riskcloudtest() {
	ctx := context.Background()
	srv := riskcloudtest.NewServer()
	defer srv.Close()                                 // in a test: t.Cleanup(srv.Close)
	srv.Add(riskcloudtest.Generate(1000, 1)...)       // realistic, deterministic entries
	srv.FailNext(2, riskcloudtest.Fault{Status: 503}) // the next two requests fail
	c := srv.Client()                                 // its URL and token, 1 ms retry waits

	n := 0
	for _, err := range c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 500}).All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		n++
	}
	fmt.Println(n, "logins;", srv.Stats().PageRequests, "requests")
	// Output:
	// 848 logins; 4 requests
}

// Mocking Risk Cloud in your own tests at the transport: give the client
// an httpmock MockTransport through WithHTTPClient. (httpmock.Activate alone
// would not reach it: it swaps http.DefaultTransport, which the client
// never uses.) RegisterResponders serves riskcloudtest's pages through it.
func ExampleWithHTTPClient_httpmock() {
	at := time.Date(2026, 11, 25, 9, 30, 2, 0, time.UTC)
	mock := httpmock.NewMockTransport()
	riskcloudtest.RegisterResponders(mock, "https://acme.logicgate.com", []riskcloud.Entry{
		{Type: riskcloud.LoginFail, Timestamp: at, Message: "Bad credentials", RemoteAddress: "203.0.113.7"},
	})

	c, err := riskcloud.NewClient("https://acme.logicgate.com",
		riskcloud.WithToken("test-token"),
		riskcloud.WithHTTPClient(&http.Client{Transport: mock}))
	if err != nil {
		log.Fatal(err)
	}
	for e, err := range c.AccessAudit.Failures(nil).All(context.Background()) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.RemoteAddress, e.Message)
	}
	fmt.Println(mock.GetTotalCallCount(), "request")
	// Output:
	// 203.0.113.7 Bad credentials
	// 1 request
}

// A client prints as its base URL only, whatever the verb, so credentials
// cannot leak through logs of it.
func ExampleNewClient() {
	c, err := riskcloud.NewClient("https://acme.logicgate.com",
		riskcloud.WithClientCredentials("my-client-id", "my-client-secret"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%v\n%+v\n", c, c)
	// Output:
	// riskcloud.Client(https://acme.logicgate.com)
	// riskcloud.Client(https://acme.logicgate.com)
}

// cannedRiskCloud serves a small access audit: four failures and three
// logins.
func cannedRiskCloud() *riskcloudtest.Server {
	at := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	srv := riskcloudtest.NewServer()
	// Priya's failures are hers in v2; v1, which names no user, shows them
	// among everyone's.
	srv.AddFor("priya.shah@example.com",
		riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: at("2026-11-25T09:30:02.120Z"), Message: "Bad credentials", RemoteAddress: "203.0.113.7"},
		riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: at("2026-11-25T09:30:01Z"), Message: "Bad credentials", RemoteAddress: "203.0.113.7"},
	)
	srv.Add(
		riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: at("2026-11-25T09:12:45Z"), Message: "User account is locked", RemoteAddress: "198.51.100.23"},
		riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: at("2026-11-24T22:03:09Z"), Message: "Bad credentials", RemoteAddress: "198.51.100.23"},
		riskcloud.Entry{Type: riskcloud.Login, Timestamp: at("2026-11-25T09:41:00Z"), RemoteAddress: "192.0.2.10"},
		riskcloud.Entry{Type: riskcloud.Login, Timestamp: at("2026-11-25T08:05:13Z"), RemoteAddress: "192.0.2.44"},
		riskcloud.Entry{Type: riskcloud.Login, Timestamp: at("2026-11-24T17:59:58Z"), RemoteAddress: "192.0.2.10"},
	)
	return srv
}
