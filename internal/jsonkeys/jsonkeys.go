// Package jsonkeys finds what encoding/json merges without a word: a key
// given twice in one object (the last value wins) and two keys of one
// object that are equal but for case (a struct field takes either). Both
// are quirks of an input, to be reported or refused, never silent (issue
// 20, item 4).
package jsonkeys

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Problem is one key of an object that repeats an earlier key of the same
// object, exactly or but for case.
type Problem struct {
	Offset int    // byte offset of the repeating key's opening quote
	Key    string // the repeating key
	First  string // the earlier key it repeats
}

func (p Problem) Error() string {
	if p.Key == p.First {
		return fmt.Sprintf("key %q given twice in one object (byte %d)", p.Key, p.Offset)
	}
	return fmt.Sprintf("key %q (byte %d) differs only in case from key %q of the same object", p.Key, p.Offset, p.First)
}

// Fold is the form two keys share when encoding/json would match them to
// the same struct field: Unicode simple case folding (ASCII lower case for
// ASCII keys, so the usual key costs no allocation).
func Fold(key string) string {
	for i := 0; i < len(key); i++ {
		if key[i] >= utf8.RuneSelf {
			return strings.ToLower(strings.ToUpper(key))
		}
	}
	return strings.ToLower(key)
}

// foldBytes is Fold for a key's bytes; it returns key itself (no
// allocation) when the key is ASCII without upper case, the usual key.
func foldBytes(key []byte) []byte {
	for _, c := range key {
		if c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return []byte(Fold(string(key)))
		}
	}
	return key
}

// key is one key of an open object: folded, and as written.
type key struct {
	fold, orig []byte
	offset     int
}

type frame struct {
	obj       bool
	expectKey bool
	start     int            // its keys are keys[start:]
	many      map[string]int // folded → index in keys, once it has many
}

const smallObject = 64

// Check scans data, which must be valid JSON (what a decoder has already
// accepted), and returns the problems of every object at any depth, at
// most limit of them (all when limit <= 0), in input order. top, when not
// nil, is called with each key of the top-level object (data being an
// object) and its offset; key is only valid during the call. The scan is
// linear in len(data) and allocates only for keys with escapes, upper case
// or non-ASCII letters, objects of over 64 keys, and problems.
func Check(data []byte, limit int, top func(key []byte, offset int)) []Problem {
	var c Checker
	return c.Check(data, limit, top)
}

// Checker is Check with buffers kept from one call to the next, for a
// reader checking many small documents (one object each) in turn. Its
// zero value is ready; it is not safe for concurrent use.
type Checker struct {
	stack []frame
	keys  []key
}

// Check is the package's Check, reusing c's buffers.
func (c *Checker) Check(data []byte, limit int, top func(key []byte, offset int)) []Problem {
	var problems []Problem
	stack, keys := c.stack[:0], c.keys[:0]
	defer func() {
		clear(keys[:cap(keys)]) // keep no reference to data
		c.stack, c.keys = stack[:0], keys[:0]
	}()
	for i := 0; i < len(data); {
		switch data[i] {
		case '{':
			stack = append(stack, frame{obj: true, expectKey: true, start: len(keys)})
			i++
		case '[':
			stack = append(stack, frame{start: len(keys)})
			i++
		case '}', ']':
			if n := len(stack); n > 0 {
				keys = keys[:stack[n-1].start]
				stack = stack[:n-1]
			}
			i++
		case ',':
			if n := len(stack); n > 0 && stack[n-1].obj {
				stack[n-1].expectKey = true
			}
			i++
		case '"':
			start := i
			end, escaped := stringEnd(data, i)
			i = end
			n := len(stack)
			if n == 0 || !stack[n-1].obj || !stack[n-1].expectKey {
				continue
			}
			f := &stack[n-1]
			f.expectKey = false
			k := key{offset: start}
			if escaped {
				k.orig = []byte(unquote(data[start:end], true))
			} else if end-start >= 2 {
				k.orig = data[start+1 : end-1]
			}
			k.fold = foldBytes(k.orig)
			if n == 1 && top != nil {
				top(k.orig, start)
			}
			if first := f.find(keys, k.fold); first >= 0 {
				if limit <= 0 || len(problems) < limit {
					problems = append(problems, Problem{Offset: start, Key: string(k.orig), First: string(keys[first].orig)})
				}
				continue
			}
			keys = append(keys, k)
			f.index(keys)
		default:
			i++
		}
	}
	return problems
}

// find returns the index in keys of the frame's key folded as fold, or -1.
func (f *frame) find(keys []key, fold []byte) int {
	if f.many != nil {
		if i, ok := f.many[string(fold)]; ok {
			return i
		}
		return -1
	}
	for i := f.start; i < len(keys); i++ {
		if string(keys[i].fold) == string(fold) {
			return i
		}
	}
	return -1
}

// index adds the frame's newest key to its map once it has many keys.
func (f *frame) index(keys []key) {
	n := len(keys) - f.start
	switch {
	case n == smallObject+1:
		f.many = make(map[string]int, 2*smallObject)
		for i := f.start; i < len(keys); i++ {
			f.many[string(keys[i].fold)] = i
		}
	case n > smallObject+1:
		f.many[string(keys[len(keys)-1].fold)] = len(keys) - 1
	}
}

// stringEnd returns the offset just past the string starting at data[i]
// (a quote) and whether it holds an escape.
func stringEnd(data []byte, i int) (int, bool) {
	escaped := false
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			return j + 1, escaped
		}
	}
	return len(data), escaped
}

func unquote(quoted []byte, escaped bool) string {
	if !escaped {
		if len(quoted) < 2 {
			return ""
		}
		return string(quoted[1 : len(quoted)-1])
	}
	var s string
	if err := json.Unmarshal(quoted, &s); err != nil {
		return string(quoted)
	}
	return s
}
