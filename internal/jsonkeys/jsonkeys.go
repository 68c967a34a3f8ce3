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

type frame struct {
	obj       bool
	expectKey bool
	keys      []string          // folded keys, while few
	orig      []string          // keys as written, parallel to keys
	many      map[string]string // folded → as written, once keys grows
}

const smallObject = 32

func (f *frame) add(key string) (first string, dup bool) {
	fold := Fold(key)
	if f.many != nil {
		if first, ok := f.many[fold]; ok {
			return first, true
		}
		f.many[fold] = key
		return "", false
	}
	for i, k := range f.keys {
		if k == fold {
			return f.orig[i], true
		}
	}
	f.keys = append(f.keys, fold)
	f.orig = append(f.orig, key)
	if len(f.keys) > smallObject {
		f.many = make(map[string]string, 2*smallObject)
		for i, k := range f.keys {
			f.many[k] = f.orig[i]
		}
		f.keys, f.orig = nil, nil
	}
	return "", false
}

// Check scans data, which must be valid JSON (what a decoder has already
// accepted), and returns the problems of every object at any depth, at
// most limit of them (all when limit <= 0), in input order. top, when not
// nil, is called with each key of the top-level object (data being an
// object) and its offset. The scan is linear in len(data).
func Check(data []byte, limit int, top func(key string, offset int)) []Problem {
	var problems []Problem
	var stack []frame
	for i := 0; i < len(data); {
		switch data[i] {
		case '{':
			stack = append(stack, frame{obj: true, expectKey: true})
			i++
		case '[':
			stack = append(stack, frame{})
			i++
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
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
			key := unquote(data[start:end], escaped)
			if n == 1 && top != nil {
				top(key, start)
			}
			if first, dup := f.add(key); dup && (limit <= 0 || len(problems) < limit) {
				problems = append(problems, Problem{Offset: start, Key: key, First: first})
			}
		default:
			i++
		}
	}
	return problems
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
