package postgres_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/internal/testenv"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/postgres"
)

// TestOpenReadOnly opens a database the way a serve replica opens its read
// replica (--db-read): refused before the writer has migrated it, then it
// reads what the writer published and cannot publish itself.
func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	dsn := testenv.NewPostgresDatabase(t)
	if _, err := postgres.OpenReadOnly(ctx, dsn, nil); err == nil || !strings.Contains(err.Error(), "migrate the primary first") {
		t.Fatalf("read-only open of an unmigrated database: %v, want a refusal naming the migration", err)
	}
	w, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	at := time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC)
	in := ixp.SnapshotInput{Source: ixp.SourcePeeringDB, At: at, Kinds: []ixp.Kind{ixp.KindExchange},
		Records: []ixp.Record{{Kind: ixp.KindExchange, ID: 171, Data: []byte(`{"id":171,"name":"IX.br SP","country":"BR"}`)}}}
	if _, err := w.Publish(ctx, in); err != nil {
		t.Fatal(err)
	}
	r, err := postgres.OpenReadOnly(ctx, dsn, nil)
	if err != nil {
		t.Fatalf("read-only open of a migrated database: %v", err)
	}
	defer r.Close()
	sn, err := r.SnapshotAt(ctx, ixp.SourcePeeringDB, time.Time{})
	if err != nil || !sn.At.Equal(at) {
		t.Fatalf("read through the read-only store: %v %v, want the snapshot of %s", sn, err, at.Format(time.DateOnly))
	}
	in.At = at.AddDate(0, 0, 1)
	if _, err := r.Publish(ctx, in); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("publish through the read-only store: %v, want a read-only transaction error", err)
	}
	if sns, err := w.Snapshots(ctx, ixp.SourcePeeringDB); err != nil || len(sns) != 1 {
		t.Errorf("after the refused publish: %d snapshots (%v), want 1", len(sns), err)
	}
	// Derived figures: the writer stores them, the replica reads them and
	// cannot store its own (the dashboard keeps those in memory).
	key := strconv.FormatInt(sn.ID, 10) + "//"
	if err := w.PutDerived(ctx, key, []store.Derived{{Area: "*", Data: []byte("{}")}, {Area: "BR", Data: []byte(`{"ixps":1}`)}}); err != nil {
		t.Fatal(err)
	}
	if d, err := r.Derived(ctx, "", "BR"); err != nil || len(d) != 1 || d[0].Key != key || string(d[0].Data) != `{"ixps":1}` {
		t.Errorf("derived rows read through the read-only store: %v, %v", d, err)
	}
	if err := r.PutDerived(ctx, "1//", nil); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("derived rows written through the read-only store: %v, want a read-only transaction error", err)
	}
}
