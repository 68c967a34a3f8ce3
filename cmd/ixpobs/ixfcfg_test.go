package main

import (
	"strings"
	"testing"
	"time"
)

// TestIXFSection: the ixf section's collector keys are ixf.Config's own
// (inline), with ixf.DefaultConfig's values when absent.
func TestIXFSection(t *testing.T) {
	tests := []struct {
		yaml        string
		wantErr     string
		concurrency int
		maxBody     int64
		timeout     time.Duration
	}{
		{yaml: "ixf: {enabled: true}\n", concurrency: 4},
		{yaml: "ixf: {concurrency: 8, max_body_bytes: 1048576, fetch_timeout: 30s}\n", concurrency: 8, maxBody: 1 << 20, timeout: 30 * time.Second},
		{yaml: "ixf: {concurrency: 65}\n", wantErr: "concurrency 65"},
		{yaml: "ixf: {fetch_timeout: -1s}\n", wantErr: "negative fetch timeout"},
		{yaml: "ixf: {logger: x}\n", wantErr: "logger"},
	}
	for _, tt := range tests {
		cfg := defaultConfig()
		err := decodeConfig([]byte(tt.yaml), &cfg)
		if err == nil {
			err = cfg.validate()
		}
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: err = %v, want one naming %q", tt.yaml, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.yaml, err)
			continue
		}
		if c := cfg.IXF.Config; c.Concurrency != tt.concurrency || c.MaxBodyBytes != tt.maxBody || c.FetchTimeout != tt.timeout {
			t.Errorf("%q: ixf config = %+v", tt.yaml, c)
		}
	}
}
