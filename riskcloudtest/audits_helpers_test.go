package riskcloudtest_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// The SDK cannot read v2 pages yet in this branch, so these tests read the
// fake's v2 pages with encoding/json into types of their own.

const auditsPath = "/api/v2/audits/access"

// v2Page is a v2 page as sent; pointers tell a missing field from a zero.
type v2Page struct {
	Content []json.RawMessage  `json:"content"`
	Links   map[string]*string `json:"links"`
	Page    map[string]*int64  `json:"page"`
}

// v2Item is one entry of a v2 page.
type v2Item struct {
	ID            string          `json:"id"`
	Type          string          `json:"type"`
	User          v2User          `json:"user"`
	RemoteAddress string          `json:"remoteAddress"`
	Details       string          `json:"details"`
	Created       json.RawMessage `json:"created"`
	Object        string          `json:"object"`
}

type v2User struct {
	ID, Name, Email, Object string
}

// getAudits GETs a v2 page with srv's token; query has no leading "?".
func getAudits(t *testing.T, srv *riskcloudtest.Server, query string) v2Page {
	t.Helper()
	status, body, _ := get(t, srv, auditsPath+"?"+query)
	if status != 200 {
		t.Fatalf("GET ?%s: %d %s", query, status, body)
	}
	var p v2Page
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("GET ?%s: %v in %s", query, err, body)
	}
	return p
}

func items(t *testing.T, raws []json.RawMessage) []v2Item {
	t.Helper()
	out := make([]v2Item, len(raws))
	for i, raw := range raws {
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			t.Fatalf("item %s: %v", raw, err)
		}
	}
	return out
}

// walkAudits reads every page of query (filters only) by page number, size
// entries a page, until next is null, and returns the items' raw JSON.
func walkAudits(t *testing.T, srv *riskcloudtest.Server, query string, size int) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	for n := 0; ; n++ {
		p := getAudits(t, srv, fmt.Sprintf("%s&page=%d&size=%d", query, n, size))
		out = append(out, p.Content...)
		if p.Links["next"] == nil {
			return out
		}
		if n > 10000 {
			t.Fatal("no end")
		}
	}
}

func ids(t *testing.T, raws []json.RawMessage) []string {
	t.Helper()
	var out []string
	for _, it := range items(t, raws) {
		out = append(out, it.ID)
	}
	return out
}

func auditIDs(as []riskcloud.AccessAudit) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

// filter is a v2 query as a test builds it and the model applies it.
type filter struct {
	userID, userEmail, typ string
	min, max               *time.Time
}

func (f filter) query() string {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("user-id", f.userID)
	set("user-email", f.userEmail)
	set("type", f.typ)
	if f.min != nil {
		v.Set("created-min", strconv.FormatInt(f.min.UnixMilli(), 10))
	}
	if f.max != nil {
		v.Set("created-max", strconv.FormatInt(f.max.UnixMilli(), 10))
	}
	return v.Encode()
}

// keeps is the model of the server's filters, applied to Audits().
func (f filter) keeps(a riskcloud.AccessAudit) bool {
	return (f.userID == "" || a.User.ID == f.userID) &&
		(f.userEmail == "" || equalFoldASCII(a.User.Email, f.userEmail)) &&
		(f.typ == "" || string(a.Type) == f.typ) &&
		(f.min == nil || !a.Created.Before(f.min.Truncate(time.Millisecond))) &&
		(f.max == nil || !a.Created.After(f.max.Truncate(time.Millisecond)))
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// model returns the ids of Audits() that f keeps, in the server's order.
func model(srv *riskcloudtest.Server, f filter) []string {
	var out []string
	for _, a := range srv.Audits() {
		if f.keeps(a) {
			out = append(out, a.ID)
		}
	}
	return out
}
