package ixf

import (
	"encoding/json"
	"strconv"
	"strings"
)

// The decoder reads the export into generic JSON values (maps, slices,
// json.Number, strings, booleans, nil) and walks them, so that any type a
// feed sends in any place is seen and judged rather than failing the whole
// document. These helpers read one value leniently and say how.

// valueForm says how a value was sent.
type valueForm int

const (
	formMissing valueForm = iota // key absent or JSON null
	formNative                   // the schema's type
	formString                   // a number or boolean sent as a string
	formOther                    // a type that cannot be read as wanted
)

// getInt reads an integer: a JSON number without fraction, or a string
// holding one (optionally prefixed "AS" for ASNs).
func getInt(v any) (int64, valueForm) {
	switch x := v.(type) {
	case nil:
		return 0, formMissing
	case json.Number:
		if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return n, formNative
		}
		// 8560.0 and 1e3 are integers too.
		if f, err := x.Float64(); err == nil && f == float64(int64(f)) && f >= -1<<53 && f <= 1<<53 {
			return int64(f), formNative
		}
		return 0, formOther
	case string:
		s := strings.TrimSpace(x)
		if len(s) > 2 && (s[:2] == "AS" || s[:2] == "as") {
			s = s[2:]
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, formString
		}
		if s == "" {
			return 0, formMissing
		}
		return 0, formOther
	}
	return 0, formOther
}

// getString reads a string; numbers are rendered, other types are not
// strings.
func getString(v any) (string, valueForm) {
	switch x := v.(type) {
	case nil:
		return "", formMissing
	case string:
		return x, formNative
	case json.Number:
		return string(x), formString
	}
	return "", formOther
}

// getBool reads a boolean: true/false, or "true"/"false"/"yes"/"no"/"1"/"0"
// as strings, or the numbers 1 and 0.
func getBool(v any) (bool, valueForm) {
	switch x := v.(type) {
	case nil:
		return false, formMissing
	case bool:
		return x, formNative
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "yes", "1", "y", "t":
			return true, formString
		case "false", "no", "0", "n", "f", "":
			return false, formString
		}
	case json.Number:
		switch x {
		case "1":
			return true, formString
		case "0":
			return false, formString
		}
	}
	return false, formOther
}

// getList reads a list; a single object is read as a one-element list.
func getList(v any) ([]any, valueForm) {
	switch x := v.(type) {
	case nil:
		return nil, formMissing
	case []any:
		return x, formNative
	case map[string]any:
		return []any{x}, formString // "string" form here means "not a list but usable"
	}
	return nil, formOther
}

// getObject reads an object.
func getObject(v any) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	return m, ok
}

// short renders a value for a report example.
func short(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}

// isInteger reports whether a JSON number is written as an integer (no
// fraction, no exponent).
func isInteger(num string) bool {
	_, err := strconv.ParseInt(num, 10, 64)
	return err == nil
}
