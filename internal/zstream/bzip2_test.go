package zstream

import (
	"bytes"
	"compress/bzip2"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/ixp"
	"go.uber.org/goleak"
)

// stdlib decodes b with compress/bzip2: the reference output.
func stdlib(b []byte) ([]byte, error) {
	return io.ReadAll(bzip2.NewReader(bytes.NewReader(b)))
}

// decode decodes b through Open; seekable gives Open a bytes.Reader (which
// can be rewound), otherwise a reader that cannot seek.
func decode(t testing.TB, b []byte, seekable bool) ([]byte, error) {
	t.Helper()
	var in io.Reader = bytes.NewReader(b)
	if !seekable {
		in = struct{ io.Reader }{in}
	}
	zr, codec, err := Open(in, "test")
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	if codec != Bzip2 {
		t.Fatalf("codec %q, want bzip2", codec)
	}
	return io.ReadAll(zr)
}

// bzip2Inputs are the committed fixtures (several 100k blocks; the same
// data followed by an empty stream and a second stream) and, when
// ../shared/data is present, every real .bz2 MRT file there (three of them
// cut at 1 MB by their publisher).
func bzip2Inputs(t testing.TB) map[string][]byte {
	t.Helper()
	files, _ := filepath.Glob("testdata/*.bz2")
	if dir := testenv.SharedDataDir(); dir != "" {
		shared, _ := filepath.Glob(filepath.Join(dir, "mrt", "*", "*.bz2"))
		files = append(files, shared...)
	}
	in := make(map[string][]byte)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		in[filepath.Base(f)] = b
	}
	return in
}

// cuts are the lengths at which an input is cut to make it truncated: in
// the header, inside the first block, mid-file, just before the end.
func cuts(n int) []int {
	return []int{3, 10, 60, n / 3, n / 2, n - 20, n - 1}
}

// TestBzip2SameAsStdlib: on every input, whole or cut, the parallel
// reader gives exactly compress/bzip2's output and fails where it fails;
// a cut input fails as truncated.
func TestBzip2SameAsStdlib(t *testing.T) {
	defer goleak.VerifyNone(t)
	for name, b := range bzip2Inputs(t) {
		cutAt := cuts
		inputs := map[string][]byte{name: b}
		if testing.Short() && len(b) > 1<<18 {
			cutAt = func(int) []int { return nil } // large real files whole only
		}
		for _, n := range cutAt(len(b)) {
			if n > 0 && n < len(b) {
				inputs[name+"/cut-"+strconv.Itoa(n)] = b[:n]
			}
		}
		for label, in := range inputs {
			t.Run(label, func(t *testing.T) {
				want, wantErr := stdlib(in)
				got, err := decode(t, in, true)
				if !bytes.Equal(got, want) {
					t.Errorf("output: %d bytes, compress/bzip2 gives %d (first difference at %d)", len(got), len(want), firstDiff(got, want))
				}
				if (err == nil) != (wantErr == nil) {
					t.Fatalf("error %v, compress/bzip2 gives %v", err, wantErr)
				}
				if errors.Is(wantErr, io.ErrUnexpectedEOF) && !errors.Is(err, ixp.ErrTruncated) {
					t.Errorf("error %v does not wrap ixp.ErrTruncated", err)
				}
			})
		}
	}
}

// TestBzip2NotSeekable: an input that cannot be rewound gives the same
// output when whole, a prefix of it and a truncation error when cut.
func TestBzip2NotSeekable(t *testing.T) {
	defer goleak.VerifyNone(t)
	b, err := os.ReadFile("testdata/blocks.bz2")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := stdlib(b)
	got, err := decode(t, b, false)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("whole input: %d bytes, %v; want %d bytes", len(got), err, len(want))
	}
	got, err = decode(t, b[:len(b)/2], false)
	if !errors.Is(err, ixp.ErrTruncated) {
		t.Errorf("cut input: error %v, want one wrapping ixp.ErrTruncated", err)
	}
	if !bytes.HasPrefix(want, got) {
		t.Errorf("cut input: %d bytes that are not a prefix of the whole output", len(got))
	}
}

// TestBzip2CloseStopsReading: after Close returns, the input is not read.
func TestBzip2CloseStopsReading(t *testing.T) {
	defer goleak.VerifyNone(t)
	b, err := os.ReadFile("testdata/blocks.bz2")
	if err != nil {
		t.Fatal(err)
	}
	in := &watchedReader{r: bytes.NewReader(b)}
	zr, _, err := Open(in, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(zr, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	zr.Close()
	in.closed.Store(true)
	// goleak.VerifyNone waits for the decoder's goroutines to end; a read
	// after Close would fail the test through watchedReader.
	if in.readAfterClose.Load() {
		t.Error("input read after Close")
	}
}

func FuzzBzip2SameAsStdlib(f *testing.F) {
	for _, b := range bzip2Inputs(f) {
		if len(b) < 1<<17 {
			f.Add(b)
		}
		f.Add(b[:min(len(b), 4096)])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 3 || string(b[:3]) != "BZh" {
			return
		}
		want, wantErr := stdlib(b)
		type result struct {
			out []byte
			err error
		}
		done := make(chan result, 1)
		go func() {
			out, err := decode(t, b, true)
			done <- result{out, err}
		}()
		var got []byte
		var err error
		select {
		case r := <-done:
			got, err = r.out, r.err
		case <-time.After(20 * time.Second):
			t.Fatalf("no result after 20 s from a %d-byte input that compress/bzip2 decodes (%d bytes, %v): the parallel decoder hangs", len(b), len(want), wantErr)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("output: %d bytes, compress/bzip2 gives %d", len(got), len(want))
		}
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("error %v, compress/bzip2 gives %v", err, wantErr)
		}
	})
}

// watchedReader records a Read after closed is set.
type watchedReader struct {
	r              io.Reader
	closed         atomic.Bool
	readAfterClose atomic.Bool
}

func (w *watchedReader) Read(b []byte) (int, error) {
	if w.closed.Load() {
		w.readAfterClose.Store(true)
	}
	return w.r.Read(b)
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
