package sqlstore

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
)

// HistoryFormat and HistoryVersion identify the export format (see
// docs/HISTORY-FORMAT.md). A reader refuses other versions.
const (
	HistoryFormat  = "ixpobs-history"
	HistoryVersion = 1
)

// historyLine is one line of the export: a header, then snapshots,
// versions, exchange indicators and runs, each a JSON object with "type".
type historyLine struct {
	Type string `json:"type"`

	// header
	Format   string    `json:"format,omitempty"`
	Version  int       `json:"version,omitempty"`
	Exported time.Time `json:"exported,omitzero"`

	// snapshot, version, stats, run
	Source string `json:"source,omitempty"`
	ID     int64  `json:"id,omitempty"` // snapshot id (export-local), object id

	// snapshot
	At      int64           `json:"at,omitempty"`
	Kinds   string          `json:"kinds,omitempty"`
	Delta   bool            `json:"delta,omitempty"`
	Counts  json.RawMessage `json:"counts,omitempty"`
	Digest  string          `json:"digest,omitempty"`
	Origin  string          `json:"origin,omitempty"`
	Notes   json.RawMessage `json:"notes,omitempty"`
	Created int64           `json:"created,omitempty"`

	// version
	Kind      int             `json:"kind,omitempty"`
	ValidFrom int64           `json:"from,omitempty"`
	ValidTo   int64           `json:"to,omitempty"`
	Hash      int64           `json:"hash,omitempty"`
	IXID      int64           `json:"ix_id,omitempty"`
	ASN       int64           `json:"asn,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`

	// stats
	Snapshot    int64 `json:"snapshot,omitempty"`
	Members     int   `json:"members,omitempty"`
	Connections int   `json:"connections,omitempty"`
	Capacity    int64 `json:"capacity,omitempty"`
	IPv6Members int   `json:"ipv6_members,omitempty"`
	RSMembers   int   `json:"rs_members,omitempty"`
	RSUnknown   bool  `json:"rs_unknown,omitempty"`

	// run
	Started   int64  `json:"started,omitempty"`
	Finished  int64  `json:"finished,omitempty"`
	OK        bool   `json:"ok,omitempty"`
	ErrorKind string `json:"error_kind,omitempty"`
	Error     string `json:"error,omitempty"`
	Detail    string `json:"detail,omitempty"`
}

// ExportHistory writes the whole history (every source, snapshot, version,
// indicator and run) to w as JSON lines, from one consistent read.
func (s *DB) ExportHistory(ctx context.Context, w io.Writer) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		// SQLite has no REPEATABLE READ level: a read transaction there is
		// already a snapshot.
		tx, err = s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	defer tx.Rollback()
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(historyLine{Type: "header", Format: HistoryFormat, Version: HistoryVersion, Exported: s.Now().UTC()}); err != nil {
		return err
	}
	each := func(query string, scan func(*sql.Rows) (historyLine, error)) error {
		rows, err := tx.QueryContext(ctx, query)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			l, err := scan(rows)
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			if err := enc.Encode(l); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	err = errors.Join(
		each(`SELECT src.name, s.id, s.at, s.kinds, s.delta, s.counts, s.digest, s.origin, s.notes, s.created
			FROM snapshots s JOIN sources src ON src.id = s.source_id ORDER BY s.id`, func(r *sql.Rows) (historyLine, error) {
			l := historyLine{Type: "snapshot"}
			var counts, notes string
			err := r.Scan(&l.Source, &l.ID, &l.At, &l.Kinds, &l.Delta, &counts, &l.Digest, &l.Origin, &notes, &l.Created)
			l.Counts, l.Notes = json.RawMessage(counts), json.RawMessage(notes)
			return l, err
		}),
		each(`SELECT src.name, v.kind, v.obj_id, v.valid_from, v.valid_to, v.hash, v.ix_id, v.asn, v.data
			FROM versions v JOIN sources src ON src.id = v.source_id ORDER BY v.source_id, v.kind, v.obj_id, v.valid_from`, func(r *sql.Rows) (historyLine, error) {
			l := historyLine{Type: "version"}
			var data []byte
			err := r.Scan(&l.Source, &l.Kind, &l.ID, &l.ValidFrom, &l.ValidTo, &l.Hash, &l.IXID, &l.ASN, &data)
			l.Data = json.RawMessage(data)
			return l, err
		}),
		each(`SELECT snapshot_id, ix_id, members, connections, capacity, ipv6_members, rs_members, rs_unknown FROM exchange_stats ORDER BY snapshot_id, ix_id`,
			func(r *sql.Rows) (historyLine, error) {
				l := historyLine{Type: "stats"}
				err := r.Scan(&l.Snapshot, &l.IXID, &l.Members, &l.Connections, &l.Capacity, &l.IPv6Members, &l.RSMembers, &l.RSUnknown)
				return l, err
			}),
		each(`SELECT source, started, finished, ok, error_kind, error, snapshot_id, detail FROM runs ORDER BY id`, func(r *sql.Rows) (historyLine, error) {
			l := historyLine{Type: "run"}
			var snap sql.NullInt64
			err := r.Scan(&l.Source, &l.Started, &l.Finished, &l.OK, &l.ErrorKind, &l.Error, &snap, &l.Detail)
			l.Snapshot = snap.Int64
			return l, err
		}),
	)
	if err != nil {
		return err
	}
	if err := enc.Encode(historyLine{Type: "end"}); err != nil {
		return err
	}
	return bw.Flush()
}

// ImportHistory reads an export into this store, which must be empty, in
// one transaction: all of it or nothing.
func (s *DB) ImportHistory(ctx context.Context, r io.Reader) error {
	s.tips.dropAll()
	tx, err := s.beginWrite(ctx, "import history")
	if err != nil {
		return fmt.Errorf("import history: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM snapshots) + (SELECT COUNT(*) FROM runs)`).Scan(&n); err != nil {
		return fmt.Errorf("import history: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("import history: the store is not empty (%d snapshots and runs); import into a new database: %w", n, ixp.ErrConflict)
	}
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<20))
	fail := func(line int, err error) error {
		return &ixp.ParseError{Source: "history", File: "export", Offset: dec.InputOffset(), Record: int64(line), Err: err}
	}
	var head historyLine
	if err := dec.Decode(&head); err != nil {
		return fail(0, err)
	}
	if head.Type != "header" || head.Format != HistoryFormat {
		return fail(0, fmt.Errorf("not an ixpobs history export: %w", ixp.ErrInvalid))
	}
	if head.Version != HistoryVersion {
		return fail(0, fmt.Errorf("export format version %d; this ixpobs reads version %d: %w", head.Version, HistoryVersion, ixp.ErrInvalid))
	}
	sources := map[string]int64{}
	snapIDs := map[int64]int64{}
	srcID := func(name string) (int64, error) {
		if id, ok := sources[name]; ok {
			return id, nil
		}
		id, err := sourceID(ctx, tx, name, true)
		sources[name] = id
		return id, err
	}
	// The text rule (ixp.CleanText, ixp.CleanJSON) applies to every string
	// read, as to a publication: an export of a store written before the
	// rule (or by SQLite, which kept what PostgreSQL refuses) moves to any
	// store. What it replaced is logged with the lines, after the commit.
	var replaced, replacedLines int
	var firstLines []int
	count := func(line, n int) {
		if n == 0 {
			return
		}
		replaced += n
		if len(firstLines) == 0 || firstLines[len(firstLines)-1] != line {
			replacedLines++
			if len(firstLines) < 5 {
				firstLines = append(firstLines, line)
			}
		}
	}
	clean := func(line int, strs ...*string) {
		for _, p := range strs {
			var n int
			*p, n = ixp.CleanText(*p)
			count(line, n)
		}
	}
	cleanJSON := func(line int, b *json.RawMessage) (changed bool) {
		v, n := ixp.CleanJSON(*b)
		*b = v
		count(line, n)
		return n > 0
	}
	var batch []Row
	batchSource := int64(-1)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := s.dialect.InsertRows(ctx, tx, batchSource, batch)
		batch = batch[:0]
		return err
	}
	stats := map[int64][]ixp.ExchangeStats{}
	ended := false
	for line := 1; ; line++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			break
		} else if err != nil {
			return fail(line, err)
		}
		var l historyLine
		if err := decodeHistoryLine(raw, &l); err != nil {
			return fail(line, err)
		}
		if err := checkHistoryLine(&l, s.Now()); err != nil {
			return fail(line, err)
		}
		switch l.Type {
		case "snapshot":
			clean(line, &l.Source, &l.Kinds, &l.Digest, &l.Origin)
			for _, b := range []*json.RawMessage{&l.Counts, &l.Notes} {
				if json.Valid(*b) {
					cleanJSON(line, b)
				}
			}
			if _, dup := snapIDs[l.ID]; dup {
				return fail(line, fmt.Errorf("snapshot %d given twice: %w", l.ID, ixp.ErrInvalid))
			}
			id, err := srcID(l.Source)
			if err != nil {
				return err
			}
			if err := ixp.CheckSnapshotTime(fromUnix(l.At), s.Now()); err != nil {
				return fail(line, fmt.Errorf("%s snapshot %d: %w", l.Source, l.ID, err))
			}
			var newID int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO snapshots (source_id, at, kinds, delta, counts, digest, origin, notes, created)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
				id, l.At, l.Kinds, l.Delta, string(l.Counts), l.Digest, l.Origin, string(l.Notes), l.Created).Scan(&newID); err != nil {
				return fail(line, err)
			}
			snapIDs[l.ID] = newID
		case "version":
			clean(line, &l.Source)
			id, err := srcID(l.Source)
			if err != nil {
				return err
			}
			if id != batchSource || len(batch) >= 20000 {
				if err := flush(); err != nil {
					return fail(line, err)
				}
				batchSource = id
			}
			if !json.Valid(l.Data) {
				return fail(line, fmt.Errorf("version data is not JSON: %w", ixp.ErrInvalid))
			}
			if cleanJSON(line, &l.Data) {
				l.Hash = hashData(l.Data) // as a publication of the cleaned data hashes it
			}
			batch = append(batch, Row{Kind: ixp.Kind(l.Kind), ObjID: l.ID, ValidFrom: l.ValidFrom, ValidTo: l.ValidTo, Hash: l.Hash, IXID: l.IXID, ASN: l.ASN, Data: l.Data})
		case "stats":
			sid, ok := snapIDs[l.Snapshot]
			if !ok {
				return fail(line, fmt.Errorf("indicators of unknown snapshot %d: %w", l.Snapshot, ixp.ErrInvalid))
			}
			stats[sid] = append(stats[sid], ixp.ExchangeStats{IXID: l.IXID, Members: l.Members, Connections: l.Connections,
				CapacityMbps: l.Capacity, IPv6Members: l.IPv6Members, RSMembers: l.RSMembers, RSUnknown: l.RSUnknown})
		case "run":
			clean(line, &l.Source, &l.ErrorKind, &l.Error, &l.Detail)
			// Runs exported before migration 0004 may carry the old
			// name mrt:<collector>; they take the one name, as in a
			// migrated store.
			var snap any
			if l.Snapshot != 0 {
				sid, ok := snapIDs[l.Snapshot]
				if ok {
					snap = sid
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO runs (source, started, finished, ok, error_kind, error, snapshot_id, detail)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, ixp.CanonicalSource(l.Source), l.Started, l.Finished, l.OK, l.ErrorKind, l.Error, snap, l.Detail); err != nil {
				return fail(line, err)
			}
		case "end":
			ended = true
		default:
			return fail(line, fmt.Errorf("unknown line type %q: %w", l.Type, ixp.ErrInvalid))
		}
	}
	if !ended {
		return fail(-1, fmt.Errorf("export ends without its end line: %w", ixp.ErrTruncated))
	}
	if err := flush(); err != nil {
		return fmt.Errorf("import history: %w", err)
	}
	for sid, st := range stats {
		if err := s.dialect.InsertStats(ctx, tx, sid, st); err != nil {
			return fmt.Errorf("import history: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("import history: commit: %w", err)
	}
	s.analyzeAfterLoad(ctx, "import history")
	if replaced > 0 {
		s.log.Warn("import history: text a store cannot keep replaced by U+FFFD", "quirk", ixp.QuirkTextReplaced,
			"characters", replaced, "lines", replacedLines, "first_lines", firstLines)
	}
	return nil
}

// analyzeAfterLoad gathers PostgreSQL's planner statistics after a bulk
// load (import history), as pg_restore's documentation advises: until
// autovacuum does, the planner has none and reads the versions alive at
// a date through the wrong interval-tree index (docs/SCALING.md, 5,800
// generated dates: 47-50 ms instead of 12 ms at the 1,000th, 541-610 ms
// instead of 5-7 ms at the last). The data is committed
// already, so a failure is logged, not returned. SQLite's queries name
// their indexes (INDEXED BY) and it has no statistics to refresh.
func (s *DB) analyzeAfterLoad(ctx context.Context, what string) {
	if s.dialect.Name() != "postgres" {
		return
	}
	start := time.Now()
	if _, err := s.db.ExecContext(ctx, `ANALYZE versions, snapshots, exchange_stats, runs`); err != nil {
		s.log.Warn(what+": planner statistics not gathered (autovacuum will)", "err", err)
		return
	}
	s.log.Info(what+": planner statistics gathered", "took", time.Since(start).Round(time.Millisecond))
}
