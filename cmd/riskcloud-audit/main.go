package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

const name = "riskcloud-audit"

// Exit codes.
const (
	exitOK          = 0
	exitAPI         = 1
	exitUsage       = 2
	exitInterrupted = 130 // 128 + SIGINT, as shells report it
	exitClosedPipe  = 141 // 128 + SIGPIPE: what a shell reported before stdout's close was caught
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
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	// A write to a closed stdout then fails with EPIPE, which the run
	// turns into a quiet exit, instead of SIGPIPE killing the process
	// with a progress line left on the terminal.
	signal.Ignore(syscall.SIGPIPE)
	go func() {
		sig := <-sigs
		// Restore the default handling, so that a second signal kills a
		// run that is slow to wind down.
		signal.Reset(os.Interrupt, syscall.SIGTERM)
		cancel(interrupted{sig})
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	os.Exit(code)
}

// interrupted is the cause of a run's end by a signal.
type interrupted struct{ sig os.Signal }

func (e interrupted) Error() string { return "interrupted by " + e.sig.String() }

// exitCode is 128 plus the signal's number, as shells report a process
// that the signal killed: 130 for SIGINT, 143 for SIGTERM.
func (e interrupted) exitCode() int {
	if n, ok := e.sig.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return exitInterrupted
}

// run is the whole command, with its surroundings passed in so that tests
// can run it in-process. It returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	info, _ := debug.ReadBuildInfo()
	c := &cli{
		stdout:     stdout,
		stderr:     stderr,
		getenv:     getenv,
		isTerminal: isTerminal,
		now:        time.Now,
		build:      info,
		serve:      runServe,
		newWriter:  newEntryWriter,
		retryWait:  [2]time.Duration{riskcloud.DefaultRetryWaitMin, riskcloud.DefaultRetryWaitMax},
	}
	return c.run(ctx, args)
}

// cli holds what a run depends on outside its arguments. Tests replace the
// terminal check, the clock, serve, the entry writer and the retry waits,
// and may add client options.
type cli struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	isTerminal     func(io.Writer) bool
	now            func() time.Time
	build          *debug.BuildInfo // nil when the binary carries none
	serve          func(ctx context.Context, cfg serveConfig, stdout, stderr io.Writer) error
	newWriter      func(format string, w io.Writer, cfg writerConfig) entryWriter
	retryWait      [2]time.Duration   // least and longest wait before a retry
	clientOpts     []riskcloud.Option // appended to the client's options
}

// run parses args and runs the command they name, returning the exit code.
func (c *cli) run(ctx context.Context, args []string) int {
	root := c.newRootCommand(ctx)
	commands, flags := flagShapes(root)
	// A nil slice would make cobra read os.Args.
	root.SetArgs(append([]string{}, normalizeArgs(args, commands, flags)...))
	cmd, err := root.ExecuteC()
	var done codeError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &done):
		return done.code
	}
	fmt.Fprintf(c.stderr, "%s: %v\n%s", name, err, shortUsage(cmd))
	return exitUsage
}

// runList builds the client o names, then walks and writes the listing.
func (c *cli) runList(ctx context.Context, o *options) int {
	con := newConsole(c.stderr, c.now, c.isTerminal(c.stderr) && !c.isTerminal(c.stdout))
	logger := slog.New(newRetryHandler(con, o.out.verbose, c.isTerminal(c.stderr)))
	var (
		client  *riskcloud.Client
		cleanup func()
		cache   *fileTokenCache
		err     error
	)
	if o.conn.demo {
		client, cleanup = c.demoClient(o, logger)
	} else {
		client, cache, cleanup, err = c.client(o, logger)
		if err != nil {
			fmt.Fprintf(c.stderr, "%s: %v\n", name, err)
			return exitUsage
		}
	}
	defer cleanup()

	code := c.list(ctx, client, o, con)
	if cache != nil {
		if err := cache.err(); err != nil {
			fmt.Fprintf(c.stderr, "%s: warning: token cache: %v (until it works, a run may exchange a new token, invalidating the last)\n", name, err)
		}
	}
	return code
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
