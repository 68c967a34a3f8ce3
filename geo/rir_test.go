package geo

import "testing"

func TestRIROf(t *testing.T) {
	for cc, want := range map[string]string{
		"BR": "lacnic", "MX": "lacnic", "TT": "lacnic", "US": "arin", "CA": "arin", "JM": "arin", "BS": "arin",
		"DE": "ripencc", "RU": "ripencc", "TR": "ripencc", "AE": "ripencc", "IR": "ripencc", "KZ": "ripencc", "GL": "ripencc",
		"ZA": "afrinic", "EG": "afrinic", "JP": "apnic", "IN": "apnic", "AU": "apnic", "FJ": "apnic", "XX": "", "UK": "ripencc",
	} {
		if got := RIROf(cc); got != want {
			t.Errorf("RIROf(%s) = %q, want %q", cc, got, want)
		}
	}
}
