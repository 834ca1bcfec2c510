package main

// --state and --follow: a listing read through the SDK's Feed, oldest
// first, from where the last run stopped, and kept up with.
//
// The order of things is what makes a restart lose nothing: entries are
// written and flushed to stdout, then the cursor just past them is saved.
// A run killed between the two writes the unsaved entries again next
// time, with the same ids (at least once); a run stopped by SIGINT or
// SIGTERM flushes and saves before it exits (exactly once).

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// feedFlags choose a resumable run.
type feedFlags struct {
	state    string        // --state FILE; "" for none
	follow   bool          // --follow
	interval time.Duration // between polls of --follow
	lag      time.Duration // riskcloud.Feed.Lag
}

// on reports whether the run reads through a Feed.
func (f feedFlags) on() bool { return f.state != "" || f.follow }

const (
	// defaultInterval is --follow's time between polls.
	defaultInterval = 30 * time.Second
	// minInterval keeps --follow from hammering the API.
	minInterval = 100 * time.Millisecond
	// checkpointEntries and checkpointEvery bound what a long poll (a
	// first run over a year of history) writes before it flushes and
	// saves the cursor, so that a crash repeats at most that much.
	checkpointEntries = 10_000
	checkpointEvery   = 5 * time.Second
)

// addFeedFlags defines --state, --follow, --interval and --lag on fs.
func (o *options) addFeedFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.feed.state, "state", "", "resume from the cursor saved in `FILE` and save the new one there: prints what is\n"+
		"new since the last run (the first: from --since, or everything), oldest first,\n"+
		"each entry once, and --limit caps each run (missing or empty FILE: a first run)")
	fs.BoolVar(&o.feed.follow, "follow", false, "after printing what is new, poll every --interval and print new entries\n"+
		"oldest first as they appear (saving --state after each batch) until SIGINT or\n"+
		"SIGTERM, which flush, save and exit 0; --limit caps each poll")
	fs.DurationVar(&o.feed.interval, "interval", defaultInterval, "the time `D` between polls of --follow (at least 100ms)")
	fs.DurationVar(&o.feed.lag, "lag", riskcloud.DefaultLag, "with --state or --follow, how far back `D` to look again for entries\n"+
		"that arrive late, stamped before newer ones (each found once)")
}

// registerFeedCompletions completes --state with file names and
// --interval and --lag with a few durations.
func registerFeedCompletions(cmd *cobra.Command) {
	cmd.MarkFlagFilename("state")
	durations := cobra.FixedCompletions([]string{"30s", "1m", "5m", "15m"}, cobra.ShellCompDirectiveNoFileComp)
	cmd.RegisterFlagCompletionFunc("interval", durations)
	cmd.RegisterFlagCompletionFunc("lag", durations)
}

// checkFeed checks the flags of a resumable run.
func (o *options) checkFeed(fs *pflag.FlagSet, format string) error {
	f := &o.feed
	switch {
	case fs.Changed("state") && f.state == "":
		return usagef("--state is empty: give the FILE that keeps the cursor between runs")
	case fs.Changed("interval") && !f.follow:
		return usagef("--interval needs --follow: it is the time between polls")
	case f.interval < minInterval:
		return usagef("--interval %s is too short: at least %s", f.interval, minInterval)
	case fs.Changed("lag") && !f.on():
		return usagef("--lag needs --state or --follow: a plain run reads everything once")
	case f.lag <= 0:
		return usagef("--lag must be positive, such as 5m")
	case f.follow && format == "json":
		return usagef("--format json writes one JSON array, which --follow never ends: use --format jsonl, one object a line")
	}
	return nil
}

// feedList reads o's listing through a Feed from the cursor in --state
// (if any), writing to w, and returns the exit code.
func (c *cli) feedList(ctx context.Context, client *riskcloud.Client, o *options, w entryWriter, con *console) int {
	var (
		state  *stateFile
		cursor riskcloud.Cursor
	)
	if o.feed.state != "" {
		unlock, busy, err := lockState(o.feed.state)
		switch {
		case busy:
			fmt.Fprintf(c.stderr, "%s: another run is using --state %s (it holds %s.lock): this one does nothing\n", name, o.feed.state, o.feed.state)
			return exitAPI
		case err != nil:
			fmt.Fprintf(c.stderr, "%s: --state %s cannot be saved: %v\n", name, o.feed.state, pathless(err))
			return exitUsage
		}
		defer unlock()
		if state, cursor, err = loadState(o.feed.state); err != nil {
			fmt.Fprintf(c.stderr, "%s: %v\n", name, err)
			return exitUsage
		}
	}
	var res walkResult
	if o.command == auditsCommand {
		pagerOf := func(size, limit int) *riskcloud.Pager[riskcloud.AccessAudit] {
			return auditPager(client, o.paged(size, limit))
		}
		res = runFeed(ctx, c, pagerOf, cursor, w.writeAudit, w, state, con, o)
	} else {
		pagerOf := func(size, limit int) *riskcloud.Pager[riskcloud.Entry] { return pager(client, o.paged(size, limit)) }
		res = runFeed(ctx, c, pagerOf, cursor, w.write, w, state, con, o)
	}
	con.clear()
	return c.reportFeed(ctx, res, o, cursor.IsZero())
}

// paged returns a copy of o that asks for pages of size entries, and at
// most limit entries a poll.
func (o *options) paged(size, limit int) *options {
	c := *o
	c.walk.size, c.walk.limit = size, limit
	return &c
}

// feedRun is one run of a Feed: the entries written, what is not yet
// saved, and where output and state go.
type feedRun[T any] struct {
	c        *cli
	feed     *riskcloud.Feed[T]
	pagerOf  func(size, limit int) *riskcloud.Pager[T] // the listing, in pages of size, limit a poll
	lag      time.Duration
	limit    int // --limit: entries a poll, 0 for all
	write    func(T)
	w        entryWriter
	state    *stateFile // nil without --state
	con      *console
	entries  int       // written
	unsaved  int       // written since the last checkpoint
	lastSave time.Time // of the last checkpoint
	size     int       // entries a page
}

// runFeed polls feed once, or with --follow until ctx ends, writing each
// entry and saving the cursor after each batch it flushed.
func runFeed[T any](ctx context.Context, c *cli, pagerOf func(size, limit int) *riskcloud.Pager[T], cursor riskcloud.Cursor, write func(T), w entryWriter,
	state *stateFile, con *console, o *options) walkResult {
	r := &feedRun[T]{c: c, pagerOf: pagerOf, lag: o.feed.lag, limit: o.walk.limit, write: write, w: w, state: state, con: con, lastSave: time.Now()}
	r.refeed(o.walk.size, r.limit, cursor)
	var res walkResult
	for {
		res.walkErr = r.pollAgain(ctx)
		res.writeErr, res.saveErr = r.checkpoint()
		res.entries = r.entries
		if !o.feed.follow || ctx.Err() != nil || res.writeErr != nil || res.saveErr != nil || fatal(res.walkErr) {
			break
		}
		if res.walkErr != nil {
			fmt.Fprintf(c.stderr, "%s: %s; polling again in %s\n", name, sdkMessage(res.walkErr), o.feed.interval)
		}
		if !sleep(ctx, o.feed.interval) {
			break
		}
	}
	if ctx.Err() != nil {
		res.walkErr = nil // the end of the run, not an error of its poll
	}
	if res.writeErr == nil {
		// The cursor is just past the last entry written, so that what was
		// written is whole, a JSON array too, even when a signal ended it.
		res.writeErr = w.close()
	}
	return res
}

// refeed makes the run read, from cursor on, in pages of size entries,
// at most limit a poll (0: all).
func (r *feedRun[T]) refeed(size, limit int, cursor riskcloud.Cursor) {
	r.size = size
	r.feed = r.pagerOf(size, limit).Feed(cursor)
	r.feed.Lag = r.lag
}

// pollAgain polls, and polls again at once when the walk gave up on the
// log (walkLost), from the last entry written, in pages of another size:
// the SDK's v1 walk gives up on logs that change under it in ways it cannot
// reconcile (entries written late, filed among those it has read), and a
// poll has already read again five times in the same pages; pages of
// another size put other entries at their edges, and fewer pages give
// late entries fewer chances. A page size a poll found readable is kept.
func (r *feedRun[T]) pollAgain(ctx context.Context) error {
	base := r.size
	if base == 0 {
		base = 20 // the API's default
	}
	var sizes []int
	for _, size := range []int{base - 1, base + 1, base + 2, 2 * base} {
		if size > 0 && size <= math.MaxInt32 && !slices.Contains(sizes, size) {
			sizes = append(sizes, size)
		}
	}
	start := r.entries
	if r.limit > 0 {
		// The next poll gets its --limit whole, after a retry's remainder.
		defer func() { r.refeed(r.size, r.limit, r.feed.Cursor()) }()
	}
	for try := 0; ; try++ {
		err := r.poll(ctx)
		left := r.limit - (r.entries - start) // of this poll's --limit
		if err == nil || try == len(sizes) || !walkLost(err) || ctx.Err() != nil || (r.limit > 0 && left <= 0) {
			return err
		}
		size := sizes[try]
		fmt.Fprintf(r.c.stderr, "%s: %s; polling again from the last entry written, %d entries a page\n", name, sdkMessage(err), size)
		r.refeed(size, max(left, 0), r.feed.Cursor())
	}
}

// walkLost reports an error of the walk itself (ErrUnexpectedResponse,
// with no status): the walk gave up on a log that changed under it (late
// entries filed among those it had read), which a new poll reads afresh.
// A failed request is not one: the SDK has retried it already.
func walkLost(err error) bool {
	var apiErr *riskcloud.APIError
	return errors.Is(err, riskcloud.ErrUnexpectedResponse) && !errors.As(err, &apiErr) && !errors.Is(err, errCheckpoint)
}

// errCheckpoint ends a poll whose checkpoint failed; the run's last
// checkpoint says why.
var errCheckpoint = errors.New("checkpoint failed")

// poll writes what one poll of the feed yields, checkpointing within a
// long one.
func (r *feedRun[T]) poll(ctx context.Context) error {
	for e, err := range r.feed.Poll(ctx) {
		if err != nil {
			return err
		}
		r.write(e)
		r.entries++
		r.unsaved++
		if r.unsaved >= checkpointEntries || time.Since(r.lastSave) >= checkpointEvery {
			if werr, serr := r.checkpoint(); werr != nil || serr != nil {
				return errCheckpoint
			}
		}
	}
	return nil
}

// checkpoint flushes what was written, syncs it where stdout is a file,
// and only then saves the cursor, which is just past the last entry
// written.
func (r *feedRun[T]) checkpoint() (writeErr, saveErr error) {
	if writeErr = r.w.flush(); writeErr != nil {
		return writeErr, nil
	}
	if f, ok := r.c.stdout.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			if writeErr = f.Sync(); writeErr != nil {
				return writeErr, nil
			}
		}
	}
	r.con.update(r.entries, -1)
	r.unsaved, r.lastSave = 0, time.Now()
	if r.state == nil {
		return nil, nil
	}
	return nil, r.state.save(r.feed.Cursor())
}

// fatal reports an error after which polling again cannot help: a bad
// input or cursor, credentials refused, a listing not there.
func fatal(err error) bool {
	for _, sentinel := range []error{riskcloud.ErrInvalidArgument, riskcloud.ErrUnauthorized, riskcloud.ErrForbidden, riskcloud.ErrNotFound} {
		if errors.Is(err, sentinel) {
			return true
		}
	}
	return false
}

// sleep waits d, or until ctx ends, and reports whether it waited d.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// sdkMessage is an SDK error's text without its "riskcloud: " prefix, as
// the command's own prefix goes before it.
func sdkMessage(err error) string { return strings.TrimPrefix(err.Error(), "riskcloud: ") }

// reportFeed says how a resumable run ended, and returns the exit code.
// A signal ends --follow as it is meant to end, with 0; a one-shot run
// that it cuts short exits as an interrupted walk does, its state saved
// all the same.
func (c *cli) reportFeed(ctx context.Context, res walkResult, o *options, first bool) int {
	var arg *riskcloud.ArgumentError
	switch {
	case res.saveErr != nil && !errors.Is(res.writeErr, syscall.EPIPE):
		fmt.Fprintf(c.stderr, "%s: %v (the next run writes again what this one wrote since its last save)\n", name, res.saveErr)
		return exitAPI
	case ctx.Err() != nil && o.feed.follow && res.writeErr == nil:
		if state := o.feed.state; state != "" {
			fmt.Fprintf(c.stderr, "%s: stopped after %d entries (%v); state saved in %s\n", name, res.entries, context.Cause(ctx), state)
		}
		return exitOK
	case errors.As(res.walkErr, &arg) && arg.Name == "Cursor":
		fmt.Fprintf(c.stderr, "%s: --state %s %s: give each command and set of filters a state file of its own\n", name, o.feed.state, arg.Problem)
		return exitUsage
	case res.walkErr == nil && res.writeErr == nil && ctx.Err() == nil && res.entries == 0 && !first:
		return exitOK // nothing new since the last run: nothing to say
	}
	return c.report(ctx, res, o)
}
