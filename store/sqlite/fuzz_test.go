package sqlite_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/internal/fuzzlimit"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// FuzzImportHistory reads arbitrary history exports (docs/HISTORY-FORMAT.md,
// the file `ixpobs import history` takes) into a new in-memory store: an
// error must be a ParseError or one of the ixp errors, and an import that
// succeeds must export again.
func FuzzImportHistory(f *testing.F) {
	f.Add(historySeed(f))
	header := `{"type":"header","format":"ixpobs-history","version":1,"exported":"2020-01-01T00:00:00Z"}` + "\n"
	for _, body := range []string{
		`{"type":"end"}`,
		`{"type":"snapshot","source":"peeringdb","id":1,"at":1577836800,"kinds":"3","counts":{},"notes":[]}` + "\n" +
			`{"type":"version","source":"peeringdb","kind":3,"id":1,"from":1577836800,"to":9223372036854775807,"hash":"x","data":{"id":1}}` + "\n" +
			`{"type":"stats","snapshot":1,"ix_id":1,"members":2}` + "\n" +
			`{"type":"run","source":"peeringdb","started":1,"finished":2,"ok":true,"snapshot":1}` + "\n" + `{"type":"end"}`,
		`{"type":"stats","snapshot":7}`,
		`{"type":"version","data":nul`,
	} {
		f.Add([]byte(header + body + "\n"))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzlimit.Check(t, func() {
			ctx := context.Background()
			s, err := sqlite.Open(ctx, ":memory:", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.ImportHistory(ctx, bytes.NewReader(data)); err != nil {
				var pe *ixp.ParseError
				if !errors.As(err, &pe) && !errors.Is(err, ixp.ErrInvalid) && !errors.Is(err, ixp.ErrConflict) &&
					!strings.HasPrefix(err.Error(), "import history: ") {
					t.Fatalf("ImportHistory error %v is neither a ParseError nor an import history error", err)
				}
				return
			}
			if err := s.ExportHistory(ctx, new(bytes.Buffer)); err != nil {
				t.Fatalf("export after a successful import: %v", err)
			}
		})
	})
}

// historySeed exports a store holding the PeeringDB test dump.
func historySeed(tb testing.TB) []byte {
	ctx := context.Background()
	d, err := peeringdb.ReadDir(ctx, filepath.Join("..", "..", "collector", "peeringdb", "testdata", "dump"))
	if err != nil {
		tb.Fatal(err)
	}
	in, err := d.Snapshot(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), false)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := sqlite.Open(ctx, ":memory:", nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Publish(ctx, in); err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.ExportHistory(ctx, &buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// TestHistorySeedImports checks that the exported seed imports, so the
// fuzzer starts from an input that reaches every line type.
func TestHistorySeedImports(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, ":memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	seed := historySeed(t)
	for _, typ := range []string{`"type":"header"`, `"type":"snapshot"`, `"type":"version"`, `"type":"end"`} {
		if !bytes.Contains(seed, []byte(typ)) {
			t.Errorf("seed has no %s line", typ)
		}
	}
	if err := s.ImportHistory(ctx, bytes.NewReader(seed)); err != nil {
		t.Fatal(err)
	}
}
