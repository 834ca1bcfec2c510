package riskcloudtest

import (
	"net/http"
	"strconv"
)

// Fault is a response the server sends instead of the real one; see
// [Server.FailNext] and [WithFaults]. A Fault is also an http.Handler that
// answers every request with itself, for a test's own handler that fails
// the requests it picks and passes the others to a [Server].
type Fault struct {
	// Status is the response's status code; 0 means 500. Cut and Reset
	// ignore it in a Server's queue.
	Status int
	// RetryAfter, when set, is sent as the Retry-After header: seconds
	// ("2") or an HTTP date.
	RetryAfter string
	// Body is sent as the response body; when empty, the server sends Risk
	// Cloud's JSON error body for Status.
	Body string
	// ContentType is sent as the Content-Type header; when empty,
	// application/json.
	ContentType string
	// Cut serves the real response but drops the connection halfway through
	// its body, as a failing network does. (Served alone, a Fault cuts its
	// own body.)
	Cut bool
	// Reset drops the connection before sending anything.
	Reset bool
}

// ServeHTTP sends f. Reset and Cut abort the handler with
// http.ErrAbortHandler, which makes net/http drop the connection.
func (f Fault) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.Reset {
		panic(http.ErrAbortHandler) // net/http drops the connection, quietly
	}
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	body := []byte(f.Body)
	if f.Body == "" {
		_, body = errorBody(status, http.StatusText(status), r.URL.Path)
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	contentType := f.ContentType
	if contentType == "" {
		contentType = "application/json"
	}
	if f.Cut {
		writeCut(w, status, contentType, body)
	}
	writeBody(w, status, contentType, body)
}

func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	w.Write(body)
}

// writeCut promises the whole body, sends half, and hangs up.
func writeCut(w http.ResponseWriter, status int, contentType string, body []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	writeBody(w, status, contentType, body[:len(body)/2])
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	panic(http.ErrAbortHandler)
}
