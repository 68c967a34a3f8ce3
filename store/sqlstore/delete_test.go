package sqlstore

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func describeDelete(p deletePlan) []string {
	at := func(x int64) string {
		if x == Open {
			return "open"
		}
		return fmt.Sprint(x)
	}
	var out []string
	for _, b := range p.remove {
		out = append(out, fmt.Sprintf("remove %d from %s", b.ObjID, at(b.ValidFrom)))
	}
	for _, b := range p.setFrom {
		out = append(out, fmt.Sprintf("start %d from %s at %s", b.ObjID, at(b.ValidFrom), at(b.Value)))
	}
	for _, b := range p.setTo {
		out = append(out, fmt.Sprintf("end %d from %s at %s", b.ObjID, at(b.ValidFrom), at(b.Value)))
	}
	return out
}

// TestPlanDelete deletes the snapshot at tNew (between tPrev and tNext
// unless said otherwise).
func TestPlanDelete(t *testing.T) {
	tests := []struct {
		name                   string
		nextAt                 int64
		ended, started, atNext map[objKey]rowState
		want                   []string
	}{
		{
			name:    "an object that appeared goes",
			nextAt:  tNext,
			started: state(v{1, tNew, tNext, 10}),
			want:    []string{"remove 1 from 200"},
		},
		{
			name:    "an object that appeared and went on now starts at the next snapshot",
			nextAt:  tNext,
			started: state(v{1, tNew, tLater, 10}),
			want:    []string{"start 1 from 200 at 300"},
		},
		{
			name:   "an object that ended goes on to the next snapshot",
			nextAt: tNext,
			ended:  state(v{1, tPrev, tNew, 10}),
			want:   []string{"end 1 from 100 at 300"},
		},
		{
			name:   "an object that ended and came back as it was is one version again",
			nextAt: tNext,
			ended:  state(v{1, tPrev, tNew, 10}),
			atNext: state(v{1, tNext, Open, 10}),
			want:   []string{"remove 1 from 300", "end 1 from 100 at open"},
		},
		{
			name:    "a change undone",
			nextAt:  tNext,
			ended:   state(v{1, tPrev, tNew, 10}),
			started: state(v{1, tNew, tNext, 11}),
			atNext:  state(v{1, tNext, Open, 12}),
			want:    []string{"remove 1 from 200", "end 1 from 100 at 300"},
		},
		{
			name:    "a change kept by the next snapshot",
			nextAt:  tNext,
			ended:   state(v{1, tPrev, tNew, 10}),
			started: state(v{1, tNew, Open, 11}),
			want:    []string{"start 1 from 200 at 300", "end 1 from 100 at 300"},
		},
		{
			name:    "a change reverted by the next snapshot",
			nextAt:  tNext,
			ended:   state(v{1, tPrev, tNew, 10}),
			started: state(v{1, tNew, tNext, 11}),
			atNext:  state(v{1, tNext, Open, 10}),
			want:    []string{"remove 1 from 200", "remove 1 from 300", "end 1 from 100 at open"},
		},
		{
			name:    "the newest snapshot: what it ended goes on, what it started goes",
			nextAt:  Open,
			ended:   state(v{1, tPrev, tNew, 10}, v{2, tPrev, tNew, 20}),
			started: state(v{2, tNew, Open, 21}, v{3, tNew, Open, 30}),
			want:    []string{"remove 2 from 200", "remove 3 from 200", "end 1 from 100 at open", "end 2 from 100 at open"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := describeDelete(planDelete(tNew, tc.nextAt, tc.ended, tc.started, tc.atNext))
			if !slices.Equal(got, tc.want) {
				t.Errorf("plan:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}
