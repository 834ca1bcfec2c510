package riskcloud_test

import (
	"context"
	"math"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// TestAudits_Access_invalidInput: every bad option is an ArgumentError
// naming its AccessAuditOptions field, from Page, Pages and All alike,
// before any request, and never repeats the email or user id.
func TestAudits_Access_invalidInput(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		opts  riskcloud.AccessAuditOptions
		field string
	}{
		{"unknown type", riskcloud.AccessAuditOptions{Type: "LOGGED_IN"}, "AccessAuditOptions.Type"},
		{"v1 type name", riskcloud.AccessAuditOptions{Type: "Login"}, "AccessAuditOptions.Type"},
		{"lower-case type", riskcloud.AccessAuditOptions{Type: "login"}, "AccessAuditOptions.Type"},
		{"display name in UserEmail", riskcloud.AccessAuditOptions{UserEmail: "Alice <alice@example.com>"}, "AccessAuditOptions.UserEmail"},
		{"two addresses in UserEmail", riskcloud.AccessAuditOptions{UserEmail: "alice@example.com,bob@example.com"}, "AccessAuditOptions.UserEmail"},
		{"CRLF in UserEmail", riskcloud.AccessAuditOptions{UserEmail: "alice@example.com\r\nX: y"}, "AccessAuditOptions.UserEmail"},
		{"newline in UserID", riskcloud.AccessAuditOptions{UserID: "alice-id\nX: y"}, "AccessAuditOptions.UserID"},
		{"bidi override in UserID", riskcloud.AccessAuditOptions{UserID: "alice\u202eid"}, "AccessAuditOptions.UserID"},
		{"Until before Since", riskcloud.AccessAuditOptions{Since: since, Until: since.Add(-time.Millisecond)}, "AccessAuditOptions.Until"},
		{"negative Size", riskcloud.AccessAuditOptions{Size: -1}, "AccessAuditOptions.Size"},
		{"negative Page", riskcloud.AccessAuditOptions{Page: -1}, "AccessAuditOptions.Page"},
		{"negative Limit", riskcloud.AccessAuditOptions{Limit: -1}, "AccessAuditOptions.Limit"},
		{"negative Prefetch", riskcloud.AccessAuditOptions{Prefetch: -1}, "AccessAuditOptions.Prefetch"},
	}
	if over64 := int64(math.MaxInt32) + 1; int64(int(over64)) == over64 { // int is 64 bits
		over := int(over64)
		tests = append(tests, struct {
			name  string
			opts  riskcloud.AccessAuditOptions
			field string
		}{"Size above 2147483647", riskcloud.AccessAuditOptions{Size: over}, "AccessAuditOptions.Size"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := refusingClient(t).Audits.Access(&tt.opts)
			ctx := context.Background()
			hidden := []string{"alice", "bob"}
			_, err := p.Page(ctx, 0)
			checkInvalid(t, err, tt.field, hidden...)
			n := 0
			for page, err := range p.Pages(ctx) {
				n++
				if page != nil {
					t.Errorf("Pages yielded a page")
				}
				checkInvalid(t, err, tt.field, hidden...)
			}
			for e, err := range p.All(ctx) {
				n++
				if e.ID != "" || e.Raw != nil {
					t.Errorf("All yielded an entry")
				}
				checkInvalid(t, err, tt.field, hidden...)
			}
			if n != 2 {
				t.Errorf("Pages and All yielded %d times, want once each", n)
			}
		})
	}
}

// TestAudits_Access_query: each option reaches the server as the v2 query
// parameter the OpenAPI names, times as inclusive epoch milliseconds
// rounded inward, and nothing else but page and size.
func TestAudits_Access_query(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 11, 1, 8, 0, 0, 500_000, time.UTC) // 0.5 ms past a millisecond
	until := time.Date(2026, 11, 2, 8, 0, 0, 999_999, time.UTC)
	tests := []struct {
		name string
		opts *riskcloud.AccessAuditOptions
		page int
		want url.Values
	}{
		{"nil options", nil, 0, url.Values{"page": {"0"}}},
		{"every filter", &riskcloud.AccessAuditOptions{UserID: "u-42", UserEmail: "alice@example.com",
			Type: riskcloud.AuditLoginFailed, Since: since, Until: until, Size: 50}, 3,
			url.Values{"user-id": {"u-42"}, "user-email": {"alice@example.com"}, "type": {"LOGIN_FAILED"},
				"created-min": {"1793520000001"}, "created-max": {"1793606400000"}, "page": {"3"}, "size": {"50"}}},
		{"Since on a millisecond", &riskcloud.AccessAuditOptions{Since: since.Truncate(time.Millisecond)}, 0,
			url.Values{"created-min": {"1793520000000"}, "page": {"0"}}},
		{"before 1970", &riskcloud.AccessAuditOptions{Until: time.UnixMilli(-5).Add(-time.Microsecond)}, 0,
			url.Values{"created-max": {"-6"}, "page": {"0"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rt := &recordingTransport{}
			c := newTestClientTransport(t, rt)
			_, _ = c.Audits.Access(tt.opts).Page(context.Background(), tt.page) // only the request matters
			reqs := rt.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			if !strings.HasSuffix(reqs[0].URL.Path, "/api/v2/audits/access") {
				t.Errorf("path %q", reqs[0].URL.Path)
			}
			if got := reqs[0].URL.Query(); got.Encode() != tt.want.Encode() {
				t.Errorf("query\n got %s\nwant %s", got.Encode(), tt.want.Encode())
			}
		})
	}
}

// TestAudits_Access_pinsCreatedMax: a walk without Until sends the time it
// starts, plus a minute for a client clock behind the server's, as
// created-max, so that entries created during the walk stay out of its
// pages; each walk pins its own start.
func TestAudits_Access_pinsCreatedMax(t *testing.T) {
	t.Parallel()
	rt := &recordingTransport{}
	c := newTestClientTransport(t, rt)
	p := c.Audits.Access(nil)
	var bounds [][2]int64
	for range 2 {
		before := time.Now().Add(time.Minute).UnixMilli()
		for _, err := range p.All(context.Background()) {
			_ = err // the page is empty or undecodable; only the request matters
		}
		bounds = append(bounds, [2]int64{before, time.Now().Add(time.Minute).UnixMilli()})
		time.Sleep(2 * time.Millisecond)
	}
	reqs := rt.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	for i, req := range reqs {
		got, err := strconv.ParseInt(req.URL.Query().Get("created-max"), 10, 64)
		if err != nil || got < bounds[i][0] || got > bounds[i][1] {
			t.Errorf("walk %d: created-max %q, want the walk's start, in [%d, %d]", i, req.URL.Query().Get("created-max"), bounds[i][0], bounds[i][1])
		}
	}
	if reqs[0].URL.Query().Get("created-max") == reqs[1].URL.Query().Get("created-max") {
		t.Errorf("both walks pinned created-max to %s: the pin must be each walk's own", reqs[0].URL.Query().Get("created-max"))
	}
}
