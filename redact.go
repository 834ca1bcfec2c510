package riskcloud

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// This file keeps what the client knows to be secret out of the text a
// server sends: a server or proxy that quotes the request back (in an
// error message, a page title, a header net/http cannot parse) would
// otherwise carry the token, the Basic credentials or the email filter
// into an error, and from there into the caller's logs.

// redactedMark replaces each secret found in a server's text.
const redactedMark = "[redacted]"

// Credentials shorter than minSecretLen are not redacted: a value of one
// to three characters occurs in almost any text, so hiding it would blank
// the message while protecting nothing that cannot be guessed. From
// minSecretLen to wordSecretLen-1 characters a credential is redacted only
// where it stands as a word (not inside a longer run of letters and
// digits), so that a client ID such as "test" leaves "latest" alone. The
// email filter is always redacted, wherever it occurs, whatever its length.
const (
	minSecretLen  = 4
	wordSecretLen = 8
)

// redactor hides the secrets of one request from text the server sent: the
// credentials of the client's authorizer (the token, the client ID and
// secret, their Basic encoding, the current exchanged token), the
// credential in authz (the Authorization header sent, which may be a
// token from a TokenCache), and the values of query (the email filter).
// It works them out only when first asked, since most requests never
// need it. A nil *redactor redacts nothing.
type redactor struct {
	auth  tokenSource
	authz string
	query string

	forms []secretForm // built on first use
	built bool
}

// secretForm is one spelling of a secret, lower-cased (ASCII only, so
// that its length is unchanged), and whether it is matched only as a word.
type secretForm struct {
	text string
	word bool
}

// newRedactor returns the redactor of a request.
func newRedactor(auth tokenSource, authz, query string) *redactor {
	return &redactor{auth: auth, authz: authz, query: query}
}

// build works out every spelling of every secret: as given, query-escaped
// (alice%40example.com, as the query string carries it), path-escaped,
// HTML-escaped, and escaped inside a JSON or Go string (a decode error
// quotes a raw JSON value; some encoders escape "/" too).
func (r *redactor) build() {
	r.built = true
	var creds []string
	if r.auth != nil {
		creds = r.auth.secrets()
	}
	if _, cred, ok := strings.Cut(r.authz, " "); ok {
		creds = append(creds, cred)
	}
	values, _ := url.ParseQuery(r.query)
	var always []string
	for key, vs := range values {
		for _, v := range vs {
			switch {
			case key == "email":
				always = append(always, v)
			case allDigits(v): // page and size: ours, and not secret
			default:
				creds = append(creds, v)
			}
		}
	}
	add := func(v string, word bool) {
		quoted := strconv.Quote(v)
		js, _ := json.Marshal(v) // a string always marshals
		jsInner := string(js[1 : len(js)-1])
		for _, form := range []string{v, url.QueryEscape(v), url.PathEscape(v), html.EscapeString(v),
			quoted[1 : len(quoted)-1], jsInner, strings.ReplaceAll(jsInner, "/", `\/`)} {
			form = asciiLower(form)
			if !slices.ContainsFunc(r.forms, func(f secretForm) bool { return f.text == form }) {
				r.forms = append(r.forms, secretForm{text: form, word: word})
			}
		}
	}
	for _, v := range always {
		if v != "" {
			add(v, false)
		}
	}
	for _, v := range creds {
		if len(v) >= minSecretLen {
			add(v, len(v) < wordSecretLen)
		}
	}
}

// redact replaces every occurrence of a secret in s, in any letter case,
// with redactedMark. It also redacts what is left of a secret that a cut
// shortened: the longest end of the text before each "…" (where clipTo
// cut a server's text) that begins a secret. A secret inside another is
// covered by one mark.
func (r *redactor) redact(s string) string {
	if r == nil || s == "" {
		return s
	}
	if !r.built {
		r.build()
	}
	if len(r.forms) == 0 {
		return s
	}
	hidden := r.secretBytes(s)
	if hidden == nil {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if !hidden[i] {
			b.WriteByte(s[i])
			i++
			continue
		}
		b.WriteString(redactedMark)
		for i < len(s) && hidden[i] {
			i++
		}
	}
	return b.String()
}

// secretBytes marks the bytes of s that belong to a secret, whole or cut
// short before a "…"; it returns nil when there are none.
func (r *redactor) secretBytes(s string) []bool {
	lower := asciiLower(s)
	var hidden []bool // allocated at the first match
	hide := func(from, to int) {
		if hidden == nil {
			hidden = make([]bool, len(s))
		}
		for i := from; i < to; i++ {
			hidden[i] = true
		}
	}
	for _, f := range r.forms {
		for i := 0; ; {
			j := strings.Index(lower[i:], f.text)
			if j < 0 {
				break
			}
			start, end := i+j, i+j+len(f.text)
			if !f.word || (start == 0 || !isWordByte(lower[start-1])) && (end == len(lower) || !isWordByte(lower[end])) {
				hide(start, end)
			}
			i = start + 1
		}
	}
	for i := 0; ; {
		j := strings.Index(s[i:], "…")
		if j < 0 {
			break
		}
		cut := i + j
		if n := r.partialAt(lower[:cut]); n > 0 {
			hide(cut-n, cut)
		}
		i = cut + len("…")
	}
	return hidden
}

// partialAt returns the length of the longest end of text that is the
// start (but not the whole) of a secret: what a cut inside the secret
// left. text is lower-cased.
func (r *redactor) partialAt(text string) int {
	if r == nil {
		return 0
	}
	if !r.built {
		r.build()
	}
	longest := 0
	for _, f := range r.forms {
		for n := min(len(f.text)-1, len(text)); n > longest; n-- {
			if text[len(text)-n:] == f.text[:n] {
				longest = n
				break
			}
		}
	}
	return longest
}

// trimPartial cuts from the end of body, which was read only up to a size
// cap, what may be the start of a secret the cap cut through.
func (r *redactor) trimPartial(body []byte) []byte {
	return body[:len(body)-r.partialAt(asciiLower(string(body)))]
}

// redactedError is an error whose text quoted a secret (a server echoed
// the request): it keeps the text with the secret redacted and drops the
// errors it wrapped, whose own text would still print the secret, while it
// matches (errors.Is) the sentinels they matched.
type redactedError struct {
	msg     string
	matches []error
}

func (e *redactedError) Error() string        { return e.msg }
func (e *redactedError) Is(target error) bool { return slices.Contains(e.matches, target) }

// redactedKinds are the errors a redactedError goes on matching when its
// cause did.
var redactedKinds = []error{ErrNetwork, ErrRedirect, ErrUnexpectedResponse, context.DeadlineExceeded, io.ErrUnexpectedEOF}

// redactErr returns err unchanged if its text holds none of r's secrets,
// and otherwise a *redactedError in its place.
func (r *redactor) redactErr(err error) error {
	if err == nil || r == nil {
		return err
	}
	text := err.Error()
	redacted := r.redact(text)
	if redacted == text {
		return err
	}
	e := &redactedError{msg: redacted}
	for _, kind := range redactedKinds {
		if errors.Is(err, kind) {
			e.matches = append(e.matches, kind)
		}
	}
	return e
}

// asciiLower lower-cases the ASCII letters of s, leaving its length as it is.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// isWordByte reports an ASCII letter or digit.
func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// basicCredentials is the value after "Basic " that client credentials are
// sent as.
func basicCredentials(clientID, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(clientID + ":" + secret))
}
