package riskcloud_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/riskcloud-go/riskcloud"
)

// What a page may hold: no more entries than the size asked for, than its
// own size, or than the documented most a page may hold; no negative meta.

// maxPageEntries is the most entries a page may hold whatever Size asks,
// as the README documents it.
const maxPageEntries = 100_000

// pageBody renders a page of n distinct entries. meta is put before
// content if metaFirst, after it otherwise (Spring's order); a bare JSON
// array if meta is "-".
func pageBody(n int, meta string, metaFirst bool) string {
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"type":"Login","timestamp":%d}`, logEnd.UnixMilli()-int64(i))
	}
	b.WriteString("]")
	switch {
	case meta == "-":
		return b.String()
	case meta == "":
		return `{"content":` + b.String() + `}`
	case metaFirst:
		return `{` + meta + `,"content":` + b.String() + `}`
	}
	return `{"content":` + b.String() + `,` + meta + `}`
}

// servePage answers page 0 with body and every other page with an empty
// last page.
func servePage(body string) transportFunc {
	return func(req *http.Request) (*http.Response, error) {
		h := http.Header{"Content-Type": {"application/json"}}
		if req.URL.Query().Get("page") == "0" {
			return rawResponse(req, http.StatusOK, h, body), nil
		}
		return rawResponse(req, http.StatusOK, h, `{"content":[],"last":true}`), nil
	}
}

// TestPager_entryBound: a page holding more entries than the size asked
// for, than the size it states itself (when it states one above 0), or
// than maxPageEntries is ErrUnexpectedResponse, for Page and for All alike,
// wherever the meta stands; a page of exactly that many is read. A page
// that states a larger size than was asked for (a server that ignores
// size) is read as long as it holds no more entries than were asked for.
func TestPager_entryBound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		size      int    // ListOptions.Size
		meta      string // "" none, "-" a bare array
		metaFirst bool
		entries   int
		want      string // in the error; "" for none
	}{
		{"asked 20, 20 entries", 20, `"size":20,"last":true`, false, 20, ""},
		{"asked 20, 21 entries", 20, `"size":20,"last":true`, false, 21, "more than the 20 entries asked for"},
		{"asked 20, 21 entries, meta first", 20, `"size":20,"last":true`, true, 21, "more than the 20 entries asked for"},
		{"asked 20, 21 entries, no meta", 20, "", false, 21, "more than the 20 entries asked for"},
		{"asked 20, 21 entries, a bare array", 20, "-", false, 21, "more than the 20 entries asked for"},
		{"asked 20, states 50, 20 entries", 20, `"size":50,"last":true`, false, 20, ""},
		{"asked 20, states 50, 21 entries", 20, `"size":50,"last":true`, false, 21, "more than the 20 entries asked for"},
		{"asked 50, clamped to 10, 10 entries", 50, `"size":10,"last":true`, false, 10, ""},
		{"asked 50, clamped to 10, 11 entries", 50, `"size":10,"last":true`, false, 11, "11 entries, more than its own size of 10"},
		{"asked 50, clamped to 10, 11 entries, meta first", 50, `"size":10,"last":true`, true, 11, "11 entries, more than its own size of 10"},
		{"not asked, states 20, 20 entries", 0, `"size":20,"last":true`, false, 20, ""},
		{"not asked, states 20, 21 entries", 0, `"size":20,"last":true`, false, 21, "21 entries, more than its own size of 20"},
		{"not asked, states 20, 21 entries, meta first", 0, `"size":20,"last":true`, true, 21, "21 entries, more than its own size of 20"},
		{"not asked, states 0, 5 entries", 0, `"size":0,"last":true`, false, 5, ""},
		{"not asked, states null, 5 entries", 0, `"size":null,"last":true`, false, 5, ""},
		{"not asked, no meta, the most", 0, "", false, maxPageEntries, ""},
		{"not asked, no meta, one past the most", 0, "", false, maxPageEntries + 1, "more than 100000 entries, the most a page may hold"},
		{"not asked, states more than the most", 0, `"size":200000,"last":true`, false, maxPageEntries + 1, "more than 100000 entries, the most a page may hold"},
		{"asked the largest size, one past the most", math.MaxInt32, "-", false, maxPageEntries + 1, "more than 100000 entries, the most a page may hold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTestClientTransport(t, servePage(pageBody(tt.entries, tt.meta, tt.metaFirst)), noRetries)
			pager := c.AccessAudit.Logins(&riskcloud.ListOptions{Size: tt.size})
			page, perr := pager.Page(context.Background(), 0)
			got, aerr := collect(t, pager.All(context.Background()))
			if tt.want == "" {
				if perr != nil || len(page.Content) != tt.entries {
					t.Errorf("Page: err = %v; want the page's %d entries", perr, tt.entries)
				}
				if aerr != nil || len(got) != tt.entries {
					t.Errorf("All: %d entries, err = %v; want %d", len(got), aerr, tt.entries)
				}
				return
			}
			for what, err := range map[string]error{"Page": perr, "All": aerr} {
				if !errors.Is(err, riskcloud.ErrUnexpectedResponse) || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: err = %v; want ErrUnexpectedResponse saying %q", what, err, tt.want)
				}
			}
			if len(got) != 0 {
				t.Errorf("All yielded %d entries of a page it must refuse", len(got))
			}
		})
	}
}

// TestPager_negativeMeta: a negative number, size, totalElements,
// totalPages or numberOfElements is ErrUnexpectedResponse naming the field,
// for Page and for All, before any entry of the page is yielded. (A
// totalPages of -1 used to end a walk after page 0, silently.) -0 is 0.
func TestPager_negativeMeta(t *testing.T) {
	t.Parallel()
	for _, field := range []string{"number", "size", "totalElements", "totalPages", "numberOfElements"} {
		for _, value := range []string{"-1", "-9223372036854775808"} {
			t.Run(field+"="+value, func(t *testing.T) {
				t.Parallel()
				meta := map[string]string{"number": "0", "size": "20", "totalElements": "40", "totalPages": "2", "numberOfElements": "20"}
				meta[field] = value
				var fields []string
				for _, k := range []string{"number", "size", "totalElements", "totalPages", "numberOfElements"} {
					fields = append(fields, strconv.Quote(k)+":"+meta[k])
				}
				body := pageBody(20, strings.Join(fields, ",")+`,"last":false`, false)
				c := newTestClientTransport(t, servePage(body), noRetries)
				pager := c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 20})
				_, perr := pager.Page(context.Background(), 0)
				got, aerr := collect(t, pager.All(context.Background()))
				want := fmt.Sprintf("%q is %s, want a non-negative integer or null", field, value)
				for what, err := range map[string]error{"Page": perr, "All": aerr} {
					if !errors.Is(err, riskcloud.ErrUnexpectedResponse) || !strings.Contains(err.Error(), want) {
						t.Errorf("%s: err = %v; want ErrUnexpectedResponse saying %s", what, err, want)
					}
				}
				if len(got) != 0 {
					t.Errorf("All yielded %d entries of a page with a negative %s", len(got), field)
				}
			})
		}
	}
	t.Run("-0", func(t *testing.T) {
		t.Parallel()
		body := pageBody(3, `"number":-0,"size":-0,"totalElements":3,"totalPages":1,"numberOfElements":3,"last":true`, false)
		c := newTestClientTransport(t, servePage(body), noRetries)
		got, err := collect(t, c.AccessAudit.Logins(nil).All(context.Background()))
		if err != nil || len(got) != 3 {
			t.Errorf("got %d entries, err %v; want 3", len(got), err)
		}
	})
}
