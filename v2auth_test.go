package riskcloud_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// The v2 twins of auth_test.go.

// walkAccessLog walks the v2 log in pages of size, up to v2Until.
func walkAccessLog(t *testing.T, ctx context.Context, c *riskcloud.Client, size int) ([]riskcloud.AccessAudit, error) {
	t.Helper()
	return collect(t, c.Audits.Access(&riskcloud.AccessAuditOptions{Size: size, Until: v2Until}).All(ctx))
}

func TestAudits_auth_staticTokenOnEveryRequest(t *testing.T) {
	t.Parallel()
	f := newServer(t, 35)
	c := newTestClient(t, f)
	for range 2 {
		got, err := walkAccessLog(t, context.Background(), c, 10)
		if err != nil {
			t.Fatal(err)
		}
		checkIDs(t, got, auditIDs(f))
	}
	seen := f.Requests()
	if len(seen) != 8 {
		t.Errorf("requests = %d, want 8", len(seen))
	}
	for i, r := range seen {
		if string(r.Authorization) != "Bearer "+testToken {
			t.Errorf("request %d Authorization = %q", i, string(r.Authorization))
		}
		if r.Path != v2Path {
			t.Errorf("request %d to %s, want %s", i, r.Path, v2Path)
		}
	}
}

func TestAudits_auth_staticTokenRejected(t *testing.T) {
	t.Parallel()
	f := newServer(t, 35, riskcloudtest.WithToken("another-token"))
	c := newTestClient(t, f)
	_, err := walkAccessLog(t, context.Background(), c, 10)
	if !errors.Is(err, riskcloud.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if apiErr := asAPIError(t, err); apiErr.StatusCode != 401 || apiErr.Path != v2Path {
		t.Errorf("err = %v, want status 401 at %s", err, v2Path)
	}
	if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("err = %q contains the token", err)
	}
	if n := len(f.Requests()); n != 1 {
		t.Errorf("requests = %d, want 1 (no retry, no exchange)", n)
	}
}

// TestAudits_auth_forbidden: a key whose user lacks Admin > All draws a
// 403 on v2 too, with no retry.
func TestAudits_auth_forbidden(t *testing.T) {
	t.Parallel()
	f := newServer(t, 5, riskcloudtest.WithoutAdmin())
	c := newTestClient(t, f)
	_, err := walkAccessLog(t, context.Background(), c, 10)
	if !errors.Is(err, riskcloud.ErrForbidden) || errors.Is(err, riskcloud.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrForbidden alone", err)
	}
	if apiErr := asAPIError(t, err); apiErr.StatusCode != 403 || apiErr.Path != v2Path {
		t.Errorf("err = %v, want status 403 at %s", err, v2Path)
	}
	if !strings.Contains(err.Error(), "Admin > All") {
		t.Errorf("err = %q, want the entitlement named", err)
	}
	if n := len(f.Requests()); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}

func TestAudits_auth_clientCredentials_lazyAndReused(t *testing.T) {
	t.Parallel()
	const id, secret = "id+/=&?% é", "s+/=&:%2F ü-SECRET"
	f := credFake(t, 35, id, secret)
	c := newCredClient(t, f, id, secret)
	if n := len(f.Requests()); n != 0 {
		t.Fatalf("NewClient sent %d requests, want none", n)
	}
	for range 3 {
		got, err := walkAccessLog(t, context.Background(), c, 10)
		if err != nil {
			t.Fatal(err)
		}
		checkIDs(t, got, auditIDs(f))
	}
	if _, err := c.Audits.Access(&riskcloud.AccessAuditOptions{Size: 10}).Page(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	seen := f.Requests()
	if len(seen) != 1+3*4+1 {
		t.Errorf("requests = %d, want 14 (one exchange, 13 pages)", len(seen))
	}
	if ex := seen[0]; ex.Method != http.MethodPost || ex.Path != testPrefix+tokenEndpoint || string(ex.Authorization) != basic(id, secret) {
		t.Fatalf("first request = %s %s with %q, want the exchange", ex.Method, ex.Path, string(ex.Authorization))
	}
	for i, r := range seen[1:] {
		if r.Path != v2Path || string(r.Authorization) != "Bearer issued-1-SECRET" {
			t.Errorf("request %d = %s with %q, want %s with the exchanged token", i+1, r.Path, string(r.Authorization), v2Path)
		}
	}
}

func TestAudits_auth_clientCredentials_expiry(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const ttl = time.Hour
		f := credFake(t, 25, testID, testSecret, riskcloudtest.WithTokenLifetime(ttl))
		c := newCredClient(t, f, testID, testSecret)
		steps := []struct {
			sleep     time.Duration // before the walk
			exchanges int           // in all, after it
		}{
			{0, 1},
			{30 * time.Minute, 1},
			{ttl/2 - time.Second, 2},
			{ttl + time.Second, 3},
			{time.Minute, 3},
			{ttl - time.Minute - 10*time.Second, 4}, // inside the early-expiry margin
		}
		pages := 0
		for i, st := range steps {
			time.Sleep(st.sleep)
			got, err := walkAccessLog(t, t.Context(), c, 10)
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			if len(got) != 25 {
				t.Errorf("step %d: got %d entries", i, len(got))
			}
			pages += 3
			if n := exchanges(f); n != st.exchanges {
				t.Errorf("step %d: exchanges = %d, want %d", i, n, st.exchanges)
			}
			if n := f.Stats().PageRequests; n != pages {
				t.Errorf("step %d: page requests = %d, want %d (a request drew a 401)", i, n, pages)
				pages = n
			}
		}
	})
}

// TestAudits_auth_clientCredentials_revokedMidWalk: a token revoked
// mid-walk is replaced once, and the rejected page asked again, outside
// the retry budget; the walk still yields every entry once.
func TestAudits_auth_clientCredentials_revokedMidWalk(t *testing.T) {
	t.Parallel()
	for _, retries := range []int{3, 0} {
		t.Run(fmt.Sprintf("retries=%d", retries), func(t *testing.T) {
			t.Parallel()
			f := credFake(t, 50, testID, testSecret)
			c := newCredClient(t, f, testID, testSecret, riskcloud.WithRetry(retries, time.Millisecond, time.Millisecond))
			var got []riskcloud.AccessAudit
			for a, err := range c.Audits.Access(&riskcloud.AccessAuditOptions{Size: 10}).All(context.Background()) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, a)
				if len(got) == 15 {
					f.RevokeToken()
				}
			}
			checkIDs(t, got, auditIDs(f))
			var trace []string
			for _, r := range f.Requests() {
				if r.Path == testPrefix+tokenEndpoint {
					trace = append(trace, "POST")
				} else {
					trace = append(trace, r.Query.Get("page")+" "+strings.TrimPrefix(string(r.Authorization), "Bearer "))
				}
			}
			want := []string{"POST", "0 issued-1-SECRET", "1 issued-1-SECRET", "2 issued-1-SECRET",
				"POST", "2 issued-2-SECRET", "3 issued-2-SECRET", "4 issued-2-SECRET"}
			if !slices.Equal(trace, want) {
				t.Errorf("requests = %q\nwant       %q", trace, want)
			}
		})
	}
}
