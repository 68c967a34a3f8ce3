package dashboard

import (
	"testing"

	"github.com/ixpobs/ixpobs/internal/testdiff"
)

// TestCSVSafe: cells a spreadsheet would run as a formula get a leading
// apostrophe (OWASP CSV injection); numbers, negative ones included, and
// ordinary text stay as they are.
func TestCSVSafe(t *testing.T) {
	in := []string{"=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1", "-0.05", "+3", "-Inf", "NaN", "São Paulo", "", "AS-SET"}
	want := []string{"'=HYPERLINK(\"http://x\")", "'+1+1", "'-2+3", "'@SUM(A1)", "'\tcmd", "'\r=1", "-0.05", "+3", "'-Inf", "NaN", "São Paulo", "", "AS-SET"}
	orig := append([]string(nil), in...)
	if d := testdiff.Diff(want, csvSafe(in)); d != "" {
		t.Errorf("csvSafe(%q), -want +got:\n%s", in, d)
	}
	if testdiff.Diff(orig, in) != "" {
		t.Errorf("csvSafe wrote its argument: %q", in)
	}
	csv, err := encodeCSV(testTable{header: []string{"name", "change"}, rows: [][]string{{"=cmd|' /C calc'!A0", "-0.5"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(csv), "name,change\n'=cmd|' /C calc'!A0,-0.5\n"; got != want {
		t.Errorf("encodeCSV = %q, want %q", got, want)
	}
}

type testTable struct {
	header []string
	rows   [][]string
}

func (t testTable) csvHeader() []string { return t.header }
func (t testTable) csvRows() [][]string { return t.rows }
