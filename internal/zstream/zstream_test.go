package zstream

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"math/rand/v2"
	"os/exec"
	"testing"

	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/ixp"
	"go.uber.org/goleak"
)

func gzipBytes(t testing.TB, parts ...[]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, p := range parts {
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(p); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// bzip2Bytes compresses with the bzip2 command (Go has no bzip2 writer).
func bzip2Bytes(t testing.TB, b []byte) []byte {
	t.Helper()
	cmd := exec.Command(testenv.LookPath(t, "bzip2"), "-c")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// payload is incompressible enough to span several chunks once compressed.
func payload(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + r.IntN(20))
	}
	return b
}

func TestOpen(t *testing.T) {
	defer goleak.VerifyNone(t)
	data := payload(3*chunkSize + 123)
	tests := []struct {
		name  string
		input []byte
		codec string
	}{
		{"plain", data, ""},
		{"plain, one byte", []byte("x"), ""},
		{"empty", nil, ""},
		{"gzip", gzipBytes(t, data), Gzip},
		{"gzip, two members", gzipBytes(t, data[:1000], data[1000:]), Gzip},
		{"bzip2", bzip2Bytes(t, data), Bzip2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd, codec, err := Open(bytes.NewReader(tt.input), "x")
			if err != nil {
				t.Fatal(err)
			}
			defer rd.Close()
			if codec != tt.codec {
				t.Errorf("codec = %q, want %q", codec, tt.codec)
			}
			got, err := io.ReadAll(rd)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.input
			if tt.codec != "" {
				want = data
			}
			if !bytes.Equal(got, want) {
				t.Errorf("read %d bytes, want %d equal to the input", len(got), len(want))
			}
		})
	}
}

func TestTruncated(t *testing.T) {
	defer goleak.VerifyNone(t)
	data := payload(2*chunkSize + 5)
	gz := gzipBytes(t, data)
	t.Run("gzip header", func(t *testing.T) {
		_, _, err := Open(bytes.NewReader(gz[:5]), "x")
		if !errors.Is(err, ixp.ErrTruncated) {
			t.Fatalf("Open error = %v, want ErrTruncated", err)
		}
	})
	t.Run("gzip header invalid", func(t *testing.T) {
		bad := bytes.Clone(gz[:20])
		bad[2] = 7 // compression method other than deflate
		_, _, err := Open(bytes.NewReader(bad), "x")
		if err == nil || errors.Is(err, ixp.ErrTruncated) {
			t.Fatalf("Open error = %v, want a header error that is not a truncation", err)
		}
	})
	cuts := map[string][]byte{
		"gzip body":    gz[:len(gz)/2],
		"gzip trailer": gz[:len(gz)-3],
	}
	if bz := bzip2Bytes(t, data); len(bz) > 0 {
		cuts["bzip2 body"] = bz[:len(bz)/2]
	}
	for name, in := range cuts {
		t.Run(name, func(t *testing.T) {
			rd, _, err := Open(bytes.NewReader(in), "x")
			if err != nil {
				t.Fatal(err)
			}
			defer rd.Close()
			got, err := io.ReadAll(rd)
			if !errors.Is(err, ixp.ErrTruncated) || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("ReadAll error = %v, want ErrTruncated and io.ErrUnexpectedEOF", err)
			}
			if !bytes.HasPrefix(data, got) {
				t.Errorf("the %d bytes read before the error are not a prefix of the data", len(got))
			}
		})
	}
}

func TestCorruptGzip(t *testing.T) {
	defer goleak.VerifyNone(t)
	gz := gzipBytes(t, payload(1000))
	gz[len(gz)-6] ^= 0xff // CRC-32
	rd, _, err := Open(bytes.NewReader(gz), "x")
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	_, err = io.ReadAll(rd)
	if !errors.Is(err, gzip.ErrChecksum) || errors.Is(err, ixp.ErrTruncated) {
		t.Errorf("ReadAll error = %v, want gzip.ErrChecksum", err)
	}
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

func TestOpenReadError(t *testing.T) {
	boom := errors.New("boom")
	if _, _, err := Open(failingReader{boom}, "x"); !errors.Is(err, boom) {
		t.Errorf("Open error = %v, want the read error", err)
	}
}

// TestClose stops the goroutine before the end: goleak checks it ended,
// and a stream never read starts none.
func TestClose(t *testing.T) {
	defer goleak.VerifyNone(t)
	gz := gzipBytes(t, payload(20*chunkSize))
	rd, _, err := Open(bytes.NewReader(gz), "x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(rd, make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	if err := rd.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rd.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := rd.Read(make([]byte, 10)); !errors.Is(err, ErrClosed) {
		t.Errorf("Read after Close = %v, want ErrClosed", err)
	}

	unread, _, err := Open(bytes.NewReader(gz), "x")
	if err != nil {
		t.Fatal(err)
	}
	goleak.VerifyNone(t) // nothing started yet
	unread.Close()
}

func BenchmarkGzip(b *testing.B) {
	data := payload(8 << 20)
	gz := gzipBytes(b, data)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		rd, _, err := Open(bytes.NewReader(gz), "x")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, rd); err != nil {
			b.Fatal(err)
		}
		rd.Close()
	}
}
