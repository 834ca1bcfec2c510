package riskcloud

import "strconv"

// decodeAuditPage reads a page of v2 access audits: a page object
// {content, links, page}, a bare JSON array (the content, with no meta),
// or null (an empty page with no meta), as decodeEntryPage reads v1's
// shapes and with its bounds: at most maxEntries entries (the decoder
// stops at the next one, before decoding it), and no more than the page's
// own size when it states one above 0. A null entry is an error. A
// negative page.number, page.size, page.totalElements or page.totalPages
// is an error naming the field.
//
// Keys match exactly. Of a repeated key the last counts: a later "page"
// or "links" replaces the earlier one whole, and "content" is read afresh.
// A field sent as null is absent.
//
// Number, Size, TotalElements and TotalPages come from "page"; First is
// number 0. Last is number >= totalPages-1 when "page" holds both, or
// else, when "links" is an object, the absence of a next link (null or
// missing): any string names a next page, even "", since a wrong "not
// last" costs one request for an empty page where a wrong "last" ends the
// walk early. The meta records Last only when one of these decided it.
// NumberOfElements is the content's length.
func decodeAuditPage(body []byte, maxEntries int) (*Page[AccessAudit], pageMeta, error) {
	d := decoder{data: body}
	page := new(Page[AccessAudit])
	var meta pageMeta
	var err error
	d.space()
	switch d.peek() {
	case '{':
		meta, err = readAuditPage(&d, maxEntries, page)
	case '[':
		page.Content, err = readAudits(&d, maxEntries)
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
	page.NumberOfElements = len(page.Content)
	return page, meta, nil
}

// auditPageInfo is a v2 page's "page" object: its counts, and in meta
// which of them it held.
type auditPageInfo struct {
	number, size, totalPages int
	totalElements            int64
	meta                     pageMeta
}

// auditLinks is what a v2 page's "links" object says of the walk.
type auditLinks struct {
	present bool // links was an object
	next    bool // it names a next page
}

// readAuditPage reads a v2 page object into p and returns which meta
// fields it held.
func readAuditPage(d *decoder, maxEntries int, p *Page[AccessAudit]) (pageMeta, error) {
	var info auditPageInfo
	var links auditLinks
	err := d.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "content":
			p.Content, err = readAudits(d, maxEntries)
		case "page":
			info, err = readAuditPageInfo(d)
		case "links":
			links, err = readAuditLinks(d)
		default:
			err = d.skip()
		}
		return err
	})
	if err != nil {
		return pageMeta{}, err
	}
	return info.apply(p, links), nil
}

// apply sets p's meta from info and links and returns which fields the
// server sent, Last included when they decide it (see decodeAuditPage).
func (info auditPageInfo) apply(p *Page[AccessAudit], links auditLinks) pageMeta {
	m := info.meta
	p.Number, p.Size, p.TotalElements, p.TotalPages = info.number, info.size, info.totalElements, info.totalPages
	p.First = m.number && info.number == 0
	switch {
	case m.number && m.totalPages:
		p.Last, m.last = info.number >= info.totalPages-1, true
	case links.present:
		p.Last, m.last = !links.next, true
	}
	return m
}

// readAuditPageInfo reads a page's "page" object, or null (no meta).
func readAuditPageInfo(d *decoder) (info auditPageInfo, err error) {
	switch d.peek() {
	case 'n':
		return info, d.literal("null")
	case '{':
	default:
		return info, d.kindError(`"page"`, "an object or null")
	}
	m := &info.meta
	err = d.object(func(key []byte) error {
		var n int64
		var err error
		switch string(key) {
		case "number":
			n, m.number, err = d.count("page.number", strconv.IntSize)
			info.number = int(n)
		case "size":
			n, m.size, err = d.count("page.size", strconv.IntSize)
			info.size = int(n)
		case "totalElements":
			info.totalElements, m.totalElements, err = d.count("page.totalElements", 64)
		case "totalPages":
			n, m.totalPages, err = d.count("page.totalPages", strconv.IntSize)
			info.totalPages = int(n)
		default:
			err = d.skip()
		}
		return err
	})
	return info, err
}

// readAuditLinks reads a page's "links" object, or null (none). Only next
// matters to the walk; the other links, paths the walk does not follow,
// are skipped whatever they hold.
func readAuditLinks(d *decoder) (links auditLinks, err error) {
	switch d.peek() {
	case 'n':
		return links, d.literal("null")
	case '{':
	default:
		return links, d.kindError(`"links"`, "an object or null")
	}
	links.present = true
	err = d.object(func(key []byte) error {
		if string(key) != "next" {
			return d.skip()
		}
		if d.peek() == 'n' {
			links.next = false
			return d.literal("null")
		}
		_, _, err := d.stringValue("links.next")
		links.next = true
		return err
	})
	return links, err
}

// readAudits reads a page's content of access audits (see contentArray),
// or null (nil), as readEntries reads v1's; an empty array gives an empty,
// non-nil slice.
func readAudits(d *decoder, maxEntries int) ([]AccessAudit, error) {
	c, ok, err := openContent(d, maxEntries)
	if err != nil || !ok {
		return nil, err
	}
	out := []AccessAudit{}
	for {
		if ok, err := c.next(); err != nil || !ok {
			return out, err
		}
		if len(out) == 0 {
			// The first entry sizes the slice (see appendEntry).
			var a AccessAudit
			if err := readAudit(d, &a); err != nil {
				return nil, c.entryError(err)
			}
			out = appendEntry(out, &c, a)
			continue
		}
		var a *AccessAudit
		out, a = appendZero(out, &c)
		if err := readAudit(d, a); err != nil {
			return nil, c.entryError(err)
		}
	}
}
