// Command siemfeed ships failed logins to a SIEM as a cron job would: each
// run writes, as JSON lines and oldest first, the failures that are new
// since the cursor the last run saved, flushes them, and only then saves
// the new cursor, atomically. Run it again and it writes only what arrived
// in between; kill it before it saves and the next run writes the last
// batch again, with the same ids, for the SIEM to drop (dedupe on "id").
//
// With no RISKCLOUD_URL set it shows this against a generated Risk Cloud
// served in-process: three runs over one state file, with failures
// arriving between them (one of them written late), and a run that dies
// before it saves. The JSON lines go to stdout, what each run did to
// stderr:
//
//	go run ./examples/siemfeed
//
// Against your own instance it does one run; -state names the cursor file
// (keep it where only you can write, and let no two runs share it at once:
// see flock(1)):
//
//	RISKCLOUD_URL=https://acme.logicgate.com RISKCLOUD_TOKEN=... \
//		go run ./examples/siemfeed -state /var/lib/siemfeed/failures.cursor >> failures.jsonl
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
)

var statePath = flag.String("state", "siemfeed.cursor", "the cursor file: read at start, replaced once the output is flushed")

func main() {
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("siemfeed: ")
	if err := realMain(os.Stdout, os.Stderr); err != nil {
		log.Fatal(err)
	}
}

// realMain is main up to the exit, which would skip deferred calls.
func realMain(stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	baseURL := os.Getenv("RISKCLOUD_URL")
	if baseURL == "" {
		return demo(ctx, stdout, stderr)
	}
	creds := riskcloud.WithToken(os.Getenv("RISKCLOUD_TOKEN"))
	if id := os.Getenv("RISKCLOUD_CLIENT_ID"); id != "" {
		creds = riskcloud.WithClientCredentials(id, os.Getenv("RISKCLOUD_CLIENT_SECRET"))
	} else if os.Getenv("RISKCLOUD_TOKEN") == "" {
		return errors.New("set RISKCLOUD_TOKEN, or RISKCLOUD_CLIENT_ID and RISKCLOUD_CLIENT_SECRET")
	}
	c, err := riskcloud.NewClient(baseURL, creds)
	if err != nil {
		return err
	}
	n, err := ship(ctx, c, *statePath, stdout)
	fmt.Fprintf(stderr, "%d new failed logins\n", n)
	return err
}

// record is one JSON line: the entry, and the id a SIEM deduplicates on.
type record struct {
	ID            string `json:"id"`
	Timestamp     string `json:"timestamp"`
	Type          string `json:"type"`
	RemoteAddress string `json:"remoteAddress"`
	Message       string `json:"message"`
}

// ship is one run: it writes to w the failed logins that are new since
// the cursor saved at state, oldest first, flushes them, then saves the
// cursor just past the last one. On an error it saves nothing: the next
// run writes again what this one wrote, with the same ids.
func ship(ctx context.Context, c *riskcloud.Client, state string, w io.Writer) (int, error) {
	feed, n, err := write(ctx, c, state, w)
	if err != nil {
		return n, err
	}
	return n, saveCursor(state, feed.Cursor())
}

// write is ship without the save: what a run does before it dies.
func write(ctx context.Context, c *riskcloud.Client, state string, w io.Writer) (*riskcloud.Feed[riskcloud.Entry], int, error) {
	cursor, err := loadCursor(state)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", state, err)
	}
	feed := c.AccessAudit.Failures(&riskcloud.ListOptions{Size: 500}).Feed(cursor)
	out := bufio.NewWriter(w)
	enc := json.NewEncoder(out)
	n := 0
	for e, err := range feed.Poll(ctx) {
		if err != nil {
			return nil, n, err
		}
		r := record{ID: e.ID, Timestamp: e.Timestamp.Format("2006-01-02T15:04:05.000Z07:00"),
			Type: string(e.Type), RemoteAddress: e.RemoteAddress, Message: e.Message}
		if err := enc.Encode(r); err != nil {
			return nil, n, err
		}
		n++
	}
	return feed, n, out.Flush()
}

// loadCursor reads the cursor saved at path; no file is the zero Cursor:
// the first run starts at the beginning of the log.
func loadCursor(path string) (riskcloud.Cursor, error) {
	var cursor riskcloud.Cursor
	text, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cursor, nil
	}
	if err != nil {
		return cursor, err
	}
	return cursor, cursor.UnmarshalText(text)
}

// saveCursor replaces path with the cursor atomically (a temporary file
// in the same directory, synced, renamed over it), mode 0600: a crash
// leaves the old cursor or the new one, never a mix.
func saveCursor(path string, cursor riskcloud.Cursor) error {
	text, err := cursor.MarshalText()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".cursor-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	_, err = tmp.Write(text)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// demo runs the feed three times against a generated Risk Cloud, as cron
// would, with arrivals between the runs, one run killed before its save,
// and a SIEM that drops the ids it holds.
func demo(ctx context.Context, stdout, stderr io.Writer) error {
	dir, err := os.MkdirTemp("", "siemfeed")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	state := filepath.Join(dir, "failures.cursor")
	now := time.Now().Truncate(time.Millisecond)
	srv := riskcloudtest.NewServer()
	defer srv.Close()
	srv.Add(riskcloudtest.GenerateAt(2000, 1, now.Add(-time.Minute))...)
	c := srv.Client()
	fmt.Fprintln(stderr, "RISKCLOUD_URL is not set: shipping from a generated Risk Cloud served in-process")

	siem := &dedupe{w: stdout, seen: map[string]bool{}}
	n, err := ship(ctx, c, state, siem)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "run 1: %d failed logins, from the beginning of the log\n", n)

	srv.Add(failure(now, "198.51.100.7"), failure(now.Add(-90*time.Second), "198.51.100.8")) // the second written late
	_, n, err = write(ctx, c, state, siem)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "run 2: %d new (one written late), then killed before it saved the cursor\n", n)

	srv.Add(failure(now.Add(time.Second), "198.51.100.9"))
	before := siem.dropped
	n, err = ship(ctx, c, state, siem)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "run 3: %d new, %d of them run 2's again, same ids: the SIEM dropped them\n", n, siem.dropped-before)
	return nil
}

func failure(at time.Time, from string) riskcloud.Entry {
	return riskcloud.Entry{Type: riskcloud.LoginFail, Timestamp: at, Message: "Bad credentials", RemoteAddress: from}
}

// dedupe stands for a SIEM's dedupe on id (Vector's dedupe transform, an
// index keyed by id): it passes on each JSON line whose id it has not
// seen.
type dedupe struct {
	w       io.Writer
	seen    map[string]bool
	dropped int
	partial []byte // a line not yet ended: writes may split lines
}

func (d *dedupe) Write(p []byte) (int, error) {
	d.partial = append(d.partial, p...)
	for {
		line, rest, ok := bytes.Cut(d.partial, []byte("\n"))
		if !ok {
			return len(p), nil
		}
		var r record
		if err := json.Unmarshal(line, &r); err != nil {
			return 0, err
		}
		if d.seen[r.ID] {
			d.dropped++
		} else if _, err := d.w.Write(append(line, '\n')); err != nil {
			return 0, err
		}
		d.seen[r.ID] = true
		d.partial = rest
	}
}
