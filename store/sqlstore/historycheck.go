package sqlstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/ixpobs/ixpobs/internal/jsonkeys"
	"github.com/ixpobs/ixpobs/ixp"
)

// History import validates every field it reads (issue 20, item 4): a
// value an export of a healthy store cannot hold is refused with its line,
// never stored. The limits are those of the data model: times as
// ixp.CheckSnapshotTime allows them (versions' bounds too, or Open), known
// kinds, ids and counts not negative, ASNs of 32 bits, version data a
// JSON object, indicators consistent (IPv6 and route-server members at
// most the members, capacity within the port-speed range per connection).

// historyFields are the JSON names of historyLine's fields, folded
// (jsonkeys.Fold) → as written; computed once, only read afterwards.
var historyFields = func() map[string]string {
	out := map[string]string{}
	t := reflect.TypeFor[historyLine]()
	for f := range t.Fields() {
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" {
			out[jsonkeys.Fold(name)] = name
		}
	}
	return out
}()

// decodeHistoryLine decodes one line, refusing a key given twice or
// equal to a field's name but for case (encoding/json would take either).
func decodeHistoryLine(raw []byte, l *historyLine) error {
	var bad error
	problems := jsonkeys.Check(raw, 1, func(key []byte, _ int) {
		if bad != nil {
			return
		}
		if f, ok := historyFields[jsonkeys.Fold(string(key))]; ok && f != string(key) {
			bad = fmt.Errorf("key %q differs only in case from field %q: %w", key, f, ixp.ErrInvalid)
		}
	})
	if len(problems) > 0 {
		return fmt.Errorf("%w: %w", problems[0], ixp.ErrInvalid)
	}
	if bad != nil {
		return bad
	}
	return json.Unmarshal(raw, l)
}

func invalid(format string, a ...any) error {
	return fmt.Errorf(format+": %w", append(a, ixp.ErrInvalid)...)
}

// checkHistoryLine validates the fields of one line of its type, now being
// the importing store's clock.
func checkHistoryLine(l *historyLine, now time.Time) error {
	switch l.Type {
	case "snapshot":
		if l.Source == "" {
			return invalid("snapshot %d without a source", l.ID)
		}
		if l.ID <= 0 {
			return invalid("snapshot id %d", l.ID)
		}
		if err := checkKinds(l.Kinds); err != nil {
			return fmt.Errorf("snapshot %d: %w", l.ID, err)
		}
		if len(l.Counts) > 0 && !isJSON(l.Counts, '{') {
			return invalid("snapshot %d: counts are not a JSON object", l.ID)
		}
		if len(l.Notes) > 0 && !isJSON(l.Notes, '[') && string(bytes.TrimSpace(l.Notes)) != "null" {
			return invalid("snapshot %d: notes are not a JSON array", l.ID)
		}
		if l.Created < 0 || l.Created > now.Add(24*time.Hour).Unix() {
			return invalid("snapshot %d: created %d is not a plausible time", l.ID, l.Created)
		}
	case "version":
		if l.Source == "" {
			return invalid("version without a source")
		}
		k := ixp.Kind(l.Kind)
		if !k.Known() {
			return invalid("version of unknown kind %d", l.Kind)
		}
		if l.ID < 0 || l.IXID < 0 || l.ASN < 0 || l.ASN > 1<<32-1 {
			return invalid("%s %d: id, ix_id or asn (%d) out of range", k, l.ID, l.ASN)
		}
		if err := ixp.CheckSnapshotTime(fromUnix(l.ValidFrom), now); err != nil || l.ValidFrom == Open {
			return invalid("%s %d: from %d is not a plausible time", k, l.ID, l.ValidFrom)
		}
		if l.ValidTo != Open {
			if err := ixp.CheckSnapshotTime(fromUnix(l.ValidTo), now); err != nil {
				return invalid("%s %d: to %d is not a plausible time", k, l.ID, l.ValidTo)
			}
			if l.ValidTo <= l.ValidFrom {
				return invalid("%s %d: valid from %d to %d, an empty or reversed interval", k, l.ID, l.ValidFrom, l.ValidTo)
			}
		}
		if !isJSON(l.Data, '{') {
			return invalid("%s %d: data is not a JSON object", k, l.ID)
		}
	case "stats":
		if l.IXID <= 0 || l.Members < 0 || l.Connections < 0 || l.IPv6Members < 0 || l.RSMembers < 0 || l.Capacity < 0 {
			return invalid("indicators of exchange %d: a negative figure or id", l.IXID)
		}
		if l.IPv6Members > l.Members || l.RSMembers > l.Members || l.Members > l.Connections {
			return invalid("indicators of exchange %d: %d members, %d connections, %d IPv6 and %d route-server members do not add up",
				l.IXID, l.Members, l.Connections, l.IPv6Members, l.RSMembers)
		}
		if l.Connections > 0 && l.Capacity/int64(l.Connections) > ixp.MaxPortSpeedMbps {
			return invalid("indicators of exchange %d: capacity %d Mbps over %d connections is past %d Mbps a port", l.IXID, l.Capacity, l.Connections, ixp.MaxPortSpeedMbps)
		}
	case "run":
		if l.Source == "" {
			return invalid("run without a source")
		}
		latest := now.Add(24 * time.Hour).UnixMilli()
		if l.Started < 0 || l.Finished < l.Started || l.Finished > latest {
			return invalid("run of %s: started %d, finished %d (ms) are not a plausible run", l.Source, l.Started, l.Finished)
		}
	}
	return nil
}

// checkKinds validates a snapshot's kinds: a comma-separated list of known
// kind numbers, at least one.
func checkKinds(s string) error {
	if s == "" {
		return invalid("covers no kind")
	}
	for p := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(p)
		if err != nil || !ixp.Kind(n).Known() {
			return invalid("unknown kind %q", p)
		}
	}
	return nil
}

// isJSON reports whether b is valid JSON starting with open ('{' or '[').
func isJSON(b []byte, open byte) bool {
	t := bytes.TrimSpace(b)
	return len(t) > 0 && t[0] == open && json.Valid(t)
}
