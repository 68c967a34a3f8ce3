//go:build !linux

package main

// processReexec returns nil: UTS namespaces are Linux's. Elsewhere
// `ixpobs bgp` runs only when the process's host name is the one to send.
func processReexec() reexecFunc { return nil }
