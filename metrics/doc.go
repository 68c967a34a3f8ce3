// Package metrics exposes ixpobs to Prometheus: HTTP request metrics by
// route pattern, collection-run counters, and a custom collector that
// computes the indicators (per IXP, per country) and each source's health at
// scrape time from the latest published snapshots. Everything registers on
// a registry passed in; nothing touches the default registry. docs/METRICS.md
// lists every metric (a test keeps the two in step).
package metrics
