package riskcloudtest

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/riskcloud-go/riskcloud"
)

// The paths Risk Cloud serves, after the base URL's path.
const (
	attemptsPath = "/api/v1/access-audit"
	loginsPath   = "/api/v1/access-audit/logins"
	failuresPath = "/api/v1/access-audit/failures"
	tokenPath    = "/api/v1/account/token"
)

// defaultPageSize is Spring's default page size, which Risk Cloud uses.
const defaultPageSize = 20

// ServeHTTP answers one request as Risk Cloud would, or with the next
// queued [Fault].
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	inFlight := int(s.inFlight.Add(1))
	defer s.inFlight.Add(-1)

	path, known := strings.CutPrefix(r.URL.Path, s.prefix)
	isPage := known && (path == attemptsPath || path == loginsPath || path == failuresPath)

	s.mu.Lock()
	s.stats.MaxInFlight = max(s.stats.MaxInFlight, inFlight)
	s.stats.Requests++
	if isPage {
		s.stats.PageRequests++
	}
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query()})
	var fault *Fault
	if len(s.faults) > 0 {
		fault = &s.faults[0]
		s.faults = s.faults[1:]
	}
	s.mu.Unlock()

	if s.latency > 0 {
		t := time.NewTimer(s.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		case <-s.closing:
			// Close must not wait out the latency of requests in flight.
			t.Stop()
			panic(http.ErrAbortHandler)
		}
	}

	cut := false
	if fault != nil {
		switch {
		case fault.Reset:
			panic(http.ErrAbortHandler) // net/http drops the connection, quietly
		case fault.Cut:
			cut = true
		default:
			writeFault(w, *fault, r.URL.Path)
			return
		}
	}

	status, body := s.respond(r, path, known)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if cut {
		// Promise the whole body, send half, and hang up.
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		w.Write(body[:len(body)/2])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		panic(http.ErrAbortHandler)
	}
	w.WriteHeader(status)
	w.Write(body)
}

// respond builds the real response to r, whose path is relative to the
// base URL (known is false when it is outside the prefix).
func (s *Server) respond(r *http.Request, path string, known bool) (int, []byte) {
	switch {
	case !known:
		return errorBody(http.StatusNotFound, "No message available", r.URL.Path)
	case path == tokenPath:
		if r.Method != http.MethodPost {
			return errorBody(http.StatusMethodNotAllowed, "Request method '"+r.Method+"' is not supported", r.URL.Path)
		}
		return s.exchange(r)
	case path == attemptsPath, path == loginsPath, path == failuresPath:
		if r.Method != http.MethodGet {
			return errorBody(http.StatusMethodNotAllowed, "Request method '"+r.Method+"' is not supported", r.URL.Path)
		}
		return s.page(r, path)
	}
	return errorBody(http.StatusNotFound, "No message available", r.URL.Path)
}

// exchange issues a token for the client credentials in r's Basic
// authorization, invalidating the previous one.
func (s *Server) exchange(r *http.Request) (int, []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.exchangeOK(r) {
		return errorBody(http.StatusUnauthorized, "Bad credentials", r.URL.Path)
	}
	s.stats.Exchanges++
	s.issued = "rct_" + randomHex(16)
	s.expires = s.now().Add(s.tokenLife)
	return http.StatusOK, fmt.Appendf(nil, `{"access_token":%q,"token_type":"bearer","expires_in":%d,"scope":"read write"}`,
		s.issued, int64(s.tokenLife/time.Second))
}

// page answers a GET of one of the access-audit endpoints.
func (s *Server) page(r *http.Request, path string) (int, []byte) {
	// Spring Security's filters answer before any parameter is read.
	s.mu.Lock()
	ok, forbidden := s.authorized(r), s.forbidden
	s.mu.Unlock()
	switch {
	case !ok:
		return errorBody(http.StatusUnauthorized, "Full authentication is required to access this resource", r.URL.Path)
	case forbidden:
		return http.StatusForbidden, []byte(`{"status":403,"message":"Access is denied"}`)
	}

	q := r.URL.Query()
	email := normalEmail(q.Get("email"))
	if path == attemptsPath || q.Has("email") {
		switch {
		case email == "" && path == attemptsPath:
			return http.StatusBadRequest, []byte(`{"property":"email","value":"","message":"must not be blank"}`)
		case email != "" && !plausibleEmail(email):
			return http.StatusBadRequest, fmt.Appendf(nil, `{"property":"email","value":%s,"message":"must be a well-formed email address"}`, quote(q.Get("email")))
		}
	}
	number, size := pageParams(q.Get("page"), q.Get("size"), s.maxSize)

	// The hook runs unlocked, so that it may call Add or RemoveOldest.
	if s.beforePage != nil {
		s.beforePage(s, number)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.arrivals > 0 && number > 0 {
		s.arrive(s.arrivals)
	}
	k := viewKey{email: email}
	switch path {
	case loginsPath:
		k.typ = riskcloud.Login
	case failuresPath:
		k.typ = riskcloud.LoginFail
	}
	return http.StatusOK, springPage(s.log.view(k), number, size)
}

// arrive adds n logins newer than the whole log. Callers hold s.mu.
func (s *Server) arrive(n int) {
	head := s.log.newest()
	if head.IsZero() {
		head = generateEnd
	}
	es := make([]riskcloud.Entry, n)
	for i := range es {
		s.arrived++
		es[n-1-i] = riskcloud.Entry{
			Type:          riskcloud.Login,
			Timestamp:     head.Add(time.Duration(i+1) * time.Millisecond),
			RemoteAddress: fmt.Sprintf("192.0.2.%d", 1+s.arrived%254),
		}
	}
	s.log.add(DefaultEmail, es)
}

// pageParams reads page and size as Spring's resolver does: an unreadable
// or negative page is 0, an unreadable or non-positive size the default,
// and a size above the cap the cap.
func pageParams(page, size string, maxSize int) (number, n int) {
	// Java ints: a number that does not fit in 32 bits is unreadable.
	p, err := strconv.ParseInt(page, 10, 32)
	number = int(p)
	if err != nil || number < 0 {
		number = 0
	}
	sz, err := strconv.ParseInt(size, 10, 32)
	n = int(sz)
	if err != nil || n < 1 {
		n = defaultPageSize
	}
	if maxSize > 0 && n > maxSize {
		n = maxSize
	}
	return number, n
}

// springPage renders page number of recs (oldest first; pages count from the
// newest) as Spring Data's PageImpl does, fields in Jackson's order.
func springPage(recs []*record, number, size int) []byte {
	total := len(recs)
	from, to := total, total
	if number < (total+size-1)/size {
		from = number * size
		to = min(from+size, total)
	}
	n := 0
	var b bytes.Buffer
	for i := from; i < to; i++ {
		n += len(recs[total-1-i].raw) + 1
	}
	b.Grow(n + 512)
	b.WriteString(`{"content":[`)
	for i := from; i < to; i++ {
		if i > from {
			b.WriteByte(',')
		}
		b.Write(recs[total-1-i].raw)
	}
	totalPages := (total + size - 1) / size
	fmt.Fprintf(&b, `],"pageable":{"sort":{"empty":false,"sorted":true,"unsorted":false},"offset":%d,"pageNumber":%d,"pageSize":%d,"paged":true,"unpaged":false}`,
		int64(number)*int64(size), number, size)
	fmt.Fprintf(&b, `,"last":%t,"totalPages":%d,"totalElements":%d,"size":%d,"number":%d`,
		number >= totalPages-1, totalPages, total, size, number)
	fmt.Fprintf(&b, `,"sort":{"empty":false,"sorted":true,"unsorted":false},"first":%t,"numberOfElements":%d,"empty":%t}`,
		number == 0, to-from, to == from)
	return b.Bytes()
}

// errorBody renders Spring Boot's default error body.
func errorBody(status int, message, path string) (int, []byte) {
	return status, fmt.Appendf(nil, `{"timestamp":%q,"status":%d,"error":%q,"message":%s,"path":%s}`,
		time.Now().UTC().Format("2006-01-02T15:04:05.000+00:00"), status, http.StatusText(status), quote(message), quote(path))
}

// writeFault sends f; a Status of 0 is sent as 500.
func writeFault(w http.ResponseWriter, f Fault, path string) {
	if f.Status == 0 {
		f.Status = http.StatusInternalServerError
	}
	body := []byte(f.Body)
	if f.Body == "" {
		_, body = errorBody(f.Status, http.StatusText(f.Status), path)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if f.ContentType != "" {
		h.Set("Content-Type", f.ContentType)
	}
	if f.RetryAfter != "" {
		h.Set("Retry-After", f.RetryAfter)
	}
	w.WriteHeader(f.Status)
	w.Write(body)
}

func normalEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// plausibleEmail is the server's light check: one @ with text on each side.
func plausibleEmail(email string) bool {
	local, domain, ok := strings.Cut(email, "@")
	return ok && local != "" && domain != "" && !strings.Contains(domain, "@")
}
