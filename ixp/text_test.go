package ixp

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
	tests := []struct {
		in, want string
		n        int
	}{
		{"plain", "plain", 0},
		{"São Paulo", "São Paulo", 0},
		{"a\x00b", "a\uFFFDb", 1},
		{"\x00\x00", "\uFFFD\uFFFD", 2},
		{"caf\xe9", "caf\uFFFD", 1},               // Latin-1 é
		{"\xe2\x82", "\uFFFD\uFFFD", 2},           // a cut three-byte sequence
		{"\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD", 3}, // a surrogate encoded as UTF-8
		{"\uFFFD", "\uFFFD", 0},
	}
	for _, tt := range tests {
		got, n := CleanText(tt.in)
		if got != tt.want || n != tt.n {
			t.Errorf("CleanText(%q) = %q, %d; want %q, %d", tt.in, got, n, tt.want, tt.n)
		}
	}
}

func TestCleanJSON(t *testing.T) {
	tests := []struct {
		name, in, want string
		n              int
	}{
		{"clean", `{"name":"IX.br","asn":1}`, `{"name":"IX.br","asn":1}`, 0},
		{"html escapes kept", `{"n":"\u003cb\u003e"}`, `{"n":"\u003cb\u003e"}`, 0},
		{"nul", `{"name":"a\u0000b"}`, `{"name":"a` + "\uFFFD" + `b"}`, 1},
		{"nul in a key", `{"\u0000":1}`, `{"` + "\uFFFD" + `":1}`, 1},
		{"nul upper case", `["\u0000\u0000"]`, `["` + "\uFFFD\uFFFD" + `"]`, 2},
		{"escaped backslash", `{"n":"\\u0000"}`, `{"n":"\\u0000"}`, 0},
		{"escaped quote", `{"n":"\"\u0000"}`, `{"n":"\"` + "\uFFFD" + `"}`, 1},
		{"surrogate pair", `{"n":"\ud83d\ude00"}`, `{"n":"\ud83d\ude00"}`, 0},
		{"high surrogate alone", `{"n":"\ud83dx"}`, `{"n":"` + "\uFFFD" + `x"}`, 1},
		{"high surrogate at the end", `{"n":"\uD83D"}`, `{"n":"` + "\uFFFD" + `"}`, 1},
		{"two high surrogates", `{"n":"\ud83d\ud83d\ude00"}`, `{"n":"` + "\uFFFD" + `\ud83d\ude00"}`, 1},
		{"low surrogate alone", `{"n":"\ude00"}`, `{"n":"` + "\uFFFD" + `"}`, 1},
		{"invalid byte", "{\"n\":\"caf\xe9\"}", `{"n":"caf` + "\uFFFD" + `"}`, 1},
		{"valid multibyte", `{"n":"Bogotá 🎉"}`, `{"n":"Bogotá 🎉"}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n := CleanJSON([]byte(tt.in))
			if string(got) != tt.want || n != tt.n {
				t.Fatalf("CleanJSON(%s) = %s, %d; want %s, %d", tt.in, got, n, tt.want, tt.n)
			}
			checkCleanJSON(t, got)
		})
	}
}

// checkCleanJSON checks what the rule promises of its output: JSON whose
// strings hold neither NUL nor anything but UTF-8, and nothing left to
// clean.
func checkCleanJSON(t *testing.T, got []byte) {
	t.Helper()
	if !json.Valid(got) || !utf8.Valid(got) {
		t.Fatalf("output %q is not UTF-8 JSON", got)
	}
	if again, n := CleanJSON(got); n != 0 || string(again) != string(got) {
		t.Fatalf("cleaning %q again changes %d characters", got, n)
	}
	// Numbers as json.Number: valid JSON such as 1E700 does not fit a
	// float64 (FuzzCleanJSON found it, input committed), and only the
	// strings matter here.
	dec := json.NewDecoder(bytes.NewReader(got))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			if strings.IndexByte(v, 0) >= 0 {
				t.Fatalf("output %q decodes to a string with NUL", got)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for k, e := range v {
				walk(k)
				walk(e)
			}
		}
	}
	walk(v)
}

func FuzzCleanJSON(f *testing.F) {
	for _, s := range []string{`{"a":"\u0000"}`, `["\ud800\udc00","\udc00"]`, "\"\xff\"", `{"k":"\\u0000\u0000"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		got, n := CleanJSON(data)
		if n == 0 && string(got) != string(data) {
			t.Fatalf("nothing replaced but %q became %q", data, got)
		}
		checkCleanJSON(t, got)
	})
}

// BenchmarkCleanJSON measures the fast path every published record takes
// (clean data, with the HTML escapes json.Marshal writes) and the exact
// pass of a record with a NUL.
func BenchmarkCleanJSON(b *testing.B) {
	clean := []byte(`{"id":123456,"ix_id":171,"net_id":2345,"asn":262589,"name":"Example Telecom \u003cLTDA\u003e","speed":10000,"ipaddr4":"187.16.216.10","ipaddr6":"2001:12f8::216:10","is_rs_peer":true,"operational":true,"status":"ok"}`)
	nul := []byte(`{"id":123456,"ix_id":171,"net_id":2345,"asn":262589,"name":"Example\u0000Telecom","speed":10000,"ipaddr4":"187.16.216.10","ipaddr6":"2001:12f8::216:10","is_rs_peer":true,"operational":true,"status":"ok"}`)
	for _, bc := range []struct {
		name string
		data []byte
	}{{"clean", clean}, {"nul", nul}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.data)))
			for b.Loop() {
				CleanJSON(bc.data)
			}
		})
	}
}
