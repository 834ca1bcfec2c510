// Command quickstart prints every failed login of the last 24 hours.
//
// With RISKCLOUD_URL and RISKCLOUD_TOKEN set it reads a real Risk Cloud;
// without them it serves a small made-up access audit in-process, so that
// it runs anywhere with no account:
//
//	go run ./examples/quickstart
//	RISKCLOUD_URL=https://acme.logicgate.com RISKCLOUD_TOKEN=... go run ./examples/quickstart
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

func main() {
	log.SetFlags(0)
	ctx := context.Background()

	baseURL, token := os.Getenv("RISKCLOUD_URL"), os.Getenv("RISKCLOUD_TOKEN")
	if baseURL == "" {
		srv := httptest.NewServer(demoAudit(time.Now()))
		defer srv.Close()
		baseURL, token = srv.URL, "demo-token"
		fmt.Fprintln(os.Stderr, "RISKCLOUD_URL is not set: reading a made-up access audit served in-process")
	}

	c, err := riskcloud.NewClient(baseURL, riskcloud.WithToken(token))
	if err != nil {
		log.Fatal(err)
	}
	opts := &riskcloud.ListOptions{Since: time.Now().Add(-24 * time.Hour), Size: 100}
	n := 0
	for e, err := range c.AccessAudit.Failures(opts).All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Timestamp.Format(time.RFC3339), e.RemoteAddress, e.Message)
		n++
	}
	fmt.Fprintf(os.Stderr, "%d failed logins in the last 24 hours\n", n)
}

// demoAudit serves GET /api/v1/access-audit/failures as Spring pages of a
// made-up log: a failure every 7 minutes for two days before now, with a
// burst from one address in the last hour.
func demoAudit(now time.Time) http.Handler {
	reasons := []string{"Bad credentials", "User account is locked", "Bad credentials", "User is disabled"}
	var audit []string
	for i := range 20 {
		audit = append(audit, entry(now.Add(-time.Duration(i)*90*time.Second), "203.0.113.7", "Bad credentials"))
	}
	for i := range 2 * 24 * 60 / 7 {
		t := now.Add(-time.Hour - time.Duration(i)*7*time.Minute)
		audit = append(audit, entry(t, "198.51.100."+strconv.Itoa(i%50), reasons[i%len(reasons)]))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/access-audit/failures", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer demo-token" {
			http.Error(w, `{"status":401,"message":"Unauthorized"}`, http.StatusUnauthorized)
			return
		}
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		size, err := strconv.Atoi(r.URL.Query().Get("size"))
		if err != nil || size < 1 {
			size = 20
		}
		from, to := min(page*size, len(audit)), min(page*size+size, len(audit))
		pages := (len(audit) + size - 1) / size
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"content":[%s],"number":%d,"size":%d,"totalElements":%d,"totalPages":%d,"last":%t}`,
			strings.Join(audit[from:to], ","), page, size, len(audit), pages, page >= pages-1)
	})
	return mux
}

func entry(t time.Time, addr, message string) string {
	return fmt.Sprintf(`{"type":"LoginFail","timestamp":%d,"message":%q,"remoteAddress":%q}`, t.UnixMilli(), message, addr)
}
