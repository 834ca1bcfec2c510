package riskcloud_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// benchServerEnv names the environment variable that makes the test binary a
// benchmark server instead of running tests (see TestMain): its value is a
// benchServerConfig in JSON.
const benchServerEnv = "RISKCLOUD_BENCH_SERVER"

// benchServerConfig is the riskcloudtest server a benchmark walks.
type benchServerConfig struct {
	// Entries and Seed are riskcloudtest.Generate's arguments; the entries
	// are filed under riskcloudtest.DefaultEmail.
	Entries     int
	Seed        int64
	MaxPageSize int           // the server's page-size cap; 0 means none
	Latency     time.Duration // added to every response
}

// benchServer is a running child server: its base URL and bearer token.
type benchServer struct {
	URL, Token string
}

// startBenchServer runs a riskcloudtest server with cfg's data in a child
// process (this test binary again, see serveBench) and stops it when b ends.
// The server lives in another process so that the benchmark's allocations
// and live heap are the client's alone: a fake holding a million entries
// would otherwise dominate the heap and grow with N.
func startBenchServer(b *testing.B, cfg benchServerConfig) benchServer {
	b.Helper()
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	js, err := json.Marshal(cfg)
	if err != nil {
		b.Fatal(err)
	}
	// -test.run and -test.bench keep the child from testing anything should
	// TestMain ever miss the variable.
	cmd := exec.Command(exe, "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), benchServerEnv+"="+string(js))
	cmd.Stderr = os.Stderr
	// The child serves until its stdin closes, so it dies with this process
	// even when the cleanup below never runs.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait() // "signal: killed" is the expected error
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("bench server %s: no address: %v", js, err)
	}
	url, token, ok := strings.Cut(strings.TrimSpace(line), " ")
	if !ok {
		b.Fatalf("bench server %s: unexpected first line %q", js, line)
	}
	return benchServer{URL: url, Token: token}
}

// serveBench is the child's side of startBenchServer: it builds the server
// config describes, prints "URL TOKEN" on a line and serves until stdin
// closes. It returns the process's exit code.
func serveBench(config string) int {
	var cfg benchServerConfig
	if err := json.Unmarshal([]byte(config), &cfg); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", benchServerEnv, err)
		return 2
	}
	srv := riskcloudtest.NewServer(
		riskcloudtest.WithEntries(riskcloudtest.Generate(cfg.Entries, cfg.Seed)...),
		riskcloudtest.WithMaxPageSize(cfg.MaxPageSize),
		riskcloudtest.WithLatency(cfg.Latency),
	)
	defer srv.Close()
	fmt.Println(srv.URL, srv.Token)
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// benchHTTPClient returns the http.Client both the SDK and the baseline get:
// a fresh keep-alive pool deep enough for eight pages in flight, like the
// SDK's own, and its per-attempt timeout. Its idle connections close when b
// ends, so that goleak sees no connection goroutines.
func benchHTTPClient(b *testing.B) *http.Client {
	t := &http.Transport{
		MaxIdleConns:        100,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	b.Cleanup(t.CloseIdleConnections)
	return &http.Client{Transport: t, Timeout: time.Minute}
}
