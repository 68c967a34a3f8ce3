package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigErrors: YAML mistakes are reported by key path and line with
// what the value must be, never with Go type names.
func TestConfigErrors(t *testing.T) {
	ctx := context.Background()
	env := func(string) string { return "" }
	for _, c := range []struct {
		name, yaml string
		want       []string
	}{
		{"bad duration and unknown key", "peeringdb:\n  interval: soon\n  bogus: 1\n",
			[]string{`peeringdb.interval (line 2): "soon" is not a duration`, "peeringdb.bogus (line 3): unknown key"}},
		{"list for text", "log:\n  level: [a, b]\n", []string{"log.level (line 2): must be text, not a list"}},
		{"text for a number", "rate_limit: lots\n", []string{"rate_limit"}},
		{"unknown top-level key", "colour: red\n", []string{"colour (line 1): unknown key"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := filepath.Join(dir, "c.yaml")
			os.WriteFile(cfg, []byte(c.yaml), 0o600)
			var out, errOut bytes.Buffer
			code := run(ctx, []string{"migrate", "--config", cfg, "--db", filepath.Join(dir, "x.db")}, &out, &errOut, env)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr %q lacks %q", errOut.String(), w)
				}
			}
			for _, goName := range []string{"main.", "time.Duration", "unmarshal"} {
				if strings.Contains(errOut.String(), goName) {
					t.Errorf("stderr %q names Go internals (%s)", errOut.String(), goName)
				}
			}
		})
	}
}

// TestJSONLogsToTheEnd: with --log-format json (or IXPOBS_LOG_FORMAT=json)
// every line of stderr is JSON, the final error included, and durations
// are seconds.
func TestJSONLogsToTheEnd(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		env  string
	}{
		{[]string{"restore", filepath.Join(dir, "missing.sqlite"), "--db", filepath.Join(dir, "n.db"), "--log-format", "json"}, ""},
		{[]string{"restore", filepath.Join(dir, "missing.sqlite"), "--db", filepath.Join(dir, "n.db")}, "json"},
	} {
		var out, errOut bytes.Buffer
		env := func(k string) string {
			if k == "IXPOBS_LOG_FORMAT" {
				return c.env
			}
			return ""
		}
		if code := run(ctx, c.args, &out, &errOut, env); code != 1 {
			t.Fatalf("%v: exit %d", c.args, code)
		}
		lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
		for _, l := range lines {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Errorf("%v: stderr line %q is not JSON", c.args, l)
			}
		}
		if last := lines[len(lines)-1]; !strings.Contains(last, `"level":"ERROR"`) || !strings.Contains(last, "missing.sqlite") {
			t.Errorf("last line %q", last)
		}
	}
	// Durations: the backup log's took_seconds is a number of seconds.
	db := filepath.Join(dir, "live.db")
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"migrate", "--db", db, "--log-format", "json"}, &out, &errOut, func(string) string { return "" }); code != 0 {
		t.Fatalf("migrate: %s", errOut.String())
	}
	seen := 0
	for _, l := range strings.Split(strings.TrimSpace(errOut.String()), "\n") {
		var m map[string]any
		json.Unmarshal([]byte(l), &m)
		if took, ok := m["took"].(float64); ok {
			seen++
			if took > 60 {
				t.Errorf("took = %v in %q: not seconds", took, l)
			}
		}
	}
	if seen == 0 {
		t.Errorf("no log line with a took duration: %q", errOut.String())
	}
}
