package riskcloud_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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
	compareWalks(b, n, func() (walkResult, error) { return walkV2SDK(ctx, pager) },
		func() (walkResult, error) { return walkV2Baseline(ctx, hc, srv, size) })
}

// BenchmarkV2_Prefetch is BenchmarkP2_Prefetch on v2: 50 pages of 100
// from a server that takes 20 ms per request, sequentially and with
// Prefetch 1, 4 and 8, each yielding what the sequential walk yields.
func BenchmarkV2_Prefetch(b *testing.B) {
	const n, size = 5_000, 100
	srv := startBenchServer(b, benchServerConfig{Entries: n, Seed: benchSeed, Latency: 20 * time.Millisecond})
	ctx := context.Background()
	client := newBenchClient(b, srv)
	comparePrefetch(b, n, func(prefetch int) func() (walkResult, error) {
		pager := client.Audits.Access(&riskcloud.AccessAuditOptions{Size: size, Prefetch: prefetch})
		return func() (walkResult, error) { return walkV2SDK(ctx, pager) }
	})
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
			measureLiveHeap(b, n, size, func(add func(typ string, ts time.Time, message, addr string)) error {
				for e, err := range pager.All(context.Background()) {
					if err != nil {
						return err
					}
					add(string(e.Type), e.Created, e.Details, e.RemoteAddress)
				}
				return nil
			})
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
