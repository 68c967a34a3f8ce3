package main

import (
	"fmt"
	"time"

	"github.com/ixpobs/ixpobs/internal/safehttp"
)

// newHTTPClient returns the hardened HTTP client used by the collectors,
// with a total timeout per request.
func newHTTPClient(total time.Duration) (*safehttp.Client, error) {
	cfg := safehttp.DefaultConfig()
	cfg.UserAgent = safehttp.UserAgent(versionNumber())
	if total > 0 {
		cfg.TotalTimeout = total
	}
	c, err := safehttp.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("http client: %w", err)
	}
	return c, nil
}
