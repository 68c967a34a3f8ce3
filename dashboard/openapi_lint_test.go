package dashboard_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/ixpobs/ixpobs/internal/testenv"
)

// TestOpenAPILint runs scripts/openapi-lint.sh: redocly lint (the CLI
// pinned in scripts/openapi-lint/package-lock.json, recommended rules) on
// openapi.json. It fails on any error or warning. Outside CI it skips when
// the CLI is not installed (npm ci --prefix scripts/openapi-lint installs
// it); under CI the script installs it with npm ci.
func TestOpenAPILint(t *testing.T) {
	testenv.LookPath(t, "node") // skips in -short; outside CI, skips without node
	script, err := filepath.Abs("../scripts/openapi-lint.sh")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(script), "openapi-lint/node_modules/.bin/redocly")); err != nil && !testenv.InCI() {
		t.Skip("redocly CLI not installed: run `npm ci --prefix scripts/openapi-lint` (CI=true installs it through scripts/openapi-lint.sh)")
	}
	out, err := exec.Command(script, "openapi.json").CombinedOutput()
	if err != nil {
		t.Fatalf("redocly lint openapi.json: %v\n%s", err, out)
	}
	if m := regexp.MustCompile(`You have \d+ warnings?`).Find(out); m != nil {
		t.Errorf("redocly lint openapi.json: %s\n%s", m, out)
	}
	if !regexp.MustCompile(`Your API description is valid`).Match(out) {
		t.Errorf("redocly lint did not report a valid document:\n%s", out)
	}
}
