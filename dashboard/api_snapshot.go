package dashboard

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
)

type snapshotJSON struct {
	ID      int64          `json:"id"`
	Source  string         `json:"source"`
	Date    string         `json:"date"`
	At      time.Time      `json:"at"`
	Delta   bool           `json:"delta"`
	Counts  map[string]int `json:"counts"`
	Notes   []string       `json:"notes,omitempty"`
	Created time.Time      `json:"created"`
}

type snapshotList struct {
	Data []snapshotJSON `json:"data"`
}

func (l snapshotList) csvHeader() []string { return []string{"id", "source", "at", "delta", "objects"} }
func (l snapshotList) csvRows() [][]string {
	rows := make([][]string, len(l.Data))
	for i, sn := range l.Data {
		total := 0
		for _, n := range sn.Counts {
			total += n
		}
		rows[i] = []string{strconv.FormatInt(sn.ID, 10), sn.Source, sn.At.Format(time.RFC3339), strconv.FormatBool(sn.Delta), strconv.Itoa(total)}
	}
	return rows
}

// snapshotsQuery is the query of GET /api/v1/snapshots.
type snapshotsQuery struct {
	Source string // one source's snapshots, "" for every source's
}

func parseSnapshotsQuery(r *http.Request) (snapshotsQuery, error) {
	return snapshotsQuery{Source: r.URL.Query().Get("source")}, nil
}

// snapshots answers GET /api/v1/snapshots?source=NAME: every snapshot of
// every source (or of one), oldest first.
func (s *Server) snapshots(ctx context.Context, q snapshotsQuery) (snapshotList, error) {
	sources, err := s.store.Sources(ctx)
	if err != nil {
		return snapshotList{}, err
	}
	if only := strings.TrimSpace(q.Source); only != "" {
		found := false
		for _, src := range sources {
			if src == only {
				found = true
			}
		}
		if !found {
			return snapshotList{}, notFound("no_source", "no source named %q", only)
		}
		sources = []string{only}
	}
	out := snapshotList{Data: []snapshotJSON{}}
	for _, src := range sources {
		snaps, err := s.store.Snapshots(ctx, src)
		if err != nil {
			return snapshotList{}, err
		}
		for _, sn := range snaps {
			out.Data = append(out.Data, toSnapshotJSON(sn))
		}
	}
	return out, nil
}

func toSnapshotJSON(sn ixp.Snapshot) snapshotJSON {
	return snapshotJSON{ID: sn.ID, Source: sn.Source, Date: dateString(sn.At), At: sn.At, Delta: sn.Delta, Counts: sn.Counts, Notes: sn.Notes, Created: sn.Created}
}

type sourceHealth struct {
	Source      string        `json:"source"`
	Snapshots   int           `json:"snapshots"`
	Latest      *snapshotJSON `json:"latest,omitempty"`
	LastRun     *runJSON      `json:"last_run,omitempty"`
	LastSuccess *time.Time    `json:"last_success,omitempty"`
	// Freshness: the newest data date and whether it is stale (null
	// without a snapshot).
	Freshness    *freshness `json:"freshness"`
	RecentErrors []runJSON  `json:"recent_errors"`
}

type runJSON struct {
	Started    time.Time `json:"started"`
	Finished   time.Time `json:"finished"`
	OK         bool      `json:"ok"`
	ErrorKind  string    `json:"error_kind,omitempty"`
	Error      string    `json:"error,omitempty"`
	SnapshotID int64     `json:"snapshot_id,omitempty"`
	Detail     string    `json:"detail,omitempty"`
}

// sourceList answers GET /api/v1/sources: each data source with its
// newest snapshot, its freshness (newest data date, stale or not), last
// run and recent errors.
func (s *Server) sourceList(ctx context.Context, _ noQuery) (sourcesJSON, error) {
	names, err := s.store.Sources(ctx)
	if err != nil {
		return sourcesJSON{}, err
	}
	runs, err := s.store.Runs(ctx, "", 500)
	if err != nil {
		return sourcesJSON{}, err
	}
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	for _, run := range runs {
		if !seen[run.Source] {
			seen[run.Source] = true
			names = append(names, run.Source)
		}
	}
	out := sourceList{}
	for _, n := range names {
		h := sourceHealth{Source: n, RecentErrors: []runJSON{}}
		snaps, err := s.store.Snapshots(ctx, n)
		if err != nil {
			return sourcesJSON{}, err
		}
		h.Snapshots = len(snaps)
		if h.Freshness, err = s.freshnessOf(ctx, n, snaps); err != nil {
			return sourcesJSON{}, err
		}
		if len(snaps) > 0 {
			latest := toSnapshotJSON(snaps[len(snaps)-1])
			h.Latest = &latest
		}
		for _, run := range runs {
			if run.Source != n {
				continue
			}
			rj := runJSON{Started: run.Started, Finished: run.Finished, OK: run.OK, ErrorKind: run.ErrorKind, Error: run.Error, SnapshotID: run.SnapshotID, Detail: run.Detail}
			if h.LastRun == nil {
				h.LastRun = &rj
			}
			if run.OK && h.LastSuccess == nil {
				t := run.Finished
				h.LastSuccess = &t
			}
			if !run.OK && len(h.RecentErrors) < 10 {
				h.RecentErrors = append(h.RecentErrors, rj)
			}
		}
		out = append(out, h)
	}
	return sourcesJSON{Data: out}, nil
}

// sourcesJSON is the answer of /api/v1/sources; its CSV has one row per
// source.
type sourcesJSON struct {
	Data sourceList `json:"data"`
}

func (a sourcesJSON) csvHeader() []string { return a.Data.csvHeader() }
func (a sourcesJSON) csvRows() [][]string { return a.Data.csvRows() }

// sourceList is every source with its health.
type sourceList []sourceHealth

func (l sourceList) csvHeader() []string {
	return []string{"source", "snapshots", "latest_date", "last_run_started", "last_run_ok", "last_success", "recent_errors", "data_age_hours", "max_age_hours", "stale"}
}

func (l sourceList) csvRows() [][]string {
	rows := make([][]string, len(l))
	for i, h := range l {
		row := []string{h.Source, strconv.Itoa(h.Snapshots), "", "", "", "", strconv.Itoa(len(h.RecentErrors)), "", "", ""}
		if f := h.Freshness; f != nil {
			row[7] = strconv.FormatFloat(f.AgeHours, 'f', 1, 64)
			if f.Stale != nil {
				row[8], row[9] = strconv.FormatFloat(*f.MaxAgeHours, 'f', 1, 64), strconv.FormatBool(*f.Stale)
			}
		}
		if h.Latest != nil {
			row[2] = h.Latest.Date
		}
		if h.LastRun != nil {
			row[3], row[4] = h.LastRun.Started.UTC().Format(time.RFC3339), strconv.FormatBool(h.LastRun.OK)
		}
		if h.LastSuccess != nil {
			row[5] = h.LastSuccess.UTC().Format(time.RFC3339)
		}
		rows[i] = row
	}
	return rows
}
