package rir

// Source is a published delegated file to fetch on a schedule.
type Source struct {
	Registry string // as in the file: afrinic, apnic, arin, lacnic, ripencc, iana
	URL      string
	Extended bool // delegated-extended format (opaque ids, available/reserved lines)
}

// DefaultSources returns the "latest" delegated files of the five RIRs
// (extended format, HTTPS on their FTP hosts, following the /stats/<registry>/
// layout of the format specification) and IANA's file, which IANA does not
// serve itself: the RIRs mirror it under /stats/iana/ (APNIC's copy here).
// The slice is new on each call.
func DefaultSources() []Source {
	return []Source{
		{Registry: "afrinic", URL: "https://ftp.afrinic.net/stats/afrinic/delegated-afrinic-extended-latest", Extended: true},
		{Registry: "apnic", URL: "https://ftp.apnic.net/stats/apnic/delegated-apnic-extended-latest", Extended: true},
		{Registry: "arin", URL: "https://ftp.arin.net/pub/stats/arin/delegated-arin-extended-latest", Extended: true},
		{Registry: "lacnic", URL: "https://ftp.lacnic.net/pub/stats/lacnic/delegated-lacnic-extended-latest", Extended: true},
		{Registry: "ripencc", URL: "https://ftp.ripe.net/pub/stats/ripencc/delegated-ripencc-extended-latest", Extended: true},
		{Registry: "iana", URL: "https://ftp.apnic.net/stats/iana/delegated-iana-latest", Extended: false},
	}
}
