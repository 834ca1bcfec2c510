package riskcloud_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// The v2 benchmarks of issue 12, run as the v1 ones are (see bench_test.go):
//
//	go test -run '^$' -bench 'V2' -benchmem .

// BenchmarkV2_Throughput walks 20,000 entries of the v2 access audit in
// pages of 500, with the SDK's All and with a hand-written net/http and
// encoding/json loop (walkV2Baseline) against the same server, alternating
// which goes first. speed-ratio is the SDK's entries/s over the
// baseline's; the allocations and bytes per entry include the walk's ids
// (see idPlacer), which the baseline, trusting the server's order, keeps
// none of.
func BenchmarkV2_Throughput(b *testing.B) {
	const n, size = 20_000, 500
	srv := startBenchServer(b, benchServerConfig{Entries: n, Seed: benchSeed, MaxPageSize: size})
	ctx := context.Background()
	pager := newBenchClient(b, srv).Audits.Access(&riskcloud.AccessAuditOptions{Size: size})
	hc := benchHTTPClient(b)
	sdk := &walkCost{walk: func() (walkResult, error) { return walkV2SDK(ctx, pager) }}
	base := &walkCost{walk: func() (walkResult, error) { return walkV2Baseline(ctx, hc, srv, size) }}

	sides := [2]*walkCost{sdk, base}
	for i := 0; b.Loop(); i++ {
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

// BenchmarkV2_Prefetch is BenchmarkP2_Prefetch on v2: 50 pages of 100
// from a server that takes 20 ms per request, sequentially and with
// Prefetch 1, 4 and 8, each yielding what the sequential walk yields.
func BenchmarkV2_Prefetch(b *testing.B) {
	const n, size = 5_000, 100
	srv := startBenchServer(b, benchServerConfig{Entries: n, Seed: benchSeed, Latency: 20 * time.Millisecond})
	ctx := context.Background()
	client := newBenchClient(b, srv)
	prefetches := []int{0, 1, 4, 8}
	walks := make([]*walkCost, len(prefetches))
	for i, p := range prefetches {
		pager := client.Audits.Access(&riskcloud.AccessAuditOptions{Size: size, Prefetch: p})
		walks[i] = &walkCost{walk: func() (walkResult, error) { return walkV2SDK(ctx, pager) }}
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

// BenchmarkV2_Memory walks 100,000 and 1,000,000 v2 entries in pages of
// 500 and reports peak-live-MiB as BenchmarkP3_Memory does. Unlike v1's,
// the v2 walk remembers every id it yielded (it assumes no order, so any
// of them may come back), so the peak grows with N: live-B/entry is the
// growth per entry between the two sizes' peaks, read off by hand.
func BenchmarkV2_Memory(b *testing.B) {
	const size = 500
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			srv := startBenchServer(b, benchServerConfig{Entries: n, Seed: benchSeed, MaxPageSize: size})
			pager := newBenchClient(b, srv).Audits.Access(&riskcloud.AccessAuditOptions{Size: size})
			live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
			var peak, base uint64
			w := &walkCost{walk: func() (walkResult, error) {
				var r walkResult
				for e, err := range pager.All(context.Background()) {
					if err != nil {
						return r, err
					}
					r.add(string(e.Type), e.Created, e.Details, e.RemoteAddress)
					if r.entries%size == 0 {
						metrics.Read(live)
						peak = max(peak, live[0].Value.Uint64())
					}
				}
				return r, nil
			}}
			for b.Loop() {
				b.StopTimer()
				runtime.GC()
				metrics.Read(live)
				base = max(base, live[0].Value.Uint64())
				b.StartTimer()
				w.measure(b, n)
			}
			const mib = 1 << 20
			b.ReportMetric(float64(peak)/mib, "peak-live-MiB")
			b.ReportMetric(float64(base)/mib, "base-live-MiB")
			b.ReportMetric(w.rate(), "entries/s")
			b.ReportMetric(w.allocsPerEntry(), "allocs/entry")
		})
	}
}

// walkV2SDK reads every v2 entry through the SDK's All.
func walkV2SDK(ctx context.Context, p *riskcloud.Pager[riskcloud.AccessAudit]) (walkResult, error) {
	var r walkResult
	for e, err := range p.All(ctx) {
		if err != nil {
			return r, err
		}
		r.add(string(e.Type), e.Created, e.Details, e.RemoteAddress)
	}
	return r, nil
}

// walkV2Baseline reads every v2 entry as a competent user would without
// the SDK: net/http and encoding/json, one page after another until
// links.next is null.
func walkV2Baseline(ctx context.Context, hc *http.Client, srv benchServer, size int) (walkResult, error) {
	var r walkResult
	for page := 0; ; page++ {
		u := fmt.Sprintf("%s/api/v2/audits/access?page=%d&size=%d", srv.URL, page, size)
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
				ID   string `json:"id"`
				Type string `json:"type"`
				User struct {
					ID, Name, Email string
				} `json:"user"`
				RemoteAddress string `json:"remoteAddress"`
				Details       string `json:"details"`
				Created       int64  `json:"created"` // epoch milliseconds
			} `json:"content"`
			Links struct {
				Next *string `json:"next"`
			} `json:"links"`
		}
		if resp.StatusCode == http.StatusOK {
			err = json.NewDecoder(resp.Body).Decode(&body)
		} else {
			err = fmt.Errorf("page %d: %s", page, resp.Status)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return r, err
		}
		for _, e := range body.Content {
			r.add(e.Type, time.UnixMilli(e.Created).UTC(), e.Details, e.RemoteAddress)
		}
		if body.Links.Next == nil || len(body.Content) == 0 {
			return r, nil
		}
	}
}
