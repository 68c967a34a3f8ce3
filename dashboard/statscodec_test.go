package dashboard

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/ixpobs/ixpobs/indicator"
	"github.com/ixpobs/ixpobs/internal/fuzzlimit"
)

// filled sets every field of the struct v points to (embedded and pointed-to
// structs included) to a value of its own: ints 1, 2, 3…, floats with a
// long fraction, pointers non-nil. A field the codec forgets then shows.
func filled(v reflect.Value, n *int) {
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Struct:
			filled(f, n)
			continue
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
			f = f.Elem()
			if f.Kind() == reflect.Struct {
				filled(f, n)
				continue
			}
		}
		*n++
		switch f.Kind() {
		case reflect.Float64:
			f.SetFloat(float64(*n) + 0.1234567890123457)
		default:
			f.SetInt(int64(*n) * 1_000_003)
		}
	}
}

func TestStatsCodecRoundTrip(t *testing.T) {
	var n int
	var full indicator.CountryStats
	filled(reflect.ValueOf(&full).Elem(), &n)
	var fullArea areaStats
	filled(reflect.ValueOf(&fullArea).Elem(), &n)
	half := full
	half.RegisteredASNs, half.LocalParticipation = nil, nil
	bgp := *full.BGP
	bgp.ReachableASNs = nil
	half.BGP = &bgp
	third := areaStats{Countries: 3, CountryStats: indicator.CountryStats{IPv6Share: 1.0 / 3, BGP: &indicator.CountryBGP{}}}

	countries := map[string]indicator.CountryStats{"zero": {}, "full": full, "some nil": half, "no bgp": {IXPs: 2, CapacityMbps: 1 << 40}}
	for name, in := range countries {
		t.Run("country "+name, func(t *testing.T) {
			data := countryCodec.encode(&in)
			var out indicator.CountryStats
			if err := countryCodec.decode(data, &out); err != nil {
				t.Fatalf("decode %q: %v", data, err)
			}
			if !reflect.DeepEqual(in, out) {
				t.Fatalf("round trip of %q:\n in %+v\nout %+v", data, in, out)
			}
			// The same answer as the JSON rows gave.
			a, _ := json.Marshal(in)
			b, _ := json.Marshal(out)
			if string(a) != string(b) {
				t.Fatalf("JSON differs: %s\n%s", a, b)
			}
		})
	}
	for name, in := range map[string]areaStats{"zero": {}, "full": fullArea, "third": third} {
		t.Run("area "+name, func(t *testing.T) {
			data := areaCodec.encode(&in)
			var out areaStats
			if err := areaCodec.decode(data, &out); err != nil {
				t.Fatalf("decode %q: %v", data, err)
			}
			if !reflect.DeepEqual(in, out) {
				t.Fatalf("round trip of %q:\n in %+v\nout %+v", data, in, out)
			}
		})
	}
}

func TestStatsCodecStaleAndBroken(t *testing.T) {
	var n int
	var full indicator.CountryStats
	filled(reflect.ValueOf(&full).Elem(), &n)
	good := string(countryCodec.encode(&full))
	legacy, _ := json.Marshal(full)
	body := strings.TrimPrefix(good, countryCodec.prefix)
	for name, tc := range map[string]struct {
		data  string
		stale bool
	}{
		"JSON of before the compact rows": {string(legacy), true},
		"an area's row read as a country": {string(areaCodec.encode(&areaStats{})), true},
		"another layout":                  {"c1.zzzz;" + body, true},
		"empty":                           {"", true},
		"a field missing":                 {good[:strings.LastIndexByte(good, ',')], false},
		"a field too many":                {good + ",7", false},
		"a trailing comma":                {good + ",", false},
		"not a number":                    {countryCodec.prefix + "x" + body[1:], false},
		"not finite":                      {strings.Replace(good, ","+strconv.FormatFloat(full.IPv6Share, 'g', -1, 64)+",", ",1e999,", 1), false},
		"a bad pointer mark":              {strings.Replace(good, ",+,", ",*,", 1), false},
	} {
		t.Run(name, func(t *testing.T) {
			var out indicator.CountryStats
			err := countryCodec.decode([]byte(tc.data), &out)
			if err == nil {
				t.Fatalf("decode %q: no error", tc.data)
			}
			if errors.Is(err, errStaleStats) != tc.stale {
				t.Fatalf("decode %q: %v, stale %v, want stale %v", tc.data, err, errors.Is(err, errStaleStats), tc.stale)
			}
		})
	}
}

// TestStatsLayoutNamesFields: a field added (or renamed, or retyped)
// changes the prefix, so rows of the old layout are stale, not misread.
func TestStatsLayoutNamesFields(t *testing.T) {
	type v1 struct {
		A int
		B *float64
	}
	type v2 struct {
		A int
		B *float64
		C int
	}
	type v3 struct {
		A int
		B *int
	}
	p1, p2, p3 := newStatsCodec(reflect.TypeFor[v1]()).prefix, newStatsCodec(reflect.TypeFor[v2]()).prefix, newStatsCodec(reflect.TypeFor[v3]()).prefix
	if p1 == p2 || p1 == p3 || p2 == p3 {
		t.Fatalf("prefixes %q %q %q: not distinct", p1, p2, p3)
	}
	if countryCodec.prefix == areaCodec.prefix {
		t.Fatal("country and area rows share a layout")
	}
}

func FuzzStatsCodec(f *testing.F) {
	var n int
	var full indicator.CountryStats
	filled(reflect.ValueOf(&full).Elem(), &n)
	f.Add(countryCodec.encode(&full))
	f.Add(countryCodec.encode(&indicator.CountryStats{}))
	f.Add([]byte(`{"ixps":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzlimit.Check(t, func() {
			var out indicator.CountryStats
			if countryCodec.decode(data, &out) != nil {
				return
			}
			// What decodes re-encodes to something that decodes the same.
			again := countryCodec.encode(&out)
			var back indicator.CountryStats
			if err := countryCodec.decode(again, &back); err != nil || !reflect.DeepEqual(out, back) {
				t.Fatalf("%q decoded to %+v, re-encoded %q: %+v, %v", data, out, again, back, err)
			}
		})
	})
}
