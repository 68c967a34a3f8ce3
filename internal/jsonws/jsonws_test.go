package jsonws

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

func TestReader(t *testing.T) {
	long := strings.Repeat(" ", Keep+100)
	tests := []struct {
		name, in string
		out      string
	}{
		{"short runs kept", "[1, 2,\n 3]", "[1, 2,\n 3]"},
		{"long run cut", "[1," + long + "2]", "[1," + long[:Keep] + "2]"},
		{"inside a string kept", `["` + long + `"]`, `["` + long + `"]`},
		{"escaped quote", `["\"` + long + `"]`, `["\"` + long + `"]`},
		{"trailing run", "[1]" + long, "[1]" + long[:Keep]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := io.ReadAll(NewReader(strings.NewReader(tt.in)))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.out {
				t.Fatalf("got %d bytes, want %d", len(got), len(tt.out))
			}
		})
	}
}

func TestInputOffset(t *testing.T) {
	long := strings.Repeat("\n", 3*Keep)
	in := "[1," + long + "2," + long + "x]"
	z := NewReader(strings.NewReader(in))
	dec := json.NewDecoder(z)
	var v any
	err := dec.Decode(&v)
	se, ok := err.(*json.SyntaxError)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	// The syntax error is at the 'x'; its offset in the input:
	want := int64(strings.IndexByte(in, 'x'))
	if got := z.InputOffset(se.Offset - 1); got != want {
		t.Errorf("InputOffset = %d, want %d", got, want)
	}
}

// TestLinear: 64 MiB of white space between two array elements decodes in
// well under a second (was 43.8 s through encoding/json alone).
func TestLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	in := append(append([]byte("[1,"), bytes.Repeat([]byte(" "), 64<<20)...), "2]"...)
	start := time.Now()
	dec := json.NewDecoder(NewReader(bytes.NewReader(in)))
	var v []int
	if err := dec.Decode(&v); err != nil || len(v) != 2 {
		t.Fatal(err, v)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	} else {
		t.Logf("64 MiB of blanks decoded in %v", d)
	}
}
