package mrt

import (
	"github.com/ixpobs/ixpobs/internal/testenv"
	"io/fs"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sharedMRT returns <repo root>/../shared/data/mrt, skipping the test when
// it is absent.
func sharedMRT(t testing.TB) string {
	t.Helper()
	return filepath.Join(testenv.SharedData(t), "mrt")
}

// sharedFiles lists every MRT file under the shared data, as paths
// relative to it.
func sharedFiles(t testing.TB) (root string, files []string) {
	t.Helper()
	root = sharedMRT(t)
	err := filepath.WalkDir(root, func(path string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if de.IsDir() || strings.HasSuffix(path, ".md") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		files = append(files, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	if len(files) == 0 {
		t.Skipf("skipping: no MRT files in %s", root)
	}
	return root, files
}

// needBgpdump returns the path of bgpdump (skipping the test when it is
// missing, failing it when CI=true: internal/testenv).
func needBgpdump(t testing.TB) string {
	t.Helper()
	return testenv.LookPath(t, "bgpdump")
}

// bgpdumpLines runs bgpdump -m on the file and returns its output lines.
func bgpdumpLines(t testing.TB, bin, path string) []string {
	t.Helper()
	cmd := exec.Command(bin, "-m", path)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bgpdump -m %s: %v", path, err)
	}
	s := strings.TrimSuffix(string(out), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
