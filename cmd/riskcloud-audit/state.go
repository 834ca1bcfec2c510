package main

// --state FILE: where a resumable run keeps its riskcloud.Cursor between
// runs. The file holds the cursor's text and a newline, nothing else; it
// is replaced whole (a temporary file in the same directory, synced, then
// renamed over it), so that a crash or a power cut leaves the old cursor
// or the new one, never a mix.

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/riskcloud-go/riskcloud"
)

// stateFile is the cursor file of --state.
type stateFile struct {
	path  string
	saved []byte // the text last read or written, so that an unchanged cursor is not written again
}

// loadState reads the cursor in path: the zero cursor when the file does
// not exist or is empty. A file that holds no cursor, or cannot be read,
// or whose directory takes no new file, is a usage error naming it, found
// before any request.
func loadState(path string) (*stateFile, riskcloud.Cursor, error) {
	var cursor riskcloud.Cursor
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		data = nil
	case err != nil:
		return nil, cursor, usagef("--state %s cannot be read: %v", path, pathless(err))
	}
	if err := cursor.UnmarshalText(data); err != nil {
		return nil, cursor, usagef("--state %s holds no cursor this command saved (%s); move it away to start afresh, from --since or the beginning",
			path, argumentProblem(err))
	}
	if err := checkWritable(filepath.Dir(path)); err != nil {
		return nil, cursor, usagef("--state %s cannot be saved: %v", path, err)
	}
	return &stateFile{path: path, saved: bytes.TrimSpace(data)}, cursor, nil
}

// argumentProblem is the problem an SDK input error names, or its text.
func argumentProblem(err error) string {
	var arg *riskcloud.ArgumentError
	if errors.As(err, &arg) {
		return "it " + arg.Problem
	}
	return err.Error()
}

// pathless is err without the *fs.PathError's operation and path, which
// the message around it names already.
func pathless(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// checkWritable makes sure a file can be created in dir, as saving the
// state will: a run that could not save would write everything again next
// time.
func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".riskcloud-audit-probe-*")
	if err != nil {
		return pathless(err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// save writes cursor to the file, atomically, unless the file holds it
// already.
func (s *stateFile) save(cursor riskcloud.Cursor) error {
	text, err := cursor.MarshalText()
	if err != nil {
		return err
	}
	if bytes.Equal(text, s.saved) {
		return nil
	}
	if err := writeAtomic(s.path, append(text, '\n'), (*os.File).Sync); err != nil {
		return fmt.Errorf("saving --state %s: %w", s.path, pathless(err))
	}
	s.saved = text
	return nil
}

// writeAtomic replaces path with data: a temporary file in the same
// directory (so that the rename stays within one file system), 0600,
// synced to disk with sync, renamed over path, and the directory synced so
// that the rename lasts too, where the system allows it. Without the sync
// before the rename, a crash soon after it may leave the new name pointing
// at an empty file on file systems that delay writing data. The state
// file and the token cache both save through it.
func writeAtomic(path string, data []byte, sync func(*os.File) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+strings.TrimPrefix(base, ".")+".*.tmp") // 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = sync(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir syncs a directory's entries to disk. Not every system can open
// a directory for that (Windows cannot), and a rename is atomic without
// it, only perhaps not yet durable: an error is not the run's.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
