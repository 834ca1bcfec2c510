package main

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// sanitizeTerminal makes remote data safe to print on a terminal: escape
// sequences (which could retitle the window, move the cursor, rewrite what
// was printed before or, on some terminals, answer back as input) are
// removed with their parameters; tabs and line breaks, which would break
// the table's rows, become spaces; other C0 and C1 controls and the bidi
// controls that reorder what is shown (Trojan Source) are dropped; invalid
// UTF-8 becomes U+FFFD.
func sanitizeTerminal(s string) string {
	if terminalSafe(s) {
		return s // no copy
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
		case r == '\x1b':
			i += escapeLen(s[i:])
			continue
		case r == '\u009b': // CSI as a C1 control
			i += size + csiLen(s[i+size:])
			continue
		case r == '\u0090' || r == '\u0098' || r == '\u009d' || r == '\u009e' || r == '\u009f':
			// DCS, SOS, OSC, PM, APC: a string up to a terminator.
			i += size + controlStringLen(s[i+size:])
			continue
		case r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f':
			b.WriteByte(' ')
		case unicode.IsControl(r) || isBidiControl(r):
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// terminalSafe reports whether sanitizeTerminal leaves s as it is.
func terminalSafe(s string) bool {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7f {
		i++ // printable ASCII, the common case
	}
	for _, r := range s[i:] {
		if r == utf8.RuneError || unicode.IsControl(r) || isBidiControl(r) {
			return false
		}
	}
	return true
}

// escapeLen is the length of the escape sequence at the start of s, which
// begins with ESC (ECMA-48): a control sequence (ESC [), a control string
// (ESC ] P X ^ _, up to BEL or ST), or ESC, intermediates and one final
// byte. A sequence cut short runs to the end of s.
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		return 2 + csiLen(s[2:])
	case ']', 'P', 'X', '^', '_':
		return 2 + controlStringLen(s[2:])
	}
	i := 1
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f { // intermediates
		i++
	}
	if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e { // final
		i++
	}
	return i
}

// csiLen is the length of a control sequence's parameters, intermediates
// and final byte at the start of s. It stops before a byte that cannot be
// part of one, which is then handled on its own.
func csiLen(s string) int {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f { // parameters, intermediates
		i++
	}
	if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
		i++
	}
	return i
}

// controlStringLen is the length of a control string's body and terminator
// (BEL, ESC \ or the C1 ST) at the start of s; an unterminated one runs to
// the end of s, as a terminal would swallow it.
func controlStringLen(s string) int {
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\a':
			return i + 1
		case s[i] == '\x1b' && i+1 < len(s) && s[i+1] == '\\':
			return i + 2
		case strings.HasPrefix(s[i:], "\u009c"):
			return i + len("\u009c")
		}
	}
	return len(s)
}

// isBidiControl reports the Unicode controls that change the display
// order of text: marks, embeddings, overrides and isolates.
func isBidiControl(r rune) bool {
	switch {
	case r == '\u061c', r == '\u200e', r == '\u200f':
		return true
	case r >= '\u202a' && r <= '\u202e':
		return true
	case r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}
