package ixp

import (
	"errors"
	"testing"
	"time"
)

func TestCheckSnapshotTime(t *testing.T) {
	now := time.Date(2026, 12, 5, 17, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		at     time.Time
		ok     bool
		future bool
	}{
		{"now", now, true, false},
		{"a day ahead", now.Add(24 * time.Hour), true, false},
		{"a day and a second ahead", now.Add(24*time.Hour + time.Second), false, true},
		{"9999-12-31", time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), false, true},
		{"2022-06-01", time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC), true, false},
		{"1990-01-01", EarliestSnapshot, true, false},
		{"1989-12-31", time.Date(1989, 12, 31, 23, 59, 59, 0, time.UTC), false, false},
		{"unix epoch", time.Unix(0, 0), false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckSnapshotTime(tc.at, now)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var te *TimeError
			if !errors.As(err, &te) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want a *TimeError wrapping ErrInvalid", err)
			}
			if te.Future != tc.future {
				t.Errorf("Future = %v, want %v (%v)", te.Future, tc.future, err)
			}
		})
	}
}
