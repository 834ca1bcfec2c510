package riskcloud

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// redirectPolicy returns the CheckRedirect of the SDK's http.Client: next
// (the caller's, or net/http's default of at most 10 redirects when nil)
// inside the SDK's own rules, which no CheckRedirect of the caller can
// loosen: no redirect from https to http, no Authorization header on a
// request that leaves base's origin, and no Referer on any redirected
// request.
func redirectPolicy(base *url.URL, next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	home := originOf(base)
	away := func(r *http.Request) bool { return originOf(r.URL) != home }
	return func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "https" && via[0].URL.Scheme == "https" {
			return refusedRedirect(errors.New("refused a redirect from https to " + req.URL.Scheme))
		}
		// net/http has copied the first request's headers onto req by now,
		// and keeps Authorization for the same host name on any port and
		// for its subdomains: too wide for credentials meant for the base
		// URL alone. Once a hop has left the origin, a hop that comes back
		// stays without them too (as in net/http and the Fetch standard):
		// the host that sent the request away chose the URL it comes back
		// to, and must not get to aim the credentials at a URL of its
		// choosing. The header goes before the caller's CheckRedirect runs,
		// so that it sees the request as it will be sent, and again after,
		// since a common CheckRedirect copies via[0]'s Authorization onto
		// every hop.
		// net/http has also set Referer to the URL before, query and all:
		// the email filter, which no hop needs.
		req.Header.Del("Referer")
		stripped := away(req) || slices.ContainsFunc(via, away)
		if stripped {
			dropAuthorization(req.Header)
		}
		var err error
		switch {
		case next != nil:
			err = next(req, via)
			if err != nil && err != http.ErrUseLastResponse {
				err = refusedRedirect(err)
			}
		case len(via) >= 10:
			err = refusedRedirect(errors.New("stopped after 10 redirects"))
		}
		// Checked again: a CheckRedirect may also point req elsewhere.
		if stripped || away(req) {
			dropAuthorization(req.Header)
		}
		return err
	}
}

// hasAuthorization reports whether h holds an Authorization header under
// any spelling of its key.
func hasAuthorization(h http.Header) bool {
	for k := range h {
		if strings.EqualFold(k, "Authorization") {
			return true
		}
	}
	return false
}

// dropAuthorization deletes the Authorization header under any spelling of
// its key: Header.Del finds only the canonical one, but the transport sends
// a key such as "authorization", set directly in the map, as it is.
func dropAuthorization(h http.Header) {
	for k := range h {
		if strings.EqualFold(k, "Authorization") {
			delete(h, k)
		}
	}
}

// noRedirects returns a copy of hc that follows no redirect: the 3xx
// response itself comes back. The token exchange goes through it, since a
// redirect would carry the client secret wherever it points (net/http
// keeps the header for another port or a subdomain, and a caller's
// CheckRedirect may put it back anywhere) and the token would come from
// there.
func noRedirects(hc *http.Client) *http.Client {
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// origin is the scheme, host and port that credentials are bound to. The
// port is spelled out (a URL may leave the scheme's default implicit), and
// the host is lower case; an IPv6 literal is kept without its brackets.
type origin struct{ scheme, host, port string }

func originOf(u *url.URL) origin {
	o := origin{scheme: strings.ToLower(u.Scheme), host: strings.ToLower(u.Hostname()), port: u.Port()}
	if o.port == "" {
		switch o.scheme {
		case "https":
			o.port = "443"
		case "http":
			o.port = "80"
		}
	}
	return o
}
