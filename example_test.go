package riskcloud_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/riskcloud-go/riskcloud"
)

// The README's snippets are copied from these examples; readme_test.go
// checks that they still are. Examples that need a real Risk Cloud only
// compile; the others run against httpmock and check their output.

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

// The walk of the quick start, against a canned log.
func ExampleAccessAuditService_Failures() {
	ctx := context.Background()
	c, err := riskcloud.NewClient("https://acme.logicgate.com",
		riskcloud.WithToken("example-token"),
		riskcloud.WithHTTPClient(cannedRiskCloud()))
	if err != nil {
		log.Fatal(err)
	}
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

// One page at a time: Page sends exactly one request and returns the page
// as the server sent it, with its meta.
func ExamplePager_Page() {
	ctx := context.Background()
	c, err := riskcloud.NewClient("https://acme.logicgate.com",
		riskcloud.WithToken("example-token"),
		riskcloud.WithHTTPClient(cannedRiskCloud()))
	if err != nil {
		log.Fatal(err)
	}
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
	c, err := riskcloud.NewClient("https://acme.logicgate.com",
		riskcloud.WithToken("example-token"),
		riskcloud.WithHTTPClient(cannedRiskCloud()))
	if err != nil {
		log.Fatal(err)
	}
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

// Handling errors: errors.Is for the kind, errors.As for the details.
func ExampleAPIError() {
	ctx := context.Background()
	mock := httpmock.NewMockTransport()
	mock.RegisterResponder("GET", "https://acme.logicgate.com/api/v1/access-audit/logins",
		httpmock.NewStringResponder(403, `{"status":403,"message":"Access is denied"}`))
	c, err := riskcloud.NewClient("https://acme.logicgate.com",
		riskcloud.WithToken("example-token"),
		riskcloud.WithHTTPClient(&http.Client{Transport: mock}))
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.AccessAudit.Logins(nil).Page(ctx, 0)
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

// Mocking Risk Cloud in your own tests: give the client an httpmock
// MockTransport through WithHTTPClient. (httpmock.Activate alone would not
// reach it: it swaps http.DefaultTransport, which the client never uses.)
func ExampleWithHTTPClient_httpmock() {
	mock := httpmock.NewMockTransport()
	mock.RegisterResponder("GET", "https://acme.logicgate.com/api/v1/access-audit/failures",
		httpmock.NewStringResponder(200, `{"content":[
			{"type":"LoginFail","timestamp":1795599002000,"message":"Bad credentials","remoteAddress":"203.0.113.7"}
		],"number":0,"size":20,"totalElements":1,"totalPages":1,"last":true}`))

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

// cannedRiskCloud serves a small access audit through httpmock: three
// failures and three logins, in pages of whatever size is asked.
func cannedRiskCloud() *http.Client {
	failures := []string{
		`{"type":"LoginFail","timestamp":"2026-11-25T09:30:02.120Z","message":"Bad credentials","remoteAddress":"203.0.113.7"}`,
		`{"type":"LoginFail","timestamp":1795599001000,"message":"Bad credentials","remoteAddress":"203.0.113.7"}`,
		`{"type":"LoginFail","timestamp":"2026-11-25T09:12:45","message":"User account is locked","remoteAddress":"198.51.100.23"}`,
		`{"type":"LoginFail","timestamp":"2026-11-24T22:03:09Z","message":"Bad credentials","remoteAddress":"198.51.100.23"}`,
	}
	logins := []string{
		`{"type":"Login","timestamp":"2026-11-25T09:41:00Z","message":null,"remoteAddress":"192.0.2.10"}`,
		`{"type":"Login","timestamp":"2026-11-25T08:05:13Z","message":null,"remoteAddress":"192.0.2.44"}`,
		`{"type":"Login","timestamp":"2026-11-24T17:59:58Z","message":null,"remoteAddress":"192.0.2.10"}`,
	}
	mock := httpmock.NewMockTransport()
	mock.RegisterResponder("GET", "https://acme.logicgate.com/api/v1/access-audit/failures", springPages(failures))
	mock.RegisterResponder("GET", "https://acme.logicgate.com/api/v1/access-audit/logins", springPages(logins))
	return &http.Client{Transport: mock}
}

// springPages answers page requests from entries, as Spring would.
func springPages(entries []string) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		page, size := 0, 20
		fmt.Sscan(req.URL.Query().Get("page"), &page)
		fmt.Sscan(req.URL.Query().Get("size"), &size)
		from, to := min(page*size, len(entries)), min(page*size+size, len(entries))
		totalPages := (len(entries) + size - 1) / size
		body := fmt.Sprintf(`{"content":[%s],"number":%d,"size":%d,"totalElements":%d,"totalPages":%d,"first":%t,"last":%t}`,
			strings.Join(entries[from:to], ","), page, size, len(entries), totalPages, page == 0, page >= totalPages-1)
		resp := httpmock.NewStringResponse(200, body)
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	}
}
