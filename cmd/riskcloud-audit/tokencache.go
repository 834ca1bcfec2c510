package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode"
)

// maxCacheFile caps how much of a cache file is read; a real one is a few
// hundred bytes.
const maxCacheFile = 64 << 10

// fileTokenCache is a riskcloud.TokenCache in a file, so that a run reuses
// the token the run before it obtained instead of exchanging again: every
// exchange invalidates the token that any other holder of the key (the
// last run, a cron job, another integration) is using. The SDK decides
// when a token is too close to its expiry or was rejected, and replaces it.
//
// The file is named after the instance and the client ID, and its record
// carries an HMAC keyed by the secret, so that a wrong or rotated secret
// is sent to the server rather than answered from the cache for a year.
//
// Problems with the cache never fail a run: the SDK only logs what Load
// and Store return. The first one is also kept for err, so that the user
// hears of it once. There is no lock across processes: the file is
// replaced atomically, so a reader sees one token or another, never a mix.
type fileTokenCache struct {
	url      string // normalised base URL, kept in the file for whoever looks
	clientID string
	check    string // HMAC of url and clientID keyed by the secret
	file     string // "" when there is no cache directory
	now      func() time.Time
	fsync    func(*os.File) error // (*os.File).Sync; tests replace it

	mu       sync.Mutex
	firstErr error
}

// cachedToken is the cache file's content.
type cachedToken struct {
	URL         string    `json:"url"`
	ClientID    string    `json:"client_id"`
	SecretCheck string    `json:"secret_check"`
	AccessToken string    `json:"access_token"`
	Expires     time.Time `json:"expires,omitzero"` // zero: unknown
}

// newFileTokenCache returns the cache of clientID's token at baseURL, in
// dir()/riskcloud-audit, or nil when baseURL is not a URL (NewClient then
// says what is wrong with it). A cache directory that cannot be found is
// reported by err, and by every Load and Store.
func newFileTokenCache(baseURL, clientID, secret string, dir func() (string, error), now func() time.Time) *fileTokenCache {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return nil
	}
	c := &fileTokenCache{
		url:      strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + strings.TrimRight(u.Path, "/"),
		clientID: clientID,
		now:      now,
		fsync:    (*os.File).Sync,
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(c.url + "\x00" + clientID))
	c.check = hex.EncodeToString(mac.Sum(nil))

	root, err := dir()
	if err != nil {
		c.firstErr = fmt.Errorf("no cache directory: %w", err)
		return c
	}
	key := sha256.Sum256([]byte(c.url + "\x00" + clientID))
	c.file = filepath.Join(root, name, "token-"+hex.EncodeToString(key[:])+".json")
	return c
}

// err returns the first problem the cache had, if any.
func (c *fileTokenCache) err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.firstErr
}

// fail records err, if it is the first, and returns it.
func (c *fileTokenCache) fail(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.firstErr == nil {
		c.firstErr = err
	}
	return err
}

// Load returns the cached token, or "" when there is none for these
// credentials or it has expired. A file others may read is removed unread:
// its token may have leaked, and the exchange that follows invalidates it.
// A damaged file is reported, and replaced after the next exchange.
//
// Anything at the path but a regular file is reported and not opened: a
// symbolic link could lead to another instance's token or to a device,
// and opening a FIFO would wait, uninterruptibly, for a writer. It is
// removed, unless it is a directory.
func (c *fileTokenCache) Load(context.Context) (string, time.Time, error) {
	if c.file == "" {
		return "", time.Time{}, c.err()
	}
	data, found, err := c.read()
	if err != nil || !found {
		return "", time.Time{}, err
	}
	return c.parse(data)
}

// read returns the cache file's bytes, with found false when there is no
// file. Its errors have been through fail.
func (c *fileTokenCache) read() (data []byte, found bool, err error) {
	fi, err := os.Lstat(c.file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, false, nil
	case err != nil:
		return nil, false, c.fail(err)
	case !fi.Mode().IsRegular():
		return nil, false, c.fail(c.removeIrregular(fi))
	}
	// Should the file have been replaced since, the flags keep the open
	// from following a link or waiting on a FIFO, and Stat below sees what
	// was opened.
	f, err := os.OpenFile(c.file, os.O_RDONLY|cacheOpenFlags, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, c.fail(err)
	}
	defer f.Close()
	if err := c.checkOpened(f); err != nil {
		return nil, false, c.fail(err)
	}
	data, err = io.ReadAll(io.LimitReader(f, maxCacheFile))
	if err != nil {
		return nil, false, c.fail(err)
	}
	return data, true, nil
}

// checkOpened checks what was opened: a regular file that only its owner
// may read. One that others may read is closed and removed.
func (c *fileTokenCache) checkOpened(f *os.File) error {
	fi, err := f.Stat()
	switch {
	case err != nil:
		return err
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file", c.file)
	case runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0:
		// Windows reports no Unix permissions; the file lives in the
		// user's profile there.
		f.Close()
		if err := os.Remove(c.file); err != nil {
			return err
		}
		return fmt.Errorf("removed %s: it was readable by other users", c.file)
	}
	return nil
}

// parse reads the cache file's data: the token for these credentials, or
// "" for another secret's token or a dead one.
func (c *fileTokenCache) parse(data []byte) (string, time.Time, error) {
	// json's own message may quote the file, so it is not passed on.
	var ct cachedToken
	if json.Unmarshal(data, &ct) != nil || ct.AccessToken == "" || strings.ContainsFunc(ct.AccessToken, unicode.IsControl) ||
		ct.URL != c.url || ct.ClientID != c.clientID {
		return "", time.Time{}, c.fail(fmt.Errorf("%s is damaged", c.file))
	}
	if !hmac.Equal([]byte(ct.SecretCheck), []byte(c.check)) ||
		(!ct.Expires.IsZero() && !c.now().Before(ct.Expires)) {
		return "", time.Time{}, nil // another secret's token, or a dead one
	}
	return ct.AccessToken, ct.Expires, nil
}

// removeIrregular removes the cache path, which fi says is not a regular
// file, unless it is a directory (which may hold someone's files):
// removing a symbolic link, FIFO, socket or device node removes only the
// name, not what it leads to. It returns the error to report.
func (c *fileTokenCache) removeIrregular(fi fs.FileInfo) error {
	if fi.IsDir() {
		return fmt.Errorf("%s is not a regular file", c.file)
	}
	if err := os.Remove(c.file); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s is not a regular file (%v), and could not be removed: %w", c.file, fi.Mode(), err)
	}
	return fmt.Errorf("removed %s: it was not a regular file (%v)", c.file, fi.Mode())
}

// Store replaces the cache file atomically: it writes a temporary file
// (which os.CreateTemp makes 0600), syncs it to disk and renames it over
// the old one, so that a concurrent run never reads half a file, nor a
// crash leaves an empty one. The directory is made 0700. A zero expiry is
// kept as unknown.
func (c *fileTokenCache) Store(_ context.Context, token string, expiry time.Time) error {
	if c.file == "" {
		return c.err()
	}
	if err := c.write(token, expiry); err != nil {
		return c.fail(err)
	}
	return nil
}

func (c *fileTokenCache) write(token string, expiry time.Time) error {
	data, err := json.MarshalIndent(cachedToken{
		URL:         c.url,
		ClientID:    c.clientID,
		SecretCheck: c.check,
		AccessToken: token,
		Expires:     expiry.UTC(),
	}, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(c.file)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if fi, err := os.Stat(dir); err == nil && runtime.GOOS != "windows" && fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return err
		}
	}
	return writeAtomic(c.file, append(data, '\n'), c.fsync)
}
