package riskcloudtest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// authState is what the server knows of credentials. It changes as tokens
// are issued, revoked and rolled; the Server's mu guards it.
type authState struct {
	token                  string // the static token accepted; "" once revoked
	clientID, clientSecret string // set: tokens come from the exchange
	issued                 string // the token the last exchange issued
	expires                time.Time
}

// Credential is the Authorization header of a recorded [Request]. It prints
// as its scheme alone ("Bearer [redacted]"), so that logging a Request
// never leaks a token or a secret; compare it, or convert it to a string,
// to check what a client sent.
type Credential string

// String returns the scheme and "[redacted]", "" for no header.
func (c Credential) String() string {
	if c == "" {
		return ""
	}
	scheme, _, _ := strings.Cut(string(c), " ")
	// A header with no known scheme may be a bare secret: show nothing.
	if !strings.EqualFold(scheme, "Bearer") && !strings.EqualFold(scheme, "Basic") {
		return "[redacted]"
	}
	return scheme + " [redacted]"
}

// Format prints [Credential.String] for every verb, so that %#v and %x
// cannot show the secret either.
func (c Credential) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprint(f, strconv.Quote(c.String()))
		return
	}
	fmt.Fprint(f, c.String())
}

// MarshalText returns [Credential.String], so that encoding/json, slog and
// other encoders cannot show the secret either.
func (c Credential) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// RevokeToken invalidates the token clients hold, as generating a new one
// elsewhere does. With [WithClientCredentials] it is the token the last
// exchange issued: clients see 401 until they exchange again. Otherwise it
// is the static token: every request then sees 401 (Token keeps its value).
func (s *Server) RevokeToken() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auth.issued = ""
	s.auth.token = ""
}

// RollCredentials replaces the client ID and secret the exchange accepts
// and revokes the issued token, as rolling a key's credentials in Risk
// Cloud does: a client with the old ones sees 401 at its next request and
// at its exchange. On a server with a static token, it makes the server
// issue tokens from then on, as [WithClientCredentials] would have.
func (s *Server) RollCredentials(id, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auth.clientID, s.auth.clientSecret = id, secret
	s.auth.issued, s.auth.token = "", ""
}

// IssuedToken returns the token the last exchange issued, "" when none is
// valid: with [WithClientCredentials], for tests that check a token never
// leaks into output.
func (s *Server) IssuedToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auth.issued
}

func (s *Server) credentials() (id, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auth.clientID, s.auth.clientSecret
}

// authorized reports whether the request carries the token the server
// accepts. Callers hold s.mu.
func (s *Server) authorized(r *http.Request) bool {
	got := r.Header.Get("Authorization")
	switch {
	case s.cfg.noAuth:
		return true
	case s.cfg.anyToken:
		return len(got) > len("Bearer ") && got[:len("Bearer ")] == "Bearer "
	case s.auth.clientID != "":
		return s.auth.issued != "" && got == "Bearer "+s.auth.issued && s.cfg.now().Before(s.auth.expires)
	}
	return s.auth.token != "" && got == "Bearer "+s.auth.token
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
	s.auth.issued = s.cfg.issue(s.stats.Exchanges)
	s.auth.expires = s.cfg.now().Add(s.cfg.tokenLife)
	return http.StatusOK, fmt.Appendf(nil, `{"access_token":%q,"token_type":"bearer","expires_in":%d,"scope":"read write"}`,
		s.auth.issued, int64(s.cfg.tokenLife/time.Second))
}

// exchangeOK reports whether r carries the server's client credentials.
// Callers hold s.mu.
func (s *Server) exchangeOK(r *http.Request) bool {
	if s.cfg.anyToken {
		return true
	}
	if s.auth.clientID == "" {
		return false
	}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(s.auth.clientID+":"+s.auth.clientSecret))
	return r.Header.Get("Authorization") == want
}
