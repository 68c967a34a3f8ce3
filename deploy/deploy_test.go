package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ixpobs/ixpobs/bgp"
	"github.com/ixpobs/ixpobs/bgp/live"
	"github.com/ixpobs/ixpobs/internal/testdiff"
	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// yamlDocs decodes every document of a YAML file.
func yamlDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return decodeDocs(t, path, f)
}

func decodeDocs(t *testing.T, name string, r io.Reader) []map[string]any {
	t.Helper()
	dec := yaml.NewDecoder(r)
	var docs []map[string]any
	for {
		var d map[string]any
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d != nil {
			docs = append(docs, d)
		}
	}
	if len(docs) == 0 {
		t.Fatalf("%s: no YAML document", name)
	}
	return docs
}

// get walks a decoded YAML/JSON tree: keys for maps, ints for lists.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func strs(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// --- the binary: subcommands and flags the deployment files use ----------

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// ixpobsBinary builds cmd/ixpobs once.
func ixpobsBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ixpobs-deploytest")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "ixpobs")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/ixpobs").CombinedOutput()
		if err != nil {
			binErr = errors.New("go build ./cmd/ixpobs: " + err.Error() + "\n" + string(out))
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// missingBGP collects the places that use `ixpobs bgp` while cmd/ixpobs
// lacks it; reported (skip, or failure under CI) once the test's other
// checks have run.
type missingBGP []string

func (m missingBGP) report(t *testing.T) {
	t.Helper()
	if len(m) > 0 {
		testenv.Missing(t, "`ixpobs bgp` is used by %s but cmd/ixpobs does not have it yet (its flags were not checked)", strings.Join(m, ", "))
	}
}

// checkInvocation checks that `ixpobs ARGS...` names an existing command
// and only flags that command lists in its --help.
func checkInvocation(t *testing.T, m *missingBGP, where string, args []string) {
	t.Helper()
	if len(args) == 0 {
		t.Errorf("%s: no ixpobs command", where)
		return
	}
	bin := ixpobsBinary(t)
	cmd := args[0]
	var help bytes.Buffer
	c := exec.Command(bin, cmd, "--help")
	c.Stdout, c.Stderr = &help, &help
	_ = c.Run()
	if strings.Contains(help.String(), "unknown command") {
		if cmd == "bgp" {
			*m = append(*m, where)
			return
		}
		t.Errorf("%s: ixpobs has no command %q", where, cmd)
		return
	}
	for _, a := range args[1:] {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name := strings.TrimLeft(a, "-")
		name, _, _ = strings.Cut(name, "=")
		if !regexp.MustCompile(`(?m)^\s+-` + regexp.QuoteMeta(name) + `\b`).MatchString(help.String()) {
			t.Errorf("%s: `ixpobs %s` has no flag -%s (its --help:\n%s)", where, cmd, name, help.String())
		}
	}
}

// checkIxpobsConfig loads an ixpobs configuration file with the real,
// strict decoder: `ixpobs migrate --config FILE` against a scratch SQLite.
func checkIxpobsConfig(t *testing.T, path string) {
	t.Helper()
	bin := ixpobsBinary(t)
	db := filepath.Join(t.TempDir(), "x.db")
	c := exec.Command(bin, "migrate", "--config", path, "--db", db, "--log-level", "warn")
	c.Env = append(os.Environ(), "IXPOBS_DB=")
	if out, err := c.CombinedOutput(); err != nil {
		t.Errorf("%s is not a valid ixpobs configuration: %v\n%s", path, err, out)
	}
}

func TestIxpobsConfigs(t *testing.T) {
	for _, p := range []string{"ixpobs.example.yaml", "compose/ixpobs.yaml", "k8s/base/ixpobs.yaml"} {
		checkIxpobsConfig(t, p)
	}
}

// --- bgp configuration -----------------------------------------------------

// TestBGPConfigs loads the bgp examples with the binary's strict decoder
// and validation (cmd/ixpobs BGPConfig, bgp/live.Config), then checks what
// the deployment relies on: a bgp section, a port a non-root process can
// bind.
func TestBGPConfigs(t *testing.T) {
	for _, p := range []string{"bgp/bgp.example.yaml", "k8s/base/bgp-rs1.config.yaml"} {
		checkIxpobsConfig(t, p)
		var f struct {
			BGP *struct {
				Collector   string `yaml:"collector"`
				live.Config `yaml:",inline"`
			} `yaml:"bgp"`
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, &f); err != nil || f.BGP == nil {
			t.Errorf("%s: no bgp section (%v)", p, err)
			continue
		}
		if f.BGP.ListenPort > 0 && f.BGP.ListenPort < 1024 {
			t.Errorf("%s: listen_port %d needs CAP_NET_BIND_SERVICE; the image runs as non-root", p, f.BGP.ListenPort)
		}
		if f.BGP.Collector == "" {
			t.Errorf("%s: no bgp.collector", p)
		}
		// compose and Kubernetes name the container so (hostname:
		// collector): the configured name must be that one, never the
		// machine's.
		if f.BGP.HostNameOrDefault() != "collector" {
			t.Errorf("%s: bgp.host_name %q: the deployments name the bgp container \"collector\"", p, f.BGP.HostName)
		}
	}
}

// --- Containerfile ----------------------------------------------------------

func TestContainerfile(t *testing.T) {
	b, err := os.ReadFile("Containerfile")
	if err != nil {
		t.Fatal(err)
	}
	// Join continuation lines, drop comments.
	var lines []string
	var cur string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if strings.HasSuffix(l, "\\") {
			cur += strings.TrimSuffix(l, "\\") + " "
			continue
		}
		lines = append(lines, cur+l)
		cur = ""
	}
	var froms, users []string
	args := map[string]string{}
	var build string
	for _, l := range lines {
		instr, rest, _ := strings.Cut(l, " ")
		switch strings.ToUpper(instr) {
		case "ARG":
			k, v, _ := strings.Cut(rest, "=")
			args[k] = v
		case "FROM":
			froms = append(froms, os.Expand(rest, func(k string) string { return args[k] }))
		case "USER":
			users = append(users, rest)
		case "RUN":
			if strings.Contains(rest, "go build") {
				build = rest
			}
		case "HEALTHCHECK":
			t.Error("Containerfile has a HEALTHCHECK; probes belong to compose/Kubernetes")
		}
	}
	if len(froms) != 2 {
		t.Fatalf("want a two-stage build, got FROM %q", froms)
	}
	if !strings.HasPrefix(froms[0], "docker.io/library/golang:1.26") || !strings.HasSuffix(froms[0], " AS build") {
		t.Errorf("build stage: %q, want golang:1.26 AS build", froms[0])
	}
	if !strings.Contains(froms[1], "distroless/static") && froms[1] != "scratch" {
		t.Errorf("final stage %q: want distroless/static or scratch", froms[1])
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "./cmd/ixpobs"} {
		if !strings.Contains(build, want) {
			t.Errorf("go build step %q lacks %s", build, want)
		}
	}
	if len(users) == 0 || users[len(users)-1] == "root" || strings.HasPrefix(users[len(users)-1], "0") {
		t.Errorf("final USER %q: want a non-root user", users)
	}
	if _, err := os.Stat("Containerfile.dockerignore"); err != nil {
		t.Error(err)
	}
}

// --- compose ----------------------------------------------------------------

func TestCompose(t *testing.T) {
	var missing missingBGP
	defer func() { missing.report(t) }()
	doc := yamlDocs(t, "compose.yaml")[0]
	svcs, _ := doc["services"].(map[string]any)
	for _, s := range []string{"postgres", "serve", "bgp", "prometheus", "grafana"} {
		if svcs[s] == nil {
			t.Fatalf("compose.yaml: no service %s", s)
		}
	}
	if get(svcs, "postgres", "healthcheck", "test") == nil {
		t.Error("postgres has no healthcheck")
	}
	for _, s := range []string{"serve", "bgp"} {
		if c := get(svcs, s, "depends_on", "postgres", "condition"); c != "service_healthy" {
			t.Errorf("%s: depends_on postgres condition %v, want service_healthy", s, c)
		}
		if df := get(svcs, s, "build", "dockerfile"); df != "deploy/Containerfile" {
			t.Errorf("%s: build.dockerfile %v", s, df)
		}
		if db, _ := get(svcs, s, "environment", "IXPOBS_DB").(string); !strings.HasPrefix(db, "postgres://") || !strings.Contains(db, "@postgres:5432/") {
			t.Errorf("%s: IXPOBS_DB %q does not point at the postgres service", s, db)
		}
		checkInvocation(t, &missing, "compose "+s, strs(get(svcs, s, "command")))
	}
	// Every bind mount exists; the config files mounted are the ones given
	// to --config.
	for name := range svcs {
		for _, v := range strs(get(svcs, name, "volumes")) {
			src, _, _ := strings.Cut(v, ":")
			if !strings.HasPrefix(src, ".") {
				continue // named volume
			}
			if _, err := os.Stat(src); err != nil {
				t.Errorf("service %s mounts %s: %v", name, src, err)
			}
		}
	}
	cmdConfig := func(s string) string {
		c := strs(get(svcs, s, "command"))
		if i := slices.Index(c, "--config"); i >= 0 && i+1 < len(c) {
			return c[i+1]
		}
		return ""
	}
	for _, s := range []string{"serve", "bgp"} {
		found := false
		for _, v := range strs(get(svcs, s, "volumes")) {
			if parts := strings.Split(v, ":"); len(parts) >= 2 && parts[1] == cmdConfig(s) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: --config %s is not mounted", s, cmdConfig(s))
		}
	}
	// Prometheus scrapes the compose services where they listen.
	prom := yamlDocs(t, "prometheus/prometheus.yml")[0]
	targets := map[string][]string{}
	for _, sc := range get(prom, "scrape_configs").([]any) {
		job, _ := get(sc, "job_name").(string)
		targets[job] = strs(get(sc, "static_configs", 0, "targets"))
		if names := strs(get(sc, "dns_sd_configs", 0, "names")); len(names) == 1 {
			targets[job] = []string{fmt.Sprintf("%s:%v", names[0], get(sc, "dns_sd_configs", 0, "port"))}
		}
	}
	if !slices.Equal(targets["ixpobs-serve"], []string{"serve:8080"}) {
		t.Errorf("ixpobs-serve targets %q", targets["ixpobs-serve"])
	}
	// Secrets have no default: compose refuses to start without them.
	raw, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\$\{([A-Z_]*PASSWORD[A-Z_]*)([^}]*)\}`).FindAllStringSubmatch(string(raw), -1) {
		if !strings.HasPrefix(m[2], ":?") {
			t.Errorf("compose.yaml: ${%s%s} has a default or may be empty; want ${%s:?message}", m[1], m[2], m[1])
		}
	}
	// bgp starts only when asked: its example peers cannot connect.
	if !slices.Equal(strs(get(svcs, "bgp", "profiles")), []string{"bgp"}) {
		t.Errorf("bgp profiles %v, want [bgp]", get(svcs, "bgp", "profiles"))
	}
	for name := range svcs {
		if name != "bgp" && slices.Contains(strs(get(svcs, name, "depends_on")), "bgp") {
			t.Errorf("%s depends on bgp, which is behind a profile", name)
		}
	}
	if h := get(svcs, "bgp", "hostname"); h != live.DefaultHostName {
		t.Errorf("bgp hostname %v, want %q: the container's own host name is what GoBGP sends (bgp.host_name)", h, live.DefaultHostName)
	}
	bgpCmd := strings.Join(strs(get(svcs, "bgp", "command")), " ")
	if !slices.Equal(targets["ixpobs-bgp"], []string{"bgp:9477"}) || !strings.Contains(bgpCmd, "--metrics-listen :9477") {
		t.Errorf("ixpobs-bgp targets %q do not match the bgp command %q", targets["ixpobs-bgp"], bgpCmd)
	}
}

// TestComposeBackupLoop runs the backup service's script (compose's $$
// unescaped) against the test PostgreSQL with a 1-second interval: it
// writes a pg_dump archive that pg_restore can list, and keeps the newest
// BACKUP_KEEP files.
func TestComposeBackupLoop(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	testenv.LookPath(t, "pg_dump")
	pgRestore := testenv.LookPath(t, "pg_restore")
	svcs, _ := yamlDocs(t, "compose.yaml")[0]["services"].(map[string]any)
	script := strings.ReplaceAll(strs(get(svcs, "backup", "command"))[0], "$$", "$")
	if ep := strs(get(svcs, "backup", "entrypoint")); !slices.Equal(ep, []string{"/bin/sh", "-c"}) {
		t.Fatalf("backup entrypoint %q", ep)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, old := range []string{"ixpobs-20200101T000000Z.pgdump", "ixpobs-20200102T000000Z.pgdump", "ixpobs-20200103T000000Z.pgdump"} {
		os.WriteFile(filepath.Join(dir, old), []byte("old"), 0o600)
	}
	pass, _ := u.User.Password()
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Env = append(os.Environ(), "PGHOST="+u.Hostname(), "PGPORT="+u.Port(), "PGUSER="+u.User.Username(), "PGPASSWORD="+pass,
		"PGDATABASE="+strings.TrimPrefix(u.Path, "/"), "BACKUP_DIR="+dir, "BACKUP_KEEP=2", "BACKUP_INTERVAL=1")
	// The script's output is read while exec's copying goroutine writes it.
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "old backup deleted") && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	files, _ := filepath.Glob(filepath.Join(dir, "ixpobs-*.pgdump"))
	if len(files) != 2 || strings.Contains(files[1], "2020") {
		t.Fatalf("backups %q; output:\n%s", files, out.String())
	}
	if b, err := exec.Command(pgRestore, "--list", files[1]).CombinedOutput(); err != nil {
		t.Errorf("pg_restore --list %s: %v\n%s", files[1], err, b)
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(tmp) > 0 {
		t.Errorf("temporary files left: %q", tmp)
	}
}

// lockedBuffer is a bytes.Buffer safe for one writer and one reader.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// --- systemd ---------------------------------------------------------------

// unitDirectives parses a unit file into section.key -> values.
func unitDirectives(t *testing.T, path string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	section := ""
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' || l[0] == ';' {
			continue
		}
		if l[0] == '[' {
			section = strings.Trim(l, "[]")
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Errorf("%s: not a directive: %q", path, l)
			continue
		}
		out[section+"."+k] = append(out[section+"."+k], v)
	}
	return out
}

func TestSystemdUnits(t *testing.T) {
	var missing missingBGP
	defer func() { missing.report(t) }()
	hardening := map[string]string{
		"DynamicUser": "yes", "StateDirectory": "ixpobs", "ProtectSystem": "strict", "ProtectHome": "yes",
		"PrivateTmp": "yes", "NoNewPrivileges": "yes", "MemoryDenyWriteExecute": "yes",
		"SystemCallFilter": "@system-service", "SystemCallArchitectures": "native", "RestrictNamespaces": "yes",
		"LockPersonality": "yes", "ProtectKernelTunables": "yes", "ProtectControlGroups": "yes",
	}
	units, _ := filepath.Glob("systemd/*.service")
	if len(units) != 4 {
		t.Fatalf("systemd units: %q", units)
	}
	for _, u := range units {
		d := unitDirectives(t, u)
		if filepath.Base(u) == "ixpobs-bgp.service" {
			checkBGPUnitHostName(t, u, d)
		}
		for k, want := range hardening {
			if filepath.Base(u) == "ixpobs-bgp.service" && k == "RestrictNamespaces" {
				continue // checkBGPUnitHostName: uts only
			}
			if !slices.Contains(d["Service."+k], want) {
				t.Errorf("%s: %s=%s missing (have %q)", u, k, want, d["Service."+k])
			}
		}
		if caps := d["Service.CapabilityBoundingSet"]; !slices.Equal(caps, []string{""}) && filepath.Base(u) != "ixpobs-bgp.service" {
			t.Errorf("%s: CapabilityBoundingSet %q, want empty (no capability)", u, caps)
		}
		fams := strings.Fields(strings.Join(d["Service.RestrictAddressFamilies"], " "))
		for _, f := range fams {
			if !slices.Contains([]string{"AF_INET", "AF_INET6", "AF_UNIX", "AF_NETLINK"}, f) {
				t.Errorf("%s: address family %s", u, f)
			}
		}
		if len(fams) == 0 {
			t.Errorf("%s: no RestrictAddressFamilies", u)
		}
		exec := strings.Fields(strings.Join(d["Service.ExecStart"], " "))
		if len(exec) < 2 || exec[0] != "/usr/local/bin/ixpobs" || !slices.Contains(exec, "/etc/ixpobs/ixpobs.yaml") && exec[1] != "bgp" {
			t.Errorf("%s: ExecStart %q", u, exec)
		}
		args := slices.DeleteFunc(slices.Clone(exec[1:]), func(s string) bool { return s == "%I" })
		checkInvocation(t, &missing, u, args)
	}

	// systemd's own checks: unknown directives, and the exposure score.
	sa := testenv.LookPath(t, "systemd-analyze")
	bin := ixpobsBinary(t)
	dir := t.TempDir()
	var names []string
	for _, u := range append(units, "systemd/ixpobs-collect@.timer", "systemd/ixpobs-backup.timer") {
		b, _ := os.ReadFile(u)
		name := strings.Replace(filepath.Base(u), "@.", "@peeringdb.", 1)
		os.WriteFile(filepath.Join(dir, name), bytes.ReplaceAll(b, []byte("/usr/local/bin/ixpobs"), []byte(bin)), 0o644)
		names = append(names, name)
	}
	cmd := exec.Command(sa, append([]string{"verify"}, names...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || strings.Contains(stderr.String(), dir) {
		t.Errorf("systemd-analyze verify: %v\n%s", err, stderr.String())
	}
	for _, n := range names {
		if !strings.HasSuffix(n, ".service") {
			continue
		}
		c := exec.Command(sa, "security", "--offline=true", "--threshold=20", "./"+n)
		c.Dir = dir
		out, err := c.CombinedOutput()
		if err != nil {
			t.Errorf("systemd-analyze security %s (threshold 2.0): %v\n%s", n, err, out)
		}
	}
}

// checkBGPUnitHostName checks what ixpobs bgp needs to send bgp.host_name
// instead of the machine's name (cmd/ixpobs bgphost_linux.go): CAP_SYS_ADMIN
// as the only capability, ambient (the unit runs as a dynamic user); UTS as
// the only namespace; sethostname allowed back into the filter after
// ~@privileged; no ProtectHostname=yes, which forbids sethostname.
func checkBGPUnitHostName(t *testing.T, u string, d map[string][]string) {
	t.Helper()
	for k, want := range map[string][]string{
		"CapabilityBoundingSet": {"CAP_SYS_ADMIN"}, "AmbientCapabilities": {"CAP_SYS_ADMIN"},
		"RestrictNamespaces": {"uts"}, "SystemCallFilter": {"@system-service", "~@privileged @resources", "sethostname"},
	} {
		if !slices.Equal(d["Service."+k], want) {
			t.Errorf("%s: %s %q, want %q (bgp.host_name)", u, k, d["Service."+k], want)
		}
	}
	if slices.Contains(d["Service.ProtectHostname"], "yes") {
		t.Errorf("%s: ProtectHostname=yes forbids the sethostname of bgp.host_name", u)
	}
}

// --- Kubernetes --------------------------------------------------------------

// kustomize renders a kustomization with kubectl kustomize (or kustomize).
func kustomize(t *testing.T, dir string) []map[string]any {
	t.Helper()
	var cmd *exec.Cmd
	if p, err := exec.LookPath("kustomize"); err == nil {
		cmd = exec.Command(p, "build", dir)
	} else {
		cmd = exec.Command(testenv.LookPath(t, "kubectl"), "kustomize", dir)
	}
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("%s: %v\n%s", cmd, err, ee.Stderr)
		}
		t.Fatal(err)
	}
	return decodeDocs(t, dir, bytes.NewReader(out))
}

func TestKubernetesFilesParse(t *testing.T) {
	files, _ := filepath.Glob("k8s/*/*.yaml")
	more, _ := filepath.Glob("k8s/*/*/*.yaml")
	files = append(files, more...)
	if len(files) < 8 {
		t.Fatalf("k8s files: %q", files)
	}
	for _, f := range files {
		for i, d := range yamlDocs(t, f) {
			if filepath.Base(f) == "kustomization.yaml" || strings.HasSuffix(f, "config.yaml") || filepath.Base(f) == "ixpobs.yaml" {
				continue
			}
			if d["apiVersion"] == nil || d["kind"] == nil || get(d, "metadata", "name") == nil {
				t.Errorf("%s document %d: no apiVersion, kind or metadata.name", f, i)
			}
		}
	}
}

func TestKustomizeBase(t *testing.T) {
	var missing missingBGP
	defer func() { missing.report(t) }()
	docs := kustomize(t, "k8s/base")
	byKind := map[string]map[string]map[string]any{}
	for _, d := range docs {
		k, _ := d["kind"].(string)
		n, _ := get(d, "metadata", "name").(string)
		if byKind[k] == nil {
			byKind[k] = map[string]map[string]any{}
		}
		byKind[k][n] = d
		if ns := get(d, "metadata", "namespace"); k != "Namespace" && ns != "ixpobs" {
			t.Errorf("%s/%s in namespace %v", k, n, ns)
		}
	}
	serve := byKind["Deployment"]["serve"]
	if serve == nil {
		t.Fatal("no serve Deployment")
	}
	if r, _ := get(serve, "spec", "replicas").(int); r < 2 {
		t.Errorf("serve replicas %d, want several", r)
	}
	c := get(serve, "spec", "template", "spec", "containers", 0)
	args := strs(get(c, "args"))
	if !slices.Contains(args, "--collect=false") {
		t.Errorf("serve args %q lack --collect=false", args)
	}
	checkInvocation(t, &missing, "serve Deployment", args)
	if p := get(c, "livenessProbe", "httpGet", "path"); p != "/healthz" {
		t.Errorf("liveness probe %v", p)
	}
	if p := get(c, "readinessProbe", "httpGet", "path"); p != "/readyz" {
		t.Errorf("readiness probe %v", p)
	}
	if byKind["Service"]["serve"] == nil || byKind["PodDisruptionBudget"]["serve"] == nil {
		t.Error("serve Service or PodDisruptionBudget missing")
	}
	if cl := byKind["Cluster"]["ixpobs-db"]; cl == nil || cl["apiVersion"] != "postgresql.cnpg.io/v1" {
		t.Error("no CloudNativePG Cluster ixpobs-db")
	}
	var sources []string
	for name, cj := range byKind["CronJob"] {
		if p := get(cj, "spec", "concurrencyPolicy"); p != "Forbid" {
			t.Errorf("CronJob %s concurrencyPolicy %v", name, p)
		}
		a := strs(get(cj, "spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "args"))
		checkInvocation(t, &missing, "CronJob "+name, a)
		sources = append(sources, a[len(a)-1])
	}
	slices.Sort(sources)
	if !slices.Equal(sources, []string{"ixf", "peeringdb", "rir"}) {
		t.Errorf("collect CronJobs for %q", sources)
	}
	bgp := byKind["Deployment"]["bgp-rs1"]
	if get(bgp, "spec", "replicas") != 1 || get(bgp, "spec", "strategy", "type") != "Recreate" {
		t.Error("bgp-rs1: want replicas 1 and strategy Recreate")
	}
	if h := get(bgp, "spec", "template", "spec", "hostname"); h != live.DefaultHostName {
		t.Errorf("bgp-rs1: pod hostname %v, want %q: the pod's own host name is what GoBGP sends (bgp.host_name)", h, live.DefaultHostName)
	}
	checkInvocation(t, &missing, "bgp Deployment", strs(get(bgp, "spec", "template", "spec", "containers", 0, "args")))

	// Every pod: non-root, no privilege escalation, read-only root, the DSN
	// from the CloudNativePG secret, the generated ConfigMaps exist.
	for _, kind := range []string{"Deployment", "CronJob"} {
		for name, d := range byKind[kind] {
			spec := get(d, "spec", "template", "spec")
			if kind == "CronJob" {
				spec = get(d, "spec", "jobTemplate", "spec", "template", "spec")
			}
			if get(spec, "securityContext", "runAsNonRoot") != true {
				t.Errorf("%s %s: runAsNonRoot", kind, name)
			}
			for _, c := range get(spec, "containers").([]any) {
				if get(c, "securityContext", "allowPrivilegeEscalation") != false || get(c, "securityContext", "readOnlyRootFilesystem") != true {
					t.Errorf("%s %s: container securityContext", kind, name)
				}
				if !slices.Equal(strs(get(c, "securityContext", "capabilities", "drop")), []string{"ALL"}) {
					t.Errorf("%s %s: capabilities not dropped", kind, name)
				}
				if get(c, "resources", "limits", "memory") == nil {
					t.Errorf("%s %s: no memory limit", kind, name)
				}
				if img, _ := get(c, "image").(string); !strings.Contains(img, "/ixpobs:") {
					t.Errorf("%s %s: image %q not rewritten by kustomize", kind, name, img)
				}
				env := get(c, "env").([]any)
				if get(env, 0, "name") != "IXPOBS_DB" || get(env, 0, "valueFrom", "secretKeyRef", "name") != "ixpobs-db-app" {
					t.Errorf("%s %s: IXPOBS_DB not from Secret ixpobs-db-app", kind, name)
				}
			}
			for _, v := range get(spec, "volumes").([]any) {
				if cm, ok := get(v, "configMap", "name").(string); ok && byKind["ConfigMap"][cm] == nil {
					t.Errorf("%s %s: ConfigMap %s does not exist", kind, name, cm)
				}
			}
		}
	}
}

func TestKustomizeExternalDB(t *testing.T) {
	kinds := map[string]int{}
	for _, d := range kustomize(t, "k8s/overlays/external-db") {
		kinds[d["kind"].(string)]++
	}
	if kinds["Cluster"] != 0 || kinds["Deployment"] != 2 || kinds["ServiceMonitor"] != 2 || kinds["PrometheusRule"] != 1 {
		t.Errorf("external-db overlay: %v", kinds)
	}
}

func TestPrometheusRuleMatchesRulesFile(t *testing.T) {
	rules := yamlDocs(t, "prometheus/ixpobs.rules.yml")[0]
	pr := yamlDocs(t, "k8s/components/monitoring/prometheusrule.yaml")[0]
	if d := testdiff.Diff(rules, pr["spec"]); d != "" {
		t.Errorf("k8s/components/monitoring/prometheusrule.yaml spec differs from prometheus/ixpobs.rules.yml: regenerate it (-rules.yml +prometheusrule.yaml):\n%s", d)
	}
}

// --- Prometheus and Grafana -------------------------------------------------

func TestPromtool(t *testing.T) {
	promtool := testenv.LookPath(t, "promtool")
	rules, _ := filepath.Glob("prometheus/*.rules.yml")
	for _, args := range [][]string{
		{"check", "config", "prometheus/prometheus.yml"},
		append([]string{"check", "rules"}, rules...),
		{"test", "rules", "prometheus/tests/ixpobs_rules_test.yml"},
	} {
		if out, err := exec.Command(promtool, args...).CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// descRecorder is a prometheus.Registerer that keeps the metric names of
// the descriptions each collector registered on it gives (Describe).
type descRecorder struct{ names map[string]bool }

func (r *descRecorder) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc)
	go func() {
		c.Describe(ch)
		close(ch)
	}()
	for d := range ch {
		// A Desc shows its name only in its description string:
		// Desc{fqName: "name", help: …}.
		rest, ok := strings.CutPrefix(d.String(), `Desc{fqName: "`)
		name, _, found := strings.Cut(rest, `"`)
		if !ok || !found || name == "" {
			return fmt.Errorf("description %s: no fqName", d)
		}
		r.names[name] = true
	}
	return nil
}

func (r *descRecorder) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}

func (r *descRecorder) Unregister(prometheus.Collector) bool { return false }

// exportedMetrics returns the metric names ixpobs and its dependencies
// export, read from the descriptions of the collectors the two processes
// register (serve: runs, HTTP, indicators; bgp: bgp/live's sessions and
// GoBGP's collector), and the name prefixes of the standard collectors.
// (dashboard's TestMetricsDocumented checks docs/METRICS.md against serve's.)
func exportedMetrics(t *testing.T) (names map[string]bool, prefixes []string) {
	t.Helper()
	rec := &descRecorder{names: map[string]bool{}}
	metrics.NewRuns(rec)
	metrics.NewHTTP(rec)
	rec.MustRegister(metrics.NewIndicators(nil, metrics.Filter{}, nil))
	cfg := live.DefaultConfig()
	cfg.ASN, cfg.RouterID = 64512, "192.0.2.1"
	cfg.Peers = []live.PeerConfig{{Address: "192.0.2.2", ASN: 64513}}
	if _, err := live.New(cfg, bgp.NewAggregator(), live.Options{Registerer: rec}); err != nil {
		t.Fatalf("bgp/live: %v", err)
	}
	if !rec.names["ixpobs_source_up"] || !rec.names["ixpobs_bgp_session_state"] || !rec.names["bgp_peer_state"] {
		t.Fatalf("the collectors described %d names, without ixpobs_bgp_session_state or GoBGP's bgp_peer_state: %v", len(rec.names), slices.Sorted(maps.Keys(rec.names)))
	}

	// A histogram's series add _bucket, _sum and _count to its name; a
	// description does not say its type, docs/METRICS.md does.
	doc, err := os.ReadFile("../docs/METRICS.md")
	if err != nil {
		t.Fatal(err)
	}
	names = map[string]bool{"up": true, "ALERTS": true, "ALERTS_FOR_STATE": true, "scrape_duration_seconds": true}
	row := regexp.MustCompile("(?m)^\\| `(ixpobs_[a-z0-9_]+)` \\| (\\w+) \\|")
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		if m[2] == "histogram" {
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				names[m[1]+s] = true
			}
		}
	}
	for n := range rec.names {
		names[n] = true
	}
	return names, []string{"go_", "process_"}
}

// ruleExprs returns the recording rule names and every expression.
func ruleExprs(t *testing.T) (records map[string]bool, exprs map[string]string) {
	records, exprs = map[string]bool{}, map[string]string{}
	doc := yamlDocs(t, "prometheus/ixpobs.rules.yml")[0]
	for _, g := range get(doc, "groups").([]any) {
		for _, r := range get(g, "rules").([]any) {
			name, _ := get(r, "record").(string)
			if name != "" {
				records[name] = true
			} else {
				name, _ = get(r, "alert").(string)
			}
			exprs["rule "+name], _ = get(r, "expr").(string)
		}
	}
	return records, exprs
}

func dashboardExprs(t *testing.T, path string) (map[string]string, map[string]any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	exprs := map[string]string{}
	var walk func(ps []any)
	walk = func(ps []any) {
		for _, p := range ps {
			title, _ := get(p, "title").(string)
			if tgs, ok := get(p, "targets").([]any); ok {
				for _, tg := range tgs {
					ref, _ := get(tg, "refId").(string)
					exprs["panel "+title+" "+ref], _ = get(tg, "expr").(string)
				}
			}
			if sub, ok := get(p, "panels").([]any); ok {
				walk(sub)
			}
		}
	}
	walk(get(d, "panels").([]any))
	for _, v := range get(d, "templating", "list").([]any) {
		if t := get(v, "type"); t == "datasource" || t == "custom" {
			continue // a plugin type, or a list of values: not PromQL
		}
		name, _ := get(v, "name").(string)
		q, _ := get(v, "query", "query").(string)
		exprs["variable "+name] = q
	}
	for _, a := range get(d, "annotations", "list").([]any) {
		name, _ := get(a, "name").(string)
		exprs["annotation "+name], _ = get(a, "expr").(string)
	}
	return exprs, d
}

func TestMetricNamesExist(t *testing.T) {
	names, prefixes := exportedMetrics(t)
	records, exprs := ruleExprs(t)
	dash, _ := dashboardExprs(t, "grafana/dashboards/ixpobs.json")
	for k, v := range dash {
		exprs[k] = v
	}
	used := 0
	for where, e := range exprs {
		if strings.TrimSpace(e) == "" {
			t.Errorf("%s: empty expression", where)
			continue
		}
		for _, m := range metricNames(e) {
			used++
			switch {
			case names[m], records[m]:
			case slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(m, p) }):
			default:
				t.Errorf("%s: metric %s is not described by any collector of ixpobs (serve, bgp/live, GoBGP) nor recorded", where, m)
			}
		}
	}
	if used < 50 {
		t.Errorf("only %d metric references found: the lexer is broken", used)
	}
}

func TestGrafana(t *testing.T) {
	ds := yamlDocs(t, "grafana/provisioning/datasources/prometheus.yaml")[0]
	uid, _ := get(ds, "datasources", 0, "uid").(string)
	if uid == "" || get(ds, "datasources", 0, "url") != "http://prometheus:9090" {
		t.Fatalf("datasource: %v", ds)
	}
	prov := yamlDocs(t, "grafana/provisioning/dashboards/ixpobs.yaml")[0]
	if p := get(prov, "providers", 0, "options", "path"); p != "/etc/grafana/dashboards" {
		t.Errorf("dashboard provider path %v", p)
	}
	files, _ := filepath.Glob("grafana/dashboards/*.json")
	if len(files) == 0 {
		t.Fatal("no dashboard")
	}
	for _, f := range files {
		_, d := dashboardExprs(t, f)
		if d["uid"] == nil || d["title"] == nil {
			t.Errorf("%s: no uid or title", f)
		}
		// A datasource variable whose default is the provisioned one: every
		// query goes through it, so the dashboard works with another
		// Prometheus too.
		dsVar := false
		for _, v := range get(d, "templating", "list").([]any) {
			if get(v, "name") == "datasource" && get(v, "type") == "datasource" && get(v, "query") == "prometheus" && get(v, "current", "value") == uid {
				dsVar = true
			} else if u := get(v, "datasource", "uid"); u != nil && u != "${datasource}" {
				t.Errorf("%s: variable %v uses datasource %v, not ${datasource}", f, get(v, "name"), u)
			}
		}
		if !dsVar {
			t.Errorf("%s: no datasource variable defaulting to %s", f, uid)
		}
		ids := map[float64]bool{}
		rows, panels := 0, 0
		for _, p := range get(d, "panels").([]any) {
			id, _ := get(p, "id").(float64)
			if ids[id] {
				t.Errorf("%s: panel id %v twice", f, id)
			}
			ids[id] = true
			x, _ := get(p, "gridPos", "x").(float64)
			w, _ := get(p, "gridPos", "w").(float64)
			if w <= 0 || x+w > 24 {
				t.Errorf("%s: panel %v gridPos x=%v w=%v", f, get(p, "title"), x, w)
			}
			if get(p, "type") == "row" {
				rows++
				continue
			}
			panels++
			tgs, _ := get(p, "targets").([]any)
			if len(tgs) == 0 {
				t.Errorf("%s: panel %v has no target", f, get(p, "title"))
			}
			for _, tg := range tgs {
				if get(tg, "datasource", "uid") != "${datasource}" || get(tg, "expr") == "" {
					t.Errorf("%s: panel %v target %v: datasource or expr", f, get(p, "title"), get(tg, "refId"))
				}
			}
		}
		// IXP growth, country indicators, BGP sessions, collector health.
		if rows < 4 || panels < 20 {
			t.Errorf("%s: %d rows, %d panels", f, rows, panels)
		}
	}
}

// TestRunbooks: every alert has a runbook_url pointing at its section of
// docs/RUNBOOKS.md, and a promtool rule test that expects it to fire.
func TestRunbooks(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "RUNBOOKS.md"))
	if err != nil {
		t.Fatal(err)
	}
	tests, err := os.ReadFile(filepath.Join("prometheus", "tests", "ixpobs_rules_test.yml"))
	if err != nil {
		t.Fatal(err)
	}
	alerts := 0
	for _, g := range get(yamlDocs(t, "prometheus/ixpobs.rules.yml")[0], "groups").([]any) {
		for _, r := range get(g, "rules").([]any) {
			name, ok := get(r, "alert").(string)
			if !ok {
				continue
			}
			alerts++
			want := "https://github.com/ixpobs/ixpobs/blob/main/docs/RUNBOOKS.md#" + strings.ToLower(name)
			if u := get(r, "annotations", "runbook_url"); u != want {
				t.Errorf("%s: runbook_url %v, want %s", name, u, want)
			}
			if !regexp.MustCompile(`(?m)^## ` + name + `$`).Match(doc) {
				t.Errorf("docs/RUNBOOKS.md has no section ## %s", name)
			}
			fires := regexp.MustCompile(`(?s)alertname: ` + name + `\n\s+exp_alerts:\n\s+- exp_labels`)
			if !fires.Match(tests) {
				t.Errorf("%s: no rule test in prometheus/tests expects it to fire", name)
			}
		}
	}
	if alerts < 13 {
		t.Errorf("found %d alerts", alerts)
	}
}
