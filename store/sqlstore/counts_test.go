package sqlstore

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ixpobs/ixpobs/internal/fuzzlimit"
)

// parseCounts must give what json.Unmarshal gives whenever it accepts
// its input, and accept what Publish writes.
func checkCounts(t *testing.T, s string) (accepted bool) {
	got, ok := parseCounts(s)
	if !ok {
		return false
	}
	var want map[string]int
	if err := json.Unmarshal([]byte(s), &want); err != nil {
		t.Fatalf("parseCounts(%q) = %v, but json.Unmarshal fails: %v", s, got, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parseCounts(%q) = %v, json.Unmarshal %v", s, got, want)
	}
	return true
}

func TestParseCounts(t *testing.T) {
	for _, m := range []map[string]int{{}, {"ix": 40, "netixlan": 320}, {"asn": 0}, {"a,b": 1, "c:d": 22, "é": 3}, {"fac": 123456789012345}} {
		b, _ := json.Marshal(m)
		if !checkCounts(t, string(b)) {
			t.Errorf("parseCounts(%s) declined what Publish writes", b)
		}
	}
	for _, s := range []string{"", "null", "{", "}", `{"a":1,}`, `{"a":}`, `{"a" :1}`, `{"a":-1}`, `{"a":01}`, `{"a":1.5}`, `{"a\"b":1}`, `{"a\u00e9":1}`,
		`{"a":1234567890123456789012}`, `{"a":1}x`, "{\"\xff\":1}", `{"a":1,"a":2}`, `{ "a":1}`} {
		checkCounts(t, s) // accepted or not, never different from encoding/json
	}
}

func FuzzParseCounts(f *testing.F) {
	for _, s := range []string{`{}`, `{"ix":40,"netixlan":320}`, `{"a":1,"a":2}`, `{"a\"":1}`, `null`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { fuzzlimit.Check(t, func() { checkCounts(t, s) }) })
}
