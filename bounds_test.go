package riskcloud_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

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
				if strconv.IntSize == 32 && field != "totalElements" && value != "-1" {
					// Too large for a 32-bit int: refused for that first.
					want = fmt.Sprintf("%q", field)
				}
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

// streamBody is a page body generated as it is read, so that a test holds
// none of it: head, then entries rendered by entry (i from 0) and
// separated by commas for as long as they fit, then spaces and tail, size
// bytes in all. Unlike floodBody it is valid JSON, so that only a bound on
// the entries can refuse it.
type streamBody struct {
	head, tail []byte
	entry      func(dst []byte, i int) []byte
	size       int

	sent, i  int    // bytes rendered so far; entries rendered so far
	buf, out []byte // rendered, out the part not yet read
	state    int    // 0 head, 1 entries, 2 tail, 3 done
}

func (b *streamBody) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(b.out) == 0 && !b.render() {
			break
		}
		m := copy(p[n:], b.out)
		b.out = b.out[m:]
		n += m
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// render puts the next stretch of the body in out; false at the end.
func (b *streamBody) render() bool {
	b.buf = b.buf[:0]
	switch b.state {
	case 0:
		b.buf = append(b.buf, b.head...)
		b.state = 1
	case 1:
		for len(b.buf) < 32<<10 {
			mark := len(b.buf)
			if b.i > 0 {
				b.buf = append(b.buf, ',')
			}
			b.buf = b.entry(b.buf, b.i)
			if b.sent+len(b.buf)+len(b.tail) > b.size {
				b.buf = b.buf[:mark]
				b.state = 2
				break
			}
			b.i++
		}
	case 2:
		for b.sent+len(b.buf)+len(b.tail) < b.size {
			b.buf = append(b.buf, ' ')
		}
		b.buf = append(b.buf, b.tail...)
		b.state = 3
	default:
		return false
	}
	b.sent += len(b.buf)
	b.out = b.buf
	return true
}

func (b *streamBody) Close() error { return nil }

// hostileTransport answers page 0 with an honest page of 20 entries out of
// a long log (so that a walk with Prefetch requests pages ahead at once),
// or with a hostile body if hostileFirst, and every other page with a
// hostile body of size bytes, of entries rendered by entry, its length not
// declared (the costlier case to read).
type hostileTransport struct {
	hostileFirst bool
	entry        func(dst []byte, i int) []byte
	size         int

	mu      sync.Mutex
	hostile int // hostile bodies served
}

func (rt *hostileTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	h := http.Header{"Content-Type": {"application/json"}}
	if !rt.hostileFirst && req.URL.Query().Get("page") == "0" {
		return rawResponse(req, http.StatusOK, h, pageBody(20,
			`"number":0,"size":20,"totalElements":20000,"totalPages":1000,"last":false`, false)), nil
	}
	rt.mu.Lock()
	rt.hostile++
	rt.mu.Unlock()
	body := &streamBody{
		head:  []byte(`{"content":[`),
		tail:  []byte(`],"number":` + req.URL.Query().Get("page") + `,"totalElements":20000,"last":false}`),
		entry: rt.entry,
		size:  rt.size,
	}
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: body, ContentLength: -1, Request: req,
	}, nil
}

// heapSampler records the peak of the heap (live and not yet swept
// objects) over a baseline while it runs. It is a safety net as much as a
// measure: past abort it panics, so that a decoder that keeps every entry
// again fails the run rather than exhausting a shared machine's memory
// (the pages in flight with Prefetch would need tens of GiB).
type heapSampler struct {
	base, peak uint64
	stop, done chan struct{}
}

func startHeapSampler(abort uint64) *heapSampler {
	s := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	s.base = read()
	go func() {
		defer close(s.done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			if v := read(); v > s.base {
				s.peak = max(s.peak, v-s.base)
			}
			if s.peak > abort {
				panic(fmt.Sprintf("the heap grew by %d MiB, past %d MiB: stopping before the machine runs out of memory", s.peak>>20, abort>>20))
			}
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// end stops the sampler and returns the peak growth it saw.
func (s *heapSampler) end() uint64 {
	close(s.stop)
	<-s.done
	return s.peak
}

// TestPager_hostilePage_boundedMemory serves bodies just under the 32 MiB
// cap that hold millions of entries (empty objects, 3 bytes each, and
// small distinct ones that each allocate a string), sequentially and with
// Prefetch 8, where after an honest page 0 up to 9 such pages are in
// flight and decoded at once. Each is ErrUnexpectedResponse for holding
// more entries than a page may, and the walk allocates (an upper bound on
// the heap's growth, which the run also samples) at most 4 × (Prefetch+1)
// × 32 MiB: reading a body whose length is not declared allocates about
// twice the body, what the decoder keeps of a page it refuses comes on
// top, and no more than Prefetch+1 bodies are read for one walk. A decoder
// that kept every entry took 81 times the body for a page; the sampler
// ends the run if the heap grows past twice the bound. It measures the
// process's allocations, so it does not run in parallel.
func TestPager_hostilePage_boundedMemory(t *testing.T) {
	if raceDetector {
		t.Skip("reads hundreds of MiB, which takes long under -race; the run without -race covers it")
	}
	const (
		bodyCap = 32 << 20
		size    = bodyCap - 100 // near the cap, under it
	)
	bodies := []struct {
		name  string
		entry func(dst []byte, i int) []byte
	}{
		{"empty objects", func(dst []byte, _ int) []byte { return append(dst, "{}"...) }},
		{"small distinct entries", func(dst []byte, i int) []byte {
			return append(strconv.AppendInt(append(dst, `{"remoteAddress":"`...), int64(i), 10), `"}`...)
		}},
	}
	for _, body := range bodies {
		for _, prefetch := range []int{0, 8} {
			t.Run(fmt.Sprintf("%s/prefetch=%d", body.name, prefetch), func(t *testing.T) {
				rt := &hostileTransport{hostileFirst: prefetch == 0, entry: body.entry, size: size}
				c := newTestClientTransport(t, rt, noRetries)
				pager := c.AccessAudit.Logins(&riskcloud.ListOptions{Prefetch: prefetch})
				bound := uint64(4 * (prefetch + 1) * bodyCap)

				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				sampler := startHeapSampler(2 * bound)
				got, err := collect(t, pager.All(context.Background()))
				peak := sampler.end()
				runtime.ReadMemStats(&after)

				want := "more than 100000 entries, the most a page may hold"
				if !errors.Is(err, riskcloud.ErrUnexpectedResponse) || !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v; want ErrUnexpectedResponse saying %q", err, want)
				}
				if wantGot := 20 * min(prefetch, 1); len(got) != wantGot {
					t.Errorf("yielded %d entries, want %d (page 0's, if honest)", len(got), wantGot)
				}
				rt.mu.Lock()
				hostile := rt.hostile
				rt.mu.Unlock()
				if hostile > prefetch+1 {
					t.Errorf("served %d hostile bodies, want at most Prefetch+1 = %d", hostile, prefetch+1)
				}
				alloc := after.TotalAlloc - before.TotalAlloc
				t.Logf("hostile bodies of 32 MiB served: %d; the walk allocated %d MiB, bound %d MiB; the heap grew by %d MiB at most (sampled)",
					hostile, alloc>>20, bound>>20, peak>>20)
				if alloc > bound {
					t.Errorf("the walk allocated %d MiB, want at most 4 × (Prefetch+1) × 32 MiB = %d MiB", alloc>>20, bound>>20)
				}
			})
		}
	}
}
