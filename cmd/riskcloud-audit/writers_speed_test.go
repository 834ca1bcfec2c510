package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// TestWriters_matchLegacy checks that every format writes, byte for byte,
// what it wrote before it was made faster (legacy_writers_test.go), over
// generated, hostile, v2 and random records, in long runs, so that what
// the writers remember from one record to the next (the day of the last
// timestamp, the last user, the heads of the types seen) is exercised by
// records that repeat, change and come back.
func TestWriters_matchLegacy(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(14, 1300))
	var runs [][]record
	var generated []record
	for _, e := range decodedEntries(t, riskcloudtest.Generate(3000, 9)) {
		generated = append(generated, recordOfEntry(e, "alice@example.com"))
	}
	runs = append(runs, generated)
	var hostile []record
	for _, e := range hostileEntries() {
		hostile = append(hostile, recordOfEntry(e, ""))
	}
	runs = append(runs, hostile, v2Records())
	for range 20 {
		runs = append(runs, randomRecords(rng, 300))
	}
	configs := append(siemConfigs, writerConfig{noHeader: true, email: "x@example.com", now: siemConfigs[0].now})
	for _, format := range formats {
		for c, cfg := range configs {
			for i, run := range runs {
				enc, old := newEncoder(format, cfg), legacyEncoder(format, cfg)
				var got, want []byte
				for j := range run {
					n, m := len(got), len(want)
					got = enc.appendEntry(got, &run[j], j == 0)
					want = old.appendEntry(want, &run[j], j == 0)
					if !bytes.Equal(got[n:], want[m:]) {
						t.Fatalf("%s, config %d, run %d, record %d %+v:\n got %q\nwant %q", format, c, i, j, run[j], got[n:], want[m:])
					}
				}
				if got, want := enc.appendEnd(nil, len(run)), old.appendEnd(nil, len(run)); !bytes.Equal(got, want) {
					t.Fatalf("%s, config %d, run %d: end %q, want %q", format, c, i, got, want)
				}
			}
		}
	}
}

// randomRecords are n records drawn from few values of each field, so
// that values repeat, mixing the ordinary with the hostile.
func randomRecords(rng *rand.Rand, n int) []record {
	pieces := []string{"a", "Z", "0", " ", ".", ":", "@", "-", "\"", "\\", "/", "<>&", "\x00", "\t", "\n", "\x1b[2J", "\x1b]0;t\x07",
		"\x7f", "\u0085", "\u009b1m", "é", "日本", "\U0001F600", "\u2028", "\u202e", "\u200b", "\ufeff", "\U000E0041", "\xff", "\xe2\x80", "%"}
	word := func() string {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	words := make([]string, 12)
	for i := range words {
		words[i] = word()
	}
	addresses := append([]string{"", "192.0.2.1", "10.0.0.255", "2001:db8::1", "::ffff:192.0.2.1", "fe80::1%eth0", "192.0.2.1:8443",
		"[2001:db8::1]:443", "[::1]:0", "1.2.3.4:65535", "01.2.3.4", "host.example.com", "192.0.2.1, 10.0.0.1"}, words[:3]...)
	types := append([]string{"Login", "LoginFail", "LOGIN", "LOGOUT", "LOGIN_FAILED", "CREDENTIALS_ROLLED", "TOKEN_ROLLED", "OTHER", "", "Other"}, words[3:5]...)
	users := []auditUser{{}, {email: "alice@example.com"}, {email: "bad email"}, {id: "u-1"}, {id: "u-2", name: "Al", email: "al@x.io"},
		{name: "Bob"}, {name: words[5]}, {email: words[6], id: words[7]}, {email: "a@b.c", name: "a@b.c"}}
	base := time.Date(2026, 11, 30, 23, 59, 58, 999_999_999, time.UTC)
	zones := []*time.Location{time.UTC, time.FixedZone("X", -7*3600), time.FixedZone("Y", 5*3600+1800)}
	out := make([]record, n)
	for i := range out {
		typ := types[rng.IntN(len(types))]
		kind := kindOfV2(typ)
		if rng.IntN(2) == 0 {
			kind = kindOfV1(riskcloud.EntryType(typ))
		}
		r := record{kind: kind, typeName: typ, address: addresses[rng.IntN(len(addresses))], user: users[rng.IntN(len(users))]}
		if rng.IntN(3) == 0 {
			r.message = words[rng.IntN(len(words))]
		}
		if rng.IntN(3) == 0 {
			r.id = fmt.Sprintf("id-%d%s", rng.IntN(5), words[rng.IntN(2)])
		}
		if rng.IntN(2) == 0 {
			r.raw = fmt.Appendf(nil, `{"type":%q,"message":%q}`, typ, r.message)
		}
		r.time = randomTime(rng, base).In(zones[rng.IntN(len(zones))])
		base = r.time
		out[i] = r
	}
	return out
}

// randomTime is a time near base (the same second, day or not), or one of
// the edges: none, the epoch, before it, the years 0, 9999 and beyond.
func randomTime(rng *rand.Rand, base time.Time) time.Time {
	switch rng.IntN(12) {
	case 0:
		return time.Time{}
	case 1:
		return time.Unix(0, 0)
	case 2:
		return time.Unix(-1, 999_000_000)
	case 3:
		return time.Date([]int{0, -1, 9999, 10000, 1969, 1970}[rng.IntN(6)], 12, 31, 23, 59, 59, 999_000_000, time.UTC)
	case 4, 5, 6:
		return base.Add(time.Duration(rng.IntN(1000)) * time.Millisecond)
	case 7, 8:
		return base.Add(-time.Duration(rng.Int64N(int64(48 * time.Hour))))
	}
	return base.Add(time.Duration(rng.IntN(1_000_000)))
}

// TestAppendTimestamp_everyDay checks appendTimestamp's calendar against
// time.Format on every day from year -1 to 10000 (which AppendFormat
// writes) at a random time of day, and at each day's first and last
// millisecond every 97 days.
func TestAppendTimestamp_everyDay(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	start := time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(10001, 1, 1, 0, 0, 0, 0, time.UTC)
	check := func(at time.Time) {
		if got, want := string(appendTimestamp(nil, at)), at.UTC().Format(timeLayout); got != want {
			t.Fatalf("appendTimestamp(%v) = %q, want %q", at, got, want)
		}
	}
	for day := 0; ; day++ {
		midnight := time.Unix(start.Unix()+int64(day)*86400, 0)
		if !midnight.Before(end) {
			break
		}
		check(midnight.Add(time.Duration(rng.Int64N(int64(24 * time.Hour)))))
		if day%97 == 0 {
			check(midnight)
			check(midnight.Add(24*time.Hour - time.Millisecond))
		}
	}
}

// TestIsPlainIPv4 checks isPlainIPv4 against netip.ParseAddr on every
// string of up to five pieces from an alphabet of digits, dots and more,
// and on random ones, leading zeros and all: what it takes, netip must take as an IPv4 address
// written the same, and it must take the usual addresses.
func TestIsPlainIPv4(t *testing.T) {
	t.Parallel()
	check := func(s string) {
		addr, err := netip.ParseAddr(s)
		netipTakes := err == nil && addr.Is4() && addr.String() == s
		if got := isPlainIPv4(s); got != netipTakes {
			t.Fatalf("isPlainIPv4(%q) = %v, netip takes it: %v", s, got, netipTakes)
		}
	}
	alphabet := []string{"0", "1", "9", ".", "25", "255", "256", "00", "1.", "0.", "01.", ":", "a", ""}
	var walk func(prefix string, depth int)
	walk = func(prefix string, depth int) {
		check(prefix)
		if depth == 0 {
			return
		}
		for _, piece := range alphabet {
			walk(prefix+piece, depth-1)
		}
	}
	walk("", 5)
	rng := rand.New(rand.NewPCG(5, 6))
	for range 100_000 {
		field := func() string { return fmt.Sprintf("%0*d", rng.IntN(4), rng.IntN(300)) }
		check(field() + "." + field() + "." + field() + "." + field())
	}
	for _, s := range []string{"192.0.2.1", "0.0.0.0", "255.255.255.255", "10.0.0.1"} {
		if !isPlainIPv4(s) {
			t.Errorf("isPlainIPv4(%q) = false", s)
		}
	}
}

// decodedEntries is entries as a client reads them from a server, raw JSON
// and all.
func decodedEntries(tb testing.TB, entries []riskcloud.Entry) []riskcloud.Entry {
	srv := riskcloudtest.NewServer(riskcloudtest.WithMaxPageSize(1000))
	defer srv.Close()
	srv.Add(entries...)
	pager := srv.Client().AccessAudit.Attempts(riskcloudtest.DefaultEmail, &riskcloud.ListOptions{Size: 1000})
	var out []riskcloud.Entry
	for page, err := range pager.Pages(context.Background()) {
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, page.Content...)
	}
	if len(out) != len(entries) {
		tb.Fatalf("decoded %d entries, want %d", len(out), len(entries))
	}
	return out
}
