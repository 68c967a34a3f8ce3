package backfill

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/ixpobs/ixpobs/internal/safehttp"
	"github.com/ixpobs/ixpobs/internal/zstream"
	"github.com/ixpobs/ixpobs/ixp"
)

func asStatus(err error, se **safehttp.StatusError) bool { return errors.As(err, se) }

// cachePath is where the file at rawURL is kept for source.
func (b *Backfiller) cachePath(source, rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	name := filepath.Base(u.Path)
	if name == "." || name == "/" || name == "" || strings.HasPrefix(name, ".") {
		return "", fmt.Errorf("backfill: %s names no file: %w", rawURL, ixp.ErrInvalid)
	}
	dir := filepath.Join(b.cfg.CacheDir, strings.NewReplacer(":", "_", "/", "_").Replace(source))
	return filepath.Join(dir, name), os.MkdirAll(dir, 0o755)
}

// fetch downloads rawURL into the cache, unless a whole copy is there. The
// body goes to NAME.part, renamed to NAME once read to its end (and as
// long as announced): a .part file is never used.
func (b *Backfiller) fetch(ctx context.Context, source, rawURL string) (string, error) {
	path, err := b.cachePath(source, rawURL)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	s, err := b.client.Open(ctx, rawURL, safehttp.WithMaxBodyBytes(b.cfg.MaxBytes), safehttp.WithTimeout(b.cfg.Timeout))
	if err != nil {
		return "", err
	}
	defer s.Close()
	part := path + ".part"
	f, err := os.Create(part)
	if err != nil {
		return "", fmt.Errorf("backfill: %w", err)
	}
	n, err := io.Copy(f, countWriter{s, &b.bytes})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && s.Header.Get("Content-Encoding") == "" {
		if want := s.Header.Get("Content-Length"); want != "" && want != fmt.Sprint(n) {
			err = fmt.Errorf("%w: %d bytes of %s", ixp.ErrTruncated, n, want)
		}
	}
	if err != nil {
		os.Remove(part)
		return "", fmt.Errorf("backfill: download %s: %w", rawURL, err)
	}
	if err := os.Rename(part, path); err != nil {
		os.Remove(part)
		return "", fmt.Errorf("backfill: %w", err)
	}
	b.files.Add(1)
	return path, nil
}

type countWriter struct {
	r io.Reader
	n interface{ Add(int64) int64 }
}

func (c countWriter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

var md5RE = regexp.MustCompile(`(?i)\b[0-9a-f]{32}\b`)

// checkMD5 compares a downloaded file with the MD5 the archive publishes
// next to it (NAME.md5, as the RIRs do); no published checksum (404) is
// not an error. A mismatch removes the file.
func (b *Backfiller) checkMD5(ctx context.Context, rawURL, path string) error {
	resp, err := b.client.Get(ctx, rawURL+".md5", safehttp.WithMaxBodyBytes(4096))
	var se *safehttp.StatusError
	if errors.As(err, &se) && (se.Code == http.StatusNotFound || se.Code == http.StatusForbidden) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("backfill: checksum of %s: %w", rawURL, err)
	}
	want := md5RE.FindString(string(resp.Body))
	if want == "" {
		return fmt.Errorf("backfill: %s.md5 holds no MD5 sum: %w", rawURL, ixp.ErrInvalid)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, want) {
		os.Remove(path)
		return fmt.Errorf("backfill: %s: MD5 %s, the archive publishes %s: %w", rawURL, got, want, ixp.ErrInvalid)
	}
	return nil
}

// decompressBzip2 turns NAME.bz2 into NAME (the RIR and PeeringDB readers
// read plain and gzip files; SQLite needs a plain file, so a gzip SQLite
// file is expanded too when sqlite is set) and returns the path to read.
func decompressBzip2(path string, sqlite bool) (string, error) {
	if !strings.HasSuffix(path, ".bz2") && !(sqlite && strings.HasSuffix(path, ".gz")) {
		return path, nil
	}
	out := strings.TrimSuffix(strings.TrimSuffix(path, ".bz2"), ".gz")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	// The one opener: the format told from the content, a cut stream an
	// ixp.ErrTruncated, at most maxDecompressed bytes written to disk.
	r, err := zstream.OpenFile(path, zstream.Options{MaxBytes: maxDecompressed})
	if err != nil {
		return "", fmt.Errorf("backfill: %w", err)
	}
	defer r.Close()
	f, err := os.Create(out + ".part")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(out+".part", out)
	}
	if err != nil {
		os.Remove(out + ".part")
		os.Remove(path) // a corrupt archive is fetched again
		return "", fmt.Errorf("backfill: decompress %s: %w", path, err)
	}
	os.Remove(path)
	return out, nil
}

// maxDecompressed caps what decompressBzip2 writes: a bound against a
// compression bomb filling the disk, far above the files it expands.
const maxDecompressed = 8 << 30
