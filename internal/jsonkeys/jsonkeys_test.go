package jsonkeys

import (
	"strings"
	"testing"

	"github.com/ixpobs/ixpobs/internal/testdiff"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []Problem
		top      []string
	}{
		{"clean", `{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}`, nil, []string{"a", "b", "c"}},
		{"duplicate", `{"asn":1,"asn":2}`, []Problem{{9, "asn", "asn"}}, []string{"asn", "asn"}},
		{"case variant", `{"asn":1,"ASN":2}`, []Problem{{9, "ASN", "asn"}}, []string{"asn", "ASN"}},
		{"kelvin sign folds to k", `{"k":1,"\u212a":2}`, []Problem{{7, "\u212a", "k"}}, []string{"k", "\u212a"}},
		{"escaped duplicate", `{"a\"b":1,"a\u0022b":2}`, []Problem{{10, `a"b`, `a"b`}}, []string{`a"b`, `a"b`}},
		{"nested", `[{"x":{"id":1,"Id":2}}]`, []Problem{{14, "Id", "id"}}, nil},
		{"string values are not keys", `{"a":"a","b":"a","c":["a","a"]}`, nil, []string{"a", "b", "c"}},
		{"sibling objects independent", `[{"a":1},{"a":1}]`, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var top []string
			got := Check([]byte(tc.in), 0, func(k []byte, _ int) { top = append(top, string(k)) })
			if d := testdiff.Diff(tc.want, got); d != "" {
				t.Errorf("problems, -want +got:\n%s", d)
			}
			if d := testdiff.Diff(tc.top, top); d != "" {
				t.Errorf("top keys, -want +got:\n%s", d)
			}
		})
	}
}

func TestCheckManyKeys(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 150; i++ {
		b.WriteString(`"k` + strings.Repeat("x", i) + `":1,`)
	}
	b.WriteString(`"KXX":2}`)
	got := Check([]byte(b.String()), 0, nil)
	if len(got) != 1 || got[0].Key != "KXX" || got[0].First != "kxx" {
		t.Fatalf("got %+v", got)
	}
	if s := got[0].Error(); !strings.Contains(s, "differs only in case") {
		t.Errorf("Error() = %q", s)
	}
}

func TestCheckLimit(t *testing.T) {
	got := Check([]byte(`{"a":1,"a":2,"a":3,"a":4}`), 2, nil)
	if len(got) != 2 {
		t.Fatalf("got %d problems, want 2", len(got))
	}
}
