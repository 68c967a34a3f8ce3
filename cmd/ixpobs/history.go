package main

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ixpobs/ixpobs/internal/jsonws"
	"github.com/ixpobs/ixpobs/internal/zstream"
)

func runExport(ctx context.Context, env *environment, args []string) error {
	o := newOptions("export", "export [flags]", env, "db", "log-level", "log-format")
	out := o.fs.String("o", "-", "output file (- for stdout; a name ending in .gz is compressed)")
	if _, err := o.parseArgs(args, 0); err != nil {
		return err
	}
	_, _, st, err := o.open(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	var w io.Writer = env.stdout
	var f *os.File
	if *out != "-" {
		// Write to a temporary file and rename it: a failed export never
		// leaves a file that looks complete.
		if f, err = os.CreateTemp(dirOf(*out), ".ixpobs-export-*"); err != nil {
			return err
		}
		defer os.Remove(f.Name())
		w = f
	}
	var gz *gzip.Writer
	if strings.HasSuffix(*out, ".gz") {
		gz = gzip.NewWriter(w)
		w = gz
	}
	if err := st.ExportHistory(ctx, w); err != nil {
		return err
	}
	if gz != nil {
		if err := gz.Close(); err != nil {
			return err
		}
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return err
		}
		if err := os.Rename(f.Name(), *out); err != nil {
			return err
		}
		fmt.Fprintf(env.stderr, "history exported to %s\n", *out)
	}
	return nil
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[:i+1]
	}
	return "."
}

// maxHistoryBytes caps the decompressed size of a history export.
const maxHistoryBytes = 64 << 30

func importHistory(ctx context.Context, env *environment, args []string) error {
	o := newOptions("import history", "import history FILE [flags]", env, "db", "log-level", "log-format")
	files, err := o.parseArgs(args, 1)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return fmt.Errorf("one export at a time (%d given)", len(files))
	}
	// A regular file only (a FIFO or a device is refused at once); gzip
	// or bzip2 told from its content; long runs of blanks cut so that
	// reading costs memory and time linear in the export.
	z, err := zstream.OpenFile(files[0], zstream.Options{MaxBytes: maxHistoryBytes, Ctx: ctx})
	if err != nil {
		return err
	}
	defer z.Close()
	r := jsonws.NewReader(z)
	cfg, _, st, err := o.open(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.ImportHistory(ctx, r); err != nil {
		return fmt.Errorf("%s: %w", files[0], err)
	}
	fmt.Fprintf(env.stdout, "history imported from %s into %s\n", files[0], redactDSN(cfg.DB))
	return nil
}
