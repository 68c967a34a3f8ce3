package ixp

import (
	"strings"
	"time"
)

// ASN is an autonomous system number (32 bits, RFC 6793).
type ASN uint32

// Organization is the legal entity behind networks, exchanges and
// facilities (PeeringDB org).
type Organization struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Country string `json:"country,omitempty"`
	City    string `json:"city,omitempty"`
	Website string `json:"website,omitempty"`
}

// Facility is a building where networks and exchanges are present
// (PeeringDB fac).
type Facility struct {
	ID        int64    `json:"id"`
	OrgID     int64    `json:"org_id,omitempty"`
	CampusID  int64    `json:"campus_id,omitempty"`
	Name      string   `json:"name"`
	City      string   `json:"city,omitempty"`
	Country   string   `json:"country,omitempty"`
	Region    string   `json:"region,omitempty"`
	Latitude  *float64 `json:"lat,omitempty"`
	Longitude *float64 `json:"lon,omitempty"`
	Created   string   `json:"created,omitempty"` // YYYY-MM-DD
}

// Exchange is an Internet Exchange Point (PeeringDB ix).
type Exchange struct {
	ID       int64  `json:"id"`
	OrgID    int64  `json:"org_id,omitempty"`
	Name     string `json:"name"`
	NameLong string `json:"name_long,omitempty"`
	City     string `json:"city,omitempty"`
	Country  string `json:"country,omitempty"` // ISO 3166-1 alpha-2
	Region   string `json:"region,omitempty"`  // continent as PeeringDB names it
	Website  string `json:"website,omitempty"`
	Created  string `json:"created,omitempty"` // YYYY-MM-DD
}

// ExchangeLAN is a peering LAN of an exchange (PeeringDB ixlan).
type ExchangeLAN struct {
	ID               int64  `json:"id"`
	IXID             int64  `json:"ix_id"`
	Name             string `json:"name,omitempty"`
	MTU              int    `json:"mtu,omitempty"`
	RouteServerASN   ASN    `json:"rs_asn,omitempty"`
	IXFMemberListURL string `json:"ixf_url,omitempty"`
	IXFImportEnabled bool   `json:"ixf_import,omitempty"`
}

// ExchangePrefix is an IP prefix of an exchange LAN (PeeringDB ixpfx).
type ExchangePrefix struct {
	ID       int64  `json:"id"`
	LANID    int64  `json:"ixlan_id"`
	IXID     int64  `json:"ix_id,omitempty"` // resolved from the LAN when known
	Protocol string `json:"protocol"`        // "IPv4" or "IPv6"
	Prefix   string `json:"prefix"`
	InDFZ    bool   `json:"in_dfz,omitempty"`
}

// ExchangeFacility says an exchange is present in a facility (PeeringDB ixfac).
type ExchangeFacility struct {
	ID         int64 `json:"id"`
	IXID       int64 `json:"ix_id"`
	FacilityID int64 `json:"fac_id"`
}

// Network is an autonomous system as described in PeeringDB (net).
type Network struct {
	ID            int64  `json:"id"`
	OrgID         int64  `json:"org_id,omitempty"`
	ASN           ASN    `json:"asn"`
	Name          string `json:"name"`
	AKA           string `json:"aka,omitempty"`
	Website       string `json:"website,omitempty"`
	IRRASSet      string `json:"irr_as_set,omitempty"`
	InfoType      string `json:"info_type,omitempty"`
	InfoPrefixes4 int    `json:"info_prefixes4,omitempty"`
	InfoPrefixes6 int    `json:"info_prefixes6,omitempty"`
	InfoTraffic   string `json:"info_traffic,omitempty"`
	InfoScope     string `json:"info_scope,omitempty"`
	PolicyGeneral string `json:"policy_general,omitempty"`
	Created       string `json:"created,omitempty"` // YYYY-MM-DD
}

// NetworkFacility says a network is present in a facility (PeeringDB netfac).
type NetworkFacility struct {
	ID         int64 `json:"id"`
	NetworkID  int64 `json:"net_id"`
	FacilityID int64 `json:"fac_id"`
	LocalASN   ASN   `json:"local_asn,omitempty"`
}

// Connection is a network's port at an exchange: one PeeringDB netixlan, or
// one member connection of an IX-F export.
type Connection struct {
	ID          int64  `json:"id"`
	IXID        int64  `json:"ix_id"`
	LANID       int64  `json:"ixlan_id,omitempty"`
	NetworkID   int64  `json:"net_id,omitempty"`
	ASN         ASN    `json:"asn"`
	Name        string `json:"name,omitempty"` // member name (IX-F) when known
	Speed       int64  `json:"speed"`          // Mbps
	IPv4        string `json:"ipaddr4,omitempty"`
	IPv6        string `json:"ipaddr6,omitempty"`
	RouteServer bool   `json:"is_rs_peer,omitempty"`
	Operational *bool  `json:"operational,omitempty"`
	State       string `json:"state,omitempty"`   // IX-F connection state
	Created     string `json:"created,omitempty"` // YYYY-MM-DD, PeeringDB created or IX-F member since
	// Unknown names the fields (by their JSON name) that the source of
	// this connection does not have at all, such as is_rs_peer in
	// PeeringDB v1 archives: their zero value means "not known", never
	// "no". Figures built on them are unknown too.
	Unknown []string `json:"unknown,omitempty"`
}

// Campus groups facilities (PeeringDB campus).
type Campus struct {
	ID      int64  `json:"id"`
	OrgID   int64  `json:"org_id,omitempty"`
	Name    string `json:"name"`
	City    string `json:"city,omitempty"`
	Country string `json:"country,omitempty"`
}

// Carrier provides transport between facilities (PeeringDB carrier).
type Carrier struct {
	ID    int64  `json:"id"`
	OrgID int64  `json:"org_id,omitempty"`
	Name  string `json:"name"`
}

// CarrierFacility says a carrier is present in a facility (PeeringDB carrierfac).
type CarrierFacility struct {
	ID         int64 `json:"id"`
	CarrierID  int64 `json:"carrier_id"`
	FacilityID int64 `json:"fac_id"`
}

// Record is one object of a snapshot as stores keep it: its kind and id,
// the references that history queries use (the exchange and the ASN, zero
// when they do not apply) and the canonical JSON encoding of the typed
// object. Two records with equal Data are the same version.
type Record struct {
	Kind Kind
	ID   int64
	IXID int64
	ASN  ASN
	Data []byte
}

// Snapshot is one collection or import of a source at a point in time,
// published whole or not at all.
type Snapshot struct {
	ID      int64          `json:"id"`
	Source  string         `json:"source"`
	At      time.Time      `json:"at"`
	Kinds   []Kind         `json:"-"`
	Counts  map[string]int `json:"counts"` // objects per kind name after this snapshot
	Delta   bool           `json:"delta"`  // an incremental update on top of the previous state
	Origin  string         `json:"origin,omitempty"`
	Notes   []string       `json:"notes,omitempty"` // what was dropped or dangling, summarised
	Created time.Time      `json:"created"`
}

// SnapshotInput is what a collector hands to a store to publish.
//
// Kinds lists the kinds this snapshot covers. For a full snapshot (Delta
// false) each covered kind is complete: an object of that kind that is not
// in Records has ended. Kinds not covered keep their previous state. For a
// delta snapshot, Records holds only changed objects and Deleted the ids
// that ended; it can only be appended after the newest snapshot.
type SnapshotInput struct {
	Source  string
	At      time.Time
	Kinds   []Kind
	Delta   bool
	Records []Record
	Deleted map[Kind][]int64
	Origin  string
	Notes   []string
	// Force publishes even when an object kind shrinks by more than
	// MaxShrink against the previous snapshot.
	Force bool
}

// MaxShrink is the largest drop of the object count of a kind that a
// snapshot may cause without being forced.
const MaxShrink = 0.30

// ExchangeStats are the indicators of one exchange in one snapshot; see
// docs/INDICATORS.md for their definitions.
type ExchangeStats struct {
	IXID         int64 `json:"-"`
	Members      int   `json:"members"`
	Connections  int   `json:"connections"`
	CapacityMbps int64 `json:"capacity_mbps"`
	IPv6Members  int   `json:"ipv6_members"`
	RSMembers    int   `json:"route_server_members"`
	// RSUnknown: a counted connection comes from a source without the
	// route-server flag (PeeringDB v1), so RSMembers is unknown, not 0.
	RSUnknown bool `json:"-"`
}

// ActiveMinMembers is the number of members from which an exchange counts
// as active.
const ActiveMinMembers = 3

// Active reports whether the exchange has at least ActiveMinMembers members.
func (s ExchangeStats) Active() bool { return s.Members >= ActiveMinMembers }

// Interval is a half-open validity interval [From, To); a zero To means
// still valid.
type Interval struct {
	From time.Time
	To   time.Time
}

// Event is a network joining or leaving an exchange.
type Event struct {
	Date time.Time `json:"date"`
	Type string    `json:"type"` // "join" or "leave"
	ASN  ASN       `json:"asn"`
	Name string    `json:"name,omitempty"`
}

// Date parses a YYYY-MM-DD date as midnight UTC.
func Date(s string) (time.Time, error) {
	return time.Parse(time.DateOnly, s)
}

// EndOfDay returns the last second of the day of t (UTC): "at a date D"
// means the state after every snapshot taken on D.
func EndOfDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 23, 59, 59, 0, time.UTC)
}

// ASNDelegation is one ASN of an RIR delegated statistics file (a range of
// the file is expanded into one record per ASN when its status is allocated
// or assigned).
type ASNDelegation struct {
	ASN      ASN    `json:"asn"`
	Registry string `json:"registry"`
	Country  string `json:"cc"`
	Status   string `json:"status"`
	Date     string `json:"date,omitempty"` // YYYY-MM-DD registration date
	OpaqueID string `json:"opaque_id,omitempty"`
}

// PrefixDelegation is one IPv4 or IPv6 line of an RIR delegated statistics
// file. An IPv4 range that is not a single CIDR block is kept whole in
// Start/Count and split into Prefixes.
type PrefixDelegation struct {
	Registry string   `json:"registry"`
	Country  string   `json:"cc"`
	Family   int      `json:"family"` // 4 or 6
	Start    string   `json:"start"`
	Count    uint64   `json:"count"` // addresses (IPv4) or prefix length (IPv6), as in the file
	Prefixes []string `json:"prefixes"`
	Status   string   `json:"status"`
	Date     string   `json:"date,omitempty"`
	OpaqueID string   `json:"opaque_id,omitempty"`
}

// ExportedExchange is one IXP of an IX-F member export, with the PeeringDB
// exchange it was matched to (0 when none) and how.
type ExportedExchange struct {
	IXFID       int64    `json:"ixf_id,omitempty"`
	ExportIXPID int64    `json:"ixp_id"` // ixp_id inside the export
	PeeringDBID int64    `json:"peeringdb_id,omitempty"`
	Shortname   string   `json:"shortname"`
	Name        string   `json:"name,omitempty"`
	Country     string   `json:"country,omitempty"`
	Prefixes    []string `json:"prefixes,omitempty"`
	MatchedIXID int64    `json:"matched_ix_id,omitempty"`
	MatchedBy   string   `json:"matched_by,omitempty"` // "peeringdb_id", "ixf_id", "prefix" or ""
}

// Counts reports whether a connection counts towards an exchange's
// indicators: PeeringDB connections always do (only status "ok" objects are
// kept); an IX-F connection does unless its state says it is not connected.
func (c Connection) Counts() bool {
	switch strings.ToLower(strings.TrimSpace(c.State)) {
	case "disconnected", "notconnected", "not-connected", "inactive", "disabled", "quarantine", "awaiting-xconnect", "deleted":
		return false
	}
	return true
}

// BGPCollector describes the collector a BGP snapshot comes from.
type BGPCollector struct {
	Name string `json:"name"`
	// IXID is the PeeringDB id of the exchange the collector peers at (0:
	// not tied to one exchange, e.g. a multihop collector).
	IXID int64  `json:"ix_id,omitempty"`
	Type string `json:"type"` // "mrt" or "showbgp" (an archived dump, by format) or "live"
	// Files are the MRT files of the snapshot (for type mrt).
	Files   []string `json:"files,omitempty"`
	Entries int64    `json:"entries,omitempty"` // RIB entries and updates read
	Routes  int      `json:"routes"`            // paths held at the snapshot
	// What the snapshot holds: distinct prefixes, origin ASNs and AS links
	// (prefix and link records are grouped by ASN, so record counts are not
	// these).
	Prefixes int `json:"prefixes"`
	Origins  int `json:"origins"`
	Links    int `json:"links"`
	// Table says whether the routes were read whole: "complete",
	// "partial" (an Alice-LG run cut by its budget: never counted as a
	// table) or "none" (neighbours only); "" for MRT and dumps (complete).
	Table string `json:"table,omitempty"`
	// TableStarted is when reading the table began (an Alice-LG table can
	// be read over several runs); the snapshot time is when it ended.
	TableStarted *time.Time `json:"table_started,omitempty"`
	// LookingGlass is the Alice-LG base URL (type alicelg) and TiedBy how
	// IXID was found ("override", "peer-addresses" or "config").
	LookingGlass string `json:"looking_glass,omitempty"`
	TiedBy       string `json:"tied_by,omitempty"`
}

// Counted reports whether the snapshot holds a whole routing table.
func (c BGPCollector) Counted() bool { return c.Table == "" || c.Table == "complete" }

// BGPPeer is a neighbour of a collector and how many prefixes it sends.
type BGPPeer struct {
	ASN        ASN    `json:"asn"`
	Address    string `json:"address"`
	PrefixesV4 int    `json:"prefixes_v4"`
	PrefixesV6 int    `json:"prefixes_v6"`
	// CarriedSince is set (live collectors) when the peer's session was
	// reset and its new table is not whole yet: the counts are those of
	// its last whole table, carried since this time.
	CarriedSince *time.Time `json:"carried_since,omitempty"`
	// NoEOR is set when the table was taken after the End-of-RIB timeout
	// (the peer never sent End-of-RIB) rather than on End-of-RIB.
	NoEOR bool `json:"no_eor,omitempty"`
	// Route-server neighbours (Alice-LG) also carry their session state
	// and the route server's own counts; nil for collectors.
	State          string `json:"state,omitempty"`
	RoutesReceived *int   `json:"routes_received,omitempty"`
	RoutesAccepted *int   `json:"routes_accepted,omitempty"`
	RoutesFiltered *int   `json:"routes_filtered,omitempty"`
	UptimeSeconds  *int64 `json:"uptime_seconds,omitempty"`
}

// Established reports whether a route-server neighbour's session is up
// (Alice-LG reports "up" for BIRD and "established" for GoBGP/OpenBGPD).
func (p BGPPeer) Established() bool {
	switch strings.ToLower(p.State) {
	case "up", "established":
		return true
	}
	return false
}

// BGPOrigin is an origin ASN seen by a collector.
type BGPOrigin struct {
	ASN        ASN    `json:"asn"`
	PrefixesV4 int    `json:"prefixes_v4"`
	PrefixesV6 int    `json:"prefixes_v6"`
	AddrsV4    uint64 `json:"addrs_v4"`    // distinct IPv4 addresses covered
	Slash48sV6 uint64 `json:"slash48s_v6"` // distinct IPv6 /48s covered
}

// BGPLinks are the AS adjacencies seen in AS paths from one ASN A to
// larger ASNs: B[i] > A, seen by Peers[i] peers (one record per A keeps a
// full table at tens of thousands of rows instead of millions).
type BGPLinks struct {
	A     ASN   `json:"a"`
	B     []ASN `json:"b"`
	Peers []int `json:"peers"`
}

// BGPPrefixes are the prefixes a collector sees whose first (lowest)
// origin is Origin; MOAS repeats those with more than one origin, with
// all of them.
type BGPPrefixes struct {
	Origin   ASN         `json:"origin"`
	Prefixes []string    `json:"prefixes"`
	MOAS     []BGPPrefix `json:"moas,omitempty"`
}

// BGPPrefix is a prefix and its origin ASNs.
type BGPPrefix struct {
	Prefix  string `json:"prefix"`
	Origins []ASN  `json:"origins,omitempty"`
}
