//go:build unix

package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// BenchmarkFormats walks 20,000 entries in pages of 500 from a
// riskcloudtest server, once bare and once per format writing every page
// as the command does (the writer flushed per page, here into a writer
// that counts lines), every side in each iteration, in an order
// that rotates, after one unmeasured round. It reports <format>-ratio, the
// CPU time (user and system, of the whole process: server, client and
// GC) of the format's walk over the bare walk's (target: at most 1.3),
// <format>-wall-ratio the same for elapsed time, which a shared machine
// makes noisy (walk-again-ratio, a second bare walk's, shows the noise),
// <format>-cpu-ns/entry, the CPU time a format adds per entry (which
// the ratio divides by the walk's, so that a faster walk makes a larger
// ratio of the same work), and <format>-allocs/entry, the allocations a
// format adds per entry. Run it with
//
//	go test -run '^$' -bench Formats -benchmem ./cmd/riskcloud-audit
func BenchmarkFormats(b *testing.B) {
	const n, size = 20_000, 500
	srv := riskcloudtest.NewServer(riskcloudtest.WithMaxPageSize(size))
	defer srv.Close()
	srv.Add(riskcloudtest.Generate(n, 5)...)
	pager := srv.Client().AccessAudit.Attempts(riskcloudtest.DefaultEmail, &riskcloud.ListOptions{Size: size})
	cfg := writerConfig{email: riskcloudtest.DefaultEmail, version: "v0.0.0"}

	// A second bare walk, whose ratio to the first shows the noise.
	sides := []*formatSide{{name: "walk"}, {name: "walk-again"}}
	for _, format := range formats {
		sides = append(sides, &formatSide{name: format, format: format})
	}
	for _, side := range sides { // connections, caches, the heap's size
		if err := side.run(pager, cfg, n); err != nil {
			b.Fatalf("%s: %v", side.name, err)
		}
		*side = formatSide{name: side.name, format: side.format}
	}
	for i := 0; b.Loop(); i++ {
		for j := range sides {
			side := sides[(i+j)%len(sides)]
			if err := side.run(pager, cfg, n); err != nil {
				b.Fatalf("%s: %v", side.name, err)
			}
		}
	}

	walk := sides[0]
	b.ReportMetric(float64(walk.entries)/walk.elapsed.Seconds(), "walk-entries/s")
	b.ReportMetric(float64(walk.entries)/walk.cpu.Seconds(), "walk-entries/cpu-s")
	for _, side := range sides[1:] {
		b.ReportMetric(float64(side.cpu)/float64(walk.cpu), side.name+"-ratio")
		b.ReportMetric(float64(side.elapsed)/float64(walk.elapsed), side.name+"-wall-ratio")
		b.ReportMetric(float64(side.cpu-walk.cpu)/float64(walk.entries), side.name+"-cpu-ns/entry")
		// The server runs in this process: its allocations, the same for
		// every side, cancel out (to within the GC's noise).
		b.ReportMetric((float64(side.allocs)-float64(walk.allocs))/float64(walk.entries), side.name+"-allocs/entry")
	}
}

// formatSide is one side of BenchmarkFormats: a bare walk (format "") or
// a walk written in a format, with what its runs cost in total.
type formatSide struct {
	name, format string
	elapsed, cpu time.Duration
	allocs       uint64
	entries      int
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// run walks the pager once, writing in the side's format, and checks that
// every entry was walked and (for a format) written as one line.
func (s *formatSide) run(pager *riskcloud.Pager[riskcloud.Entry], cfg writerConfig, n int) error {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start, startCPU := time.Now(), cpuTime()
	lines := &lineCounter{}
	var w entryWriter
	if s.format != "" {
		w = newEntryWriter(s.format, lines, cfg)
	}
	walked := 0
	for page, err := range pager.Pages(context.Background()) {
		if err != nil {
			return err
		}
		walked += len(page.Content)
		if w == nil {
			continue
		}
		for _, e := range page.Content {
			w.write(e)
		}
		if err := w.flush(); err != nil {
			return err
		}
	}
	if w != nil {
		if err := w.close(); err != nil {
			return err
		}
	}
	s.elapsed += time.Since(start)
	s.cpu += cpuTime() - startCPU
	runtime.ReadMemStats(&after)
	s.allocs += after.Mallocs - before.Mallocs
	s.entries += walked
	// Each entry is a line; CSV and table add a header, json its brackets.
	extra := map[string]int{"csv": 1, "table": 1, "json": 2}[s.format]
	switch {
	case walked != n:
		return fmt.Errorf("walked %d entries, want %d", walked, n)
	case w != nil && lines.n != n+extra:
		return fmt.Errorf("wrote %d lines, want %d", lines.n, n+extra)
	}
	return nil
}

// BenchmarkWriters times each format's writer alone, on entries decoded
// once before (Generate's, as the server sends them, with their raw JSON),
// into io.Discard: what BenchmarkFormats adds to the walk, without the
// walk's noise, for profiling. <format>/piped writes as BenchmarkFormats
// does, flushed per page into a lineCounter,
// so that the difference is what copying and counting the bytes cost.
// ns/op is per entry.
func BenchmarkWriters(b *testing.B) {
	entries := decodedEntries(b, riskcloudtest.Generate(10_000, 5))
	cfg := writerConfig{email: riskcloudtest.DefaultEmail, version: "v0.0.0"}
	for _, format := range formats {
		for _, piped := range []bool{false, true} {
			name := format
			var out io.Writer = io.Discard
			if piped {
				name += "/piped"
				out = &lineCounter{}
			}
			b.Run(name, func(b *testing.B) {
				w := newEntryWriter(format, out, cfg)
				i := 0
				for b.Loop() {
					w.write(entries[i%len(entries)])
					if i++; i%500 == 0 {
						w.flush()
					}
				}
				if err := w.close(); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}

// BenchmarkAppendJSONString escapes an entry's raw JSON, as ECS's
// event.original does, and an address that needs no escaping.
func BenchmarkAppendJSONString(b *testing.B) {
	raw := []byte(`{"type":"LoginFail","timestamp":1764590400123,"message":"Bad credentials","remoteAddress":"2001:db8:1a2b::3c4d"}`)
	b.Run("raw", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf = appendJSONString(buf[:0], raw)
		}
	})
	b.Run("email", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf = appendJSONString(buf[:0], "alice.example@example.com")
		}
	})
}
