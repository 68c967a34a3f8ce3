package dashboard

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/ixpobs/ixpobs/indicator"
)

// The stored figures of a state (derived_stats, one row per area) are
// written in a compact text form instead of JSON: a 5,800-point history
// decodes 5,800 rows, and encoding/json spent about 3.5 µs a row there
// (more than reading them). A row is
//
//	"c1." + fingerprint + ";" + the struct's fields in order, comma-separated
//
// where a nil pointer is "-", a pointer to a struct is "+" followed by
// its fields, and floats are written in their shortest exact form. The
// fingerprint is a hash of the struct's field names and types
// (statsLayout), so a row written by a build whose indicator types
// differ (a field added, renamed or retyped) does not decode as something
// it is not: it is stale (errStaleStats), and the state is computed again
// as if it had not been stored. The column stays TEXT on both stores.

// errStaleStats says a stored row was not written in this build's layout:
// the cache entry is to be computed again, not an error to serve.
var errStaleStats = errors.New("stored figures of another layout")

// statsCodec encodes one struct type field by field.
type statsCodec struct {
	prefix string // "c1." + fingerprint + ";"
	plan   []fieldStep
}

// fieldStep is one field of the plan: its index path from the top struct
// and its kind; a pointer to a struct carries the plan of that struct.
type fieldStep struct {
	index []int
	kind  reflect.Kind // Int, Int64, Float64, or Pointer
	elem  reflect.Kind // a pointer's element kind
	sub   []fieldStep  // a pointer to a struct: its fields
	typ   reflect.Type // a pointer to a struct: the struct
}

func newStatsCodec(t reflect.Type) *statsCodec {
	h := fnv.New64a()
	plan := planFields(t, nil, h)
	return &statsCodec{prefix: "c1." + strconv.FormatUint(h.Sum64(), 36) + ";", plan: plan}
}

// planFields lists the fields of struct t (embedded structs inlined) and
// writes their names and types into h. A field of a type the codec does
// not know panics: the codec tests run every stored type through it.
func planFields(t reflect.Type, at []int, h interface{ Write([]byte) (int, error) }) []fieldStep {
	var plan []fieldStep
	for i := range t.NumField() {
		f := t.Field(i)
		index := append(append([]int(nil), at...), i)
		fmt.Fprintf(h, "%s:%s;", f.Name, f.Type)
		switch {
		case f.Anonymous && f.Type.Kind() == reflect.Struct:
			plan = append(plan, planFields(f.Type, index, h)...)
		case !f.IsExported():
			panic(fmt.Sprintf("statsCodec: unexported field %s.%s", t, f.Name))
		case f.Type.Kind() == reflect.Int, f.Type.Kind() == reflect.Int64, f.Type.Kind() == reflect.Float64:
			plan = append(plan, fieldStep{index: index, kind: f.Type.Kind()})
		case f.Type.Kind() == reflect.Pointer:
			e := f.Type.Elem()
			step := fieldStep{index: index, kind: reflect.Pointer, elem: e.Kind()}
			switch e.Kind() {
			case reflect.Int, reflect.Int64, reflect.Float64:
			case reflect.Struct:
				step.typ = e
				step.sub = planFields(e, nil, h)
			default:
				panic(fmt.Sprintf("statsCodec: field %s.%s of type %s", t, f.Name, f.Type))
			}
			plan = append(plan, step)
		default:
			panic(fmt.Sprintf("statsCodec: field %s.%s of type %s", t, f.Name, f.Type))
		}
	}
	return plan
}

var (
	countryCodec = newStatsCodec(reflect.TypeFor[indicator.CountryStats]())
	areaCodec    = newStatsCodec(reflect.TypeFor[areaStats]())
)

// encode writes v (a pointer to the codec's struct type).
func (c *statsCodec) encode(v any) []byte {
	b := []byte(c.prefix)
	return appendFields(b, reflect.ValueOf(v).Elem(), c.plan)
}

func appendFields(b []byte, v reflect.Value, plan []fieldStep) []byte {
	for i, f := range plan {
		if i > 0 {
			b = append(b, ',')
		}
		fv := v.FieldByIndex(f.index)
		if f.kind == reflect.Pointer {
			if fv.IsNil() {
				b = append(b, '-')
				continue
			}
			fv = fv.Elem()
			if f.sub != nil {
				b = append(b, '+', ',')
				b = appendFields(b, fv, f.sub)
				continue
			}
		}
		switch fv.Kind() {
		case reflect.Float64:
			b = strconv.AppendFloat(b, fv.Float(), 'g', -1, 64)
		default:
			b = strconv.AppendInt(b, fv.Int(), 10)
		}
	}
	return b
}

// decode reads data into v (a pointer to the codec's struct type, zero):
// errStaleStats when data is not in this layout, an error when it is but
// does not parse.
func (c *statsCodec) decode(data []byte, v any) error {
	s := string(data)
	if !strings.HasPrefix(s, c.prefix) {
		return errStaleStats
	}
	d := fieldDecoder{s: s[len(c.prefix):]}
	d.fields(reflect.ValueOf(v).Elem(), c.plan)
	if d.err == nil && d.s != "" {
		d.err = fmt.Errorf("%d bytes after the last field", len(d.s))
	}
	if d.err != nil {
		return fmt.Errorf("compact figures: %w", d.err)
	}
	return nil
}

type fieldDecoder struct {
	s   string
	err error
}

// next returns the next comma-separated token.
func (d *fieldDecoder) next() string {
	if d.err != nil {
		return ""
	}
	i := strings.IndexByte(d.s, ',')
	if i < 0 {
		tok := d.s
		d.s = ""
		return tok
	}
	tok := d.s[:i]
	d.s = d.s[i+1:]
	if d.s == "" {
		d.err = errors.New("a trailing comma")
	}
	return tok
}

func (d *fieldDecoder) fields(v reflect.Value, plan []fieldStep) {
	for _, f := range plan {
		if d.err != nil {
			return
		}
		tok := d.next()
		fv := v.FieldByIndex(f.index)
		kind := f.kind
		if kind == reflect.Pointer {
			if tok == "-" {
				continue
			}
			if f.sub != nil {
				if tok != "+" {
					d.err = fmt.Errorf("field %v: %q, not + or -", f.index, tok)
					return
				}
				p := reflect.New(f.typ)
				d.fields(p.Elem(), f.sub)
				fv.Set(p)
				continue
			}
			p := reflect.New(fv.Type().Elem())
			fv.Set(p)
			fv, kind = p.Elem(), f.elem
		}
		switch kind {
		case reflect.Float64:
			x, err := strconv.ParseFloat(tok, 64)
			if err == nil && (math.IsNaN(x) || math.IsInf(x, 0)) {
				err = fmt.Errorf("%q is not a finite number", tok)
			}
			if err != nil {
				d.err = fmt.Errorf("field %v: %w", f.index, err)
				return
			}
			fv.SetFloat(x)
		default:
			x, err := strconv.ParseInt(tok, 10, 64)
			if err != nil {
				d.err = fmt.Errorf("field %v: %w", f.index, err)
				return
			}
			fv.SetInt(x)
		}
	}
}
