package main

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
)

// Capability constants (linux/capability.h, linux/prctl.h).
const (
	capSysAdmin       = 21
	prCapbsetDrop     = 24
	prCapAmbient      = 47
	prCapAmbientLower = 3
)

// reexecInUTSNamespace re-executes the running binary (/proc/self/exe,
// same arguments) in a new UTS namespace whose host name is name, in
// place: the same process (PID), so signals, exit status and supervisors
// (systemd, a container runtime, kill -9) are unaffected, and nothing is
// left to forward or reap.
//
// Namespaces and capabilities belong to a thread: a goroutine locked to
// its thread unshares the UTS namespace, sets the host name, drops
// CAP_SYS_ADMIN from the thread's ambient set (an unprivileged service
// granted it, e.g. by systemd's AmbientCapabilities) and, where
// CAP_SETPCAP allows, from its bounding set (so a root process loses it
// too), then calls execve: the new image runs in the thread's namespace,
// without CAP_SYS_ADMIN. The thread is never unlocked, so when anything
// fails Go ends it with its goroutine and no other thread of the process
// ever runs in the half-made namespace.
//
// It returns only on failure: EPERM from unshare without CAP_SYS_ADMIN (or
// under a seccomp filter or systemd's RestrictNamespaces), or from
// sethostname (systemd's ProtectHostname=yes forbids it).
func reexecInUTSNamespace(name string) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := syscall.Unshare(syscall.CLONE_NEWUTS); err != nil {
			errc <- fmt.Errorf("unshare(CLONE_NEWUTS): %w", err)
			return
		}
		if err := syscall.Sethostname([]byte(name)); err != nil {
			errc <- fmt.Errorf("sethostname: %w", err)
			return
		}
		// Both may fail harmlessly: not in the ambient set, or no
		// CAP_SETPCAP for the bounding set.
		syscall.RawSyscall6(syscall.SYS_PRCTL, prCapAmbient, prCapAmbientLower, capSysAdmin, 0, 0, 0)
		syscall.RawSyscall6(syscall.SYS_PRCTL, prCapbsetDrop, capSysAdmin, 0, 0, 0, 0)
		env := append(os.Environ(), hostNameEnv+"="+name)
		errc <- fmt.Errorf("execve /proc/self/exe: %w", syscall.Exec("/proc/self/exe", os.Args, env))
	}()
	return <-errc
}

// processReexec returns how the ixpobs binary re-executes itself for
// bgp.host_name; main passes it to the commands.
func processReexec() reexecFunc { return reexecInUTSNamespace }
