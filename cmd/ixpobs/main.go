// Command ixpobs is the IXP and peering observatory: it collects PeeringDB,
// IX-F exports, RIR statistics and BGP data, keeps their history, and
// serves a dashboard, a JSON API and Prometheus metrics.
//
// Usage:
//
//	ixpobs serve    [--db DSN] [--listen ADDR] [--collect=false] [--config FILE]
//	ixpobs collect  [SOURCE...]
//	ixpobs import   peeringdb PATH [--at DATE] [--force]
//	ixpobs import   rir FILE... | ixf FILE|URL... | mrt FILE... | history FILE
//	ixpobs backfill [peeringdb|rir|mrt]... [--since DATE] [--until DATE] [--every 1mo|1w|1d]
//	ixpobs export   [-o FILE]
//	ixpobs snapshots list [--source SOURCE] | delete SOURCE DATE
//	ixpobs bgp      --config FILE [--db DSN] [--metrics-listen ADDR]
//	ixpobs backup   --out FILE|DIR [--keep N]
//	ixpobs restore  FILE [--db NEW-STORE]
//	ixpobs migrate
//	ixpobs version  (or ixpobs --version)
//
// Exit codes: 0 success (and --help), 1 a runtime failure, 2 a usage error
// (unknown command or flag, missing argument).
//
// Run "ixpobs COMMAND --help" for the flags of each command.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(runEnv(ctx, os.Args[1:], &environment{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, reexec: processReexec()}))
}

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, env *environment, args []string) error
}

// environment is what a command gets from the process.
type environment struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// reexec re-executes the process in a UTS namespace of its own (bgp
	// host_name); nil when ixpobs runs in-process (tests) or not on Linux.
	reexec reexecFunc
}

func commands() map[string]command {
	return map[string]command{
		"serve":     {"run the observatory: store, scheduled collectors, dashboard, API and /metrics", runServe},
		"collect":   {"run one collection of the named sources (default: all enabled), then exit", runCollect},
		"import":    {"import files: peeringdb DIR|FILE..., rir FILE..., ixf FILE|URL..., mrt FILE..., history FILE", runImport},
		"export":    {"write the whole history (every source and snapshot) in the versioned export format", runExport},
		"backup":    {"write a backup of the store: online SQLite copy or pg_dump archive (--out FILE|DIR, --keep N)", runBackup},
		"restore":   {"restore a backup into a store that holds no data yet (a new SQLite path or an empty database)", runRestore},
		"migrate":   {"create or upgrade the database schema, then exit", runMigrate},
		"snapshots": {"list the snapshots of each source, or delete one (the history is repaired as if it had never been published)", runSnapshots},
		"version":   {"print the version", runVersion},
		"backfill":  {"fill the history from the public archives (PeeringDB since 2010, RIR files, RIB dumps); resumable", runBackfill},
		"bgp":       {"run receive-only BGP sessions with route servers (GoBGP v4) and store what they announce", runBGP},
	}
}

// errUsage marks errors already explained on stderr (exit code 2).
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	return runEnv(ctx, args, &environment{stdout: stdout, stderr: stderr, getenv: getenv})
}

func runEnv(ctx context.Context, args []string, env *environment) int {
	stdout, stderr, getenv := env.stdout, env.stderr, env.getenv
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" {
		fmt.Fprintln(stdout, versionString())
		return 0
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "ixpobs: unknown command %q\n\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	if err := cmd.run(ctx, env, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if errors.Is(err, errUsage) {
			return 2
		}
		if jsonLogs(args[1:], getenv) {
			// The last line too is JSON, for log pipelines.
			slog.New(slog.NewJSONHandler(stderr, nil)).Error("ixpobs "+args[0]+" failed", "err", err.Error())
		} else {
			fmt.Fprintf(stderr, "ixpobs %s: %v\n", args[0], err)
		}
		return 1
	}
	return 0
}

// jsonLogs reports whether the command asked for JSON logs with
// --log-format json or IXPOBS_LOG_FORMAT=json (the flag wins).
func jsonLogs(args []string, getenv func(string) string) bool {
	format := getenv("IXPOBS_LOG_FORMAT")
	for i, a := range args {
		switch {
		case a == "--":
			return format == "json"
		case a == "--log-format" || a == "-log-format":
			if i+1 < len(args) {
				format = args[i+1]
			}
		case strings.HasPrefix(a, "--log-format=") || strings.HasPrefix(a, "-log-format="):
			_, format, _ = strings.Cut(a, "=")
		}
	}
	return format == "json"
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintf(w, "ixpobs: the IXP and peering observatory\n\nUsage: ixpobs COMMAND [flags]\n\nCommands:\n")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintf(w, "\nEvery flag can also be set with an IXPOBS_* environment variable (e.g. IXPOBS_DB)\nor in the YAML file given by --config; see docs/CONFIG.md.\nRun \"ixpobs COMMAND --help\" for the flags of a command.\n")
}

func runVersion(_ context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	if err := fs.Parse(args); err != nil {
		return parseError(err)
	}
	fmt.Fprintln(env.stdout, versionString())
	return nil
}

// version and revision are set at link time where the build has no VCS
// stamp (the container image: -ldflags "-X main.version=… -X
// main.revision=…"); otherwise the module version and vcs.revision of the
// build information are used.
var version, revision string

// versionNumber is the version ("devel" in a development build).
func versionNumber() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// vcsRevision is the commit the binary was built from ("" when unknown).
func vcsRevision() string {
	if revision != "" {
		return revision
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return ""
}

func versionString() string {
	s := "ixpobs " + versionNumber()
	if rev := vcsRevision(); len(rev) >= 12 {
		s += " " + rev[:12]
	}
	return s
}
