package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/ixpobs/ixpobs/bgp/live"
)

// hostNameEnv marks a process that `ixpobs bgp` re-executed in a UTS
// namespace of its own: it must find its host name set, never re-execute
// again.
const hostNameEnv = "IXPOBS_BGP_HOST_NAME_SET"

// hostNameStep is what `ixpobs bgp` does about the host name GoBGP sends
// in every OPEN (FQDN capability 73, from os.Hostname).
type hostNameStep int

const (
	// hostNameKeep: the process's host name is the one to send.
	hostNameKeep hostNameStep = iota
	// hostNameUnshare: re-execute in a new UTS namespace with the name.
	hostNameUnshare
)

// planHostName decides, from the configured host name (HostNameOrDefault),
// the process's host name and whether this process was already
// re-executed for it, what to do before GoBGP starts. It never lets a
// name other than the configured one go out: a process re-executed for
// the name that does not have it is an error (no second re-execution).
func planHostName(want, current string, reexecuted bool) (hostNameStep, error) {
	switch {
	case want == live.HostNameMachine || want == current:
		return hostNameKeep, nil
	case reexecuted:
		return 0, fmt.Errorf("bgp.host_name: re-executed in a UTS namespace of its own for host name %q, the process's host name is %q", want, current)
	}
	return hostNameUnshare, nil
}

// reexecFunc re-executes the running `ixpobs bgp` in a new UTS namespace
// whose host name is name. It returns only on failure. nil: not possible
// (ixpobs run in-process, or not Linux).
type reexecFunc func(name string) error

// setHostName makes sure GoBGP will send the configured host name: it
// returns nil when the process's host name already is the one to send (or
// the machine's name was asked for), re-executes the process through
// reexec otherwise (which does not return when it works), and refuses,
// naming the key and the ways out, when that is not possible. It logs the
// name sent.
func setHostName(want string, getenv func(string) string, reexec reexecFunc, log *slog.Logger) error {
	current, err := os.Hostname()
	if err != nil {
		return fmt.Errorf("bgp.host_name: reading this machine's host name: %w", err)
	}
	step, err := planHostName(want, current, getenv(hostNameEnv) != "")
	if err != nil {
		return err
	}
	if step == hostNameKeep {
		if want == live.HostNameMachine {
			log.Warn("sending this machine's host name to every BGP peer (bgp.host_name: \"@machine\")", "host_name", current)
		} else {
			log.Info("host name sent to every BGP peer (FQDN capability)", "host_name", current)
		}
		return nil
	}
	if reexec == nil {
		err = errors.New("this process cannot re-execute itself (not started as the ixpobs binary on Linux)")
	} else {
		log.Info("re-executing in a UTS namespace of its own, so that BGP peers see the configured host name, not this machine's", "host_name", want)
		err = reexec(want)
	}
	return fmt.Errorf("bgp.host_name: every BGP peer would see this machine's host name %q (GoBGP sends it in its OPEN), not %q, and setting %q in a UTS namespace of its own failed: %w; "+
		"either let `ixpobs bgp` start with CAP_SYS_ADMIN (used for unshare and sethostname only, and dropped before GoBGP starts; deploy/systemd/ixpobs-bgp.service), "+
		"or run it with a host name of its own (a container's or pod's hostname) and set bgp.host_name to that name, "+
		"or set bgp.host_name: %q to send this machine's name", current, want, want, err, live.HostNameMachine)
}
