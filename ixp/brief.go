package ixp

import (
	"errors"

	"github.com/ixpobs/ixpobs/internal/jsonpick"
)

// BriefFields lists, per kind, the JSON members of an object that the
// list reads of every object of a date need (the network list, members,
// names: dashboard's pickers). The store keeps each version's brief — its
// data with only these members — beside the data, so that those reads do
// not read whole objects (issue 23). Changing a list needs a migration
// that computes the briefs again (store/sqlstore.FillBriefs).
var BriefFields = map[Kind][]string{
	KindNetwork:    {"asn", "name", "aka", "info_type", "info_scope", "policy_general", "created", "ixps", "connections", "speed_mbps"},
	KindConnection: {"ix_id", "asn", "speed", "state", "ipaddr6"},
}

// MaxBrief is the longest brief kept, in bytes; PostgreSQL's indexes
// hold entries of up to about 2,700.
const MaxBrief = 1024

// HasBrief reports whether the store keeps briefs of kind's objects.
func HasBrief(k Kind) bool { _, ok := BriefFields[k]; return ok }

// Brief returns data with only the members of kind's BriefFields. Decoding
// the brief with encoding/json into a type whose fields are among
// BriefFields gives exactly what decoding data gives: the members kept
// are copied byte for byte and in order, so repeated and case-variant
// keys resolve the same way, and a member whose key has an escape or a
// non-ASCII byte (which encoding/json may fold onto a field name) is kept
// too. ok is false for a kind without BriefFields, for data that is not
// one valid JSON object and for a brief longer than MaxBrief: readers of
// briefs then read the data.
func Brief(k Kind, data []byte) (brief []byte, ok bool) {
	names, ok := BriefFields[k]
	if !ok {
		return nil, false
	}
	out := make([]byte, 0, 128)
	out = append(out, '{')
	err := jsonpick.Members(data, func(key, value []byte) error {
		keep := !jsonpick.PlainKey(key)
		for _, n := range names {
			if keep {
				break
			}
			keep = jsonpick.Fold(key, n)
		}
		if !keep {
			return nil
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, '"')
		out = append(out, key...)
		out = append(out, '"', ':')
		out = append(out, value...)
		if len(out) >= MaxBrief {
			return errTooLong
		}
		return nil
	})
	if err != nil {
		return nil, false
	}
	return append(out, '}'), true
}

var errTooLong = errors.New("brief too long")
