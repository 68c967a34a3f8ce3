package dashboard

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ixpobs/ixpobs/internal/jsonpick"
	"github.com/ixpobs/ixpobs/ixp"
)

// pickField is one JSON member a picker stores: its encoding/json name
// (lower-case) and how to store its raw value.
type pickField[T any] struct {
	name string
	set  func(dst *T, value []byte) error
}

// picker decodes the fields of T that the hot read paths need (netName,
// networkSummary, speedConn, memberConn) from stored objects: with
// jsonpick, several times faster than encoding/json, and with
// encoding/json for the objects where jsonpick cannot promise its answer.
// fields must list every JSON field of T.
type picker[T any] struct{ fields []pickField[T] }

// decode stores data's fields in *dst, as json.Unmarshal would.
func (p picker[T]) decode(data []byte, dst *T) error {
	orig := *dst
	err := p.fast(data, dst)
	if errors.Is(err, jsonpick.ErrSlow) {
		*dst = orig
		return json.Unmarshal(data, dst)
	}
	return err
}

// fast is decode without the fallback: jsonpick.ErrSlow when data must go
// to encoding/json (*dst may then be partly written).
func (p picker[T]) fast(data []byte, dst *T) error {
	return jsonpick.Members(data, func(key, value []byte) error {
		if !jsonpick.PlainKey(key) {
			return jsonpick.ErrSlow
		}
		for _, f := range p.fields {
			if jsonpick.Fold(key, f.name) {
				return f.set(dst, value)
			}
		}
		return nil
	})
}

// decodeAll decodes stored objects as the package's decodeAll does.
func (p picker[T]) decodeAll(recs []ixp.Record) ([]T, error) {
	out := make([]T, len(recs))
	for i, r := range recs {
		if err := p.decode(r.Data, &out[i]); err != nil {
			return nil, fmt.Errorf("decode %s %d: %w", r.Kind, r.ID, err)
		}
	}
	return out, nil
}

func pickString[T any](name string, field func(*T) *string) pickField[T] {
	return pickField[T]{name, func(dst *T, v []byte) error { return jsonpick.String(v, field(dst)) }}
}

func pickInt64[T any](name string, field func(*T) *int64) pickField[T] {
	return pickField[T]{name, func(dst *T, v []byte) error { return jsonpick.Int(v, field(dst)) }}
}

func pickInt[T any](name string, field func(*T) *int) pickField[T] {
	return pickField[T]{name, func(dst *T, v []byte) error {
		n := int64(*field(dst))
		if err := jsonpick.Int(v, &n); err != nil {
			return err
		}
		*field(dst) = int(n)
		return nil
	}}
}

func pickASN[T any](field func(*T) *uint32) pickField[T] {
	return pickField[T]{"asn", func(dst *T, v []byte) error { return jsonpick.Uint32(v, field(dst)) }}
}

var (
	netNamePicker = picker[netName]{[]pickField[netName]{
		pickASN(func(n *netName) *uint32 { return (*uint32)(&n.ASN) }),
		pickString("name", func(n *netName) *string { return &n.Name }),
		pickString("aka", func(n *netName) *string { return &n.AKA }),
	}}
	networkSummaryPicker = picker[networkSummary]{[]pickField[networkSummary]{
		pickASN(func(n *networkSummary) *uint32 { return (*uint32)(&n.ASN) }),
		pickString("name", func(n *networkSummary) *string { return &n.Name }),
		pickString("aka", func(n *networkSummary) *string { return &n.AKA }),
		pickString("info_type", func(n *networkSummary) *string { return &n.InfoType }),
		pickString("info_scope", func(n *networkSummary) *string { return &n.InfoScope }),
		pickString("policy_general", func(n *networkSummary) *string { return &n.PolicyGeneral }),
		pickString("created", func(n *networkSummary) *string { return &n.Created }),
		pickInt("ixps", func(n *networkSummary) *int { return &n.IXPs }),
		pickInt("connections", func(n *networkSummary) *int { return &n.Connections }),
		pickInt64("speed_mbps", func(n *networkSummary) *int64 { return &n.SpeedMbps }),
	}}
	speedConnPicker = picker[speedConn]{[]pickField[speedConn]{
		pickInt64("ix_id", func(c *speedConn) *int64 { return &c.IXID }),
		pickASN(func(c *speedConn) *uint32 { return (*uint32)(&c.ASN) }),
		pickInt64("speed", func(c *speedConn) *int64 { return &c.Speed }),
		pickString("state", func(c *speedConn) *string { return &c.State }),
	}}
	memberConnPicker = picker[memberConn]{[]pickField[memberConn]{
		pickInt64("ix_id", func(c *memberConn) *int64 { return &c.IXID }),
		pickASN(func(c *memberConn) *uint32 { return (*uint32)(&c.ASN) }),
		pickString("ipaddr6", func(c *memberConn) *string { return &c.IPv6 }),
		pickString("state", func(c *memberConn) *string { return &c.State }),
	}}
)
