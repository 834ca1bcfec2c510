package riskcloud_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// The benchmarks of issue 5. Each walks a riskcloudtest server running in a
// child process (startBenchServer), so that every allocation and every live
// byte this process sees is the client's. Run them with
//
//	go test -run '^$' -bench . -benchmem .

// benchSeed fixes the generated entries, so that every run walks the same
// data.
const benchSeed = 5

// BenchmarkP1_Throughput walks 20,000 entries in pages of 500 with no added
// latency, once with the SDK's All and once with a hand-written net/http and
// encoding/json loop (walkBaseline) per iteration, through equal transports
// against the same server. It reports each side's entries/s and
// allocations per entry, and speed-ratio, the SDK's entries/s over the
// baseline's (target: at least 0.95; SDK allocs/entry at most the
// baseline's + 2).
func BenchmarkP1_Throughput(b *testing.B) {
	const n, size = 20_000, 500
	srv := startBenchServer(b, benchServerConfig{Entries: n, Seed: benchSeed, MaxPageSize: size})
	ctx := context.Background()
	pager := newBenchClient(b, srv).AccessAudit.Attempts(riskcloudtest.DefaultEmail, &riskcloud.ListOptions{Size: size})
	hc := benchHTTPClient(b)
	compareWalks(b, n, func() (walkResult, error) { return walkSDK(ctx, pager) },
		func() (walkResult, error) { return walkBaseline(ctx, hc, srv, size) })
}

// compareWalks measures the SDK's walk beside a baseline's, alternating
// which goes first in every iteration, and reports each side's entries/s,
// allocations and bytes per entry, and speed-ratio (SDK over baseline).
// Both must see the same n entries.
func compareWalks(b *testing.B, n int, sdkWalk, baseWalk func() (walkResult, error)) {
	sdk, base := &walkCost{walk: sdkWalk}, &walkCost{walk: baseWalk}
	sides := [2]*walkCost{sdk, base}
	for i := 0; b.Loop(); i++ {
		// Alternate which side goes first, so that neither always pays for
		// the garbage the other left behind.
		first, second := sides[i%2], sides[1-i%2]
		r1, r2 := first.measure(b, n), second.measure(b, n)
		if r1 != r2 {
			b.Fatalf("the SDK and the baseline saw different entries: %+v, %+v", sdk.last, base.last)
		}
	}

	b.ReportMetric(sdk.rate(), "sdk-entries/s")
	b.ReportMetric(base.rate(), "base-entries/s")
	b.ReportMetric(sdk.rate()/base.rate(), "speed-ratio")
	b.ReportMetric(sdk.allocsPerEntry(), "sdk-allocs/entry")
	b.ReportMetric(base.allocsPerEntry(), "base-allocs/entry")
	b.ReportMetric(sdk.bytesPerEntry(), "sdk-B/entry")
	b.ReportMetric(base.bytesPerEntry(), "base-B/entry")
}

// BenchmarkP2_Prefetch walks 50 pages of 100 entries from a server that
// takes 20 ms per request, sequentially and with Prefetch 1, 4 and 8 in each
// iteration. It reports the mean walk time of each and speedup-pN, the
// sequential time over Prefetch N's (target: speedup-p8 at least 6). Every
// walk must yield the same entries in the same order.
func BenchmarkP2_Prefetch(b *testing.B) {
	const n, size = 5_000, 100
	srv := startBenchServer(b, benchServerConfig{Entries: n, Seed: benchSeed, Latency: 20 * time.Millisecond})
	ctx := context.Background()
	client := newBenchClient(b, srv)
	comparePrefetch(b, n, func(prefetch int) func() (walkResult, error) {
		pager := client.AccessAudit.Attempts(riskcloudtest.DefaultEmail, &riskcloud.ListOptions{Size: size, Prefetch: prefetch})
		return func() (walkResult, error) { return walkSDK(ctx, pager) }
	})
}

// comparePrefetch measures the walks walkWith returns for Prefetch 0, 1, 4
// and 8, each of n entries and each seeing what the sequential walk sees,
// and reports their mean times and speedup-pN, the sequential time over
// Prefetch N's.
func comparePrefetch(b *testing.B, n int, walkWith func(prefetch int) func() (walkResult, error)) {
	prefetches := []int{0, 1, 4, 8}
	walks := make([]*walkCost, len(prefetches))
	for i, p := range prefetches {
		walks[i] = &walkCost{walk: walkWith(p)}
	}

	for b.Loop() {
		for i, w := range walks {
			if w.measure(b, n) != walks[0].last {
				b.Fatalf("Prefetch %d saw other entries than a sequential walk: %+v, %+v", prefetches[i], w.last, walks[0].last)
			}
		}
	}

	seq := walks[0]
	b.ReportMetric(seq.msPerWalk(), "seq-ms")
	for i, w := range walks[1:] {
		p := prefetches[i+1]
		b.ReportMetric(w.msPerWalk(), fmt.Sprintf("p%d-ms", p))
		b.ReportMetric(float64(seq.elapsed)/float64(w.elapsed), fmt.Sprintf("speedup-p%d", p))
	}
}

// BenchmarkP3_Memory walks 100,000 and 1,000,000 entries in pages of 500,
// sequentially and with Prefetch 2, discarding them, and reports
// peak-live-MiB, the highest live heap (as of the last GC) read after every
// page's worth of entries, and base-live-MiB, the live heap just before the
// walk. Target: peak at most about 3 pages + 4 MiB, and flat as N grows 10×.
func BenchmarkP3_Memory(b *testing.B) {
	const size = 500
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			srv := startBenchServer(b, benchServerConfig{Entries: n, Seed: benchSeed, MaxPageSize: size})
			for _, p := range []int{0, 2} {
				b.Run(fmt.Sprintf("prefetch=%d", p), func(b *testing.B) {
					benchmarkLiveHeap(b, srv, n, &riskcloud.ListOptions{Size: size, Prefetch: p})
				})
			}
		})
	}
}

// benchmarkLiveHeap is one case of BenchmarkP3_Memory: walks of srv's n
// entries with opts.
func benchmarkLiveHeap(b *testing.B, srv benchServer, n int, opts *riskcloud.ListOptions) {
	ctx := context.Background()
	pager := newBenchClient(b, srv).AccessAudit.Attempts(riskcloudtest.DefaultEmail, opts)
	measureLiveHeap(b, n, opts.Size, func(add func(typ string, ts time.Time, message, addr string)) error {
		for e, err := range pager.All(ctx) {
			if err != nil {
				return err
			}
			add(string(e.Type), e.Timestamp, e.Message, e.RemoteAddress)
		}
		return nil
	})
}

// measureLiveHeap runs walk, which must call add with each of n entries,
// and reports peak-live-MiB, the highest live heap (as of the last GC)
// read after every size entries, base-live-MiB, the live heap just before
// the walk, entries/s and allocs/entry.
func measureLiveHeap(b *testing.B, n, size int, walk func(add func(typ string, ts time.Time, message, addr string)) error) {
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	readLive := func() uint64 {
		metrics.Read(live) // allocates nothing
		return live[0].Value.Uint64()
	}
	var baseLive, peakLive uint64
	w := &walkCost{walk: func() (walkResult, error) {
		var r walkResult
		err := walk(func(typ string, ts time.Time, message, addr string) {
			r.add(typ, ts, message, addr)
			if r.entries%size == 0 {
				peakLive = max(peakLive, readLive())
			}
		})
		return r, err
	}}

	for b.Loop() {
		b.StopTimer()
		runtime.GC() // so that the walk starts from this process's own floor
		baseLive = max(baseLive, readLive())
		b.StartTimer()
		w.measure(b, n)
	}

	const mib = 1 << 20
	b.ReportMetric(float64(peakLive)/mib, "peak-live-MiB")
	b.ReportMetric(float64(baseLive)/mib, "base-live-MiB")
	b.ReportMetric(w.rate(), "entries/s")
	b.ReportMetric(w.allocsPerEntry(), "allocs/entry")
}

// newBenchClient returns an SDK client of srv that sends through
// benchHTTPClient, as the baseline does.
func newBenchClient(b *testing.B, srv benchServer) *riskcloud.Client {
	b.Helper()
	c, err := riskcloud.NewClient(srv.URL, riskcloud.WithToken(srv.Token), riskcloud.WithHTTPClient(benchHTTPClient(b)))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// walkResult is what a walk saw: how many entries, and a digest of their
// fields in order, so that walks can be checked against each other.
type walkResult struct {
	entries int
	digest  uint64
}

// add counts one entry. It reads every field, as a consumer would.
func (r *walkResult) add(typ string, ts time.Time, message, addr string) {
	r.entries++
	r.digest = r.digest*31 + uint64(ts.UnixMilli()) + uint64(len(typ)<<16+len(message)<<8+len(addr))
}

// walkCost adds up the walks of one side of a benchmark: their wall time,
// their entries, and the heap allocations made meanwhile, which are the
// client's since the server runs in another process.
type walkCost struct {
	walk    func() (walkResult, error)
	last    walkResult
	walks   int
	elapsed time.Duration
	entries int
	mallocs uint64
	bytes   uint64
}

// measure runs one walk, adds its cost, and fails b unless the walk saw
// want entries: a broken walk must not look fast. It returns what the walk
// saw. Reading the memory statistics stops the world, so it is left out of
// b's timer.
func (c *walkCost) measure(b *testing.B, want int) walkResult {
	var before, after runtime.MemStats
	b.StopTimer()
	runtime.ReadMemStats(&before)
	b.StartTimer()
	start := time.Now()
	r, err := c.walk()
	elapsed := time.Since(start)
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.StartTimer()
	if err != nil {
		b.Fatalf("walk: %v", err)
	}
	if r.entries != want {
		b.Fatalf("walk saw %d entries, want %d", r.entries, want)
	}
	c.last = r
	c.walks++
	c.elapsed += elapsed
	c.entries += r.entries
	c.mallocs += after.Mallocs - before.Mallocs
	c.bytes += after.TotalAlloc - before.TotalAlloc
	return r
}

func (c *walkCost) rate() float64 { return float64(c.entries) / c.elapsed.Seconds() }

func (c *walkCost) allocsPerEntry() float64 { return float64(c.mallocs) / float64(c.entries) }

func (c *walkCost) bytesPerEntry() float64 { return float64(c.bytes) / float64(c.entries) }

func (c *walkCost) msPerWalk() float64 {
	return float64(c.elapsed) / float64(time.Millisecond) / float64(c.walks)
}

// walkSDK reads every entry through the SDK's All.
func walkSDK(ctx context.Context, p *riskcloud.Pager[riskcloud.Entry]) (walkResult, error) {
	var r walkResult
	for e, err := range p.All(ctx) {
		if err != nil {
			return r, err
		}
		r.add(string(e.Type), e.Timestamp, e.Message, e.RemoteAddress)
	}
	return r, nil
}

// walkBaseline reads every entry of riskcloudtest.DefaultEmail's attempts as
// a competent user would without the SDK: net/http and encoding/json, one
// page after another until the server says it sent the last.
func walkBaseline(ctx context.Context, hc *http.Client, srv benchServer, size int) (walkResult, error) {
	var r walkResult
	for page := 0; ; page++ {
		u := fmt.Sprintf("%s/api/v1/access-audit?email=%s&page=%d&size=%d",
			srv.URL, url.QueryEscape(riskcloudtest.DefaultEmail), page, size)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return r, err
		}
		req.Header.Set("Authorization", "Bearer "+srv.Token)
		resp, err := hc.Do(req)
		if err != nil {
			return r, err
		}
		var body struct {
			Content []struct {
				Type          string  `json:"type"`
				Timestamp     int64   `json:"timestamp"` // epoch milliseconds
				Message       *string `json:"message"`
				RemoteAddress string  `json:"remoteAddress"`
			} `json:"content"`
			Last bool `json:"last"`
		}
		if resp.StatusCode == http.StatusOK {
			err = json.NewDecoder(resp.Body).Decode(&body)
		} else {
			err = fmt.Errorf("page %d: %s", page, resp.Status)
		}
		io.Copy(io.Discard, resp.Body) // so that the connection is reused
		resp.Body.Close()
		if err != nil {
			return r, err
		}
		for _, e := range body.Content {
			var message string
			if e.Message != nil {
				message = *e.Message
			}
			r.add(e.Type, time.UnixMilli(e.Timestamp).UTC(), message, e.RemoteAddress)
		}
		if body.Last || len(body.Content) == 0 {
			return r, nil
		}
	}
}
