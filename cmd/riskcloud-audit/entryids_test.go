package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// TestTwinNumberer: entries come newest first; each group of identical
// bytes within one timestamp is numbered from its oldest (the last seen),
// whatever lies between its members, and passed on in the order it came.
func TestTwinNumberer(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	entry := func(raw string, ms int) riskcloud.Entry {
		return riskcloud.Entry{Raw: []byte(raw), Timestamp: at.Add(time.Duration(ms) * time.Millisecond)}
	}
	// Newest first: a later millisecond, then A B A' A'' within one, then
	// an A in an earlier one (not a twin: its bytes say another time, but
	// here they are the same to check that groups end at a timestamp).
	in := []riskcloud.Entry{entry(`{"c":1}`, 2), entry(`{"a":1}`, 1), entry(`{"b":1}`, 1), entry(` {"a":1} `, 1), entry(`{"a":1}`, 1), entry(`{"a":1}`, 0)}
	var out []riskcloud.Entry
	var n twinNumberer
	for _, e := range in {
		n.add(e, func(e riskcloud.Entry) { out = append(out, e) })
	}
	if len(out) != 5 {
		t.Fatalf("%d passed on before the end, want all but the last timestamp's 1", len(out))
	}
	n.release(func(e riskcloud.Entry) { out = append(out, e) })
	want := []string{
		riskcloud.EntryID(in[0], 0),
		riskcloud.EntryID(in[1], 2), // the newest of three A: the oldest is 0
		riskcloud.EntryID(in[2], 0),
		riskcloud.EntryID(in[3], 1), // space around the bytes does not count
		riskcloud.EntryID(in[4], 0),
		riskcloud.EntryID(in[5], 0),
	}
	var got []string
	for i, e := range out {
		got = append(got, e.ID)
		if string(e.Raw) != string(in[i].Raw) {
			t.Errorf("entry %d is %s, want %s: the order changed", i, e.Raw, in[i].Raw)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("ids\n%q\nwant\n%q", got, want)
	}
}

// TestTwinNumberer_boundedHold: a run of one timestamp longer than
// maxHeld (entries without timestamps) is passed on in parts, not held.
func TestTwinNumberer_boundedHold(t *testing.T) {
	t.Parallel()
	var n twinNumberer
	passed := 0
	for range maxHeld + 10 {
		n.add(riskcloud.Entry{Raw: []byte(`{"type":"Login"}`)}, func(riskcloud.Entry) { passed++ })
	}
	if passed != maxHeld || len(n.held) != 10 {
		t.Errorf("%d passed on, %d held; want %d and 10", passed, len(n.held), maxHeld)
	}
}

// TestWriters_v1IDs: with ids, v1 entries carry theirs in jsonl and json
// (after email; null when a writer gets none), csv (last column) and table
// (an ID column first); without, the output is what it was.
func TestWriters_v1IDs(t *testing.T) {
	t.Parallel()
	e := riskcloud.Entry{Type: riskcloud.Login, Timestamp: testEnd, RemoteAddress: "192.0.2.1", ID: "0123456789abcdef0123456789abcdef"}
	for _, tt := range []struct {
		format string
		ids    bool
		entry  riskcloud.Entry
		want   string
	}{
		{"jsonl", true, e, `{"type":"Login","timestamp":"2026-11-01T12:00:00.000Z","message":null,"remoteAddress":"192.0.2.1","email":null,"id":"0123456789abcdef0123456789abcdef"}` + "\n"},
		{"jsonl", true, riskcloud.Entry{Type: riskcloud.Login}, `{"type":"Login","timestamp":null,"message":null,"remoteAddress":"","email":null,"id":null}` + "\n"},
		{"jsonl", false, e, `{"type":"Login","timestamp":"2026-11-01T12:00:00.000Z","message":null,"remoteAddress":"192.0.2.1","email":null}` + "\n"},
		{"json", true, e, `[` + "\n" + `{"type":"Login","timestamp":"2026-11-01T12:00:00.000Z","message":null,"remoteAddress":"192.0.2.1","email":null,"id":"0123456789abcdef0123456789abcdef"}` + "\n]\n"},
		{"csv", true, e, "timestamp,type,remote_address,message,email,id\n2026-11-01T12:00:00.000Z,Login,192.0.2.1,,,0123456789abcdef0123456789abcdef\n"},
		{"csv", false, e, "timestamp,type,remote_address,message,email\n2026-11-01T12:00:00.000Z,Login,192.0.2.1,,\n"},
		{"table", true, e, "ID                                TIMESTAMP                 TYPE       REMOTE ADDRESS                           MESSAGE\n" +
			"0123456789abcdef0123456789abcdef  2026-11-01T12:00:00.000Z  Login      192.0.2.1\n"},
	} {
		if got := writeAll(t, tt.format, writerConfig{ids: tt.ids}, 0, tt.entry); got != tt.want {
			t.Errorf("%s (ids %t):\n%s\nwant\n%s", tt.format, tt.ids, got, tt.want)
		}
	}
	if got := writeAll(t, "csv", writerConfig{ids: true}, 0); !strings.HasSuffix(got, ",id\n") {
		t.Errorf("an empty csv with ids: %q", got)
	}
}

// BenchmarkTwinNumberer is what a plain v1 run adds per entry to give it
// its id: holding one timestamp's entries and one SHA-256 each.
func BenchmarkTwinNumberer(b *testing.B) {
	entries := decodedEntries(b, riskcloudtest.Generate(20_000, 5))
	out := func(riskcloud.Entry) {}
	b.ReportAllocs()
	for b.Loop() {
		var n twinNumberer
		for _, e := range entries {
			n.add(e, out)
		}
		n.release(out)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(entries)), "ns/entry")
}
