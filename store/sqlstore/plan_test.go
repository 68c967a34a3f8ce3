package sqlstore

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ixpobs/ixpobs/ixp"
)

// Times of the planning tests: the previous snapshot, the new one, the
// next one, and a later snapshot where a version spanning the next one
// ends.
const (
	tPrev  = 100
	tNew   = 200
	tNext  = 300
	tLater = 400
)

const kc = ixp.KindConnection

// v is a version of connection id valid on [from, to) with content hash.
type v struct {
	id, from, to, hash int64
}

func state(vs ...v) map[objKey]rowState {
	out := map[objKey]rowState{}
	for _, x := range vs {
		out[objKey{kc, x.id}] = rowState{from: x.from, to: x.to, hash: x.hash}
	}
	return out
}

// obj is a connection in the new snapshot with its content hash.
type obj struct{ id, hash int64 }

func newObjs(os ...obj) map[objKey]newObj {
	out := map[objKey]newObj{}
	for _, o := range os {
		out[objKey{kc, o.id}] = newObj{rec: ixp.Record{Kind: kc, ID: o.id, Data: []byte(`{}`)}, hash: o.hash}
	}
	return out
}

// describe renders a plan's interval changes one line each, in order.
func describe(p plan) []string {
	var out []string
	at := func(x int64) string {
		if x == Open {
			return "open"
		}
		return fmt.Sprint(x)
	}
	for _, r := range p.inserts {
		copied := ""
		if r.copyOf {
			copied = fmt.Sprintf(" (copy of the version from %s)", at(r.copyFrom))
		}
		out = append(out, fmt.Sprintf("insert %d [%s,%s) hash %d%s", r.ObjID, at(r.ValidFrom), at(r.ValidTo), r.Hash, copied))
	}
	for _, b := range p.setTo {
		out = append(out, fmt.Sprintf("end %d from %s at %s", b.ObjID, at(b.ValidFrom), at(b.Value)))
	}
	for _, b := range p.setFrom {
		out = append(out, fmt.Sprintf("start %d from %s at %s", b.ObjID, at(b.ValidFrom), at(b.Value)))
	}
	return out
}

func TestPlanPublish(t *testing.T) {
	prev := &snapRow{id: 1, at: tPrev, counts: map[string]int{"netixlan": 0, "ix": 7}}
	next := &snapRow{id: 2, at: tNext}
	tests := []struct {
		name    string
		delta   bool
		deleted []int64
		nb      neighbourhood
		objs    map[objKey]newObj
		want    []string
		count   int
	}{
		{
			name:  "first snapshot",
			objs:  newObjs(obj{1, 10}, obj{2, 20}),
			want:  []string{"insert 1 [200,open) hash 10", "insert 2 [200,open) hash 20"},
			count: 2,
		},
		{
			name: "after: unchanged, changed, gone, new",
			nb:   neighbourhood{prev: prev, stateP: state(v{1, 50, Open, 10}, v{2, tPrev, Open, 20}, v{3, tPrev, Open, 30})},
			objs: newObjs(obj{1, 10}, obj{2, 21}, obj{4, 40}),
			want: []string{
				"insert 2 [200,open) hash 21",
				"insert 4 [200,open) hash 40",
				"end 2 from 100 at 200",
				"end 3 from 100 at 200",
			},
			count: 3,
		},
		{
			name: "backfill before the first snapshot",
			nb:   neighbourhood{next: next, stateN: state(v{1, tNext, Open, 10}, v{2, tNext, Open, 20})},
			objs: newObjs(obj{1, 10}, obj{2, 21}, obj{3, 30}),
			want: []string{
				"insert 2 [200,300) hash 21",
				"insert 3 [200,300) hash 30",
				"start 1 from 300 at 200",
			},
			count: 3,
		},
		{
			name: "backfill between: a version spanning the next snapshot is split",
			nb: neighbourhood{prev: prev, next: next,
				stateP: state(v{1, tPrev, tLater, 10}, v{2, tPrev, Open, 20}, v{3, tPrev, Open, 30}),
				stateN: state(v{1, tPrev, tLater, 10}, v{2, tPrev, Open, 20}, v{3, tPrev, Open, 30})},
			objs: newObjs(obj{1, 11}, obj{2, 20}),
			want: []string{
				"insert 1 [200,300) hash 11",
				"insert 1 [300,400) hash 10 (copy of the version from 100)",
				"insert 3 [300,open) hash 30 (copy of the version from 100)",
				"end 1 from 100 at 200",
				"end 3 from 100 at 200",
			},
			count: 2,
		},
		{
			name: "backfill between: the new version joins the next one",
			nb: neighbourhood{prev: prev, next: next,
				stateP: state(v{1, tPrev, tNext, 10}),
				stateN: state(v{1, tNext, Open, 11})},
			objs: newObjs(obj{1, 11}),
			want: []string{
				"end 1 from 100 at 200",
				"start 1 from 300 at 200",
			},
			count: 1,
		},
		{
			name: "an object that comes back between two snapshots without it",
			nb: neighbourhood{prev: prev, next: next,
				stateP: state(v{2, tPrev, Open, 20}),
				stateN: state(v{2, tPrev, Open, 20})},
			objs:  newObjs(obj{1, 10}, obj{2, 20}),
			want:  []string{"insert 1 [200,300) hash 10"},
			count: 2,
		},
		{
			name: "an object that comes back in the next snapshot as it was",
			nb: neighbourhood{prev: prev, next: next,
				stateP: state(v{2, tPrev, Open, 20}),
				stateN: state(v{1, tNext, Open, 10}, v{2, tPrev, Open, 20})},
			objs:  newObjs(obj{1, 10}, obj{2, 20}),
			want:  []string{"start 1 from 300 at 200"},
			count: 2,
		},
		{
			name:    "delta: changes and deletes what it names only",
			delta:   true,
			deleted: []int64{3, 9},
			nb:      neighbourhood{prev: prev, stateP: state(v{1, tPrev, Open, 10}, v{2, tPrev, Open, 20}, v{3, tPrev, Open, 30})},
			objs:    newObjs(obj{2, 21}, obj{4, 40}),
			want: []string{
				"insert 2 [200,open) hash 21",
				"insert 4 [200,open) hash 40",
				"end 2 from 100 at 200",
				"end 3 from 100 at 200",
			},
			count: 3,
		},
		{
			name:    "delta: an object deleted and given again comes back",
			delta:   true,
			deleted: []int64{1},
			nb:      neighbourhood{prev: prev, stateP: state(v{1, tPrev, Open, 10})},
			objs:    newObjs(obj{1, 11}),
			want: []string{
				"insert 1 [200,open) hash 11",
				"end 1 from 100 at 200",
			},
			count: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The shrink guard has its own test.
			in := ixp.SnapshotInput{Source: "pdb", Kinds: []ixp.Kind{kc}, Delta: tc.delta, Force: true}
			if tc.deleted != nil {
				in.Deleted = map[ixp.Kind][]int64{kc: tc.deleted}
			}
			p, err := planPublish(&in, tc.objs, tNew, tc.nb)
			if err != nil {
				t.Fatalf("planPublish error: %v", err)
			}
			if got := describe(p); !slices.Equal(got, tc.want) {
				t.Errorf("plan:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			if got := p.counts["netixlan"]; got != tc.count {
				t.Errorf("count = %d, want %d", got, tc.count)
			}
			if tc.nb.prev != nil && p.counts["ix"] != 7 {
				t.Errorf("count of a kind the snapshot does not cover = %d, want the previous 7", p.counts["ix"])
			}
		})
	}
}

func TestPlanPublishShrink(t *testing.T) {
	ten := state(v{1, 0, Open, 1}, v{2, 0, Open, 1}, v{3, 0, Open, 1}, v{4, 0, Open, 1}, v{5, 0, Open, 1},
		v{6, 0, Open, 1}, v{7, 0, Open, 1}, v{8, 0, Open, 1}, v{9, 0, Open, 1}, v{10, 0, Open, 1})
	six := newObjs(obj{1, 1}, obj{2, 1}, obj{3, 1}, obj{4, 1}, obj{5, 1}, obj{6, 1})
	seven := newObjs(obj{1, 1}, obj{2, 1}, obj{3, 1}, obj{4, 1}, obj{5, 1}, obj{6, 1}, obj{7, 1})
	prev := &snapRow{id: 1, at: tPrev}
	next := &snapRow{id: 2, at: tNext}
	tests := []struct {
		name        string
		nb          neighbourhood
		objs        map[objKey]newObj
		force       bool
		wantRefused bool
		againstNext bool
	}{
		{"40% fewer than the previous", neighbourhood{prev: prev, stateP: ten}, six, false, true, false},
		{"30% fewer than the previous is allowed", neighbourhood{prev: prev, stateP: ten}, seven, false, false, false},
		{"40% fewer than the previous, forced", neighbourhood{prev: prev, stateP: ten}, six, true, false, false},
		{"40% fewer than the next", neighbourhood{next: next, stateN: ten}, six, false, true, true},
		{"30% fewer than the next is allowed", neighbourhood{next: next, stateN: ten}, seven, false, false, false},
		{"40% fewer than the next, forced", neighbourhood{next: next, stateN: ten}, six, true, false, false},
		{"between, fewer than the next only", neighbourhood{prev: prev, stateP: state(v{1, 0, Open, 1}), next: next, stateN: ten}, six, false, true, true},
		{"an empty previous state guards nothing", neighbourhood{prev: prev}, six, false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := ixp.SnapshotInput{Source: "pdb", Kinds: []ixp.Kind{kc}, Force: tc.force}
			p, err := planPublish(&in, tc.objs, tNew, tc.nb)
			var se *ixp.ShrinkError
			switch {
			case !tc.wantRefused && err != nil:
				t.Fatalf("refused: %v", err)
			case !tc.wantRefused && p.counts["netixlan"] != len(tc.objs):
				t.Errorf("count = %d, want %d", p.counts["netixlan"], len(tc.objs))
			case tc.wantRefused && !errors.As(err, &se):
				t.Fatalf("got %v, want a *ixp.ShrinkError", err)
			case tc.wantRefused && (se.Previous != 10 || se.Next != 6 || se.AgainstNext != tc.againstNext || !errors.Is(err, ixp.ErrShrink)):
				t.Errorf("got %+v, want 10 -> 6 against the next %v", se, tc.againstNext)
			}
		})
	}
}
