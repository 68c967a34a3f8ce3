package peeringdb

import (
	"bytes"
	"context"
	"fmt"
	"reflect"

	"github.com/ixpobs/ixpobs/ixp"
)

// CompareReaders reads pre (when not nil, as kind preKind) then data (as
// kind) into one dump with Read (the fast reader first) and into another
// with the reference reader alone, and returns how they differ ("" when
// the errors read the same and, without one, the dumps are equal) and
// whether the fast reader decided data (read it to the end or refused it
// for the dump's own reasons).
func CompareReaders(pre []byte, preKind ixp.Kind, data []byte, kind ixp.Kind) (diff string, fast bool) {
	read := func(slow bool) (*Dump, error) {
		d := NewDump()
		d.slowOnly = slow
		if pre != nil {
			if err := d.Read(bytes.NewReader(pre), "pre.json", preKind); err != nil {
				return d, fmt.Errorf("pre: %w", err)
			}
		}
		n := d.fastFiles
		err := d.Read(bytes.NewReader(data), "fuzz.json", kind)
		fast = fast || !slow && d.fastFiles > n
		return d, err
	}
	df, ef := read(false)
	ds, es := read(true)
	if fmt.Sprint(ef) != fmt.Sprint(es) {
		return fmt.Sprintf("errors differ: fast %v, reference %v", ef, es), fast
	}
	if es != nil {
		return "", fast
	}
	return dumpDiff(df, ds), fast
}

// dumpDiff says how two dumps differ, "" when they do not.
func dumpDiff(a, b *Dump) string {
	for _, f := range []struct {
		name string
		a, b any
	}{
		{"objects", a.objects, b.objects},
		{"deleted", a.deleted, b.deleted},
		{"seen", a.seen, b.seen},
		{"report", a.Report, b.Report},
		{"max updated", a.MaxUpdated, b.MaxUpdated},
	} {
		if !reflect.DeepEqual(f.a, f.b) {
			return fmt.Sprintf("%s differ:\n%+v\n%+v", f.name, f.a, f.b)
		}
	}
	return ""
}

// ReadDirBoth reads dir with ReadDir and with the reference reader alone,
// and returns how the dumps differ and how many files the fast reader read
// to the end.
func ReadDirBoth(dir string) (diff string, fastFiles int, err error) {
	a, err := ReadDir(context.Background(), dir)
	if err != nil {
		return "", 0, err
	}
	b, err := readDir(context.Background(), dir, nil, true)
	if err != nil {
		return "", 0, err
	}
	return dumpDiff(a, b), a.fastFiles, nil
}
