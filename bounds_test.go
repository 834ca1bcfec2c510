package riskcloud_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/riskcloud-go/riskcloud"
)

// What a page may hold: no negative meta.

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
