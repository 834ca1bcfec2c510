package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riskcloud-go/riskcloud"
	"github.com/riskcloud-go/riskcloud/riskcloudtest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// records decodes the JSON lines of out, checking that each run wrote
// them oldest first.
func records(t *testing.T, out []byte) []record {
	t.Helper()
	var rs []record
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if len(rs) > 0 && r.Timestamp < rs[len(rs)-1].Timestamp {
			t.Errorf("%s written after %s: not oldest first", r.Timestamp, rs[len(rs)-1].Timestamp)
		}
		rs = append(rs, r)
	}
	return rs
}

// TestShip_eachEntryOnceAcrossRuns: runs over one state file, with
// arrivals between them (ties, identical twins, one written late), write
// every failure exactly once, and no login.
func TestShip_eachEntryOnceAcrossRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Now().Truncate(time.Millisecond)
	srv := riskcloudtest.NewServer()
	t.Cleanup(srv.Close)
	state := filepath.Join(t.TempDir(), "failures.cursor")
	c := srv.Client()

	arrivals := [][]riskcloud.Entry{
		{failure(now.Add(-time.Hour), "192.0.2.1"), failure(now.Add(-time.Hour), "192.0.2.2"), {Type: riskcloud.Login, Timestamp: now.Add(-time.Hour), RemoteAddress: "192.0.2.3"}},
		{failure(now.Add(-time.Hour), "192.0.2.1"), failure(now.Add(-50*time.Minute), "192.0.2.4")}, // a twin of run 1's first, at its millisecond
		{failure(now.Add(-52*time.Minute), "192.0.2.5")}, // late: before run 2's newest, within the lag
		{},
	}
	want := 0
	seen := map[string]int{}
	for run, batch := range arrivals {
		srv.Add(batch...)
		for _, e := range batch {
			if e.Type == riskcloud.LoginFail {
				want++
			}
		}
		var out bytes.Buffer
		n, err := ship(ctx, c, state, &out)
		if err != nil {
			t.Fatalf("run %d: %v", run+1, err)
		}
		rs := records(t, out.Bytes())
		if n != len(rs) {
			t.Errorf("run %d: ship returned %d, wrote %d lines", run+1, n, len(rs))
		}
		for _, r := range rs {
			seen[r.ID]++
		}
	}
	if len(seen) != want {
		t.Errorf("%d distinct ids written, want %d failures", len(seen), want)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("id %s written %d times", id, k)
		}
	}
}

// TestShip_killedBeforeSaveRepeatsWithSameIDs: a run that wrote entries
// but died before it saved the cursor is followed by one that writes
// them again, with the same ids, then what is new.
func TestShip_killedBeforeSaveRepeatsWithSameIDs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Now().Truncate(time.Millisecond)
	srv := riskcloudtest.NewServer()
	t.Cleanup(srv.Close)
	srv.Add(failure(now.Add(-time.Hour), "192.0.2.1"))
	state := filepath.Join(t.TempDir(), "failures.cursor")
	c := srv.Client()
	if _, err := ship(ctx, c, state, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}

	srv.Add(failure(now.Add(-30*time.Minute), "192.0.2.2"), failure(now.Add(-30*time.Minute), "192.0.2.2"))
	var died, next bytes.Buffer
	if _, _, err := write(ctx, c, state, &died); err != nil {
		t.Fatal(err)
	}
	srv.Add(failure(now.Add(-20*time.Minute), "192.0.2.3"))
	if _, err := ship(ctx, c, state, &next); err != nil {
		t.Fatal(err)
	}
	first, again := records(t, died.Bytes()), records(t, next.Bytes())
	if len(first) != 2 || len(again) != 3 {
		t.Fatalf("the killed run wrote %d, the next %d; want 2, then those 2 again and 1 new", len(first), len(again))
	}
	for i, r := range first {
		if again[i] != r {
			t.Errorf("repeat %d: %+v, want %+v", i, again[i], r)
		}
	}
	if first[0].ID == first[1].ID {
		t.Errorf("identical twins share id %s", first[0].ID)
	}
}

// TestShip_damagedStateWritesNothing: a cursor file that is not a cursor
// is an error before any output, and stays as it was.
func TestShip_damagedStateWritesNothing(t *testing.T) {
	t.Parallel()
	srv := riskcloudtest.NewServer()
	t.Cleanup(srv.Close)
	srv.Add(failure(time.Now().Add(-time.Hour), "192.0.2.1"))
	state := filepath.Join(t.TempDir(), "failures.cursor")
	damaged := []byte("rc1.not-a-cursor")
	if err := os.WriteFile(state, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	_, err := ship(context.Background(), srv.Client(), state, &out)
	if !errors.Is(err, riskcloud.ErrInvalidArgument) || !strings.Contains(err.Error(), state) {
		t.Errorf("err = %v, want ErrInvalidArgument naming %s", err, state)
	}
	if out.Len() != 0 {
		t.Errorf("wrote %q", out.String())
	}
	if got, _ := os.ReadFile(state); !bytes.Equal(got, damaged) {
		t.Errorf("state file now %q, want it left as it was", got)
	}
}

// TestSaveCursor_privateAndWhole: the cursor file is 0600, reads back as
// the cursor saved, and no temporary file is left beside it.
func TestSaveCursor_privateAndWhole(t *testing.T) {
	t.Parallel()
	srv := riskcloudtest.NewServer()
	t.Cleanup(srv.Close)
	srv.Add(failure(time.Now().Add(-time.Hour), "192.0.2.1"))
	dir := t.TempDir()
	state := filepath.Join(dir, "failures.cursor")
	for range 2 { // create, then replace
		if _, err := ship(context.Background(), srv.Client(), state, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(state)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	cursor, err := loadCursor(state)
	if err != nil || cursor.IsZero() {
		t.Errorf("loadCursor = %v, %v; want the saved cursor", cursor.IsZero(), err)
	}
	if files, _ := os.ReadDir(dir); len(files) != 1 {
		t.Errorf("%d files in the state directory, want the cursor alone", len(files))
	}
}

// TestDemo: the demo writes each id once, and says the SIEM dropped the
// two entries of the killed run.
func TestDemo(t *testing.T) {
	t.Parallel()
	var out, msgs bytes.Buffer
	if err := demo(context.Background(), &out, &msgs); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, line := range bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n")) {
		var r record
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if seen[r.ID] {
			t.Errorf("id %s written twice", r.ID)
		}
		seen[r.ID] = true
	}
	if !strings.Contains(msgs.String(), "run 3: 3 new, 2 of them run 2's again") {
		t.Errorf("messages:\n%s", msgs.String())
	}
}
