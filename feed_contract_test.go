package riskcloud_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// This file holds the Feed's contract, one promise a test: the Cursor's
// text, what is refused before any request, and Follow's end.

// feedLog returns a server holding n v1 logins a millisecond apart, an
// hour ago, each also a v2 audit.
func feedLog(t *testing.T, n int, opts ...riskcloudtest.Option) *riskcloudtest.Server {
	t.Helper()
	srv := newServer(t, 0, opts...)
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	es := make([]riskcloud.Entry, n)
	for i := range es {
		es[i] = riskcloud.Entry{Type: riskcloud.Login, Timestamp: base.Add(time.Duration(i) * time.Millisecond),
			RemoteAddress: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)}
	}
	srv.Add(es...)
	return srv
}

// drainFeed polls f once and returns what it yielded, failing on an error.
func drainFeed[T any](t *testing.T, f *riskcloud.Feed[T]) []T {
	t.Helper()
	var out []T
	for e, err := range f.Poll(context.Background()) {
		if err != nil {
			t.Fatalf("Poll: %v", err)
		}
		out = append(out, e)
	}
	return out
}

func TestCursor_textRoundTrip(t *testing.T) {
	t.Parallel()
	srv := feedLog(t, 40)
	c := newTestClient(t, srv)
	f := c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 7}).Feed(riskcloud.Cursor{})
	if got := len(drainFeed(t, f)); got != 40 {
		t.Fatalf("first poll yielded %d, want 40", got)
	}
	text, err := f.Cursor().MarshalText()
	if err != nil || len(text) == 0 {
		t.Fatalf("MarshalText = %q, %v", text, err)
	}
	var back riskcloud.Cursor
	if err := back.UnmarshalText(text); err != nil {
		t.Fatalf("UnmarshalText: %v", err)
	}
	if again, _ := back.MarshalText(); !bytes.Equal(again, text) {
		t.Fatalf("text does not round-trip:\n%s\n%s", text, again)
	}
	// Surrounding space, as a state file's newline, is not part of it.
	var spaced riskcloud.Cursor
	if err := spaced.UnmarshalText(append(append([]byte(" \n"), text...), '\n')); err != nil {
		t.Fatalf("UnmarshalText with surrounding space: %v", err)
	}
	if got := drainFeed(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 7}).Feed(spaced)); len(got) != 0 {
		t.Fatalf("a feed from the restored cursor yielded %d entries again", len(got))
	}
}

func TestCursor_zeroIsEmptyText(t *testing.T) {
	t.Parallel()
	text, err := riskcloud.Cursor{}.MarshalText()
	if err != nil || len(text) != 0 {
		t.Fatalf("zero Cursor MarshalText = %q, %v; want empty", text, err)
	}
	for _, in := range []string{"", " ", "\n", " \t\r\n"} {
		c := nonZeroCursor(t)
		if err := c.UnmarshalText([]byte(in)); err != nil || !c.IsZero() {
			t.Errorf("UnmarshalText(%q) = %v, zero %v; want the zero Cursor", in, err, c.IsZero())
		}
	}
	// A feed that has yielded nothing keeps the zero Cursor.
	srv := feedLog(t, 0)
	f := newTestClient(t, srv).AccessAudit.Logins(nil).Feed(riskcloud.Cursor{})
	drainFeed(t, f)
	if !f.Cursor().IsZero() {
		t.Fatal("a feed of an empty log has a non-zero Cursor")
	}
}

// nonZeroCursor returns the cursor of a feed that yielded three entries.
func nonZeroCursor(t *testing.T) riskcloud.Cursor {
	t.Helper()
	f := newTestClient(t, feedLog(t, 3)).AccessAudit.Logins(nil).Feed(riskcloud.Cursor{})
	drainFeed(t, f)
	return f.Cursor()
}

// TestCursor_damagedTextIsRefused cuts, flips and replaces every byte of
// a cursor's text, and tries texts that are not cursors: each is an
// ErrInvalidArgument naming Cursor that leaves the receiver as it was.
func TestCursor_damagedTextIsRefused(t *testing.T) {
	t.Parallel()
	good := nonZeroCursor(t)
	text, _ := good.MarshalText()
	var bad []string
	for i := range text {
		bad = append(bad, string(text[:i])) // every cut but the empty one is damaged
		for _, b := range []byte{'A', '_', '-', '0', '.', '='} {
			if text[i] != b {
				flipped := bytes.Clone(text)
				flipped[i] = b
				bad = append(bad, string(flipped))
			}
		}
	}
	bad = append(bad[1:], string(text)+"A", string(text)+"AAAA", "rc2."+string(text[4:]), "RC1."+string(text[4:]),
		"{}", "null", "hello", "rc1.", "rc1.====", strings.Repeat("A", 30000))
	for _, in := range bad {
		c := good
		err := c.UnmarshalText([]byte(in))
		if err == nil {
			// A flip in the base64 padding bits of the last character may
			// decode to the same bytes: that is the same cursor.
			if again, _ := c.MarshalText(); bytes.Equal(again, text) {
				continue
			}
			t.Fatalf("UnmarshalText(%.60q) accepted damaged text", in)
		}
		if !errors.Is(err, riskcloud.ErrInvalidArgument) || !strings.Contains(err.Error(), "Cursor") {
			t.Fatalf("UnmarshalText(%.60q) = %v; want ErrInvalidArgument naming Cursor", in, err)
		}
		if after, _ := c.MarshalText(); !bytes.Equal(after, text) {
			t.Fatalf("UnmarshalText(%.60q) failed but changed the receiver", in)
		}
	}
	var zero riskcloud.Cursor
	if err := zero.UnmarshalText([]byte("rc1.xyz")); err == nil || !zero.IsZero() {
		t.Fatalf("a zero receiver: %v, zero %v", err, zero.IsZero())
	}
}

// TestFeed_cursorOfAnotherListing: a cursor saved by a feed of one listing
// or filter is refused by every other, on Poll and before any request.
func TestFeed_cursorOfAnotherListing(t *testing.T) {
	t.Parallel()
	srv := newServer(t, 0)
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	for i, email := range []string{testEmail, "bob@example.com"} {
		for j, typ := range []riskcloud.EntryType{riskcloud.Login, riskcloud.LoginFail} {
			srv.AddFor(email, riskcloud.Entry{Type: typ, Timestamp: base.Add(time.Duration(2*i+j) * time.Millisecond),
				RemoteAddress: "10.0.0.1", Message: "m"})
		}
	}
	c := newTestClient(t, srv)
	type listing struct {
		name string
		feed func(riskcloud.Cursor) anyFeed
	}
	v1 := func(name string, p *riskcloud.Pager[riskcloud.Entry]) listing {
		return listing{name, func(k riskcloud.Cursor) anyFeed { return erase(p.Feed(k)) }}
	}
	v2 := func(name string, o *riskcloud.AccessAuditOptions) listing {
		return listing{name, func(k riskcloud.Cursor) anyFeed { return erase(c.Audits.Access(o).Feed(k)) }}
	}
	listings := []listing{
		v1("Logins", c.AccessAudit.Logins(nil)),
		v1("Failures", c.AccessAudit.Failures(nil)),
		v1("Logins of alice", c.AccessAudit.Logins(&riskcloud.ListOptions{Email: testEmail})),
		v1("Failures of bob", c.AccessAudit.Failures(&riskcloud.ListOptions{Email: "bob@example.com"})),
		v1("Attempts of alice", c.AccessAudit.Attempts(testEmail, nil)),
		v1("Attempts of bob", c.AccessAudit.Attempts("bob@example.com", nil)),
		v2("Access", nil),
		v2("Access of alice", &riskcloud.AccessAuditOptions{UserEmail: testEmail}),
		v2("Access of LOGIN", &riskcloud.AccessAuditOptions{Type: riskcloud.AuditLogin}),
		v2("Access of LOGIN_FAILED", &riskcloud.AccessAuditOptions{Type: riskcloud.AuditLoginFailed}),
	}
	cursors := make([]riskcloud.Cursor, len(listings))
	for i, l := range listings {
		// Each listing's own cursor, after a poll that yields something.
		f := l.feed(riskcloud.Cursor{})
		for _, err := range f.poll(context.Background()) {
			if err != nil {
				t.Fatalf("%s: %v", l.name, err)
			}
		}
		if cursors[i] = f.cursor(); cursors[i].IsZero() {
			t.Fatalf("%s yielded nothing: the test needs a cursor of each", l.name)
		}
	}
	before := srv.Stats().PageRequests
	for i, saved := range listings {
		for j, l := range listings {
			n := 0
			for _, err := range l.feed(cursors[i]).poll(context.Background()) {
				n++
				if i == j {
					if err != nil {
						t.Errorf("%s refused its own cursor: %v", l.name, err)
					}
					continue
				}
				if !errors.Is(err, riskcloud.ErrInvalidArgument) || !strings.Contains(err.Error(), "Cursor") {
					t.Errorf("cursor of %s given to %s: %v; want ErrInvalidArgument naming Cursor", saved.name, l.name, err)
				}
			}
			if i != j && n != 1 {
				t.Errorf("cursor of %s given to %s: %d yields; want the one error", saved.name, l.name, n)
			}
		}
	}
	if got := srv.Stats().PageRequests - before; got != len(listings) {
		t.Fatalf("%d page requests; want %d, one for each listing's own cursor", got, len(listings))
	}
}

// anyFeed is a Feed with its entry type erased, for a table over v1 and v2.
type anyFeed struct {
	poll   func(context.Context) iter.Seq2[any, error]
	cursor func() riskcloud.Cursor
}

func erase[T any](f *riskcloud.Feed[T]) anyFeed {
	return anyFeed{
		poll: func(ctx context.Context) iter.Seq2[any, error] {
			return func(yield func(any, error) bool) {
				for e, err := range f.Poll(ctx) {
					if !yield(e, err) {
						return
					}
				}
			}
		},
		cursor: f.Cursor,
	}
}

// TestFeed_refusedBeforeAnyRequest: a non-zero Page, a negative Lag or
// Buffer, and Follow with a non-positive interval are errors wrapping
// ErrInvalidArgument, yielded alone, before any request.
func TestFeed_refusedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	srv := feedLog(t, 5)
	c := newTestClient(t, srv)
	ctx := context.Background()
	cases := []struct {
		name, names string
		seq         iter.Seq2[any, error]
	}{
		{"Page", "Page", erase(c.AccessAudit.Logins(&riskcloud.ListOptions{Page: 1}).Feed(riskcloud.Cursor{})).poll(ctx)},
		{"v2 Page", "Page", erase(c.Audits.Access(&riskcloud.AccessAuditOptions{Page: 2}).Feed(riskcloud.Cursor{})).poll(ctx)},
		{"Lag", "Lag", func() iter.Seq2[any, error] {
			f := c.AccessAudit.Logins(nil).Feed(riskcloud.Cursor{})
			f.Lag = -time.Nanosecond
			return erase(f).poll(ctx)
		}()},
		{"Buffer", "Buffer", func() iter.Seq2[any, error] {
			f := c.Audits.Access(nil).Feed(riskcloud.Cursor{})
			f.Buffer = -1
			return erase(f).poll(ctx)
		}()},
		{"Follow 0", "every", anyFollow(c.AccessAudit.Logins(nil).Feed(riskcloud.Cursor{}), ctx, 0)},
		{"Follow -1s", "every", anyFollow(c.Audits.Access(nil).Feed(riskcloud.Cursor{}), ctx, -time.Second)},
		{"Follow of a Page", "Page", anyFollow(c.AccessAudit.Logins(&riskcloud.ListOptions{Page: 1}).Feed(riskcloud.Cursor{}), ctx, time.Hour)},
	}
	for _, tc := range cases {
		var errs []error
		for e, err := range tc.seq {
			if err == nil {
				t.Fatalf("%s: yielded an entry %v", tc.name, e)
			}
			errs = append(errs, err)
			break // Follow goes on after an error while the caller ranges
		}
		for e, err := range tc.seq {
			_, _ = e, err
			break // ranged again: still no request

		}
		if len(errs) == 0 || !errors.Is(errs[0], riskcloud.ErrInvalidArgument) || !strings.Contains(errs[0].Error(), tc.names) {
			t.Errorf("%s: %v; want ErrInvalidArgument naming %s", tc.name, errs, tc.names)
		}
	}
	if got := srv.Stats().Requests; got != 0 {
		t.Fatalf("%d requests sent", got)
	}
}

func anyFollow[T any](f *riskcloud.Feed[T], ctx context.Context, every time.Duration) iter.Seq2[any, error] {
	return func(yield func(any, error) bool) {
		for e, err := range f.Follow(ctx, every) {
			if !yield(e, err) {
				return
			}
		}
	}
}

// TestFeed_Follow_cancelEndsPromptly cancels Follow while it waits between
// polls and while a request is in flight: it ends at once, its last yield
// the ctx's error. TestMain's goleak checks that nothing is left running.
func TestFeed_Follow_cancelEndsPromptly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		block bool // the poll after the first entry hangs until ctx ends
		every time.Duration
	}{
		{"between polls", false, time.Hour},
		{"in a request", true, time.Millisecond},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		var block atomic.Bool
		srv := feedLog(t, 3, riskcloudtest.WithBeforePage(func(*riskcloudtest.Server, int) {
			if block.Load() {
				<-ctx.Done()
			}
		}))
		f := newTestClient(t, srv).AccessAudit.Logins(nil).Feed(riskcloud.Cursor{})
		var cancelled atomic.Int64
		timer := time.AfterFunc(50*time.Millisecond, func() { cancelled.Store(time.Now().UnixNano()); cancel() })
		var last error
		n := 0
		for _, err := range f.Follow(ctx, tc.every) {
			last = err
			if err == nil {
				n++
				block.Store(tc.block)
			}
		}
		timer.Stop()
		cancel()
		if d := time.Since(time.Unix(0, cancelled.Load())); d > time.Second {
			t.Errorf("%s: Follow ended %v after its ctx", tc.name, d)
		}
		if !errors.Is(last, context.Canceled) {
			t.Errorf("%s: Follow's last yield %v; want context.Canceled", tc.name, last)
		}
		if n != 3 {
			t.Errorf("%s: Follow yielded %d entries; want 3", tc.name, n)
		}
	}
}

// TestFeed_CursorDuringPoll reads Cursor from other goroutines while a
// poll yields (run with -race): each cursor read is a whole one, whose
// text resumes after no more than the entries yielded so far.
func TestFeed_CursorDuringPoll(t *testing.T) {
	t.Parallel()
	srv := feedLog(t, 300)
	c := newTestClient(t, srv)
	f := c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 7, Prefetch: 2}).Feed(riskcloud.Cursor{})
	f.Buffer = 40
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var texts [][]byte
	var mu sync.Mutex
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				text, err := f.Cursor().MarshalText()
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				texts = append(texts, text)
				mu.Unlock()
				time.Sleep(50 * time.Microsecond)
			}
		}()
	}
	n := len(drainFeed(t, f))
	close(stop)
	wg.Wait()
	if n != 300 {
		t.Fatalf("yielded %d, want 300", n)
	}
	// Each cursor read mid-poll resumes to yield exactly the rest.
	for _, i := range []int{0, len(texts) / 3, len(texts) / 2, len(texts) - 1} {
		if i >= len(texts) {
			continue
		}
		var cur riskcloud.Cursor
		if err := cur.UnmarshalText(texts[i]); err != nil {
			t.Fatal(err)
		}
		rest := drainFeed(t, c.AccessAudit.Logins(&riskcloud.ListOptions{Size: 7}).Feed(cur))
		seen := map[string]bool{}
		for _, e := range rest {
			if seen[e.ID] {
				t.Fatalf("cursor %d: %s yielded twice", i, e.ID)
			}
			seen[e.ID] = true
		}
		if len(rest) > 300 {
			t.Fatalf("cursor %d: %d yielded", i, len(rest))
		}
	}
}
