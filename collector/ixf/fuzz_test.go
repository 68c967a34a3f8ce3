package ixf

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/ixpobs/ixpobs/internal/fuzzlimit"
	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/ixp"
)

// addSeeds adds the fixtures of testdata and the smaller real exports of the
// shared data (when present) to a fuzz corpus.
func addSeeds(f *testing.F, maxSize int64) {
	var files []string
	local, _ := filepath.Glob("testdata/*.json")
	files = append(files, local...)
	if data, ok := sharedDataDir(); ok {
		real, _ := filepath.Glob(filepath.Join(data, "ixf", "*", "*.json"))
		files = append(files, real...)
	}
	for _, p := range files {
		if st, err := os.Stat(p); err != nil || st.Size() > maxSize {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{"", "{}", "<html>", `{"member_list": {}}`, `{"ixp_list": {"ixp_id": 1}, "member_list": [{"asnum": 1, "connection_list": {"ixp_id": 1}}]}`} {
		f.Add([]byte(s))
	}
}

func FuzzDecode(f *testing.F) {
	addSeeds(f, 64<<10)
	m := NewMatcher(MatchData{
		Prefixes:       []ixp.ExchangePrefix{{IXID: 1, Prefix: "192.0.2.0/24"}, {IXID: 2, Prefix: "2001:db8::/32"}},
		IXFToPeeringDB: map[int64]int64{1: 3},
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzlimit.Check(t, func() {
			ex, err := Decode("fuzz", data)
			if err != nil {
				if ex != nil {
					t.Fatalf("Decode returned an export and error %v", err)
				}
				return
			}
			if len(ex.Exchanges) == 0 {
				t.Fatal("Decode succeeded without exchanges")
			}
			m.Match(ex)
			for _, mem := range ex.Members {
				if !validASN(int64(mem.ASN)) {
					t.Fatalf("member with invalid ASN %d kept", mem.ASN)
				}
				for _, c := range mem.Connections {
					for i, a := range []string{c.IPv4, c.IPv6} {
						if a == "" {
							continue
						}
						ip, err := netip.ParseAddr(a)
						if err != nil || ip.Is4() != (i == 0) || ip.String() != a {
							t.Fatalf("connection address %q kept in the ipv%d field", a, 4+2*i)
						}
					}
					if c.Speed < 0 {
						t.Fatalf("negative speed %d", c.Speed)
					}
				}
			}
			recs, err := Records("fuzz", ex)
			if err != nil {
				t.Fatalf("Records: %v", err)
			}
			ids := make(map[int64]bool, len(recs))
			for _, r := range recs {
				if ids[r.ID] {
					t.Fatalf("record id %d repeated", r.ID)
				}
				ids[r.ID] = true
			}
			for _, n := range ex.Report.Dropped {
				if n <= 0 {
					t.Fatalf("dropped count %d", n)
				}
			}
		})
	})
}

func FuzzParseProviders(f *testing.F) {
	if b, err := os.ReadFile("testdata/ixpdb-providers.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`[{"id": 1, "pdb_id": 2, "apis": {"ixfexport": "https://x.example/"}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzlimit.Check(t, func() {
			ps, err := ParseProviders("fuzz", data)
			if err != nil {
				return
			}
			for _, p := range ps {
				if p.IXFID <= 0 || p.PDBID < 0 {
					t.Fatalf("provider %+v kept", p)
				}
			}
			targets, _ := TargetsFromProviders(ps)
			for _, tg := range targets {
				if _, err := webURL(tg.URL); err != nil {
					t.Fatalf("target %q: %v", tg.URL, err)
				}
			}
		})
	})
}

func BenchmarkDecode(b *testing.B) {
	for _, rel := range []string{"ixf/peerme-2016-10/AMS-IX.json", "ixf/peerme-2016-10/DE-CIX-FRA.json"} {
		data := readShared(b, rel)
		b.Run(filepath.Base(rel), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decode(rel, data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCollectAMSIX measures what one export costs after the fetch:
// decode, match against a full PeeringDB prefix list and build the records.
func BenchmarkCollectAMSIX(b *testing.B) {
	data := readShared(b, "ixf/peerme-2016-10/AMS-IX.json")
	exs, pfx := loadPeeringDB(b, "traixroute-2016-10-19-partial")
	m := NewMatcher(MatchData{Exchanges: exs, Prefixes: pfx})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		ex, err := Decode("AMS-IX.json", data)
		if err != nil {
			b.Fatal(err)
		}
		m.Match(ex)
		if _, err := Records("ams-ix", ex); err != nil {
			b.Fatal(err)
		}
	}
}

// sharedDataDir is the shared data directory, when it holds IX-F exports.
func sharedDataDir() (string, bool) {
	data := testenv.SharedDataDir()
	if data == "" {
		return "", false
	}
	_, err := os.Stat(filepath.Join(data, "ixf"))
	return data, err == nil
}
