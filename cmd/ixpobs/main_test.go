package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testBinary is the ixpobs binary the end-to-end tests share: built once
// by the first test that needs it, removed by TestMain.
var testBinary struct {
	once sync.Once
	dir  string
	path string
	err  error // reported to every test that asks for the binary
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testBinary.dir != "" {
		os.RemoveAll(testBinary.dir)
	}
	os.Exit(code)
}

// buildBinary returns the shared ixpobs binary, building it on first use;
// a failed build fails each test that asks for it, with its own t.
func buildBinary(t *testing.T) string {
	t.Helper()
	testBinary.once.Do(func() {
		dir, err := os.MkdirTemp("", "ixpobs-e2e")
		if err != nil {
			testBinary.err = err
			return
		}
		testBinary.dir = dir
		testBinary.path = filepath.Join(dir, "ixpobs")
		if out, err := exec.Command("go", "build", "-o", testBinary.path, ".").CombinedOutput(); err != nil {
			testBinary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if testBinary.err != nil {
		t.Fatal(testBinary.err)
	}
	return testBinary.path
}

func runBin(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "IXPOBS_CONFIG=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

// TestEndToEnd runs the real binary: an import, serve on a free port with
// a temporary SQLite file, API calls, a refused import while serving, and
// a graceful stop.
func TestEndToEnd(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "e2e.db")
	fixture := filepath.Join("..", "..", "collector", "peeringdb", "testdata", "dump")

	code, out, errOut := runBin(t, bin, "import", "peeringdb", fixture, "--db", db, "--at", "2022-06-01")
	if code != 0 || !strings.Contains(out, "2022-06-01 published") {
		t.Fatalf("import: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	code, out, _ = runBin(t, bin, "import", "peeringdb", fixture, "--db", db, "--at", "2022-06-01")
	if code != 0 || !strings.Contains(out, "unchanged") {
		t.Errorf("re-import: exit %d, %q; want 0 and unchanged", code, out)
	}

	cmd := exec.Command(bin, "serve", "--db", db, "--listen", "127.0.0.1:0", "--collect=false")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	addr := waitForAddr(t, stderr)
	base := "http://" + addr

	mustGet := func(path string, want int) []byte {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("GET %s = %d %s, want %d", path, resp.StatusCode, b, want)
		}
		return b
	}
	mustGet("/healthz", 200)
	mustGet("/readyz", 200)
	var ix struct {
		Name    string `json:"name"`
		Members int    `json:"members"`
	}
	if err := json.Unmarshal(mustGet("/api/v1/ixps/1", 200), &ix); err != nil || ix.Name != "Test IX São Paulo" || ix.Members != 2 {
		t.Errorf("ixp 1 = %+v (%v), want Test IX São Paulo with 2 members", ix, err)
	}
	mustGet("/api/v1/ixps/1/members?format=csv", 200)
	mustGet("/api/v1/ixps/42", 404)

	// A broken dump is refused with a non-zero exit, naming the file, and
	// the last good data keeps being served.
	bad := filepath.Join(dir, "bad")
	os.MkdirAll(bad, 0o755)
	os.WriteFile(filepath.Join(bad, "netixlan.json"), []byte(`{"data": [{"id": 1, "asn": `), 0o644)
	code, _, errOut = runBin(t, bin, "import", "peeringdb", bad, "--db", db, "--at", "2022-06-02")
	if code == 0 || !strings.Contains(errOut, "netixlan.json") {
		t.Errorf("broken import: exit %d, stderr %q; want non-zero naming the file", code, errOut)
	}
	// A snapshot that drops every connection is refused without --force.
	shrunk := filepath.Join(dir, "shrunk")
	os.MkdirAll(shrunk, 0o755)
	os.WriteFile(filepath.Join(shrunk, "netixlan.json"), []byte(`{"data": []}`), 0o644)
	code, _, errOut = runBin(t, bin, "import", "peeringdb", shrunk, "--db", db, "--at", "2022-06-03")
	if code == 0 || !strings.Contains(errOut, "shrink") {
		t.Errorf("shrinking import: exit %d, stderr %q; want non-zero and a shrink message", code, errOut)
	}
	if err := json.Unmarshal(mustGet("/api/v1/ixps/1", 200), &ix); err != nil || ix.Members != 2 {
		t.Errorf("after refused imports ixp 1 = %+v, want the last good 2 members", ix)
	}
	var hist struct {
		Points []any `json:"points"`
	}
	json.Unmarshal(mustGet("/api/v1/ixps/1/history", 200), &hist)
	if len(hist.Points) != 1 {
		t.Errorf("history has %d points, want 1", len(hist.Points))
	}

	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v, want a clean exit", err)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("serve did not stop within 20s of SIGTERM")
	}
}

var addrRe = regexp.MustCompile(`addr=(\S+)`)

func waitForAddr(t *testing.T, r io.Reader) string {
	t.Helper()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if m := addrRe.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case a := <-found:
		return a
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not report its address within 30s")
		return ""
	}
}

func TestUsage(t *testing.T) {
	ctx := context.Background()
	env := func(string) string { return "" }
	cases := []struct {
		args []string
		want int
	}{
		{nil, 2},
		{[]string{"--help"}, 0},
		{[]string{"bogus"}, 2},
		{[]string{"version"}, 0},
		{[]string{"serve", "--help"}, 0},
		{[]string{"collect", "--help"}, 0},
		{[]string{"import"}, 2},
		{[]string{"import", "--help"}, 0},
		{[]string{"import", "peeringdb", "--help"}, 0},
		{[]string{"import", "nothing"}, 2},
		{[]string{"migrate", "--help"}, 0},
		{[]string{"--version"}, 0},
		{[]string{"migrate", "--no-such-flag"}, 2},
		{[]string{"serve", "--listen"}, 2},
		{[]string{"backup"}, 2},
		{[]string{"backup", "--keep", "many", "--out", "x"}, 2},
		{[]string{"restore"}, 2},
		{[]string{"restore", "a", "b"}, 2},
		{[]string{"serve", "--log-level", "loud", "--db", filepath.Join(t.TempDir(), "x.db")}, 1},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		if got := run(ctx, c.args, &out, &errOut, env); got != c.want {
			t.Errorf("ixpobs %v exit = %d, want %d (stderr %q)", c.args, got, c.want, errOut.String())
		}
	}
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "ixpobs.yaml")
	os.WriteFile(file, []byte("db: from-file.db\nlisten: \":9000\"\nlog:\n  level: debug\npeeringdb:\n  interval: 2h\n"), 0o644)
	envVars := map[string]string{"IXPOBS_CONFIG": file, "IXPOBS_LISTEN": ":9100"}
	env := &environment{stdout: io.Discard, stderr: io.Discard, getenv: func(k string) string { return envVars[k] }}
	o := newOptions("serve", "serve", env, "db", "listen", "collect", "log-level")
	if err := o.fs.Parse([]string{"--collect=false", "--db", "from-flag.db"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := o.load(env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DB != "from-flag.db" || cfg.Listen != ":9100" || cfg.Collect || cfg.Log.Level != "debug" || cfg.PeeringDB.Interval != 2*time.Hour {
		t.Errorf("config = %+v; want db from the flag, listen from env, collect false, level and interval from the file", cfg)
	}
	os.WriteFile(file, []byte("db: x.db\nlisten_address: \":1\"\n"), 0o644)
	if _, err := o.load(env); err == nil || !strings.Contains(err.Error(), "listen_address") {
		t.Errorf("unknown key: got %v, want an error naming it", err)
	}
}

func TestExampleConfigDecodes(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "ixpobs.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := defaultConfig()
	if err := decodeConfig(b, &cfg); err != nil {
		t.Fatalf("deploy/ixpobs.example.yaml: %v", err)
	}
	if err := cfg.validate(); err != nil {
		t.Fatalf("deploy/ixpobs.example.yaml: %v", err)
	}
}

func TestExportImportCLI(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	env := func(string) string { return "" }
	a, b, file := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db"), filepath.Join(dir, "h.jsonl.gz")
	fixture := filepath.Join("..", "..", "collector", "peeringdb", "testdata", "dump")
	steps := [][]string{
		{"import", "peeringdb", fixture, "--db", a, "--at", "2022-06-01"},
		{"export", "--db", a, "-o", file},
		{"import", "history", file, "--db", b},
	}
	for _, args := range steps {
		var out, errOut bytes.Buffer
		if code := run(ctx, args, &out, &errOut, env); code != 0 {
			t.Fatalf("ixpobs %v: exit %d: %s", args, code, errOut.String())
		}
	}
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"import", "history", file, "--db", b}, &out, &errOut, env); code == 0 || !strings.Contains(errOut.String(), "not empty") {
		t.Errorf("second import into the same store: exit %d, %q; want a refusal", code, errOut.String())
	}
	var exp1, exp2 bytes.Buffer
	run(ctx, []string{"export", "--db", a}, &exp1, io.Discard, env)
	run(ctx, []string{"export", "--db", b}, &exp2, io.Discard, env)
	strip := regexp.MustCompile(`"exported":"[^"]*"`)
	if x, y := strip.ReplaceAllString(exp1.String(), ""), strip.ReplaceAllString(exp2.String(), ""); x != y || len(x) < 1000 {
		t.Errorf("export of the imported store differs from the original (%d vs %d bytes)", len(x), len(y))
	}
}

// TestExampleBGPSection decodes the commented bgp section of the example
// configuration, uncommented.
func TestExampleBGPSection(t *testing.T) {
	example, err := os.ReadFile(filepath.Join("..", "..", "deploy", "ixpobs.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(example, []byte("# bgp:"))
	if i < 0 {
		t.Fatal("deploy/ixpobs.example.yaml has no commented bgp section")
	}
	var section []string
	for _, l := range strings.Split(string(example[i:]), "\n") {
		section = append(section, strings.TrimPrefix(l, "# "))
	}
	cfg := defaultConfig()
	if err := decodeConfig([]byte(strings.Join(section, "\n")), &cfg); err != nil {
		t.Fatalf("bgp section: %v", err)
	}
	if err := cfg.validate(); err != nil {
		t.Fatalf("bgp section: %v", err)
	}
	if cfg.BGP == nil || cfg.BGP.Collector != "rs1-ixbr-sp" || len(cfg.BGP.Peers) != 1 || cfg.BGP.SnapshotInterval != 15*time.Minute {
		t.Errorf("bgp section decoded as %+v", cfg.BGP)
	}
}
