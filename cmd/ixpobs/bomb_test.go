package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestImportGzipBombs is issue 20's bound: each importer, given a 1 MB
// gzip that expands to about 1 GB, stops (at its byte cap, its framing or
// its blank-line bound) within 5 s of CPU and 256 MB of peak RSS, fails,
// and leaves the store without a snapshot. The real binary runs each
// import, so its rusage is the importer's own (not the race detector's:
// the binary is built without -race). CPU time, not wall time, is bounded,
// so a loaded machine does not make it fail.
func TestImportGzipBombs(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the binary and expands four 1 GB inputs")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	bomb := func(name string, unit byte) string {
		t.Helper()
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		chunk := bytes.Repeat([]byte{unit}, 1<<20)
		for range 1000 {
			zw.Write(chunk)
		}
		zw.Close()
		if buf.Len() > 1100<<10 {
			t.Fatalf("%s: %d bytes compressed, want about 1 MB", name, buf.Len())
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	db := filepath.Join(dir, "bombs.db")
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"peeringdb (spaces)", []string{"import", "peeringdb", bomb("peeringdb.json.gz", ' '), "--at", "2024-01-01"}},
		{"ixf (spaces)", []string{"import", "ixf", bomb("ixf.json.gz", ' ')}},
		{"rir (newlines)", []string{"import", "rir", bomb("delegated.txt.gz", '\n')}},
		{"mrt (zeros)", []string{"import", "mrt", bomb("rib.mrt.gz", 0), "--collector", "bomb"}},
	} {
		m := runMeasured(t, bin, append(tc.args, "--db", db)...)
		err, cpu, rss, wall := m.err, m.cpu, m.peakRSS, m.wall
		if err == nil {
			t.Errorf("%s: the import succeeded", tc.name)
			continue
		}
		t.Logf("%s: refused after %v wall, %v CPU, peak RSS %d MiB: %s", tc.name, wall.Round(time.Millisecond), cpu.Round(time.Millisecond), rss>>20, lastLine(m.stderr))
		if cpu > 5*time.Second || rss > 256<<20 {
			t.Errorf("%s: %v CPU and %d MiB peak RSS, want under 5 s and 256 MiB", tc.name, cpu, rss>>20)
		}
	}
	code, out, _ := runBin(t, bin, "snapshots", "list", "--db", db)
	// Only the header line: no source has a snapshot.
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || len(lines) != 1 || !strings.HasPrefix(lines[0], "SOURCE") {
		t.Errorf("snapshots after the bombs (want none): exit %d\n%s", code, out)
	}
}

// measuredRun is one run of the ixpobs binary as a child process, with its
// own CPU time and peak RSS.
type measuredRun struct {
	err     error // from cmd.Wait: nil, or the exit status
	cpu     time.Duration
	peakRSS int64 // bytes, the child's VmHWM
	wall    time.Duration
	stderr  string
}

// runMeasured runs the binary with args and measures it. The peak RSS is
// the child's VmHWM, polled until it exits: rusage's ru_maxrss of a child
// counts the parent's RSS at the fork (here the race-built test binary's).
// The run is killed after corpusTimeout.
func runMeasured(t *testing.T, bin string, args ...string) measuredRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), corpusTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "IXPOBS_CONFIG=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done, peak := make(chan struct{}), make(chan int64, 1)
	go func() {
		var hwm int64
		for {
			if v := vmHWM(cmd.Process.Pid); v > hwm {
				hwm = v
			}
			select {
			case <-done:
				peak <- hwm
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	m := measuredRun{err: err, peakRSS: <-peak, wall: time.Since(start), stderr: stderr.String()}
	if ctx.Err() != nil {
		t.Fatalf("%v: still running after %v: a hang", args, corpusTimeout)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		t.Fatalf("%v: no rusage", args)
	}
	m.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return m
}

// vmHWM returns the peak resident set size of a running process in bytes
// (0 once it has exited).
func vmHWM(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func lastLine(s string) string {
	lines := bytes.Split(bytes.TrimSpace([]byte(s)), []byte("\n"))
	return string(lines[len(lines)-1])
}
