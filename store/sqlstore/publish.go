package sqlstore

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ixpobs/ixpobs/indicator"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

type objKey struct {
	kind ixp.Kind
	id   int64
}

type rowState struct {
	from, to int64
	hash     int64
}

type newObj struct {
	rec  ixp.Record
	hash int64
}

// hashData is the content hash of a version: 63 bits of FNV-1a.
func hashData(b []byte) int64 {
	h := fnv.New64a()
	h.Write(b)
	return int64(h.Sum64() & (1<<63 - 1))
}

// validateInput checks a snapshot input and applies the text rule to it
// (in is changed: see applyTextRule); replaced counts the characters the
// rule replaced.
func validateInput(in *ixp.SnapshotInput) (objs map[objKey]newObj, replaced int, err error) {
	if in.Source == "" {
		return nil, 0, fmt.Errorf("store: publish: empty source: %w", ixp.ErrInvalid)
	}
	if in.At.IsZero() {
		return nil, 0, fmt.Errorf("store: publish %s: no snapshot time: %w", in.Source, ixp.ErrInvalid)
	}
	if len(in.Kinds) == 0 {
		return nil, 0, fmt.Errorf("store: publish %s: snapshot covers no object kind: %w", in.Source, ixp.ErrInvalid)
	}
	if _, n := ixp.CleanText(in.Source); n > 0 {
		return nil, 0, fmt.Errorf("store: publish %q: a source id must be UTF-8 without NUL: %w", in.Source, ixp.ErrInvalid)
	}
	covered := map[ixp.Kind]bool{}
	for _, k := range in.Kinds {
		covered[k] = true
	}
	hashes, bad, fixes := checkData(in.Records)
	if bad < 0 {
		replaced = applyTextRule(in, fixes)
	}
	objs = make(map[objKey]newObj, len(in.Records))
	for i, r := range in.Records {
		if !covered[r.Kind] {
			return nil, 0, fmt.Errorf("store: publish %s: record %s %d of a kind the snapshot does not cover: %w", in.Source, r.Kind, r.ID, ixp.ErrInvalid)
		}
		k := objKey{r.Kind, r.ID}
		if _, dup := objs[k]; dup {
			return nil, 0, fmt.Errorf("store: publish %s: duplicate %s id %d: %w", in.Source, r.Kind, r.ID, ixp.ErrInvalid)
		}
		if i == bad {
			return nil, 0, fmt.Errorf("store: publish %s: %s %d: data is not JSON: %w", in.Source, r.Kind, r.ID, ixp.ErrInvalid)
		}
		objs[k] = newObj{rec: r, hash: hashes[i]}
	}
	if !in.Delta && len(in.Deleted) > 0 {
		return nil, 0, fmt.Errorf("store: publish %s: deletions given in a full snapshot: %w", in.Source, ixp.ErrInvalid)
	}
	return objs, replaced, nil
}

// checkData checks that every record's data is JSON, applies the text rule
// to it (ixp.CleanJSON) and hashes the result, on two goroutines (a full
// BGP table is tens of megabytes of JSON). bad is the index of the first
// record that is not JSON, -1 if none; fixes lists the records whose data
// the text rule changed, in record order.
func checkData(recs []ixp.Record) (hashes []int64, bad int, fixes []textFix) {
	hashes = make([]int64, len(recs))
	const workers = 2
	firstBad := [workers]int{-1, -1}
	var fixed [workers][]textFix
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			// Interleaved blocks of records share the work evenly.
			for start := w * 64; start < len(recs); start += workers * 64 {
				for i := start; i < min(start+64, len(recs)); i++ {
					if !json.Valid(recs[i].Data) {
						if firstBad[w] < 0 || i < firstBad[w] {
							firstBad[w] = i
						}
						continue
					}
					data, n := ixp.CleanJSON(recs[i].Data)
					if n > 0 {
						fixed[w] = append(fixed[w], textFix{i: i, data: data, n: n})
					}
					hashes[i] = hashData(data)
				}
			}
		})
	}
	wg.Wait()
	bad = -1
	for _, b := range firstBad {
		if b >= 0 && (bad < 0 || b < bad) {
			bad = b
		}
	}
	for _, f := range fixed {
		fixes = append(fixes, f...)
	}
	slices.SortFunc(fixes, func(a, b textFix) int { return a.i - b.i })
	return hashes, bad, fixes
}

// textFix is a record's data after the text rule changed n characters.
type textFix struct {
	i    int
	data []byte
	n    int
}

// applyTextRule puts the cleaned data of fixes in place (in a copy of the
// records: the caller's slice is not written), cleans the origin and the
// notes, and, when anything changed, adds a note naming the quirk, how
// many characters and records, the file and the first records.
func applyTextRule(in *ixp.SnapshotInput, fixes []textFix) int {
	chars := 0
	var examples []string
	if len(fixes) > 0 {
		recs := slices.Clone(in.Records)
		for _, f := range fixes {
			recs[f.i].Data = f.data
			chars += f.n
			if len(examples) < 3 {
				examples = append(examples, fmt.Sprintf("%s %d", recs[f.i].Kind, recs[f.i].ID))
			}
		}
		in.Records = recs
	}
	other := 0
	var n int
	in.Origin, n = ixp.CleanText(in.Origin)
	other += n
	if len(in.Notes) > 0 {
		notes := slices.Clone(in.Notes)
		for i := range notes {
			notes[i], n = ixp.CleanText(notes[i])
			other += n
		}
		in.Notes = notes
	}
	if chars+other == 0 {
		return 0
	}
	note := fmt.Sprintf("quirk %s: %d characters replaced by U+FFFD (NUL, not UTF-8 or an unpaired surrogate) in %d records", ixp.QuirkTextReplaced, chars, len(fixes))
	if other > 0 {
		note += fmt.Sprintf(" and %d in the origin and notes", other)
	}
	if in.Origin != "" {
		note += " of " + in.Origin
	}
	if len(examples) > 0 {
		note += " (e.g. " + strings.Join(examples, "; ") + ")"
	}
	in.Notes = append(slices.Clip(in.Notes), note)
	return chars + other
}

// digest identifies the content of a snapshot input.
func digest(in *ixp.SnapshotInput, objs map[objKey]newObj) string {
	keys := make([]objKey, 0, len(objs))
	for k := range objs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].kind != keys[j].kind {
			return keys[i].kind < keys[j].kind
		}
		return keys[i].id < keys[j].id
	})
	h := fnv.New128a()
	var buf [8]byte
	put := func(v int64) {
		binary.LittleEndian.PutUint64(buf[:], uint64(v))
		h.Write(buf[:])
	}
	for _, k := range sortedKinds(in.Kinds) {
		put(int64(k))
	}
	if in.Delta {
		put(-1)
	}
	for _, k := range keys {
		put(int64(k.kind))
		put(k.id)
		put(objs[k].hash)
	}
	for _, k := range sortedKinds(mapKeys(in.Deleted)) {
		ids := slices.Clone(in.Deleted[k])
		slices.Sort(ids)
		put(-int64(k))
		for _, id := range ids {
			put(id)
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func mapKeys[K comparable, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

type snapRow struct {
	id     int64
	at     int64
	counts map[string]int
	digest string
}

func (s *DB) neighbourSnapshot(ctx context.Context, tx *sql.Tx, srcID, at int64, before bool) (*snapRow, error) {
	q := `SELECT id, at, counts, digest FROM snapshots WHERE source_id = $1 AND at > $2 ORDER BY at ASC LIMIT 1`
	if before {
		q = `SELECT id, at, counts, digest FROM snapshots WHERE source_id = $1 AND at < $2 ORDER BY at DESC LIMIT 1`
	}
	var r snapRow
	var counts string
	err := tx.QueryRowContext(ctx, q, srcID, at).Scan(&r.id, &r.at, &counts, &r.digest)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(counts), &r.counts); err != nil {
		return nil, fmt.Errorf("snapshot %d counts: %w", r.id, err)
	}
	return &r, nil
}

// aliveInSource is the query (and its arguments) of the versions of kind k
// of source srcID alive at at, inside Publish. On SQLite it goes through
// the interval tree (aliveAtSQL): BenchmarkPublishLongHistory, a backfill
// into 1,000 daily snapshots (55,000 connection versions), 45-50 ms with
// the plain bounds, 8.7-11.4 ms through the tree. PostgreSQL keeps the
// plain bounds: there the tree made it slower (39-40 ms, 61-79 ms).
func (s *DB) aliveInSource(cols string, srcID int64, k ixp.Kind, at int64) (string, []any) {
	args := []any{srcID, int(k), at}
	if s.dialect.Name() != "sqlite" {
		return `SELECT ` + cols + ` FROM versions v WHERE v.source_id = $1 AND v.kind = $2 AND v.valid_from <= $3 AND v.valid_to > $3`, args
	}
	return s.aliveAtSQL(cols, " WHERE v.source_id = $1", "", false), append(args, nodesAt(at)...)
}

// stateAt loads the versions of the covered kinds valid at time at.
func (s *DB) stateAt(ctx context.Context, tx *sql.Tx, srcID int64, kinds []ixp.Kind, at int64) (map[objKey]rowState, error) {
	out := map[objKey]rowState{}
	for _, k := range kinds {
		query, args := s.aliveInSource("v.obj_id, v.valid_from, v.valid_to, v.hash", srcID, k, at)
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var st rowState
			if err := rows.Scan(&id, &st.from, &st.to, &st.hash); err != nil {
				rows.Close()
				return nil, err
			}
			out[objKey{k, id}] = st
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Publish implements store.Store. Inserting a snapshot between two existing
// ones (a backfill) splits or joins the validity intervals around it, so
// every snapshot's state stays exactly what was published.
func (s *DB) Publish(ctx context.Context, in ixp.SnapshotInput) (store.PublishResult, error) {
	res, err := s.publish(ctx, in, true)
	if errors.Is(err, errStaleTip) {
		s.log.Info("publishing again with the state read from the database", "source", in.Source, "reason", err)
		res, err = s.publish(ctx, in, false)
	}
	return res, err
}

// publish is Publish; useTip lets it start from the state the last
// publication of the source on this handle left (tipCache).
func (s *DB) publish(ctx context.Context, in ixp.SnapshotInput, useTip bool) (store.PublishResult, error) {
	var res store.PublishResult
	objs, replaced, err := validateInput(&in)
	if err != nil {
		return res, err
	}
	if replaced > 0 {
		s.log.Warn("text a store cannot keep replaced by U+FFFD", "quirk", ixp.QuirkTextReplaced, "source", in.Source,
			"origin", in.Origin, "characters", replaced, "note", in.Notes[len(in.Notes)-1])
	}
	if err := ixp.CheckSnapshotTime(in.At, s.Now()); err != nil {
		return res, fmt.Errorf("store: publish %s: %w", in.Source, err)
	}
	dig := digest(&in, objs)
	t := unix(in.At)
	kinds := sortedKinds(in.Kinds)

	tx, err := s.beginWrite(ctx, "publish "+in.Source)
	if err != nil {
		return res, fmt.Errorf("store: publish %s: begin: %w", in.Source, err)
	}
	defer tx.Rollback()

	srcID, err := sourceID(ctx, tx, in.Source, true)
	if err != nil {
		return res, err
	}
	if err := s.dialect.LockSource(ctx, tx, srcID); err != nil {
		return res, fmt.Errorf("store: publish %s: lock: %w", in.Source, err)
	}

	// Same time as an existing snapshot: idempotent or a conflict.
	var existingID int64
	var existingDigest string
	err = tx.QueryRowContext(ctx, `SELECT id, digest FROM snapshots WHERE source_id = $1 AND at = $2`, srcID, t).Scan(&existingID, &existingDigest)
	switch {
	case err == nil:
		if existingDigest != dig {
			return res, fmt.Errorf("store: publish %s at %s: a snapshot with different content exists at that time: %w",
				in.Source, in.At.UTC().Format(time.RFC3339), ixp.ErrConflict)
		}
		snap, err := s.snapshotByID(ctx, tx, existingID)
		if err != nil {
			return res, err
		}
		return store.PublishResult{Snapshot: snap, Unchanged: true}, nil
	case !errors.Is(err, sql.ErrNoRows):
		return res, fmt.Errorf("store: publish %s: %w", in.Source, err)
	}

	prev, err := s.neighbourSnapshot(ctx, tx, srcID, t, true)
	if err != nil {
		return res, fmt.Errorf("store: publish %s: previous snapshot: %w", in.Source, err)
	}
	next, err := s.neighbourSnapshot(ctx, tx, srcID, t, false)
	if err != nil {
		return res, fmt.Errorf("store: publish %s: next snapshot: %w", in.Source, err)
	}
	if in.Delta && next != nil {
		return res, fmt.Errorf("store: publish %s: an incremental snapshot must be newer than every snapshot of its source: %w", in.Source, ixp.ErrInvalid)
	}

	nb := neighbourhood{prev: prev, next: next}
	// The cached newest state is taken out whatever happens: a snapshot
	// published before the newest one changes the versions alive there.
	if tip := s.tips.take(srcID, prev, kinds); tip != nil && next == nil && useTip {
		nb.stateP = tip
	} else {
		useTip = false
	}
	if prev != nil && !useTip {
		if nb.stateP, err = s.stateAt(ctx, tx, srcID, kinds, prev.at); err != nil {
			return res, fmt.Errorf("store: publish %s: load state: %w", in.Source, err)
		}
	}
	if next != nil {
		if nb.stateN, err = s.stateAt(ctx, tx, srcID, kinds, next.at); err != nil {
			return res, fmt.Errorf("store: publish %s: load state: %w", in.Source, err)
		}
	}
	p, err := planPublish(&in, objs, t, nb)
	if err != nil {
		return res, err
	}
	inserts, setTo, setFrom, counts := p.inserts, p.setTo, p.setFrom, p.counts

	// Copies of old versions need their data.
	if err := s.fillCopies(ctx, tx, srcID, inserts); err != nil {
		return res, fmt.Errorf("store: publish %s: %w", in.Source, err)
	}

	countsJSON, _ := json.Marshal(counts)
	notesJSON, _ := json.Marshal(nonNil(in.Notes))
	var snapID int64
	err = tx.QueryRowContext(ctx, `INSERT INTO snapshots (source_id, at, kinds, delta, counts, digest, origin, notes, created)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		srcID, t, kindsString(kinds), in.Delta, string(countsJSON), dig, in.Origin, string(notesJSON), unix(s.Now())).Scan(&snapID)
	if err != nil {
		return res, fmt.Errorf("store: publish %s: insert snapshot: %w", in.Source, err)
	}
	if err := s.dialect.SetValidTo(ctx, tx, srcID, setTo); err != nil {
		if useTip && errors.Is(err, ErrRowMissing) {
			return res, fmt.Errorf("store: publish %s: end versions: %w: %w", in.Source, errStaleTip, err)
		}
		return res, fmt.Errorf("store: publish %s: end versions: %w", in.Source, err)
	}
	if err := s.dialect.SetValidFrom(ctx, tx, srcID, setFrom); err != nil {
		return res, fmt.Errorf("store: publish %s: extend versions: %w", in.Source, err)
	}
	if err := s.dialect.InsertRows(ctx, tx, srcID, inserts); err != nil {
		return res, fmt.Errorf("store: publish %s: insert versions: %w", in.Source, err)
	}
	if next != nil {
		// A snapshot published before an existing one may change the
		// state at the next one (kinds the next does not cover carry
		// over): figures derived with the next are dropped.
		if err := dropDerived(ctx, tx, next.id); err != nil {
			return res, fmt.Errorf("store: publish %s: drop derived rows: %w", in.Source, err)
		}
	}
	dangling, err := s.computeStats(ctx, tx, srcID, snapID, t, &in, objs)
	if err != nil {
		return res, fmt.Errorf("store: publish %s: indicators: %w", in.Source, err)
	}
	snap, err := s.snapshotByID(ctx, tx, snapID)
	if err != nil {
		return res, err
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("store: publish %s: commit: %w", in.Source, err)
	}
	if next == nil {
		tip := &tipState{snapID: snapID, at: t, digest: dig, kinds: kindsString(kinds), counts: map[ixp.Kind]int{}, state: stateAfter(nb.stateP, p)}
		for _, k := range kinds {
			tip.counts[k] = counts[k.String()]
		}
		s.tips.put(srcID, tip)
	}
	s.log.Info("snapshot published", "source", in.Source, "at", in.At.UTC().Format(time.RFC3339),
		"snapshot", snapID, "inserted", len(inserts), "ended", len(setTo), "dangling", dangling)
	return store.PublishResult{Snapshot: snap, Inserted: len(inserts), Ended: len(setTo), Dangling: dangling, TextReplaced: replaced}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func rowFor(n newObj, from, to int64) Row {
	return Row{Kind: n.rec.Kind, ObjID: n.rec.ID, ValidFrom: from, ValidTo: to, Hash: n.hash,
		IXID: n.rec.IXID, ASN: int64(n.rec.ASN), Data: n.rec.Data}
}

// fillCopies loads ix_id, asn and data of the rows that copy an existing
// version.
func (s *DB) fillCopies(ctx context.Context, tx *sql.Tx, srcID int64, rows []Row) error {
	for i := range rows {
		r := &rows[i]
		if !r.copyOf {
			continue
		}
		var data string
		err := tx.QueryRowContext(ctx, `SELECT ix_id, asn, data FROM versions WHERE source_id = $1 AND kind = $2 AND obj_id = $3 AND valid_from = $4`,
			srcID, int(r.Kind), r.ObjID, r.copyFrom).Scan(&r.IXID, &r.ASN, &data)
		if err != nil {
			return fmt.Errorf("copy version %s %d: %w", r.Kind, r.ObjID, err)
		}
		r.Data = []byte(data)
	}
	return nil
}

// computeStats stores the indicators of every exchange at the snapshot and
// returns the number of connections whose exchange does not exist.
func (s *DB) computeStats(ctx context.Context, tx *sql.Tx, srcID, snapID, at int64, in *ixp.SnapshotInput, objs map[objKey]newObj) (int, error) {
	if !in.Delta && slices.Contains(in.Kinds, ixp.KindExchange) && slices.Contains(in.Kinds, ixp.KindConnection) {
		stats, dangling, err := s.conns.exchangeStatsOf(srcID, objs)
		if err != nil || len(stats) == 0 {
			return dangling, err
		}
		return dangling, s.dialect.InsertStats(ctx, tx, snapID, stats)
	}
	exchanges := map[int64]bool{}
	query, args := s.aliveInSource("v.obj_id", srcID, ixp.KindExchange, at)
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		exchanges[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	query, args = s.aliveInSource("v.data", srcID, ixp.KindConnection, at)
	conns, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	agg := indicator.NewExchangeStatsBuilder()
	var data []byte
	for conns.Next() {
		if err := conns.Scan(&data); err != nil {
			conns.Close()
			return 0, err
		}
		var c ixp.Connection
		if err := json.Unmarshal(data, &c); err != nil {
			conns.Close()
			return 0, fmt.Errorf("decode connection: %w", err)
		}
		agg.Add(c)
	}
	conns.Close()
	if err := conns.Err(); err != nil {
		return 0, err
	}
	stats, dangling := agg.Stats(exchanges)
	if len(stats) == 0 {
		return dangling, nil
	}
	return dangling, s.dialect.InsertStats(ctx, tx, snapID, stats)
}

func (s *DB) snapshotByID(ctx context.Context, q querier, id int64) (ixp.Snapshot, error) {
	row := q.QueryRowContext(ctx, `SELECT s.id, src.name, s.at, s.kinds, s.delta, s.counts, s.origin, s.notes, s.created
		FROM snapshots s JOIN sources src ON src.id = s.source_id WHERE s.id = $1`, id)
	return scanSnapshot(row)
}

type scanner interface{ Scan(dest ...any) error }

func scanSnapshot(r scanner) (ixp.Snapshot, error) {
	var sn ixp.Snapshot
	var at, created int64
	var kinds, counts, notes string
	if err := r.Scan(&sn.ID, &sn.Source, &at, &kinds, &sn.Delta, &counts, &sn.Origin, &notes, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return sn, fmt.Errorf("store: snapshot: %w", ixp.ErrNotFound)
		}
		return sn, fmt.Errorf("store: snapshot: %w", err)
	}
	sn.At, sn.Created = fromUnix(at), fromUnix(created)
	sn.Kinds = parseKinds(kinds)
	var ok bool
	if sn.Counts, ok = parseCounts(counts); !ok {
		if err := json.Unmarshal([]byte(counts), &sn.Counts); err != nil {
			return sn, fmt.Errorf("store: snapshot %d counts: %w", sn.ID, err)
		}
	}
	if notes == "[]" {
		sn.Notes = []string{} // what json.Unmarshal gives, without it
	} else if err := json.Unmarshal([]byte(notes), &sn.Notes); err != nil {
		return sn, fmt.Errorf("store: snapshot %d notes: %w", sn.ID, err)
	}
	return sn, nil
}

// parseCounts reads the counts column as Publish writes it (json.Marshal
// of a map[string]int: {"ix":40,"netixlan":320}) without encoding/json,
// which took most of the time of listing 6,000 snapshots; false for
// anything else (escapes, spaces, signs, huge numbers), which the caller
// hands to json.Unmarshal. FuzzParseCounts checks it against that.
func parseCounts(s string) (map[string]int, bool) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	s = s[1 : len(s)-1]
	out := make(map[string]int, strings.Count(s, ",")+1)
	for s != "" {
		if s[0] != '"' {
			return nil, false
		}
		end := strings.IndexByte(s[1:], '"') + 1
		if end == 0 {
			return nil, false
		}
		key := s[1:end]
		if strings.ContainsAny(key, "\\") || !utf8.ValidString(key) {
			return nil, false
		}
		for i := range len(key) {
			if key[i] < 0x20 {
				return nil, false
			}
		}
		s = s[end+1:]
		if s == "" || s[0] != ':' {
			return nil, false
		}
		s = s[1:]
		n := 0
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if n == 0 || n > 15 || (n > 1 && s[0] == '0') {
			return nil, false
		}
		v, err := strconv.Atoi(s[:n])
		if err != nil {
			return nil, false
		}
		out[key] = v
		s = s[n:]
		if s != "" {
			if s[0] != ',' || len(s) == 1 {
				return nil, false
			}
			s = s[1:]
		}
	}
	return out, true
}
