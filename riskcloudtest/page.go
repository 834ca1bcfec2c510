package riskcloudtest

import (
	"bytes"
	"fmt"
	"strconv"
)

// defaultPageSize is Spring's default page size, which Risk Cloud uses.
const defaultPageSize = 20

// pageFields are the meta fields of a page, which [WithoutPageFields] may
// leave out.
var pageFields = []string{"number", "size", "totalElements", "totalPages", "first", "last", "empty", "numberOfElements"}

// pageRequest is the page a request asks for, as the server reads it.
type pageRequest struct {
	number   int
	size     int // the size used, after the cap
	reported int // the size the page says it has
}

// pageParams reads page and size as Spring's resolver does: an unreadable
// or negative page is 0, an unreadable or non-positive size the default,
// and a size above the cap the cap.
func (s *Server) pageParams(page, size string) pageRequest {
	// Java ints: a number that does not fit in 32 bits is unreadable.
	pg, err := strconv.ParseInt(page, 10, 32)
	number := int(pg)
	if err != nil || number < 0 || s.cfg.ignorePage {
		number = 0
	}
	sz, err := strconv.ParseInt(size, 10, 32)
	n := int(sz)
	if err != nil || n < 1 {
		n = defaultPageSize
	}
	p := pageRequest{number: number, size: n, reported: n}
	if s.cfg.maxSize > 0 && n > s.cfg.maxSize {
		p.size = s.cfg.maxSize
		if !s.cfg.echoSize {
			p.reported = p.size
		}
	}
	return p
}

// springPage renders page p of recs (oldest first; pages count from the
// newest) as Spring Data's PageImpl does, fields in Jackson's order, less
// the omitted ones.
func springPage(recs []*record, p pageRequest, omit map[string]bool) []byte {
	total := int64(len(recs))
	// In 64 bits, so that the largest page and size a Java server takes
	// cannot overflow on 32-bit machines.
	size := int64(p.size)
	totalPages := (total + size - 1) / size
	from := min(int64(p.number)*size, total)
	to := min(from+size, total)
	n := 0
	for i := from; i < to; i++ {
		n += len(recs[total-1-i].raw) + 1
	}
	var b bytes.Buffer
	b.Grow(n + 512)
	b.WriteString(`{"content":[`)
	for i := from; i < to; i++ {
		if i > from {
			b.WriteByte(',')
		}
		b.Write(recs[total-1-i].raw)
	}
	fmt.Fprintf(&b, `],"pageable":{"sort":{"empty":false,"sorted":true,"unsorted":false},"offset":%d,"pageNumber":%d,"pageSize":%d,"paged":true,"unpaged":false}`,
		int64(p.number)*size, p.number, p.size)
	meta := []struct{ name, value string }{
		{"last", strconv.FormatBool(int64(p.number) >= totalPages-1)},
		{"totalPages", strconv.FormatInt(totalPages, 10)},
		{"totalElements", strconv.FormatInt(total, 10)},
		{"size", strconv.Itoa(p.reported)},
		{"number", strconv.Itoa(p.number)},
		{"sort", `{"empty":false,"sorted":true,"unsorted":false}`},
		{"first", strconv.FormatBool(p.number == 0)},
		{"numberOfElements", strconv.FormatInt(to-from, 10)},
		{"empty", strconv.FormatBool(to == from)},
	}
	for _, m := range meta {
		if !omit[m.name] {
			b.WriteString(`,"` + m.name + `":` + m.value)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}
