package main

import (
	"path/filepath"
	"testing"
	"time"
)

// Bounds of one hostile-corpus import, as TestImportGzipBombs bounds the
// 1 GB bombs: CPU time (not wall time, so a loaded machine does not make
// it fail) and the importer's own peak RSS.
const (
	corpusMaxCPU = 5 * time.Second
	corpusMaxRSS = 256 << 20
)

// TestHostileCorpusBounds is the resource half of issue 20.8: every case
// of the hostile corpus (TestHostileCorpus checks the outcomes, in this
// process and under -race) is imported again by the real binary, built
// without -race, as a child process whose CPU time and peak RSS are
// measured. Each must stay under corpusMaxCPU and corpusMaxRSS. SQLite
// only: the bounds are the importer's, the store behind it adds nothing
// to this process but its client.
func TestHostileCorpusBounds(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the binary and runs about 270 imports")
	}
	bin := buildBinary(t)
	cases := hostileCorpus(t)
	db := filepath.Join(t.TempDir(), "bounds.db")
	var maxCPU, totalCPU time.Duration
	var maxRSS int64
	var maxCPUCase, maxRSSCase string
	for i, c := range cases {
		path := writeCorpusCase(t, t.TempDir(), i, c)
		m := runMeasured(t, bin, append(importArgs(c.kind, path, corpusDay(i)), "--db", db)...)
		if m.cpu > corpusMaxCPU || m.peakRSS > corpusMaxRSS {
			t.Errorf("%s: %v CPU and %d MiB peak RSS, want under %v and %d MiB", c.name, m.cpu.Round(time.Millisecond), m.peakRSS>>20, corpusMaxCPU, corpusMaxRSS>>20)
		}
		totalCPU += m.cpu
		if m.cpu > maxCPU {
			maxCPU, maxCPUCase = m.cpu, c.name
		}
		if m.peakRSS > maxRSS {
			maxRSS, maxRSSCase = m.peakRSS, c.name
		}
	}
	t.Logf("%d cases: CPU %v in all, at most %v (%s); peak RSS at most %d MiB (%s)",
		len(cases), totalCPU.Round(time.Millisecond), maxCPU.Round(time.Millisecond), maxCPUCase, maxRSS>>20, maxRSSCase)
}
