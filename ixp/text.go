package ixp

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// The text rule, one for every store: text PostgreSQL cannot store —
// U+0000, bytes that are not UTF-8, and in JSON an escaped UTF-16
// surrogate without its pair (\ud800) — is replaced by U+FFFD, the
// replacement character, and reported as the quirk QuirkTextReplaced. The
// SQLite store could keep such text and PostgreSQL refuses it (SQLSTATE
// 22P05, 22021), so applying the rule on both keeps a history movable from
// one to the other and the same input publishing the same snapshot on
// both. docs/RELIABILITY.md ("Text") describes it.

// QuirkTextReplaced names the quirk of text changed by the text rule.
const QuirkTextReplaced = "text_replaced"

// Replacement is what the text rule puts in place of text a store cannot
// keep.
const Replacement = "\uFFFD"

// CleanText applies the text rule to s: each NUL character and each byte
// that does not start a valid UTF-8 sequence becomes U+FFFD. It returns s
// itself and 0 when nothing had to change.
func CleanText(s string) (string, int) {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s, 0
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == 0 || (r == utf8.RuneError && size == 1) {
			b.WriteString(Replacement)
			n++
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String(), n
}

// CleanJSON applies the text rule to the strings of a JSON document
// (data must be valid JSON, as json.Valid reports): an escaped NUL
// (\u0000), an escaped surrogate without its pair and each byte that is
// not UTF-8 become U+FFFD (written as its UTF-8 bytes, as json.Marshal
// writes the character). It returns data itself and 0 when nothing had to
// change, so the common case costs one scan and no allocation.
func CleanJSON(data []byte) ([]byte, int) {
	if !jsonNeedsCleaning(data) {
		return data, 0
	}
	out := make([]byte, 0, len(data)+8)
	n := 0
	inString := false
	for i := 0; i < len(data); {
		c := data[i]
		switch {
		case c == '"':
			inString = !inString
			out = append(out, c)
			i++
		case inString && c == '\\' && i+1 < len(data) && data[i+1] == 'u' && i+6 <= len(data):
			u, ok := hex4(data[i+2 : i+6])
			switch {
			case !ok:
				out = append(out, data[i:i+6]...) // not JSON; left as is
				i += 6
			case u == 0:
				out = append(out, Replacement...)
				n++
				i += 6
			case u >= 0xD800 && u < 0xDC00: // high surrogate: needs a low one next
				if i+12 <= len(data) && data[i+6] == '\\' && data[i+7] == 'u' {
					if lo, ok := hex4(data[i+8 : i+12]); ok && lo >= 0xDC00 && lo < 0xE000 {
						out = append(out, data[i:i+12]...)
						i += 12
						continue
					}
				}
				out = append(out, Replacement...)
				n++
				i += 6
			case u >= 0xDC00 && u < 0xE000: // low surrogate alone
				out = append(out, Replacement...)
				n++
				i += 6
			default:
				out = append(out, data[i:i+6]...)
				i += 6
			}
		case inString && c == '\\' && i+1 < len(data):
			out = append(out, data[i:i+2]...) // \" \\ \/ \b \f \n \r \t
			i += 2
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				out = append(out, Replacement...)
				n++
			} else {
				out = append(out, data[i:i+size]...)
			}
			i += size
		}
	}
	if n == 0 {
		return data, 0
	}
	return out, n
}

// jsonNeedsCleaning is the fast test: no byte outside UTF-8 and no escape
// of NUL or of a surrogate (json.Marshal escapes <, > and & as \u003c…,
// so the escape itself is common and is not enough to look closer). A
// false positive (an escaped backslash before "u0000") only costs the
// exact pass.
func jsonNeedsCleaning(data []byte) bool {
	for rest := data; ; {
		i := bytes.Index(rest, []byte(`\u`))
		if i < 0 || i+6 > len(rest) {
			break
		}
		h := rest[i+2 : i+6]
		if string(h) == "0000" || ((h[0] == 'd' || h[0] == 'D') && strings.IndexByte("89abcdefABCDEF", h[1]) >= 0) {
			return true
		}
		rest = rest[i+2:]
	}
	return !utf8.Valid(data)
}

func hex4(b []byte) (rune, bool) {
	var r rune
	for _, c := range b {
		r <<= 4
		switch {
		case '0' <= c && c <= '9':
			r |= rune(c - '0')
		case 'a' <= c && c <= 'f':
			r |= rune(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}
