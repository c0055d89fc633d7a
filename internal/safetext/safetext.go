// Package safetext makes untrusted strings safe to print on a terminal.
//
// Names of cgroup directories, pods, namespaces and containers, metadata
// of a snapshot, messages of the API server and values read from files
// are chosen by whoever controls a node or a cluster object. Written raw
// to a terminal, a control character in them can move the cursor, clear
// the screen, set the window title or the clipboard (ESC ]52), and a
// bidirectional override can make text read differently from what it is.
// kubectl escapes the same characters (CVE-2021-25743).
//
// Escape renders every such character as a visible escape, in one form:
//
//   - \a \b \t \n \v \f \r for those seven C0 controls;
//   - \xHH (two lower-case hex digits) for the other C0 controls, DEL
//     (\x7f) and every byte that is not part of valid UTF-8;
//   - \uHHHH (four lower-case hex digits) for the C1 controls U+0080 to
//     U+009F and the Unicode bidirectional formatting characters: the
//     marks U+200E, U+200F and U+061C, the embeddings and overrides
//     U+202A to U+202E, and the isolates U+2066 to U+2069.
//
// Everything else, backslashes included, passes unchanged: a string
// without those characters is returned as it is (the same string, no
// copy), so the escape of a name can be ambiguous with a name that holds
// a literal backslash sequence, but it can never act on the terminal.
//
// Truncate shortens a long value for a message, with a visible marker of
// its real length.
package safetext

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// unsafeRune reports whether r, a valid rune, must be escaped.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// IsSafe reports whether s is valid UTF-8 without any character that
// Escape rewrites.
func IsSafe(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size <= 1) || unsafeRune(r) {
			return false
		}
		i += size
	}
	return true
}

// Escape returns s with every control character, bidirectional
// formatting character and invalid UTF-8 byte replaced by its visible
// escape (see the package documentation for the form). A safe string is
// returned unchanged.
func Escape(s string) string {
	if IsSafe(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			appendHex(&b, "\\x", uint32(s[i]), 2)
		case !unsafeRune(r):
			b.WriteString(s[i : i+size])
		case r < 0x80:
			if e := shortEscape(byte(r)); e != "" {
				b.WriteString(e)
			} else {
				appendHex(&b, "\\x", uint32(r), 2)
			}
		default:
			appendHex(&b, "\\u", uint32(r), 4)
		}
		i += size
	}
	return b.String()
}

func shortEscape(c byte) string {
	switch c {
	case '\a':
		return `\a`
	case '\b':
		return `\b`
	case '\t':
		return `\t`
	case '\n':
		return `\n`
	case '\v':
		return `\v`
	case '\f':
		return `\f`
	case '\r':
		return `\r`
	}
	return ""
}

func appendHex(b *strings.Builder, prefix string, v uint32, digits int) {
	b.WriteString(prefix)
	h := strconv.FormatUint(uint64(v), 16)
	for range digits - len(h) {
		b.WriteByte('0')
	}
	b.WriteString(h)
}

// DefaultMaxBytes is the length to which messages of this module
// truncate a value they quote: a cgroup value the kernel prints is a few
// dozen bytes, a long cpuset list a few hundred.
const DefaultMaxBytes = 128

// Truncate returns s when it is at most limit bytes long; otherwise its
// first limit bytes (fewer, to end on a whole UTF-8 character) followed
// by "…(N bytes)", N being len(s). A limit below 1 is taken as 1.
func Truncate(s string, limit int) string {
	limit = max(limit, 1)
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && cut > limit-utf8.UTFMax && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if !utf8.RuneStart(s[cut]) {
		cut = limit // not UTF-8 there: cut at the byte
	}
	return s[:cut] + "…(" + strconv.Itoa(len(s)) + " bytes)"
}

// Quote returns Escape(Truncate(s, DefaultMaxBytes)): a value as messages
// of this module quote it.
func Quote(s string) string { return Escape(Truncate(s, DefaultMaxBytes)) }

// EscapeLines escapes every line of s (see Escape) and keeps the line
// breaks: for text whose line structure is the writer's own, such as an
// error message of several lines.
func EscapeLines(s string) string {
	if IsSafe(strings.ReplaceAll(s, "\n", " ")) {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Escape(l)
	}
	return strings.Join(lines, "\n")
}
