//go:build unix

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// mkfifo makes a FIFO at path.
func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
}

// openWithin opens path as Load does, failing t if the open is still
// waiting after a generous while; it then opens the FIFO at path for
// writing, which lets the open return, so that no goroutine is left.
func openWithin(t *testing.T, path string) (*os.File, error) {
	t.Helper()
	type result struct {
		f   *os.File
		err error
	}
	done := make(chan result, 1)
	go func() {
		f, err := os.OpenFile(path, os.O_RDONLY|cacheOpenFlags, 0)
		done <- result{f, err}
	}()
	select {
	case r := <-done:
		return r.f, r.err
	case <-time.After(10 * time.Second):
		if w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		if r := <-done; r.f != nil {
			r.f.Close()
		}
		t.Fatalf("opening %s waited for a writer", path)
		return nil, nil
	}
}

// TestCacheOpenFlags checks the open that follows Load's Lstat, for a
// file replaced in between: it must not follow a symbolic link, nor wait
// on a FIFO.
func TestCacheOpenFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "target.json")
	if err := os.WriteFile(target, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if f, err := openWithin(t, link); err == nil {
		f.Close()
		t.Error("the open followed a symbolic link")
	}

	fifo := filepath.Join(dir, "fifo.json")
	mkfifo(t, fifo)
	f, err := openWithin(t, fifo)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.Mode().IsRegular() {
		t.Errorf("Stat = %v, %v; want a FIFO", fi.Mode(), err)
	}
}
