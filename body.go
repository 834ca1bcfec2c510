package riskcloud

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
)

// This file reads the body of a successful response: as part of its
// attempt (retry.go), so that a body cut short is retried.

// bodyError is a problem with a successful response's body. Permanent ones
// are not retried; a body cut short is.
type bodyError struct {
	err       error
	permanent bool
}

func (e *bodyError) Error() string { return e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// readSuccessBody reads a 2xx body through the size cap after checking that
// it claims to be JSON (or does not say). The Content-Type it quotes
// otherwise is redacted first: quoting escapes characters a secret may hold.
func readSuccessBody(resp *http.Response, red *redactor) ([]byte, error) {
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		mediaType, _, err := mime.ParseMediaType(ct)
		if err != nil || (mediaType != "application/json" && !strings.HasSuffix(mediaType, "+json")) {
			return nil, &bodyError{permanent: true,
				err: unexpected("%d response is %q, not JSON", resp.StatusCode, clip(red.redact(ct)))}
		}
	}
	body, err := readCapped(resp.Body, resp.ContentLength, maxPageBody)
	if errors.Is(err, errBodyTooLarge) {
		return nil, &bodyError{permanent: true,
			err: unexpected("response body exceeds %d MiB", maxPageBody>>20)}
	}
	if err != nil {
		return nil, &bodyError{err: fmt.Errorf("reading response body: %w", err)}
	}
	return body, nil
}

var errBodyTooLarge = errors.New("body too large")

// readCapped reads r to its end, or fails with errBodyTooLarge past limit
// bytes. Unlike io.ReadAll (or bytes.Buffer) over a LimitReader, its buffer
// grows to about limit at most (not to twice that, to see the byte after
// it), so a huge body costs at most about 1.5×limit while it is read. size
// is the declared length, -1 when unknown; a declared length over the
// limit fails before reading anything.
func readCapped(r io.Reader, size int64, limit int) ([]byte, error) {
	if size > int64(limit) {
		return nil, errBodyTooLarge
	}
	capacity := 64 << 10
	if size > 0 {
		capacity = int(min(size+1, int64(limit)+1)) // +1: room to see the end
	}
	buf := make([]byte, 0, capacity)
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(cap(buf), limit+1-len(buf)))
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), limit+1)])
		buf = buf[:len(buf)+n]
		if len(buf) > limit {
			return nil, errBodyTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
