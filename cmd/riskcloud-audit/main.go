// Command riskcloud-audit prints the access audit of a LogicGate Risk Cloud
// instance: who logged in, who failed to, when and from where, newest first.
//
// Usage:
//
//	riskcloud-audit [flags] attempts EMAIL | logins | failures
//
// attempts lists one user's logins and failed logins, logins every
// successful login, failures every failed one. Flags may also follow the
// command.
//
//	--format jsonl|csv|table  output format (default: table when stdout is a
//	                          terminal, jsonl otherwise)
//	--since 24h|7d|2026-11-01|2026-11-01T00:00:00Z
//	                          only entries at or after this instant
//	--limit N                 at most N entries (default 0: all)
//	--size N                  entries per page request (default 500; 0: the
//	                          server's default, 20)
//	--prefetch N              pages requested ahead of the one being written
//	                          (default 4, at most 64; 0: one page at a time)
//	--url URL                 the instance, instead of RISKCLOUD_URL
//	--demo                    read a generated Risk Cloud served in-process
//	--no-token-cache          exchange client credentials afresh, and cache nothing
//
// Credentials come from the environment only, never from flags (which any
// user can read in ps): RISKCLOUD_TOKEN, or RISKCLOUD_CLIENT_ID and
// RISKCLOUD_CLIENT_SECRET. The key's user needs the Admin > All
// entitlement. A token exchanged for client credentials is cached in the
// user's cache directory (riskcloud-audit/ under os.UserCacheDir, or under
// $XDG_CACHE_HOME), so that one run does not invalidate the token of the
// run before, or of another integration of the same key.
//
// Exit status: 0 on success, 1 on an API or network error, 2 on a usage or
// configuration error, 130 when interrupted (what was written by then is
// flushed, complete lines only).
//
// Examples:
//
//	RISKCLOUD_URL=https://acme.logicgate.com RISKCLOUD_TOKEN=... riskcloud-audit failures --since 24h
//	riskcloud-audit --demo --format csv logins --since 2h > logins.csv
//	riskcloud-audit --demo --format table attempts alice@example.com --limit 20
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

const name = "riskcloud-audit"

// Exit codes.
const (
	exitOK          = 0
	exitAPI         = 1
	exitUsage       = 2
	exitInterrupted = 130 // 128 + SIGINT, as shells report it
)

// The environment variables read, outside --demo.
const (
	envURL          = "RISKCLOUD_URL"
	envToken        = "RISKCLOUD_TOKEN"
	envClientID     = "RISKCLOUD_CLIENT_ID"
	envClientSecret = "RISKCLOUD_CLIENT_SECRET"
)

const (
	// defaultSize is the page size asked for unless --size says otherwise:
	// the API's default of 20 would take 250 requests for 5,000 entries.
	defaultSize = 500
	// demoEntries makes a few days of the generated log (an entry a minute).
	demoEntries = 5000
	demoSeed    = 1
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	// After the first Ctrl-C, restore the default handling, so that a second
	// one kills a run that is slow to wind down.
	go func() { <-ctx.Done(); stop() }()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run is the whole command, with its surroundings passed in so that tests
// can run it in-process. It returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	c := &cli{
		stdout:     stdout,
		stderr:     stderr,
		getenv:     getenv,
		isTerminal: isTerminal,
		now:        time.Now,
	}
	return c.run(ctx, args)
}

// cli holds what a run depends on outside its arguments. Tests replace the
// terminal check and the clock, and may add client options.
type cli struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	isTerminal     func(io.Writer) bool
	now            func() time.Time
	clientOpts     []riskcloud.Option // appended to the client's options
}

func (c *cli) run(ctx context.Context, args []string) int {
	if len(args) > 0 && args[0] == "serve" {
		return c.serveTemporary(ctx, args[1:])
	}
	opts, err := c.parse(args)
	if errors.Is(err, flag.ErrHelp) {
		io.WriteString(c.stdout, usage)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "%s: %v\n%s", name, err, shortUsage)
		return exitUsage
	}

	var (
		client  *riskcloud.Client
		cleanup func()
		cache   *fileTokenCache
	)
	if opts.demo {
		client, cleanup = c.demoClient()
	} else {
		client, cache, cleanup, err = c.client(opts)
		if err != nil {
			fmt.Fprintf(c.stderr, "%s: %v\n", name, err)
			return exitUsage
		}
	}
	defer cleanup()

	code := c.list(ctx, client, opts)
	if cache != nil {
		if err := cache.err(); err != nil {
			fmt.Fprintf(c.stderr, "%s: warning: token cache: %v (until it works, a run may exchange a new token, invalidating the last)\n", name, err)
		}
	}
	return code
}

// serveTemporary parses serve's flags and runs it, until the cobra command
// replaces it (temporary: only flags after "serve" are read).
func (c *cli) serveTemporary(ctx context.Context, args []string) int {
	var cfg serveConfig
	fs := flag.NewFlagSet(name+" serve", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.StringVar(&cfg.addr, "addr", defaultServeAddr, "host:port to listen on (:0 for any free port)")
	fs.IntVar(&cfg.entries, "entries", demoEntries, "entries in the log at start")
	fs.Int64Var(&cfg.seed, "seed", demoSeed, "seed of the generated entries")
	fs.Float64Var(&cfg.arrivalsPerMinute, "arrivals", 0, "new entries a minute at the head of the log")
	fs.DurationVar(&cfg.latency, "latency", 0, "added to every response")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(c.stderr, "%s: serve takes no arguments, got %q\n", name, fs.Arg(0))
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
	defer stop()
	if err := runServe(ctx, cfg, c.stdout, c.stderr); err != nil {
		fmt.Fprintf(c.stderr, "%s: %v\n", name, err)
		var usage *usageError
		if errors.As(err, &usage) {
			return exitUsage
		}
		return exitAPI
	}
	return exitOK
}

// list walks the listing and writes it, returning the exit code.
func (c *cli) list(ctx context.Context, client *riskcloud.Client, opts *options) int {
	lo := &riskcloud.ListOptions{Size: opts.size, Since: opts.since, Limit: opts.limit, Prefetch: opts.prefetch}
	var pager *riskcloud.Pager[riskcloud.Entry]
	switch opts.command {
	case "attempts":
		pager = client.AccessAudit.Attempts(opts.email, lo)
	case "logins":
		pager = client.AccessAudit.Logins(lo)
	default:
		pager = client.AccessAudit.Failures(lo)
	}

	format := opts.format
	if format == "" {
		format = "jsonl"
		if c.isTerminal(c.stdout) {
			format = "table"
		}
	}
	out := bufio.NewWriterSize(c.stdout, 64<<10)
	w := newEntryWriter(format, out, writerConfig{terminal: c.isTerminal(c.stdout)})

	// The data itself shows progress when it scrolls past on the same
	// terminal, and a progress line would be torn by it.
	var prog *progress
	if c.isTerminal(c.stderr) && !c.isTerminal(c.stdout) {
		prog = newProgress(c.stderr, c.now)
	}

	n := 0
	var walkErr, writeErr error
	for page, err := range pager.Pages(ctx) {
		if err != nil {
			walkErr = err
			break
		}
		for _, e := range page.Content {
			w.write(e)
		}
		// Each page goes out whole, so that a reader of a pipe sees entries
		// as they arrive and an interrupted run leaves only complete lines.
		if writeErr = w.flush(); writeErr == nil {
			writeErr = out.Flush()
		}
		if writeErr != nil {
			break
		}
		n += len(page.Content)
		total := page.TotalElements
		if opts.limit > 0 && int64(opts.limit) < total {
			total = int64(opts.limit)
		}
		prog.update(n, total)
	}
	if walkErr == nil && writeErr == nil && ctx.Err() == nil {
		// An empty CSV still gets its header, so that a consumer sees the
		// columns.
		writeErr = w.close()
		if writeErr == nil {
			writeErr = out.Flush()
		}
	} else {
		out.Flush()
	}
	prog.clear()

	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(c.stderr, "%s: interrupted after %d entries\n", name, n)
		return exitInterrupted
	case writeErr != nil:
		fmt.Fprintf(c.stderr, "%s: writing output: %v\n", name, writeErr)
		return exitAPI
	case walkErr != nil:
		fmt.Fprintf(c.stderr, "%s: %s\n", name, strings.TrimPrefix(walkErr.Error(), "riskcloud: "))
		if errors.Is(walkErr, riskcloud.ErrInvalidArgument) {
			return exitUsage
		}
		return exitAPI
	case n == 0:
		c.noEntries(opts)
	}
	return exitOK
}

// noEntries explains an empty result: Risk Cloud answers a key without the
// entitlement with an empty list on some instances, rather than a 403.
func (c *cli) noEntries(opts *options) {
	switch {
	case opts.demo && opts.command == "attempts":
		fmt.Fprintf(c.stderr, "%s: no entries (the demo files its entries under %s)\n", name, riskcloudtest.DefaultEmail)
	case opts.demo:
		fmt.Fprintf(c.stderr, "%s: no entries\n", name)
	default:
		fmt.Fprintf(c.stderr, "%s: no entries; if you expected some, the API key's user may lack the Admin > All entitlement\n", name)
	}
}

// demoClient serves a generated log in-process, its newest entry now.
func (c *cli) demoClient() (*riskcloud.Client, func()) {
	srv := riskcloudtest.NewServer()
	srv.Add(riskcloudtest.GenerateAt(demoEntries, demoSeed, c.now())...)
	fmt.Fprintf(c.stderr, "%s: demo: reading a generated Risk Cloud served in-process\n", name)
	return srv.Client(c.clientOpts...), srv.Close
}

// client builds the client of the instance the environment names. Its
// errors are configuration problems (exit 2) and never quote a credential.
func (c *cli) client(opts *options) (*riskcloud.Client, *fileTokenCache, func(), error) {
	baseURL, urlFrom := opts.url, "--url"
	if baseURL == "" {
		baseURL, urlFrom = c.getenv(envURL), envURL
	}
	if baseURL == "" {
		return nil, nil, nil, usagef("set %s (or pass --url) to your instance, e.g. https://acme.logicgate.com", envURL)
	}
	token, id, secret := c.getenv(envToken), c.getenv(envClientID), c.getenv(envClientSecret)
	var creds riskcloud.Option
	switch {
	case token != "" && (id != "" || secret != ""):
		return nil, nil, nil, usagef("both %s and %s/%s are set; unset one of them", envToken, envClientID, envClientSecret)
	case token != "":
		creds = riskcloud.WithToken(token)
	case id != "" && secret == "":
		return nil, nil, nil, usagef("%s is set but %s is not; set both", envClientID, envClientSecret)
	case id == "" && secret != "":
		return nil, nil, nil, usagef("%s is set but %s is not; set both", envClientSecret, envClientID)
	case id != "":
		creds = riskcloud.WithClientCredentials(id, secret)
	default:
		return nil, nil, nil, usagef("set %s, or %s and %s, to the credentials of a user with the Admin > All entitlement", envToken, envClientID, envClientSecret)
	}

	base := http.DefaultTransport.(*http.Transport).Clone()
	// The default pool keeps two idle connections per host; a walk keeps
	// --prefetch requests ahead of the page being written, plus that page's,
	// and would otherwise close and dial connections all the way through.
	base.MaxIdleConnsPerHost = max(opts.prefetch+1, 2)
	hc := &http.Client{Transport: base, Timeout: riskcloud.DefaultAttemptTimeout}
	all := []riskcloud.Option{creds, riskcloud.WithHTTPClient(hc), riskcloud.WithUserAgent(name)}
	var cache *fileTokenCache
	if id != "" && !opts.noTokenCache {
		if cache = newFileTokenCache(baseURL, id, secret, c.cacheDir, c.now); cache != nil {
			all = append(all, riskcloud.WithTokenCache(cache))
		}
	}
	client, err := riskcloud.NewClient(baseURL, append(all, c.clientOpts...)...)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "riskcloud: ")
		if strings.Contains(msg, "baseURL") {
			return nil, nil, nil, usagef("%s: %s", urlFrom, msg)
		}
		return nil, nil, nil, usagef("%s", msg)
	}
	// In-process runs (tests) must not leave the pool's goroutines behind.
	return client, cache, base.CloseIdleConnections, nil
}

// cacheDir is where exchanged tokens are kept. XDG_CACHE_HOME is read
// through getenv (os.UserCacheDir reads it too, on Linux, but from the
// process environment), so that a test's environment decides.
func (c *cli) cacheDir() (string, error) {
	if d := c.getenv("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	return os.UserCacheDir()
}

// isTerminal reports whether w is a terminal. A character device is taken
// for one, except the null device, where nobody is reading.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	if null, err := os.Stat(os.DevNull); err == nil && os.SameFile(fi, null) {
		return false
	}
	return true
}
