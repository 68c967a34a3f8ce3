package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/internal/jsonpick"
	"github.com/ixpobs/ixpobs/internal/realdata"
	"github.com/ixpobs/ixpobs/ixp"
)

// pickEdgeCases are objects where a fast reader could part from
// encoding/json: escapes, case, Unicode folding, types, numbers, nesting,
// syntax errors anywhere in the object.
var pickEdgeCases = []string{
	`{"asn":15169,"name":"Google LLC","aka":"Google","ix_id":7,"speed":10000,"state":"ok","ipaddr6":"2001:db8::1"}`,
	`  {"asn" : 1 , "name" : "x" }  `,
	`{}`, `[]`, `null`, `{"asn":1}x`, `{"asn":1,}`, `{"asn":1 "name":"x"}`, `{"asn":}`, `{asn:1}`, ``, `{`,
	`{"ASN":7,"Name":"upper","NAME":"last wins"}`,
	`{"asn":1,"asn":2}`,
	`{"a\u0073n":5,"n\u0061me":"escaped key"}`,
	`{"name":"\u00e9t\u00e9 \"quoted\" \\ \/ \b\f\n\r\t"}`,
	`{"name":"été, UTF-8"}`,
	"{\"name\":\"bad \xff UTF-8\"}",
	"{\"name\":\"control \x01 char\"}",
	`{"name":"\x"}`, `{"name":"\u12"}`, `{"name":"\ud800"}`,
	"{\"\u212asn\":9}", // KELVIN SIGN folds to k, not a
	"{\"ſtate\":\"ok\",\"\u212a\":1}",
	`{"asn":-1}`, `{"asn":4294967296}`, `{"asn":4294967295}`, `{"asn":1.0}`, `{"asn":1e2}`, `{"asn":"1"}`, `{"asn":null}`, `{"asn":01}`, `{"asn":-0}`,
	`{"speed":-0}`, `{"speed":9223372036854775808}`, `{"speed":-9223372036854775808}`, `{"speed":1.5}`, `{"speed":true}`, `{"speed":-}`, `{"speed":1.}`, `{"speed":.5}`, `{"speed":1e}`, `{"speed":1E+2}`,
	`{"ixps":3,"connections":4,"speed_mbps":5}`,
	`{"name":null,"aka":1}`, `{"name":["x"]}`, `{"name":{"a":1}}`, `{"name":"x","other":{"a":[1,2,{"b":null}],"c":"d\"}"}}`,
	`{"state":"ok","x":[1,2,]}`, `{"state":"ok","x":{"a" 1}}`, `{"state":"ok","x":tru}`, `{"state":"ok","x":nulll}`,
	`{"state":"ok"} {"state":"x"}`,
}

// pickSame checks that decoding data with the picker gives json.Unmarshal's
// answer: an error for the same objects, the same value otherwise.
func pickSame[T any](t *testing.T, p picker[T], data []byte) {
	t.Helper()
	var fast, std T
	errFast, errStd := p.decode(data, &fast), json.Unmarshal(data, &std)
	if (errFast == nil) != (errStd == nil) {
		t.Fatalf("%T of %q: error %v, encoding/json's %v", fast, data, errFast, errStd)
	}
	if errStd == nil && !reflect.DeepEqual(fast, std) {
		t.Fatalf("%T of %q:\n got %+v\nwant %+v (encoding/json)", fast, data, fast, std)
	}
}

func pickAll(t *testing.T, data []byte) {
	t.Helper()
	pickSame(t, netNamePicker, data)
	pickSame(t, networkSummaryPicker, data)
	pickSame(t, speedConnPicker, data)
	pickSame(t, memberConnPicker, data)
}

// TestPickersMatchEncodingJSON decodes every network and connection of the
// trimmed real PeeringDB dumps, and the edge cases above, both ways.
func TestPickersMatchEncodingJSON(t *testing.T) {
	for _, c := range pickEdgeCases {
		pickAll(t, []byte(c))
	}
	set := realdata.Trimmed(t)
	n, conns, fast := 0, 0, 0
	for _, name := range realdata.PeeringDBFullDumps {
		d, err := peeringdb.ReadDir(context.Background(), set.PeeringDBDir(name))
		if err != nil {
			t.Fatal(err)
		}
		in, err := d.Snapshot(realdata.DumpDate(name), false)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range in.Records {
			if r.Kind == ixp.KindNetwork || r.Kind == ixp.KindConnection {
				pickAll(t, r.Data)
				n++
				if r.Kind == ixp.KindConnection {
					var c speedConn
					if err := speedConnPicker.fast(r.Data, &c); err == nil {
						fast++
					} else if !errors.Is(err, jsonpick.ErrSlow) {
						t.Fatalf("connection %d: %v", r.ID, err)
					}
					conns++
				}
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d real objects decoded", n)
	}
	// The comparison above would pass if every object went to
	// encoding/json: most real connections must take the fast path.
	if fast < conns*9/10 {
		t.Fatalf("%d of %d real connections decoded without encoding/json, want 90%%", fast, conns)
	}
}

// TestPickersListEveryField checks that each picker names every JSON
// field of its type: a field added to the type but not to its picker
// would otherwise stay empty on the fast path.
func TestPickersListEveryField(t *testing.T) {
	check := func(typ reflect.Type, fields []string) {
		t.Helper()
		var tags []string
		for f := range typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			tags = append(tags, name)
		}
		slices.Sort(tags)
		slices.Sort(fields)
		if !slices.Equal(tags, fields) {
			t.Errorf("%v: JSON fields %v, picker fields %v", typ, tags, fields)
		}
	}
	check(reflect.TypeFor[netName](), pickerNames(netNamePicker))
	check(reflect.TypeFor[networkSummary](), pickerNames(networkSummaryPicker))
	check(reflect.TypeFor[speedConn](), pickerNames(speedConnPicker))
	check(reflect.TypeFor[memberConn](), pickerNames(memberConnPicker))
}

// TestPickersReadOnlyBriefFields checks that every field a picker decodes
// is kept in the briefs of its kind: the list reads decode briefs
// (store.Briefs), where a field missing from ixp.BriefFields would read
// as absent.
func TestPickersReadOnlyBriefFields(t *testing.T) {
	check := func(kind ixp.Kind, picker string, fields []string) {
		t.Helper()
		for _, f := range fields {
			if !slices.Contains(ixp.BriefFields[kind], f) {
				t.Errorf("%s decodes %q, not among the brief fields of %s %v", picker, f, kind, ixp.BriefFields[kind])
			}
		}
	}
	check(ixp.KindNetwork, "netNamePicker", pickerNames(netNamePicker))
	check(ixp.KindNetwork, "networkSummaryPicker", pickerNames(networkSummaryPicker))
	check(ixp.KindConnection, "speedConnPicker", pickerNames(speedConnPicker))
	check(ixp.KindConnection, "memberConnPicker", pickerNames(memberConnPicker))
}

func pickerNames[T any](p picker[T]) []string {
	var out []string
	for _, f := range p.fields {
		out = append(out, f.name)
	}
	return out
}

// FuzzPickers checks the pickers against encoding/json on any input:
//
//	go test ./dashboard -run '^$' -fuzz FuzzPickers -fuzztime 60s
func FuzzPickers(f *testing.F) {
	for _, c := range pickEdgeCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) { pickAll(t, data) })
}

// BenchmarkPickers decodes the networks of the trimmed real 2022 dump as
// the network list does, with the picker and with encoding/json.
func BenchmarkPickers(b *testing.B) {
	set := realdata.Trimmed(b)
	name := realdata.PeeringDBFullDumps[len(realdata.PeeringDBFullDumps)-1]
	d, err := peeringdb.ReadDir(context.Background(), set.PeeringDBDir(name))
	if err != nil {
		b.Fatal(err)
	}
	in, err := d.Snapshot(realdata.DumpDate(name), false)
	if err != nil {
		b.Fatal(err)
	}
	var nets [][]byte
	for _, r := range in.Records {
		if r.Kind == ixp.KindNetwork {
			nets = append(nets, r.Data)
		}
	}
	b.Run("picker", func(b *testing.B) {
		for b.Loop() {
			for _, data := range nets {
				var n networkSummary
				if err := networkSummaryPicker.decode(data, &n); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			for _, data := range nets {
				var n networkSummary
				if err := json.Unmarshal(data, &n); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
