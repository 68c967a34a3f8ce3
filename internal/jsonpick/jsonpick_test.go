package jsonpick

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestMembers(t *testing.T) {
	var got []string
	err := Members([]byte(` {"a" : 1, "b":{"c":[true,null,"x\"}"]}, "d":"e"} `), func(k, v []byte) error {
		got = append(got, string(k)+"="+string(v))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := `a=1 b={"c":[true,null,"x\"}"]} d="e"`; strings.Join(got, " ") != want {
		t.Fatalf("members %q, want %q", strings.Join(got, " "), want)
	}
	stop := errors.New("stop")
	if err := Members([]byte(`{"a":1,"b":2}`), func(k, v []byte) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("fn's error: %v", err)
	}
}

// TestMembersSyntax checks that Members refuses (ErrSlow) what
// json.Valid refuses, and accepts the objects it accepts.
func TestMembersSyntax(t *testing.T) {
	for _, in := range []string{
		`{}`, `{"a":[]}`, `{"a":{}}`, `{"a":-0.5e+10}`, `{"a":"\u00e9\n"}`, "{\"a\":\"\xff\"}",
		``, ` `, `[]`, `{"a":1}}`, `{"a":1,}`, `{,}`, `{"a"}`, `{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":+1}`, `{"a":.1}`,
		`{"a":1e}`, `{"a":tru}`, `{"a":"\q"}`, `{"a":"\u12g4"}`, "{\"a\":\"\t\"}", `{"a":[1,]}`, `{"a":[1 2]}`, `{"a":{"b"}}`,
		`{"a":1} 2`, `{'a':1}`, `{"a":NaN}`, strings.Repeat("[", 2000),
		`{"a":` + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + `}`,
	} {
		err := Members([]byte(in), func(k, v []byte) error { return nil })
		valid := json.Valid([]byte(in)) && strings.HasPrefix(strings.TrimSpace(in), "{")
		deep := strings.Count(in, "[") > maxDepth
		switch {
		case valid && !deep && err != nil:
			t.Errorf("%.40q: %v, want no error", in, err)
		case (!valid || deep) && !errors.Is(err, ErrSlow):
			t.Errorf("%.40q: %v, want ErrSlow", in, err)
		}
	}
}

func TestValues(t *testing.T) {
	var s string
	if err := String([]byte(`"plain"`), &s); err != nil || s != "plain" {
		t.Errorf("String: %q, %v", s, err)
	}
	if err := String([]byte(`null`), &s); err != nil || s != "plain" {
		t.Errorf("String of null changed %q, %v", s, err)
	}
	for _, v := range []string{`"\n"`, `"é"`, `1`, `true`, `[]`} {
		if err := String([]byte(v), &s); !errors.Is(err, ErrSlow) {
			t.Errorf("String(%s): %v, want ErrSlow", v, err)
		}
	}
	var n int64
	if err := Int([]byte(`-42`), &n); err != nil || n != -42 {
		t.Errorf("Int: %d, %v", n, err)
	}
	for _, v := range []string{`1.0`, `1e2`, `"1"`, `9223372036854775808`} {
		if err := Int([]byte(v), &n); !errors.Is(err, ErrSlow) {
			t.Errorf("Int(%s): %v, want ErrSlow", v, err)
		}
	}
	var u uint32
	if err := Uint32([]byte(`4294967295`), &u); err != nil || u != 4294967295 {
		t.Errorf("Uint32: %d, %v", u, err)
	}
	for _, v := range []string{`-1`, `4294967296`, `-0`} {
		if err := Uint32([]byte(v), &u); !errors.Is(err, ErrSlow) {
			t.Errorf("Uint32(%s): %v, want ErrSlow", v, err)
		}
	}
}

func TestKeys(t *testing.T) {
	for _, tc := range []struct {
		key   string
		plain bool
		fold  bool // names "asn"
	}{
		{"asn", true, true}, {"ASN", true, true}, {"aSn", true, true}, {"asn_", true, false}, {"as", true, false},
		{`a\u0073n`, false, false}, {"\u212asn", false, false},
	} {
		if PlainKey([]byte(tc.key)) != tc.plain {
			t.Errorf("PlainKey(%q) = %v", tc.key, !tc.plain)
		}
		if tc.plain && Fold([]byte(tc.key), "asn") != tc.fold {
			t.Errorf("Fold(%q, asn) = %v", tc.key, !tc.fold)
		}
	}
}

// FuzzMembers checks Members' syntax against json.Valid on any input:
//
//	go test ./internal/jsonpick -run '^$' -fuzz FuzzMembers -fuzztime 60s
func FuzzMembers(f *testing.F) {
	for _, s := range []string{`{"a":1,"b":[true,{"c":null}],"d":"e\u00e9"}`, `{}`, `[]`, `{"a":-1.5e3}`, "{\"a\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := Members(data, func(k, v []byte) error {
			if !json.Valid(v) {
				t.Fatalf("member %q: value %q is not valid JSON", k, v)
			}
			return nil
		})
		object := json.Valid(data) && strings.HasPrefix(strings.TrimLeft(string(data), " \t\r\n"), "{")
		switch {
		case err == nil && !object:
			t.Fatalf("%q accepted, but it is not one JSON object", data)
		case err != nil && object && depth(data) <= maxDepth:
			t.Fatalf("%q refused: %v", data, err)
		}
	})
}

// depth is the deepest nesting of a valid JSON document.
func depth(data []byte) int {
	d := json.NewDecoder(strings.NewReader(string(data)))
	n, most := 0, 0
	for {
		tok, err := d.Token()
		if err != nil {
			return most
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			n++
			most = max(most, n)
		case json.Delim('}'), json.Delim(']'):
			n--
		}
	}
}
