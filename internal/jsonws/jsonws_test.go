package jsonws

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
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

// TestLinear: white space between two array elements decodes in time
// linear in its length (64 MiB took 43.8 s through encoding/json alone,
// quadratic). The test compares 16 and 64 MiB, the faster of two runs
// each, rather than a wall-clock bound that a loaded machine or -race
// can pass (it failed at 5.7 s against 5 s beside other work): 4 times
// the input must take less than 8 times as long (quadratic: 16).
func TestLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	decode := func(blanks int) time.Duration {
		in := append(append([]byte("[1,"), bytes.Repeat([]byte(" "), blanks)...), "2]"...)
		best := time.Duration(math.MaxInt64)
		for range 2 {
			start := time.Now()
			dec := json.NewDecoder(NewReader(bytes.NewReader(in)))
			var v []int
			if err := dec.Decode(&v); err != nil || len(v) != 2 {
				t.Fatal(err, v)
			}
			best = min(best, time.Since(start))
		}
		return best
	}
	small, large := decode(16<<20), decode(64<<20)
	t.Logf("16 MiB of blanks decoded in %v, 64 MiB in %v", small, large)
	if large > 8*small {
		t.Errorf("4 times the blanks took %.1f times as long (16 MiB %v, 64 MiB %v): not linear", float64(large)/float64(small), small, large)
	}
}
