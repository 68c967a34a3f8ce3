package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ixpobs/ixpobs/store/backup"
)

// runBackup writes a backup of the store: an online copy of the SQLite
// file or a pg_dump archive. --out is a file, or a directory where the
// backup is named by its UTC time and --keep rotates the older ones.
func runBackup(ctx context.Context, env *environment, args []string) error {
	o := newOptions("backup", "backup --out FILE|DIR [--keep N] [flags]", env, "db", "log-level", "log-format")
	out := o.fs.String("out", "", "backup file, or directory for ixpobs-<UTC time>.sqlite|.pgdump files (required)")
	keep := o.fs.Int("keep", 0, "with a directory --out: keep the newest N backups, delete older ones (0: keep all)")
	pgDump := o.fs.String("pg-dump", "", "pg_dump program (default: pg_dump on PATH; must be at least the server's major version)")
	if _, err := o.parseArgs(args, 0); err != nil {
		return err
	}
	if *out == "" || *keep < 0 {
		fmt.Fprintln(env.stderr, "ixpobs backup: --out is required and --keep must be 0 or more")
		o.fs.Usage()
		return errUsage
	}
	cfg, err := o.load(env)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, env.stderr)
	dst, dir := *out, ""
	if fi, err := os.Stat(*out); err == nil && fi.IsDir() {
		dir = *out
		dst = filepath.Join(dir, backup.Name("ixpobs-", backup.Ext(cfg.DB), time.Now()))
	}
	log.Info("backup started", "store", redactDSN(cfg.DB), "to", dst)
	res, err := backup.Write(ctx, cfg.DB, dst, backup.Tools{PgDump: *pgDump})
	if err != nil {
		return err
	}
	log.Info("backup written", "file", res.Path, "bytes", res.Bytes, "took_seconds", res.Took.Seconds())
	if dir != "" && *keep > 0 {
		removed, err := backup.Rotate(dir, "ixpobs-", backup.Ext(cfg.DB), *keep)
		for _, p := range removed {
			log.Info("old backup deleted", "file", p)
		}
		if err != nil {
			return err
		}
	}
	fmt.Fprintln(env.stdout, res.Path)
	return nil
}

// runRestore writes a backup into a store that holds no data yet.
func runRestore(ctx context.Context, env *environment, args []string) error {
	o := newOptions("restore", "restore FILE [--db NEW-STORE] [flags]", env, "db", "log-level", "log-format")
	pgRestore := o.fs.String("pg-restore", "", "pg_restore program (default: pg_restore on PATH)")
	pos, err := o.parseArgs(args, 1)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(env.stderr, "ixpobs restore: give exactly one backup file")
		o.fs.Usage()
		return errUsage
	}
	cfg, err := o.load(env)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, env.stderr)
	start := time.Now()
	if err := backup.Restore(ctx, pos[0], cfg.DB, backup.Tools{PgRestore: *pgRestore}); err != nil {
		return err
	}
	// Opening migrates a backup taken by an older version.
	st, err := openStore(ctx, cfg.DB, log)
	if err != nil {
		return fmt.Errorf("restored, but the store does not open: %w", err)
	}
	log.Info("restored", "file", pos[0], "store", redactDSN(cfg.DB), "took_seconds", time.Since(start).Seconds())
	return st.Close()
}
