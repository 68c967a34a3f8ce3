package ixf

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
)

// MaxClockSkew is how far in the future of the fetch time an export
// timestamp may be before the fetch time is used instead.
const MaxClockSkew = time.Hour

// ids are 63-bit FNV-1a hashes with bit 62 set, so that they never collide
// with PeeringDB ids (small positive integers) that share a kind.
func hashID(parts ...string) int64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return int64(h.Sum64()&(1<<62-1)) | 1<<62
}

// ExchangeID returns the stable record id of exchange exportIXPID of the
// export published under source name (without ixp.SourcePrefixIXF).
func ExchangeID(name string, exportIXPID int64) int64 {
	return hashID("ixf-ixp", name, strconv.FormatInt(exportIXPID, 10))
}

// ConnectionID returns the stable record id of a connection: the same
// source name, exchange, ASN, vlan and addresses give the same id in every
// snapshot. ordinal tells apart connections that share all of these (only
// connections without addresses can); it is 0 otherwise.
func ConnectionID(name string, exportIXPID int64, asn ixp.ASN, vlan int64, ipv4, ipv6 string, ordinal int) int64 {
	parts := []string{"ixf-conn", name, strconv.FormatInt(exportIXPID, 10),
		strconv.FormatUint(uint64(asn), 10), strconv.FormatInt(vlan, 10), ipv4, ipv6}
	if ordinal > 0 {
		parts = append(parts, strconv.Itoa(ordinal))
	}
	return hashID(parts...)
}

// Records converts a decoded (and possibly matched) export into store
// records: one ixp.KindExportedExchange record per exchange and one
// ixp.KindConnection record per connection, with stable ids, Record.IXID
// the matched PeeringDB exchange (0 when unmatched) and Record.ASN the
// member's ASN. name is the source name without ixp.SourcePrefixIXF. It also sets
// ID and IXID of the connections in ex.
func Records(name string, ex *Export) ([]ixp.Record, error) {
	matched := make(map[int64]int64, len(ex.Exchanges))
	n := len(ex.Exchanges)
	for _, m := range ex.Members {
		n += len(m.Connections)
	}
	recs := make([]ixp.Record, 0, n)
	for _, x := range ex.Exchanges {
		matched[x.ExportIXPID] = x.MatchedIXID
		data, err := json.Marshal(x.ExportedExchange)
		if err != nil {
			return nil, fmt.Errorf("ixf: encode exchange %d of %s: %w", x.ExportIXPID, ex.File, err)
		}
		recs = append(recs, ixp.Record{Kind: ixp.KindExportedExchange, ID: ExchangeID(name, x.ExportIXPID), IXID: x.MatchedIXID, Data: data})
	}
	seen := make(map[int64]bool, n)
	for mi := range ex.Members {
		m := &ex.Members[mi]
		for ci := range m.Connections {
			c := &m.Connections[ci]
			c.ID = ConnectionID(name, c.ExportIXPID, c.ASN, c.VLANID, c.IPv4, c.IPv6, c.ordinal)
			if seen[c.ID] {
				// Only an export not built by Decode repeats a connection.
				return nil, fmt.Errorf("ixf: connection AS%d vlan %d %q %q repeated in %s: %w", c.ASN, c.VLANID, c.IPv4, c.IPv6, ex.File, ixp.ErrInvalid)
			}
			seen[c.ID] = true
			c.IXID = matched[c.ExportIXPID]
			data, err := json.Marshal(c.Connection)
			if err != nil {
				return nil, fmt.Errorf("ixf: encode connection of AS%d in %s: %w", c.ASN, ex.File, err)
			}
			recs = append(recs, ixp.Record{Kind: ixp.KindConnection, ID: c.ID, IXID: c.IXID, ASN: c.ASN, Data: data})
		}
	}
	return recs, nil
}

// SnapshotAt returns the time a snapshot of ex stands for: the export's
// timestamp, or fetched when the export has none, one more than
// MaxClockSkew after fetched or one before ixp.EarliestSnapshot (the store
// refuses such dates: see ixp.CheckSnapshotTime).
func SnapshotAt(ex *Export, fetched time.Time) time.Time {
	if ex.Timestamp.IsZero() || ex.Timestamp.After(fetched.Add(MaxClockSkew)) || ex.Timestamp.Before(ixp.EarliestSnapshot) {
		return fetched.UTC()
	}
	return ex.Timestamp
}

// Snapshot builds the snapshot of one export for a store's Publish: source
// ixp.IXFSource(name), at SnapshotAt, covering the exported-exchange and
// connection kinds, with the decoder's report as notes and the export's file
// or URL as origin.
func Snapshot(name string, ex *Export, fetched time.Time) (ixp.SnapshotInput, error) {
	recs, err := Records(name, ex)
	if err != nil {
		return ixp.SnapshotInput{}, err
	}
	notes := ex.Report.Notes()
	if !ex.Timestamp.IsZero() && ex.Timestamp.After(fetched.Add(MaxClockSkew)) {
		notes = append(notes, ixp.QuirkNote(QuirkTimestampImplausible, 1, fmt.Sprintf("(export timestamp %s is after the fetch time; fetch time used)", ex.Timestamp.Format(time.RFC3339))))
	}
	if !ex.Timestamp.IsZero() && ex.Timestamp.Before(ixp.EarliestSnapshot) {
		notes = append(notes, ixp.QuirkNote(QuirkTimestampImplausible, 1, fmt.Sprintf("(export timestamp %s is before %s; fetch time used)", ex.Timestamp.Format(time.RFC3339), ixp.EarliestSnapshot.Format(time.DateOnly))))
	}
	return ixp.SnapshotInput{
		Source:  ixp.IXFSource(name),
		At:      SnapshotAt(ex, fetched),
		Kinds:   []ixp.Kind{ixp.KindExportedExchange, ixp.KindConnection},
		Records: recs,
		Origin:  ex.File,
		Notes:   notes,
	}, nil
}
