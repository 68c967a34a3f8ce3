package peeringdb

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"time"

	"github.com/ixpobs/ixpobs/geo"
	"github.com/ixpobs/ixpobs/internal/jsonkeys"
	"github.com/ixpobs/ixpobs/ixp"
)

// meta is what every PeeringDB object carries.
type meta struct {
	ID      int64  `json:"id"`
	Status  string `json:"status"`
	Created string `json:"created"`
	Updated string `json:"updated"`
}

type rawOrg struct {
	meta
	Name    string `json:"name"`
	Country string `json:"country"`
	City    string `json:"city"`
	Website string `json:"website"`
}

type rawFac struct {
	meta
	OrgID     int64    `json:"org_id"`
	CampusID  *int64   `json:"campus_id"`
	Name      string   `json:"name"`
	City      string   `json:"city"`
	Country   string   `json:"country"`
	Region    string   `json:"region_continent"`
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
}

type rawIX struct {
	meta
	OrgID    int64  `json:"org_id"`
	Name     string `json:"name"`
	NameLong string `json:"name_long"`
	City     string `json:"city"`
	Country  string `json:"country"`
	Region   string `json:"region_continent"`
	Website  string `json:"website"`
}

type rawIXLan struct {
	meta
	IXID      int64   `json:"ix_id"`
	Name      string  `json:"name"`
	MTU       *int    `json:"mtu"`
	RSASN     *uint32 `json:"rs_asn"`
	IXFURL    string  `json:"ixf_ixp_member_list_url"`
	IXFImport bool    `json:"ixf_ixp_import_enabled"`
}

type rawIXPfx struct {
	meta
	IXLanID  int64  `json:"ixlan_id"`
	Protocol string `json:"protocol"`
	Prefix   string `json:"prefix"`
	InDFZ    bool   `json:"in_dfz"`
}

type rawIXFac struct {
	meta
	IXID  int64 `json:"ix_id"`
	FacID int64 `json:"fac_id"`
}

type rawNet struct {
	meta
	OrgID         int64  `json:"org_id"`
	ASN           uint32 `json:"asn"`
	Name          string `json:"name"`
	AKA           string `json:"aka"`
	Website       string `json:"website"`
	IRRASSet      string `json:"irr_as_set"`
	InfoType      string `json:"info_type"`
	InfoPrefixes4 *int   `json:"info_prefixes4"`
	InfoPrefixes6 *int   `json:"info_prefixes6"`
	InfoTraffic   string `json:"info_traffic"`
	InfoScope     string `json:"info_scope"`
	PolicyGeneral string `json:"policy_general"`
}

type rawNetFac struct {
	meta
	NetID    int64   `json:"net_id"`
	FacID    int64   `json:"fac_id"`
	LocalASN *uint32 `json:"local_asn"`
}

type rawNetIXLan struct {
	meta
	NetID       int64   `json:"net_id"`
	IXID        int64   `json:"ix_id"`
	IXLanID     int64   `json:"ixlan_id"`
	ASN         uint32  `json:"asn"`
	Speed       int64   `json:"speed"`
	IPAddr4     *string `json:"ipaddr4"`
	IPAddr6     *string `json:"ipaddr6"`
	IsRSPeer    bool    `json:"is_rs_peer"`
	Operational *bool   `json:"operational"`
}

type rawCampus struct {
	meta
	OrgID   int64  `json:"org_id"`
	Name    string `json:"name"`
	City    string `json:"city"`
	Country string `json:"country"`
}

type rawCarrier struct {
	meta
	OrgID int64  `json:"org_id"`
	Name  string `json:"name"`
}

type rawCarrierFac struct {
	meta
	CarrierID int64 `json:"carrier_id"`
	FacID     int64 `json:"fac_id"`
}

// object is a decoded PeeringDB object before references are resolved.
type object struct {
	meta
	rec ixp.Record
	// references to check: kind → id
	refs []ref
	// ixlan of an ixpfx or netixlan, to resolve its exchange
	ixlanID int64
	model   any
	// missing names a field the object cannot do without that is absent
	// or zero (schema drift: a renamed or dropped field).
	missing string
	// quirks are the values found out of range (ixp.Quirk*), with the
	// value as found; the model has them unknown.
	quirks []quirk
}

type quirk struct {
	name, value string
	n           int // how many (0: one)
}

// speed validates a port speed: out of ixp.SpeedValid's range it is a
// quirk and unknown (0).
func (o *object) speed(mbps int64) int64 {
	if ixp.SpeedValid(mbps) {
		return mbps
	}
	o.quirks = append(o.quirks, quirk{name: ixp.QuirkSpeedOutOfRange, value: fmt.Sprintf("speed=%d", mbps)})
	return 0
}

// addr validates an address of one family: one that does not parse, has
// a zone or is of the other family is a quirk and unknown ("").
func (o *object) addr(field, s string, v6 bool) string {
	if s == "" {
		return ""
	}
	a, err := netip.ParseAddr(s)
	if err == nil && a.Zone() == "" && a.Is6() == v6 && !a.Is4In6() {
		return s
	}
	o.quirks = append(o.quirks, quirk{name: ixp.QuirkAddressInvalid, value: fmt.Sprintf("%s=%q", field, short(s))})
	return ""
}

// country validates a country code against ISO 3166-1 alpha-2 (geo): an
// unknown code is a quirk and unknown (""). The code is kept as written,
// in upper case.
func (o *object) country(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	if geo.Normalize(s) == "" {
		o.quirks = append(o.quirks, quirk{name: ixp.QuirkCountryInvalid, value: fmt.Sprintf("country=%q", short(s))})
		return ""
	}
	return strings.ToUpper(s)
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// unmarshal decodes one object into r (a pointer to a raw type) after
// checking its keys: a key given twice, or two keys equal but for case, or
// a key equal to one of r's fields but for case (encoding/json would match
// "ASN" to asn) is refused: ixp.ErrInvalid with the key and its offset in
// the object.
func unmarshal(kc *jsonkeys.Checker, raw []byte, r any) error {
	fields := rawFields[reflect.TypeOf(r).Elem()]
	var bad error
	problems := kc.Check(raw, 1, func(key []byte, off int) {
		if bad != nil || fields.exact[string(key)] {
			return
		}
		if f, ok := fields.folded[jsonkeys.Fold(string(key))]; ok {
			bad = fmt.Errorf("key %q (byte %d of the object) differs only in case from field %q: %w", key, off, f, ixp.ErrInvalid)
		}
	})
	if len(problems) > 0 {
		return fmt.Errorf("%w: %w", problems[0], ixp.ErrInvalid)
	}
	if bad != nil {
		return bad
	}
	return json.Unmarshal(raw, r)
}

// rawDecoder decodes one object's bytes into a raw type (r is a pointer
// to one): slowDecoder (encoding/json after the key check) or
// fastDecoder (one pass, for the objects it can decide alone).
type rawDecoder interface {
	decode(r any) error
}

// slowDecoder is unmarshal of raw.
type slowDecoder struct {
	kc  *jsonkeys.Checker
	raw []byte
}

func (s *slowDecoder) decode(r any) error { return unmarshal(s.kc, s.raw, r) }

// fieldSet is the JSON names of a struct's fields, as written and folded.
type fieldSet struct {
	exact  map[string]bool
	folded map[string]string // jsonkeys.Fold(name) → name
}

// rawFields holds the JSON field names of each raw object type; computed
// once, only read afterwards.
var rawFields = func() map[reflect.Type]fieldSet {
	m := map[reflect.Type]fieldSet{}
	for _, v := range []any{rawOrg{}, rawFac{}, rawIX{}, rawIXLan{}, rawIXPfx{}, rawIXFac{}, rawNet{}, rawNetFac{},
		rawNetIXLan{}, rawCampus{}, rawCarrier{}, rawCarrierFac{}} {
		t := reflect.TypeOf(v)
		fs := fieldSet{exact: jsonFields(t), folded: map[string]string{}}
		for f := range fs.exact {
			fs.folded[jsonkeys.Fold(f)] = f
		}
		m[t] = fs
	}
	return m
}()

// jsonFields returns the JSON names of a struct's fields, embedded ones
// included.
func jsonFields(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for f := range t.Fields() {
		if f.Anonymous {
			for k := range jsonFields(f.Type) {
				out[k] = true
			}
			continue
		}
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
			out[name] = true
		}
	}
	return out
}

type ref struct {
	kind ixp.Kind
	id   int64
	name string // field name, for reports
}

// date validates a created time and returns its date: one that does not
// start with a date, or is before ixp.EarliestSnapshot or more than a day
// in the future, is a quirk and unknown ("").
func (o *object) date(s string) string {
	if s == "" {
		return ""
	}
	if len(s) >= 10 {
		if t, err := time.Parse(time.DateOnly, s[:10]); err == nil && !t.Before(ixp.EarliestSnapshot) && !t.After(time.Now().Add(24*time.Hour)) {
			return s[:10]
		}
	}
	o.quirks = append(o.quirks, quirk{name: ixp.QuirkDateInvalid, value: fmt.Sprintf("created=%q", short(s))})
	return ""
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// decodeObject decodes the next object of kind k from dec.
func decodeObject(k ixp.Kind, dec *json.Decoder, b *objectBuffers) (object, error) {
	if err := dec.Decode(&b.raw); err != nil {
		return object{}, err
	}
	return parseObject(k, b.raw, &b.keys)
}

// objectBuffers are what decodeObject keeps from one object to the next:
// the object's bytes and the key checker's buffers. Nothing decoded
// refers to them.
type objectBuffers struct {
	raw  json.RawMessage
	keys jsonkeys.Checker
}

// parseObject decodes one object of kind k: keys checked (unmarshal),
// values validated (a value out of range is a quirk of the object and
// unknown in its model).
func parseObject(k ixp.Kind, raw []byte, kc *jsonkeys.Checker) (object, error) {
	var o object
	// The text rule (ixp.CleanJSON) before decoding: encoding/json would
	// turn a byte that is not UTF-8 or a lone surrogate into U+FFFD
	// without a word; here each is counted.
	if clean, n := ixp.CleanJSON(raw); n > 0 {
		raw = clean
		o.quirks = append(o.quirks, quirk{ixp.QuirkTextReplaced, fmt.Sprintf("%d characters", n), n})
	}
	err := buildObject(k, &o, &slowDecoder{kc, raw})
	return o, err
}

// buildObject decodes one object of kind k with dec into o and builds its
// model, validating its values.
func buildObject(k ixp.Kind, o *object, dec rawDecoder) error {
	var err error
	switch k {
	case ixp.KindOrganization:
		var r rawOrg
		err = dec.decode(&r)
		o.meta = r.meta
		o.model = ixp.Organization{ID: r.ID, Name: r.Name, Country: o.country(r.Country), City: r.City, Website: r.Website}
	case ixp.KindFacility:
		var r rawFac
		err = dec.decode(&r)
		o.meta = r.meta
		o.model = ixp.Facility{ID: r.ID, OrgID: r.OrgID, CampusID: deref(r.CampusID), Name: r.Name, City: r.City,
			Country: o.country(r.Country), Region: r.Region, Latitude: r.Latitude, Longitude: r.Longitude, Created: o.date(r.Created)}
		o.refs = []ref{{ixp.KindOrganization, r.OrgID, "org_id"}}
	case ixp.KindExchange:
		var r rawIX
		err = dec.decode(&r)
		o.meta = r.meta
		o.model = ixp.Exchange{ID: r.ID, OrgID: r.OrgID, Name: r.Name, NameLong: r.NameLong, City: r.City,
			Country: o.country(r.Country), Region: r.Region, Website: r.Website, Created: o.date(r.Created)}
		o.refs = []ref{{ixp.KindOrganization, r.OrgID, "org_id"}}
		o.rec.IXID = r.ID
	case ixp.KindExchangeLAN:
		var r rawIXLan
		err = dec.decode(&r)
		o.meta = r.meta
		o.model = ixp.ExchangeLAN{ID: r.ID, IXID: r.IXID, Name: r.Name, MTU: deref(r.MTU), RouteServerASN: ixp.ASN(deref(r.RSASN)),
			IXFMemberListURL: r.IXFURL, IXFImportEnabled: r.IXFImport}
		o.refs = []ref{{ixp.KindExchange, r.IXID, "ix_id"}}
		o.rec.IXID = r.IXID
		o.missing = firstMissing("ix_id", r.IXID == 0)
	case ixp.KindExchangePrefix:
		var r rawIXPfx
		err = dec.decode(&r)
		o.meta = r.meta
		o.model = ixp.ExchangePrefix{ID: r.ID, LANID: r.IXLanID, Protocol: r.Protocol, Prefix: r.Prefix, InDFZ: r.InDFZ}
		o.refs = []ref{{ixp.KindExchangeLAN, r.IXLanID, "ixlan_id"}}
		o.ixlanID = r.IXLanID
		o.missing = firstMissing("ixlan_id", r.IXLanID == 0, "prefix", r.Prefix == "")
	case ixp.KindExchangeFacility:
		var r rawIXFac
		err = dec.decode(&r)
		o.meta = r.meta
		o.model = ixp.ExchangeFacility{ID: r.ID, IXID: r.IXID, FacilityID: r.FacID}
		o.refs = []ref{{ixp.KindExchange, r.IXID, "ix_id"}, {ixp.KindFacility, r.FacID, "fac_id"}}
		o.rec.IXID = r.IXID
	case ixp.KindNetwork:
		var r rawNet
		err = dec.decode(&r)
		o.meta = r.meta
		o.model = ixp.Network{ID: r.ID, OrgID: r.OrgID, ASN: ixp.ASN(r.ASN), Name: r.Name, AKA: r.AKA, Website: r.Website,
			IRRASSet: r.IRRASSet, InfoType: r.InfoType, InfoPrefixes4: deref(r.InfoPrefixes4), InfoPrefixes6: deref(r.InfoPrefixes6),
			InfoTraffic: r.InfoTraffic, InfoScope: r.InfoScope, PolicyGeneral: r.PolicyGeneral, Created: o.date(r.Created)}
		o.refs = []ref{{ixp.KindOrganization, r.OrgID, "org_id"}}
		o.rec.ASN = ixp.ASN(r.ASN)
		o.missing = firstMissing("asn", r.ASN == 0)
	case ixp.KindNetworkFacility:
		var r rawNetFac
		err = dec.decode(&r)
		o.meta = r.meta
		o.model = ixp.NetworkFacility{ID: r.ID, NetworkID: r.NetID, FacilityID: r.FacID, LocalASN: ixp.ASN(deref(r.LocalASN))}
		o.refs = []ref{{ixp.KindNetwork, r.NetID, "net_id"}, {ixp.KindFacility, r.FacID, "fac_id"}}
		o.rec.ASN = ixp.ASN(deref(r.LocalASN))
	case ixp.KindConnection:
		var r rawNetIXLan
		err = dec.decode(&r)
		o.meta = r.meta
		o.model = ixp.Connection{ID: r.ID, IXID: r.IXID, LANID: r.IXLanID, NetworkID: r.NetID, ASN: ixp.ASN(r.ASN), Speed: o.speed(r.Speed),
			IPv4: o.addr("ipaddr4", deref(r.IPAddr4), false), IPv6: o.addr("ipaddr6", deref(r.IPAddr6), true), RouteServer: r.IsRSPeer, Operational: r.Operational, Created: o.date(r.Created)}
		o.refs = []ref{{ixp.KindNetwork, r.NetID, "net_id"}, {ixp.KindExchangeLAN, r.IXLanID, "ixlan_id"}}
		if r.IXID != 0 {
			o.refs = append(o.refs, ref{ixp.KindExchange, r.IXID, "ix_id"})
		}
		o.ixlanID = r.IXLanID
		o.rec.IXID = r.IXID
		o.rec.ASN = ixp.ASN(r.ASN)
		o.missing = firstMissing("asn", r.ASN == 0, "ixlan_id", r.IXLanID == 0)
	case ixp.KindCampus:
		var r rawCampus
		err = dec.decode(&r)
		o.meta = r.meta
		o.model = ixp.Campus{ID: r.ID, OrgID: r.OrgID, Name: r.Name, City: r.City, Country: o.country(r.Country)}
		o.refs = []ref{{ixp.KindOrganization, r.OrgID, "org_id"}}
	case ixp.KindCarrier:
		var r rawCarrier
		err = dec.decode(&r)
		o.meta = r.meta
		o.model = ixp.Carrier{ID: r.ID, OrgID: r.OrgID, Name: r.Name}
		o.refs = []ref{{ixp.KindOrganization, r.OrgID, "org_id"}}
	case ixp.KindCarrierFacility:
		var r rawCarrierFac
		err = dec.decode(&r)
		o.meta = r.meta
		o.model = ixp.CarrierFacility{ID: r.ID, CarrierID: r.CarrierID, FacilityID: r.FacID}
		o.refs = []ref{{ixp.KindCarrier, r.CarrierID, "carrier_id"}, {ixp.KindFacility, r.FacID, "fac_id"}}
	}
	o.rec.Kind = k
	o.rec.ID = o.ID
	return err
}

// firstMissing takes (field name, missing) pairs and returns the first
// missing field's name, or "".
func firstMissing(pairs ...any) string {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1].(bool) {
			return pairs[i].(string)
		}
	}
	return ""
}

// setIX fills the exchange of a model that only names its LAN.
func (o *object) setIX(ix int64) {
	o.rec.IXID = ix
	switch m := o.model.(type) {
	case ixp.ExchangePrefix:
		m.IXID = ix
		o.model = m
	case ixp.Connection:
		m.IXID = ix
		o.model = m
	}
}
