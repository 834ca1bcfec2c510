package riskcloud_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// newV2Server returns an in-process Risk Cloud (see newServer) whose log
// holds n generated entries and the v2-only activity that goes with them,
// plus opts.
func newV2Server(t *testing.T, n int, seed int64, opts ...riskcloudtest.Option) *riskcloudtest.Server {
	t.Helper()
	srv := newServer(t, 0, opts...)
	es := riskcloudtest.Generate(n, seed)
	srv.Add(es...)
	srv.AddAudits(riskcloudtest.GenerateActivity(es, seed)...)
	return srv
}

// walkAudits returns what All yields for opts from srv, failing t on an
// error.
func walkAudits(t *testing.T, srv *riskcloudtest.Server, opts *riskcloud.AccessAuditOptions) []riskcloud.AccessAudit {
	t.Helper()
	var out []riskcloud.AccessAudit
	for a, err := range newTestClient(t, srv).Audits.Access(opts).All(context.Background()) {
		if err != nil {
			t.Fatalf("walk: %v", err)
		}
		out = append(out, a)
	}
	return out
}

// checkSameAudits fails unless got holds exactly the audits of want, each
// once, with every field (Raw included) as the server sent it, whatever
// the order.
func checkSameAudits(t *testing.T, got, want []riskcloud.AccessAudit) {
	t.Helper()
	byID := map[string]riskcloud.AccessAudit{}
	for _, a := range want {
		byID[a.ID] = a
	}
	seen := map[string]bool{}
	for _, a := range got {
		if seen[a.ID] {
			t.Fatalf("id %s yielded twice", a.ID)
		}
		seen[a.ID] = true
		w, ok := byID[a.ID]
		if !ok {
			t.Fatalf("yielded %+v, which the log does not hold", a)
		}
		if fmt.Sprint(a.Type, a.User, a.RemoteAddress, a.Details, a.Created, string(a.Raw)) !=
			fmt.Sprint(w.Type, w.User, w.RemoteAddress, w.Details, w.Created, string(w.Raw)) {
			t.Fatalf("id %s:\n got %+v\nwant %+v", a.ID, a, w)
		}
		if a.Created.Location() != time.UTC {
			t.Fatalf("id %s: Created in %v, want UTC", a.ID, a.Created.Location())
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("yielded %d audits, want %d", len(seen), len(want))
	}
}

// TestAudits_Access_everyEntry: a still log is read whole, each audit once
// with every field, in each order, each encoding of created, at page sizes
// that divide it or not, sequentially and with Prefetch.
func TestAudits_Access_everyEntry(t *testing.T) {
	t.Parallel()
	encodings := map[string]riskcloudtest.CreatedEncoding{"millis": riskcloudtest.CreatedMillis,
		"rfc3339": riskcloudtest.CreatedRFC3339, "numeric string": riskcloudtest.CreatedNumericString}
	for name, enc := range encodings {
		for _, oldestFirst := range []bool{false, true} {
			for _, size := range []int{0, 1, 7, 50, 1000} {
				for _, prefetch := range []int{0, 3} {
					t.Run(fmt.Sprintf("%s/oldestFirst=%v/size=%d/prefetch=%d", name, oldestFirst, size, prefetch), func(t *testing.T) {
						t.Parallel()
						opts := []riskcloudtest.Option{riskcloudtest.WithCreatedEncoding(enc)}
						if oldestFirst {
							opts = append(opts, riskcloudtest.WithOldestFirst())
						}
						srv := newV2Server(t, 230, 7, opts...)
						got := walkAudits(t, srv, &riskcloud.AccessAuditOptions{Size: size, Prefetch: prefetch})
						checkSameAudits(t, got, srv.Audits())
						if !oldestFirst && !slices.EqualFunc(got, srv.Audits(), func(a, b riskcloud.AccessAudit) bool { return a.ID == b.ID }) {
							t.Errorf("a still newest-first log was not yielded in the server's order")
						}
					})
				}
			}
		}
	}
}

// TestAudits_Access_filters: each filter, alone and together, yields what
// the log holds that matches it, with Since and Until inclusive at the
// millisecond.
func TestAudits_Access_filters(t *testing.T) {
	t.Parallel()
	srv := newV2Server(t, 400, 3)
	all := srv.Audits()
	user := all[17].User
	mid, late := all[len(all)/2].Created, all[len(all)/5].Created
	tests := []struct {
		name string
		opts riskcloud.AccessAuditOptions
		keep func(riskcloud.AccessAudit) bool
	}{
		{"user id", riskcloud.AccessAuditOptions{UserID: user.ID}, func(a riskcloud.AccessAudit) bool { return a.User.ID == user.ID }},
		{"user email", riskcloud.AccessAuditOptions{UserEmail: user.Email}, func(a riskcloud.AccessAudit) bool { return a.User.Email == user.Email }},
		{"type LOGOUT", riskcloud.AccessAuditOptions{Type: riskcloud.AuditLogout}, func(a riskcloud.AccessAudit) bool { return a.Type == riskcloud.AuditLogout }},
		{"type TOKEN_ROLLED", riskcloud.AccessAuditOptions{Type: riskcloud.AuditTokenRolled}, func(a riskcloud.AccessAudit) bool { return a.Type == riskcloud.AuditTokenRolled }},
		{"since", riskcloud.AccessAuditOptions{Since: mid}, func(a riskcloud.AccessAudit) bool { return !a.Created.Before(mid) }},
		{"until", riskcloud.AccessAuditOptions{Until: mid}, func(a riskcloud.AccessAudit) bool { return !a.Created.After(mid) }},
		{"since and until, a nanosecond in", riskcloud.AccessAuditOptions{Since: mid.Add(time.Nanosecond), Until: late.Add(-time.Nanosecond)},
			func(a riskcloud.AccessAudit) bool { return a.Created.After(mid) && a.Created.Before(late) }},
		{"everything", riskcloud.AccessAuditOptions{UserEmail: user.Email, Type: riskcloud.AuditLoginFailed, Since: mid},
			func(a riskcloud.AccessAudit) bool {
				return a.User.Email == user.Email && a.Type == riskcloud.AuditLoginFailed && !a.Created.Before(mid)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := slices.DeleteFunc(slices.Clone(all), func(a riskcloud.AccessAudit) bool { return !tt.keep(a) })
			if len(want) == 0 || len(want) == len(all) && tt.name != "everything" {
				t.Fatalf("the filter keeps %d of %d audits: choose one that tells", len(want), len(all))
			}
			opts := tt.opts
			opts.Size = 9
			checkSameAudits(t, walkAudits(t, srv, &opts), want)
		})
	}
}

// TestAudits_Access_limit: Limit counts what is yielded, in either order.
func TestAudits_Access_limit(t *testing.T) {
	t.Parallel()
	for _, opts := range [][]riskcloudtest.Option{nil, {riskcloudtest.WithOldestFirst()}} {
		srv := newV2Server(t, 100, 4, opts...)
		got := walkAudits(t, srv, &riskcloud.AccessAuditOptions{Size: 7, Limit: 23})
		if len(got) != 23 {
			t.Fatalf("Limit 23 yielded %d", len(got))
		}
		checkSameAudits(t, got, slices.DeleteFunc(srv.Audits(), func(a riskcloud.AccessAudit) bool {
			return !slices.ContainsFunc(got, func(b riskcloud.AccessAudit) bool { return a.ID == b.ID })
		}))
	}
}

// TestAudits_Access_timesAnywhere: created at any instant the API can
// carry, in every encoding, is read back to the millisecond: near 1970
// (which a client reads as seconds if it comes as a small number), before
// it, and far ahead.
func TestAudits_Access_timesAnywhere(t *testing.T) {
	t.Parallel()
	times := []time.Time{
		time.Date(1971, 3, 4, 5, 6, 7, 8_000_000, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999_000_000, time.UTC),
		time.Date(2026, 11, 30, 23, 59, 59, 1_000_000, time.UTC),
		time.Date(1999, 1, 1, 0, 0, 0, 0, time.FixedZone("UTC+5", 5*3600)),
	}
	for _, enc := range []riskcloudtest.CreatedEncoding{riskcloudtest.CreatedMillis, riskcloudtest.CreatedRFC3339, riskcloudtest.CreatedNumericString} {
		srv := newServer(t, 0, riskcloudtest.WithCreatedEncoding(enc))
		for i, ts := range times {
			srv.AddAudits(riskcloud.AccessAudit{Type: riskcloud.AuditLogin, Created: ts, Details: fmt.Sprint(i),
				User: riskcloud.AuditUser{ID: "u1", Name: "Ann", Email: "ann@example.com"}})
		}
		got := walkAudits(t, srv, nil)
		checkSameAudits(t, got, srv.Audits())
		for _, a := range got {
			var i int
			fmt.Sscan(a.Details, &i)
			if !a.Created.Equal(times[i]) {
				t.Errorf("encoding %d: created %v read as %v", enc, times[i], a.Created)
			}
		}
	}
}

// TestAudits_Access_endlessArrivals: a log that gains entries before every
// request, each stamped just after its newest (as riskcloudtest's
// WithArrivals does, and a server whose clock lags the client's would),
// is walked to its end in either order, with and without Prefetch: the
// walk pins created-max to the newest entry it has seen, so arrivals
// after it stay out instead of being chased. Every entry there at the
// start is yielded once.
func TestAudits_Access_endlessArrivals(t *testing.T) {
	t.Parallel()
	for _, oldestFirst := range []bool{false, true} {
		for _, prefetch := range []int{0, 3} {
			t.Run(fmt.Sprintf("oldestFirst=%v/prefetch=%d", oldestFirst, prefetch), func(t *testing.T) {
				t.Parallel()
				opts := []riskcloudtest.Option{riskcloudtest.WithArrivals(3)}
				if oldestFirst {
					opts = append(opts, riskcloudtest.WithOldestFirst())
				}
				srv := newV2Server(t, 300, 11, opts...)
				before := srv.Audits()
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				var got []riskcloud.AccessAudit
				for a, err := range newTestClient(t, srv).Audits.Access(&riskcloud.AccessAuditOptions{Size: 22, Prefetch: prefetch}).All(ctx) {
					if err != nil {
						t.Fatalf("after %d audits and %d requests: %v", len(got), srv.Stats().PageRequests, err)
					}
					got = append(got, a)
				}
				seen := map[string]int{}
				for _, a := range got {
					if seen[a.ID]++; seen[a.ID] > 1 {
						t.Fatalf("id %s yielded twice", a.ID)
					}
				}
				for _, a := range before {
					if seen[a.ID] == 0 {
						t.Fatalf("%s, there at the start, was not yielded", a.ID)
					}
				}
				if r := srv.Stats().PageRequests; r > 40 {
					t.Errorf("%d requests for %d audits in pages of 22: the walk chased the arrivals", r, len(before))
				}
			})
		}
	}
}
