package riskcloud_test

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/riskcloud-go/riskcloud"
)

// Helpers of validation_test.go, errors_test.go, secrets_test.go and
// types_test.go.

// readTestdata returns the contents of testdata/name.
func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// canned answers every request with the same response and records what it
// was asked.
type canned struct {
	status      int
	contentType string // "" sends no Content-Type
	header      http.Header
	body        []byte

	mu   sync.Mutex
	reqs []*http.Request
}

func (h *canned) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.reqs = append(h.reqs, r.Clone(r.Context()))
	h.mu.Unlock()
	for k, vs := range h.header {
		w.Header()[k] = vs
	}
	if h.contentType != "" {
		w.Header().Set("Content-Type", h.contentType)
	}
	w.WriteHeader(h.status)
	w.Write(h.body)
}

// requests returns the requests answered so far.
func (h *canned) requests() []*http.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*http.Request(nil), h.reqs...)
}

// jsonPage answers every request with body as a 200 JSON page.
func jsonPage(body []byte) *canned {
	return &canned{status: http.StatusOK, contentType: "application/json", body: body}
}

// onePage wraps entries (JSON objects) in a complete single-page Spring page.
func onePage(entries ...string) []byte {
	n := strconv.Itoa(len(entries))
	return []byte(`{"content":[` + strings.Join(entries, ",") + `],"number":0,"size":20,"totalElements":` + n +
		`,"totalPages":1,"first":true,"last":true,"numberOfElements":` + n + `,"empty":false}`)
}

// refuseTransport fails the test if the client sends any request.
type refuseTransport struct{ t *testing.T }

func (rt refuseTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rt.t.Errorf("a request was sent: %s %s", req.Method, req.URL.Path)
	return nil, errors.New("refuseTransport: no request may be sent")
}

// refusingClient returns a client whose every request fails the test.
func refusingClient(t *testing.T, opts ...riskcloud.Option) *riskcloud.Client {
	t.Helper()
	return newTestClientTransport(t, refuseTransport{t}, opts...)
}

// newCredentialsClient is newTestClient with client credentials instead of
// a static token.
func newCredentialsClient(t *testing.T, rt http.RoundTripper, opts ...riskcloud.Option) *riskcloud.Client {
	t.Helper()
	return newClientWith(t, rt, riskcloud.WithClientCredentials(testID, testSecret), opts...)
}

// noPanic runs f and turns a panic into a test failure, so that one bug
// does not take the whole test binary down.
func noPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s panicked: %v", what, r)
		}
	}()
	f()
}
