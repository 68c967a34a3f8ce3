package ixp

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// briefNet and briefConn have one field per brief field of their kind.
type briefNet struct {
	ASN           json.RawMessage `json:"asn"`
	Name          json.RawMessage `json:"name"`
	AKA           json.RawMessage `json:"aka"`
	InfoType      json.RawMessage `json:"info_type"`
	InfoScope     json.RawMessage `json:"info_scope"`
	PolicyGeneral json.RawMessage `json:"policy_general"`
	Created       json.RawMessage `json:"created"`
	IXPs          json.RawMessage `json:"ixps"`
	Connections   json.RawMessage `json:"connections"`
	SpeedMbps     json.RawMessage `json:"speed_mbps"`
}

type briefConn struct {
	IXID  json.RawMessage `json:"ix_id"`
	ASN   json.RawMessage `json:"asn"`
	Speed json.RawMessage `json:"speed"`
	State json.RawMessage `json:"state"`
	IPv6  json.RawMessage `json:"ipaddr6"`
}

// TestBriefTypesListEveryField keeps briefNet and briefConn in step with
// BriefFields.
func TestBriefTypesListEveryField(t *testing.T) {
	for kind, typ := range map[Kind]reflect.Type{KindNetwork: reflect.TypeFor[briefNet](), KindConnection: reflect.TypeFor[briefConn]()} {
		var tags []string
		for f := range typ.Fields() {
			tags = append(tags, f.Tag.Get("json"))
		}
		want := slices.Clone(BriefFields[kind])
		slices.Sort(tags)
		slices.Sort(want)
		if !slices.Equal(tags, want) {
			t.Errorf("%v: fields %v, BriefFields[%s] %v", typ, tags, kind, want)
		}
	}
}

// checkBrief fails when decoding data's brief differs from decoding data.
func checkBrief(t *testing.T, data []byte) {
	t.Helper()
	for kind, dst := range map[Kind]func() any{KindNetwork: func() any { return new(briefNet) }, KindConnection: func() any { return new(briefConn) }} {
		brief, ok := Brief(kind, data)
		if !ok {
			continue // the store's readers read the data
		}
		if len(brief) > MaxBrief+1 {
			t.Errorf("%s brief of %q: %d bytes, over MaxBrief", kind, data, len(brief))
		}
		want, got := dst(), dst()
		werr, gerr := json.Unmarshal(data, want), json.Unmarshal(brief, got)
		if (werr == nil) != (gerr == nil) || !reflect.DeepEqual(want, got) {
			t.Errorf("%s brief of %q is %q: decodes to %+v (error %v), data to %+v (error %v)", kind, data, brief, got, gerr, want, werr)
		}
	}
}

var briefCases = []string{
	`{"id":1,"asn":64500,"name":"A","notes":"long text","irr_as_set":"AS-A"}`,
	`{"ASN":1,"asn":2,"Name":"x","NAME":"y"}`,
	`{"n\u0061me":"escaped key","name":"plain"}`,
	`{"name":"plain","n\u0061me":"escaped key"}`,
	`{"ſpeed":10,"speed":20}`,
	`{"speed":"10","asn":1}`,
	`{"asn":1.5}`,
	`{"asn":null,"name":null}`,
	`{}`,
	` { "asn" : 1 , "name" : "spaced" } `,
	`[1,2]`,
	`null`,
	`{"asn":1`,
	`{"asn":1}{}`,
	`{"name":"` + strings.Repeat("x", MaxBrief) + `"}`,
	`{"notes":"` + strings.Repeat("x", 3*MaxBrief) + `","asn":7}`,
	`{"ix_id":3,"asn":64500,"speed":10000,"state":"ok","ipaddr6":"2001:db8::1","ipaddr4":"192.0.2.1","is_rs_peer":true}`,
	`{"asn":{"nested":[1,{"name":2}]},"name":"n"}`,
	"{\"name\":\"caf\xc3\xa9\",\"aka\":\"\xff\"}",
}

func TestBrief(t *testing.T) {
	for _, c := range briefCases {
		checkBrief(t, []byte(c))
	}
	if b, ok := Brief(KindNetwork, []byte(`{"id":1,"asn":64500,"name":"A","notes":"long text"}`)); !ok || string(b) != `{"asn":64500,"name":"A"}` {
		t.Errorf("brief %s, %v; want only asn and name", b, ok)
	}
	if _, ok := Brief(KindExchange, []byte(`{"name":"IX"}`)); ok {
		t.Error("an exchange has a brief")
	}
	if _, ok := Brief(KindNetwork, []byte(`{"name":"`+strings.Repeat("x", MaxBrief)+`"}`)); ok {
		t.Error("a brief over MaxBrief was kept")
	}
}

// FuzzBrief checks briefs against encoding/json on any input:
//
//	go test ./ixp -run '^$' -fuzz FuzzBrief -fuzztime 60s
func FuzzBrief(f *testing.F) {
	for _, c := range briefCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkBrief(t, data) })
}
