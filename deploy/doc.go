// Package deploy holds the deployment files of ixpobs (container image,
// compose, systemd units, Kubernetes manifests, Prometheus and Grafana
// configuration) and the tests that check them: they parse, name only
// metrics ixpobs exports, pass promtool and systemd-analyze, and refer to
// commands and flags the binary has.
package deploy
