// Package jsonpick reads a few top-level members of a JSON object several
// times faster than encoding/json decoding the object into a struct: the
// hot read paths of the dashboard decode three or four fields of tens of
// thousands of stored objects per first request of a date (issue 23).
//
// Its answers are encoding/json's. Members checks the whole input's syntax
// as json.Unmarshal does; where the two could differ (a key with an escape
// or a non-ASCII byte, which encoding/json may match to a field through
// Unicode case folding; a value of another type than the field's; a
// number that is not a plain integer in range) the readers return
// ErrSlow, and the caller decodes the object with encoding/json instead.
package jsonpick

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// ErrSlow says that this object must be decoded by encoding/json to get
// its exact answer.
var ErrSlow = errors.New("jsonpick: decode with encoding/json")

// Members calls fn with the key (without its quotes) and the raw value of
// each member of the JSON object data, in order, and checks that data is
// one valid JSON object (surrounding white space allowed). An error of fn
// stops the walk and is returned. On an error fn may have been called for
// the members before it: the caller then starts again from a zero value
// with encoding/json.
func Members(data []byte, fn func(key, value []byte) error) error {
	s := scanner{data: data}
	var fnErr error
	s.space()
	ok := s.byte('{') && s.list('}', func() bool {
		key, value, ok := s.member(1)
		if ok {
			fnErr = fn(key, value)
		}
		return ok && fnErr == nil
	})
	if fnErr != nil {
		return fnErr
	}
	s.space()
	if !ok || s.i != len(data) {
		return fmt.Errorf("jsonpick: not one JSON object (byte %d): %w", s.i, ErrSlow)
	}
	return nil
}

// PlainKey reports whether key (as Members gives it) has no escape and no
// non-ASCII byte: encoding/json then matches it to a field name exactly
// when Fold says they are equal; other keys must be left to encoding/json
// (ErrSlow), which unescapes them and folds Unicode case.
func PlainKey(key []byte) bool { return plain(key) }

// plain reports whether b has no backslash and no non-ASCII byte.
func plain(b []byte) bool {
	for _, c := range b {
		if c == '\\' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Fold reports whether a plain key names the field name (lower-case
// ASCII) as encoding/json matches them: equal but for ASCII case.
func Fold(key []byte, name string) bool {
	if len(key) != len(name) {
		return false
	}
	for i, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}

// String stores a JSON string value in *dst (null leaves it unchanged).
func String(value []byte, dst *string) error {
	if isNull(value) {
		return nil
	}
	if len(value) < 2 || value[0] != '"' {
		return ErrSlow
	}
	body := value[1 : len(value)-1]
	if !plain(body) {
		// Escapes and non-ASCII text (invalid UTF-8 is replaced):
		// encoding/json's own answer for this value.
		return ErrSlow
	}
	*dst = string(body)
	return nil
}

// Int stores a JSON integer value in *dst (null leaves it unchanged).
func Int(value []byte, dst *int64) error {
	return integer(value, dst, func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) })
}

// Uint32 stores a JSON integer value from 0 to 2^32-1 in *dst (null leaves
// it unchanged).
func Uint32(value []byte, dst *uint32) error {
	return integer(value, dst, func(s string) (uint32, error) {
		n, err := strconv.ParseUint(s, 10, 32)
		return uint32(n), err
	})
}

// integer stores value parsed in *dst, null leaving it unchanged; what
// parse refuses (a fraction, an exponent, out of range) is left to
// encoding/json.
func integer[T any](value []byte, dst *T, parse func(string) (T, error)) error {
	if isNull(value) {
		return nil
	}
	n, err := parse(string(value))
	if err != nil {
		return ErrSlow
	}
	*dst = n
	return nil
}

func isNull(v []byte) bool { return string(v) == "null" }

// maxDepth bounds the nesting of values, well below encoding/json's
// 10,000: deeper values are left to it (ErrSlow).
const maxDepth = 1000

type scanner struct {
	data []byte
	i    int
}

// list reads the members of an object or the items of an array after
// its opening byte, up to close, item reading each.
func (s *scanner) list(close byte, item func() bool) bool {
	s.space()
	if s.byte(close) {
		return true
	}
	for {
		s.space()
		if !item() {
			return false
		}
		s.space()
		if !s.byte(',') {
			return s.byte(close)
		}
	}
}

// member reads one member of an object: its key (without quotes) and its
// raw value, at nesting depth.
func (s *scanner) member(depth int) (key, value []byte, ok bool) {
	start := s.i
	if !s.str() {
		return nil, nil, false
	}
	key = s.data[start+1 : s.i-1]
	s.space()
	if !s.byte(':') {
		return nil, nil, false
	}
	s.space()
	vstart := s.i
	if !s.value(depth) {
		return nil, nil, false
	}
	return key, s.data[vstart:s.i], true
}

func (s *scanner) space() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) byte(c byte) bool {
	if s.i < len(s.data) && s.data[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) value(depth int) bool {
	if s.i >= len(s.data) || depth > maxDepth {
		return false
	}
	switch c := s.data[s.i]; {
	case c == '"':
		return s.str()
	case c == '{':
		s.i++
		return s.list('}', func() bool {
			_, _, ok := s.member(depth + 1)
			return ok
		})
	case c == '[':
		s.i++
		return s.list(']', func() bool { return s.value(depth + 1) })
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	}
	return false
}

func (s *scanner) literal(word string) bool {
	if len(s.data)-s.i >= len(word) && string(s.data[s.i:s.i+len(word)]) == word {
		s.i += len(word)
		return true
	}
	return false
}

// str reads a string: control characters are refused, escapes checked;
// other bytes, invalid UTF-8 included, are accepted as encoding/json does.
func (s *scanner) str() bool {
	if !s.byte('"') {
		return false
	}
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == '"':
			s.i++
			return true
		case c < 0x20:
			return false
		case c == '\\':
			s.i++
			if s.i >= len(s.data) {
				return false
			}
			switch s.data[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				if len(s.data)-s.i < 5 {
					return false
				}
				for _, h := range s.data[s.i+1 : s.i+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return false
					}
				}
				s.i += 5
			default:
				return false
			}
		default:
			s.i++
		}
	}
	return false
}

// number reads a number of JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() bool {
	s.byte('-')
	switch {
	case s.byte('0'):
	case s.i < len(s.data) && '1' <= s.data[s.i] && s.data[s.i] <= '9':
		s.digits()
	default:
		return false
	}
	if s.byte('.') && !s.digits() {
		return false
	}
	if s.byte('e') || s.byte('E') {
		if !s.byte('+') {
			s.byte('-')
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// digits reads one or more digits.
func (s *scanner) digits() bool {
	start := s.i
	for s.i < len(s.data) && '0' <= s.data[s.i] && s.data[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}
