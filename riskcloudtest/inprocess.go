package riskcloudtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
)

// inProcess is a RoundTripper that answers by calling a handler: no socket.
type inProcess struct{ h http.Handler }

// RoundTrip serves req. A handler that aborts (a Fault's Reset or Cut)
// becomes what a client sees of a dropped connection: a connection reset
// before any response, or a body that ends early.
func (t inProcess) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	rec := httptest.NewRecorder()
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v != http.ErrAbortHandler {
			panic(v)
		}
		if !rec.Flushed {
			resp, err = nil, &netError{syscall.ECONNRESET}
			return
		}
		resp = t.response(rec, req)
		resp.Body = io.NopCloser(io.MultiReader(resp.Body, errorReader{io.ErrUnexpectedEOF}))
	}()
	t.h.ServeHTTP(rec, req)
	return t.response(rec, req), nil
}

func (inProcess) response(rec *httptest.ResponseRecorder, req *http.Request) *http.Response {
	resp := rec.Result()
	resp.Request = req
	return resp
}

type errorReader struct{ err error }

func (r errorReader) Read([]byte) (int, error) { return 0, r.err }

// netError is a transport failure as net/http reports one.
type netError struct{ err error }

func (e *netError) Error() string { return "riskcloudtest: in-process connection: " + e.err.Error() }
func (e *netError) Unwrap() error { return e.err }
