package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ixpobs/ixpobs/internal/fuzzlimit"
)

// FuzzConfig decodes and validates arbitrary configuration files: errors
// are fine, panics and hangs are not.
func FuzzConfig(f *testing.F) {
	example, err := os.ReadFile(filepath.Join("..", "..", "deploy", "ixpobs.example.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte("db: x.db\nbgp:\n  collector: rs1\n  asn: 65000\n  router_id: 192.0.2.1\n  peers: [{address: 192.0.2.2, asn: 1}]\n"))
	f.Add([]byte("listen: [1, 2]\n"))
	f.Add([]byte("&a [*a, *a]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzlimit.Check(t, func() {
			cfg := defaultConfig()
			if decodeConfig(b, &cfg) == nil {
				cfg.validate()
			}
		})
	})
}
