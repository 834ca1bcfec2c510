package riskcloud

import "strconv"

// decodeEntryPage reads a page of entries: a Spring page object, a bare
// JSON array (the content, with no meta), or null (an empty page with no
// meta). A null entry is an error: the walk could not tell it apart from
// another. Each entry's Raw shares body.
//
// A page may hold at most maxEntries entries (at least 1; see entryLimit):
// the decoder stops at the next one, before decoding it, so that a body of
// millions of tiny entries costs no more than maxEntries of them. A page
// may also hold no more entries than its own size, when it states one
// above 0; as Spring puts the size after the content, that is checked
// once the page is read. A negative number, size, totalElements,
// totalPages or numberOfElements is an error naming the field.
//
// Keys match exactly, though encoding/json would match "Size" or even
// "ſize" to size: Jackson, which Risk Cloud runs on, writes the names as
// declared. Of a repeated key the last counts (of "content", the last is
// read afresh); a field sent as null is absent.
func decodeEntryPage(body []byte, maxEntries int) (*Page[Entry], pageMeta, error) {
	d := decoder{data: body}
	page := new(Page[Entry])
	var meta pageMeta
	var err error
	d.space()
	switch d.peek() {
	case '{':
		err = readSpringPage(&d, maxEntries, page, &meta)
	case '[':
		page.Content, err = readEntries(&d, maxEntries)
	case 'n':
		err = d.literal("null")
	default:
		err = d.kindError("the body", "a page object, an array or null")
	}
	if err == nil {
		err = d.end()
	}
	if err == nil && meta.size {
		err = checkOwnSize(len(page.Content), page.Size)
	}
	if err != nil {
		return nil, pageMeta{}, err
	}
	return page, meta, nil
}

// readSpringPage reads a Spring page object into p, noting in m which
// meta fields it held.
func readSpringPage(d *decoder, maxEntries int, p *Page[Entry], m *pageMeta) error {
	return d.object(func(key []byte) error {
		var n int64
		var err error
		switch string(key) {
		case "content":
			p.Content, err = readEntries(d, maxEntries)
		case "number":
			n, m.number, err = d.count("number", strconv.IntSize)
			p.Number = int(n)
		case "size":
			n, m.size, err = d.count("size", strconv.IntSize)
			p.Size = int(n)
		case "totalElements":
			p.TotalElements, m.totalElements, err = d.count("totalElements", 64)
		case "totalPages":
			n, m.totalPages, err = d.count("totalPages", strconv.IntSize)
			p.TotalPages = int(n)
		case "first":
			p.First, _, err = d.boolean("first")
		case "last":
			p.Last, m.last, err = d.boolean("last")
		case "numberOfElements":
			n, _, err = d.count("numberOfElements", strconv.IntSize)
			p.NumberOfElements = int(n)
		default:
			err = d.skip()
		}
		return err
	})
}
