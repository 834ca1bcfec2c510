package riskcloudtest

import (
	"fmt"
	"net/http"
	"net/url"
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

// ServeHTTP answers one request as Risk Cloud would, or with the next
// queued [Fault].
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	inFlight := int(s.inFlight.Add(1))
	defer s.inFlight.Add(-1)

	path, known := strings.CutPrefix(r.URL.Path, s.cfg.prefix)
	fault := s.record(r, inFlight, known && isPagePath(path))
	if !s.waitLatency(r) {
		return
	}
	if fault != nil && !fault.Cut {
		fault.ServeHTTP(w, r)
		return
	}
	status, body := s.respond(r, path, known)
	if fault != nil {
		writeCut(w, status, "application/json", body)
		return
	}
	writeBody(w, status, "application/json", body)
}

// isPagePath says whether path is one of the access-audit endpoints, v1's
// or v2's.
func isPagePath(path string) bool {
	return path == attemptsPath || path == loginsPath || path == failuresPath || path == auditsPath
}

// record counts and keeps r, and takes the next queued fault, if any.
func (s *Server) record(r *http.Request, inFlight int, isPage bool) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.MaxInFlight = max(s.stats.MaxInFlight, inFlight)
	s.stats.Requests++
	if isPage {
		s.stats.PageRequests++
	}
	s.keepRequest(Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(),
		Authorization: Credential(r.Header.Get("Authorization"))})
	if len(s.faults) == 0 {
		return nil
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return &f
}

// waitLatency waits out [WithLatency]; false means r was cancelled
// meanwhile and gets no response.
func (s *Server) waitLatency(r *http.Request) bool {
	if s.cfg.latency <= 0 {
		return true
	}
	t := time.NewTimer(s.cfg.latency)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.closing:
		// Close must not wait out the latency of requests in flight.
		panic(http.ErrAbortHandler)
	}
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
	case isPagePath(path):
		if r.Method != http.MethodGet {
			return errorBody(http.StatusMethodNotAllowed, "Request method '"+r.Method+"' is not supported", r.URL.Path)
		}
		if path == auditsPath {
			return s.auditsPage(r)
		}
		return s.page(r, path)
	}
	return errorBody(http.StatusNotFound, "No message available", r.URL.Path)
}

// page answers a GET of one of the v1 access-audit endpoints.
func (s *Server) page(r *http.Request, path string) (int, []byte) {
	if status, body := s.gate(r); status != 0 {
		return status, body
	}
	q := r.URL.Query()
	email := normalEmail(q.Get("email"))
	if status, body := checkEmail(q, path, email); status != 0 {
		return status, body
	}
	params := s.pageParams(q.Get("page"), q.Get("size"))
	k := viewKey{email: email}
	switch path {
	case loginsPath:
		k.typ = riskcloud.Login
	case failuresPath:
		k.typ = riskcloud.LoginFail
	}
	return s.atPage(params.number, func() []byte {
		return springPage(s.log.view(k), params, s.cfg.omit)
	})
}

// gate answers as Spring Security's filters do, before any parameter is
// read: 401 without a valid token, 403 without the entitlement; 0 lets the
// request through.
func (s *Server) gate(r *http.Request) (int, []byte) {
	s.mu.Lock()
	ok := s.authorized(r)
	s.mu.Unlock()
	switch {
	case !ok:
		return errorBody(http.StatusUnauthorized, "Full authentication is required to access this resource", r.URL.Path)
	case s.cfg.forbidden:
		return http.StatusForbidden, []byte(`{"status":403,"message":"Access is denied"}`)
	}
	return 0, nil
}

// atPage stages what happens before page number is answered (the
// WithBeforePage hook, then WithArrivals) and builds the page from the log
// as they left it, holding s.mu.
func (s *Server) atPage(number int, build func() []byte) (int, []byte) {
	s.pageMu.Lock()
	defer s.pageMu.Unlock()
	// The hook runs without s.mu, so that it may call Add or RemoveOldest.
	if s.cfg.beforePage != nil {
		s.cfg.beforePage(s, number)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.arrivals > 0 && number > 0 {
		s.arrive(s.cfg.arrivals)
	}
	return http.StatusOK, build()
}

// checkEmail answers 400 as Risk Cloud's validation does when the email
// filter is missing where required, or malformed; 0 when it is fine.
func checkEmail(q url.Values, path, email string) (int, []byte) {
	if path != attemptsPath && !q.Has("email") {
		return 0, nil
	}
	switch {
	case email == "" && path == attemptsPath:
		return http.StatusBadRequest, []byte(`{"property":"email","value":"","message":"must not be blank"}`)
	case email != "" && !plausibleEmail(email):
		return http.StatusBadRequest, fmt.Appendf(nil, `{"property":"email","value":%s,"message":"must be a well-formed email address"}`, quote(q.Get("email")))
	}
	return 0, nil
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
	s.log.add(DefaultEmail, nil, es)
}

// errorBody renders Spring Boot's default error body.
func errorBody(status int, message, path string) (int, []byte) {
	return status, fmt.Appendf(nil, `{"timestamp":%q,"status":%d,"error":%q,"message":%s,"path":%s}`,
		time.Now().UTC().Format("2006-01-02T15:04:05.000+00:00"), status, http.StatusText(status), quote(message), quote(path))
}

func normalEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// plausibleEmail is the server's light check: one @ with text on each side.
func plausibleEmail(email string) bool {
	local, domain, ok := strings.Cut(email, "@")
	return ok && local != "" && domain != "" && !strings.Contains(domain, "@")
}

// keepRequest keeps req for Requests, dropping the oldest beyond
// WithRequestHistory's bound. The caller holds s.mu.
func (s *Server) keepRequest(req Request) {
	if s.cfg.history == 0 {
		return
	}
	s.requests = append(s.requests, req)
	if n := s.cfg.history; n > 0 && len(s.requests) >= 2*n {
		// Dropping in halves keeps the copying to one request per request.
		s.requests = append(s.requests[:0], s.requests[len(s.requests)-n:]...)
	}
}
