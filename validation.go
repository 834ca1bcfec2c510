package riskcloud

import (
	"math"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// maxJavaInt is the largest page or size the server can represent: Spring
// reads both as a Java int, and larger values would overflow our offsets.
const maxJavaInt = math.MaxInt32

// parseBaseURL checks a base URL: https (or http to a loopback host), a
// host, an optional path prefix, and no credentials, query or fragment.
// The result has no trailing slash on its path.
func parseBaseURL(raw string) (*url.URL, error) {
	const name = "baseURL"
	if raw == "" {
		return nil, invalidArg(name, "is empty; want https://{company}.logicgate.com")
	}
	if strings.ContainsFunc(raw, unicode.IsControl) {
		return nil, invalidArg(name, "contains a control character")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the input, which may hold a password.
		return nil, invalidArg(name, "is not a URL")
	}
	switch {
	case u.Scheme == "":
		return nil, invalidArg(name, "has no scheme; want https://{company}.logicgate.com")
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, invalidArg(name, "scheme must be https, not "+strconv.Quote(u.Scheme))
	case u.Opaque != "" || u.Hostname() == "":
		return nil, invalidArg(name, "has no host; want https://{company}.logicgate.com")
	case u.User != nil:
		return nil, invalidArg(name, "must not carry a user or password; use WithToken or WithClientCredentials")
	case u.RawQuery != "" || u.ForceQuery:
		return nil, invalidArg(name, "must not have a query")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, invalidArg(name, "must not have a fragment")
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return nil, invalidArg(name, "http is allowed only to a loopback host (localhost, 127.0.0.0/8, ::1); use https")
	}
	// The decoded path goes into every error message and log record:
	// %0D%0A or %00 there would forge a line.
	if strings.ContainsFunc(u.Path, notGraphic) {
		return nil, invalidArg(name, "path contains a control or invisible character")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// isLoopback reports whether host is localhost, in 127.0.0.0/8, or ::1.
// Names are not resolved: only "localhost" itself counts.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkEmail requires one bare address: what net/mail parses must be the
// input itself, so a display name, angle brackets, a comment, a list or a
// control character (CR/LF could inject a header or a log line) is refused.
func checkEmail(name, email string) error {
	if email == "" {
		return invalidArg(name, "is empty")
	}
	// net/mail accepts any non-ASCII letter, and also line separators and
	// bidi overrides, which would disguise the address in logs and tables.
	if strings.ContainsFunc(email, notGraphic) {
		return invalidArg(name, "contains a control or invisible character")
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email {
		return invalidArg(name, "is not a single bare email address such as user@example.com")
	}
	return nil
}

// checkListOptions validates the options of a walk. It never repeats the
// email in its error.
func checkListOptions(opts *ListOptions) error {
	if err := checkPaging("ListOptions", opts.Size, opts.Page, opts.Limit, opts.Prefetch); err != nil {
		return err
	}
	if !opts.Until.IsZero() && opts.Until.Before(opts.Since) {
		return invalidArg("ListOptions.Until", "is before ListOptions.Since, so nothing could be read")
	}
	if opts.Email != "" {
		return checkEmail("ListOptions.Email", opts.Email)
	}
	return nil
}

// checkPaging validates the paging fields every options struct shares,
// naming them as fields of the struct called name.
func checkPaging(name string, size, page, limit, prefetch int) error {
	switch {
	case size < 0:
		return invalidArg(name+".Size", "must not be negative (0 means the server's default)")
	case size > maxJavaInt:
		return invalidArg(name+".Size", "must be at most 2147483647")
	case page < 0:
		return invalidArg(name+".Page", "must not be negative (pages are numbered from 0)")
	case page > maxJavaInt:
		return invalidArg(name+".Page", "must be at most 2147483647")
	case limit < 0:
		return invalidArg(name+".Limit", "must not be negative (0 means no limit)")
	case prefetch < 0:
		return invalidArg(name+".Prefetch", "must not be negative (0 means sequential)")
	}
	return nil
}

// notGraphic reports a character that prints nothing visible, or breaks a
// line: C0 and C1 controls, format characters such as bidi overrides and
// zero-width spaces, and the line and paragraph separators.
func notGraphic(r rune) bool { return !unicode.IsGraphic(r) }
