package main

// attempts, logins, failures and audits: walk the pages and write the
// entries.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

// walkResult is how a walk ended.
type walkResult struct {
	entries  int   // written
	walkErr  error // from the SDK
	writeErr error // from stdout
	saveErr  error // from --state's file
}

// list walks the listing and writes it, returning the exit code.
func (c *cli) list(ctx context.Context, client *riskcloud.Client, o *options, con *console) int {
	// The writer buffers whole lines itself and writes at every page, so
	// stdout gets no buffer of its own.
	w := c.newWriter(c.format(o), c.stdout, writerConfig{
		terminal: c.isTerminal(c.stdout),
		noHeader: o.out.noHeader,
		email:    o.email,
		v2:       o.command == auditsCommand,
		ids:      o.command != auditsCommand,
		version:  cliVersion(c.build),
	})
	if o.feed.on() {
		return c.feedList(ctx, client, o, w, con)
	}
	var res walkResult
	if o.command == auditsCommand {
		res = walkPages(ctx, auditPager(client, o), w.writeAudit, w, con, o.walkTotal)
	} else {
		// A plain walk's entries have no ids: they get the ones a feed
		// would give them.
		var twins twinNumberer
		res = walkPages(ctx, pager(client, o), func(e riskcloud.Entry) { twins.add(e, w.write) }, w, con, o.walkTotal)
		twins.release(w.write)
	}
	if res.walkErr == nil && res.writeErr == nil && ctx.Err() == nil {
		// An empty CSV still gets its header, so that a consumer sees the
		// columns.
		res.writeErr = w.close()
	} else {
		w.flush()
	}
	con.clear()
	return c.report(ctx, res, o)
}

// pager returns the listing o asks for.
func pager(client *riskcloud.Client, o *options) *riskcloud.Pager[riskcloud.Entry] {
	lo := &riskcloud.ListOptions{Size: o.walk.size, Since: o.walk.since, Until: o.walk.until,
		Limit: o.walk.limit, Prefetch: o.walk.prefetch}
	switch o.command {
	case "attempts":
		return client.AccessAudit.Attempts(o.email, lo)
	case "logins":
		lo.Email = o.email
		return client.AccessAudit.Logins(lo)
	}
	lo.Email = o.email
	return client.AccessAudit.Failures(lo)
}

// format is --format, or its default: a table for a terminal, JSON lines
// for anything else.
func (c *cli) format(o *options) string {
	switch {
	case o.out.format != "":
		return o.out.format
	case c.isTerminal(c.stdout):
		return "table"
	}
	return formats[0]
}

// walkTotalKnown reports whether the server's totalElements counts what
// this walk writes: not when --since, --until or --limit cut the walk
// short, nor with --email on logins or failures (the API documents the
// filter, not what totalElements counts then).
func (o *options) walkTotalKnown() bool {
	return o.walk.since.IsZero() && o.walk.until.IsZero() && o.walk.limit == 0 &&
		(o.command == "attempts" || o.email == "")
}

// walkTotal is how many entries the walk writes, from the server's
// totalElements, or -1 when that does not say. v2 applies every filter on
// the server, and the SDK pins created-max to the walk's start, so its
// totalElements counts the walk's entries whatever the filters (entries
// deleted during the walk aside, as with v1); --limit caps it.
func (o *options) walkTotal(serverTotal int64) int64 {
	switch {
	case o.command == auditsCommand && o.walk.limit > 0:
		return min(serverTotal, int64(o.walk.limit))
	case o.command == auditsCommand, o.walkTotalKnown():
		return serverTotal
	}
	return -1
}

// walkPages writes each page of p as it arrives, each entry through write,
// until the walk or a write fails.
func walkPages[T any](ctx context.Context, p *riskcloud.Pager[T], write func(T), w entryWriter, con *console, total func(int64) int64) walkResult {
	var res walkResult
	for page, err := range p.Pages(ctx) {
		if err != nil {
			res.walkErr = err
			break
		}
		for _, e := range page.Content {
			write(e)
		}
		// Each page goes out whole, so that a reader of a pipe sees entries
		// as they arrive and an interrupted run leaves only complete lines.
		if res.writeErr = w.flush(); res.writeErr != nil {
			break
		}
		res.entries += len(page.Content)
		con.update(res.entries, total(page.TotalElements))
	}
	return res
}

// report says how the walk ended, and returns the exit code.
func (c *cli) report(ctx context.Context, res walkResult, o *options) int {
	switch {
	case ctx.Err() != nil:
		var sig interrupted
		if errors.As(context.Cause(ctx), &sig) && sig.exitCode() != exitInterrupted {
			fmt.Fprintf(c.stderr, "%s: interrupted after %d entries (%s)\n", name, res.entries, sig.sig)
			return sig.exitCode()
		}
		fmt.Fprintf(c.stderr, "%s: interrupted after %d entries\n", name, res.entries)
		return exitInterrupted
	case errors.Is(res.writeErr, syscall.EPIPE):
		return exitClosedPipe // the reader has what it wanted: nothing to say
	case res.writeErr != nil:
		fmt.Fprintf(c.stderr, "%s: writing output: %v\n", name, res.writeErr)
		return exitAPI
	case res.walkErr != nil:
		return c.reportWalkErr(res.walkErr, o)
	case res.entries == 0:
		c.noEntries(o)
	}
	return exitOK
}

// reportWalkErr says why the walk failed, with advice for a 404, and
// returns the exit code: an input the SDK refused is a usage error.
func (c *cli) reportWalkErr(err error, o *options) int {
	if msg := auditArgumentError(err); msg != "" {
		fmt.Fprintf(c.stderr, "%s: %s\n", name, msg)
		return exitUsage
	}
	fmt.Fprintf(c.stderr, "%s: %s\n", name, strings.TrimPrefix(err.Error(), "riskcloud: "))
	switch {
	case !errors.Is(err, riskcloud.ErrNotFound) || o.conn.demo:
	case o.command == auditsCommand:
		c.auditsNotFound(o)
	default:
		fmt.Fprintf(c.stderr, "%s: the URL (%s) or its path prefix is probably wrong: it should be the address of the instance, such as https://acme.logicgate.com, plus the path prefix of a proxy in front of it if there is one\n",
			name, o.conn.urlFrom)
	}
	if errors.Is(err, riskcloud.ErrInvalidArgument) {
		return exitUsage
	}
	return exitAPI
}

// noEntries explains an empty result: Risk Cloud answers a key without the
// entitlement with an empty list on some instances, rather than a 403.
func (c *cli) noEntries(o *options) {
	switch {
	case o.conn.demo && o.command == "attempts":
		fmt.Fprintf(c.stderr, "%s: no entries (the demo files its entries under %s)\n", name, riskcloudtest.DefaultEmail)
	case o.conn.demo:
		fmt.Fprintf(c.stderr, "%s: no entries\n", name)
	default:
		fmt.Fprintf(c.stderr, "%s: no entries; if you expected some, the API key's user may lack the Admin > All entitlement\n", name)
	}
}
