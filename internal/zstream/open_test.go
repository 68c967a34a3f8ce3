package zstream

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
)

func TestOpenRegularRefusesFIFOAndDevices(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	regular := filepath.Join(dir, "file")
	if err := os.WriteFile(regular, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		want       error
	}{
		{"FIFO without writer", fifo, ErrNotRegular},
		{"/dev/zero", "/dev/zero", ErrNotRegular},
		{"directory", dir, ErrNotRegular},
		{"missing", filepath.Join(dir, "nope"), os.ErrNotExist},
		{"regular", regular, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r, err := OpenFile(tt.path, Options{})
			if d := time.Since(start); d > time.Second {
				t.Errorf("OpenFile took %v", d)
			}
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				r.Close()
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.want == ErrNotRegular && !errors.Is(err, ixp.ErrInvalid) {
				t.Errorf("err = %v does not wrap ixp.ErrInvalid", err)
			}
		})
	}
}

func TestReaderLimits(t *testing.T) {
	zeros := make([]byte, 4<<20)
	bomb := gzipBytes(t, zeros) // 4 MiB of zeros in about 4 KiB
	good := payload(100000)
	gz := gzipBytes(t, good)
	badCRC := append([]byte(nil), gz...)
	badCRC[len(badCRC)-5] ^= 0xff
	tests := []struct {
		name  string
		input []byte
		max   int64
		want  error // nil: reads good
		out   []byte
	}{
		{"plain under cap", good, 200000, nil, good},
		{"plain at cap", good, int64(len(good)), nil, good},
		{"plain over cap", good, int64(len(good)) - 1, ixp.ErrTooLarge, nil},
		{"gzip bomb over cap", bomb, 1 << 20, ixp.ErrTooLarge, nil},
		{"gzip bomb, no cap", bomb, 0, nil, zeros},
		{"gzip cut in half", gz[:len(gz)/2], 0, ixp.ErrTruncated, nil},
		{"gzip without trailer", gz[:len(gz)-8], 0, ixp.ErrTruncated, nil},
		{"gzip bad CRC", badCRC, 0, ixp.ErrInvalid, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.input), "x", Options{MaxBytes: tt.max})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			out, err := io.ReadAll(r)
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(out, tt.out) {
					t.Fatalf("read %d bytes, want %d", len(out), len(tt.out))
				}
				if r.InputOffset() != int64(len(tt.input)) {
					t.Errorf("InputOffset = %d, want %d", r.InputOffset(), len(tt.input))
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.max > 0 && r.Delivered() > tt.max {
				t.Errorf("delivered %d bytes past the cap %d", r.Delivered(), tt.max)
			}
		})
	}
}

func TestReaderContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r, err := NewReader(bytes.NewReader(payload(1<<20)), "x", Options{Ctx: ctx})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	buf := make([]byte, 1000)
	if _, err := r.Read(buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := r.Read(buf); !errors.Is(err, context.Canceled) {
		t.Fatalf("err after cancel = %v", err)
	}
}

func TestCounterKeepsBzip2Rewind(t *testing.T) {
	data := payload(3*chunkSize + 7)
	bz := bzip2Bytes(t, data)
	f := filepath.Join(t.TempDir(), "x.bz2")
	if err := os.WriteFile(f, bz, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := OpenFile(f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Codec() != Bzip2 {
		t.Fatalf("codec %q", r.Codec())
	}
	out, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(out, data) {
		t.Fatalf("read %d bytes, err %v", len(out), err)
	}
}
