package riskcloud

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// decodeEntryPage reads a page of entries.
func decodeEntryPage(body []byte) (*Page[Entry], pageMeta, error) {
	return decodePage(body, entryKey)
}

// entryKey gives an entry's identity (its raw bytes) and time.
func entryKey(e *Entry) ([]byte, time.Time) { return e.Raw, e.Timestamp }

// pageJSON is a Spring page on the wire. Pointers tell a missing field from
// a zero one.
type pageJSON[T any] struct {
	Content          []T    `json:"content"`
	Number           *int   `json:"number"`
	Size             *int   `json:"size"`
	TotalElements    *int64 `json:"totalElements"`
	TotalPages       *int   `json:"totalPages"`
	First            *bool  `json:"first"`
	Last             *bool  `json:"last"`
	NumberOfElements *int   `json:"numberOfElements"`
}

// decodePage reads a Spring page. A bare JSON array is taken as a page's
// content with no meta. A null entry is an error: the walk could not tell
// it apart from another.
func decodePage[T any](body []byte, key func(*T) ([]byte, time.Time)) (*Page[T], pageMeta, error) {
	var w pageJSON[T]
	var err error
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '[' {
		err = json.Unmarshal(body, &w.Content)
	} else {
		err = json.Unmarshal(body, &w)
	}
	if err != nil {
		return nil, pageMeta{}, err
	}
	for i := range w.Content {
		if raw, _ := key(&w.Content[i]); raw == nil {
			return nil, pageMeta{}, fmt.Errorf("entry %d is null", i)
		}
	}
	page := &Page[T]{Content: w.Content}
	var meta pageMeta
	if w.Number != nil {
		page.Number, meta.number = *w.Number, true
	}
	if w.Size != nil {
		page.Size, meta.size = *w.Size, true
	}
	if w.TotalElements != nil {
		page.TotalElements, meta.totalElements = *w.TotalElements, true
	}
	if w.TotalPages != nil {
		page.TotalPages, meta.totalPages = *w.TotalPages, true
	}
	if w.First != nil {
		page.First = *w.First
	}
	if w.Last != nil {
		page.Last, meta.last = *w.Last, true
	}
	if w.NumberOfElements != nil {
		page.NumberOfElements = *w.NumberOfElements
	}
	return page, meta, nil
}
