package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// testTextRule checks the one text rule (ixp.CleanText, ixp.CleanJSON):
// NUL, bytes that are not UTF-8 and unpaired surrogates in any string a
// store is given are replaced by U+FFFD and reported, the same way on
// every backend (PostgreSQL would refuse them, SQLite would keep them).
func testTextRule(t *testing.T, s store.Store) {
	ctx := context.Background()
	raw := func(id int64, data string) ixp.Record {
		return ixp.Record{Kind: ixp.KindExchange, ID: id, Data: []byte(data)}
	}
	in := ixp.SnapshotInput{Source: "ixf:text", At: day(1), Kinds: []ixp.Kind{ixp.KindExchange},
		Origin: "https://ix.example/caf\xe9.json", Notes: []string{"ixf quirk string_number: 1"},
		Records: []ixp.Record{
			exch(1, "a\x00b"), // json.Marshal writes "a\u0000b"
			raw(2, `{"id":2,"name":"\ud800x","country":"BR"}`),
			raw(3, "{\"id\":3,\"name\":\"caf\xe9\",\"country\":\"BR\"}"),
			exch(4, "IX.br \\u0000 (São Paulo)"), // an escaped backslash: text, kept
		}}
	res, err := s.Publish(ctx, in)
	if err != nil {
		t.Fatalf("publish with NUL, Latin-1 and a lone surrogate: %v", err)
	}
	if res.TextReplaced != 4 {
		t.Errorf("TextReplaced = %d, want 4 (3 in records, 1 in the origin)", res.TextReplaced)
	}
	if !strings.Contains(string(in.Records[0].Data), `\u0000`) {
		t.Errorf("Publish changed the caller's records: %s", in.Records[0].Data)
	}
	names := map[int64]string{}
	recs, err := s.Objects(ctx, "ixf:text", ixp.KindExchange, day(1), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		var x ixp.Exchange
		if err := json.Unmarshal(r.Data, &x); err != nil {
			t.Fatal(err)
		}
		names[r.ID] = x.Name
	}
	want := map[int64]string{1: "a\uFFFDb", 2: "\uFFFDx", 3: "caf\uFFFD", 4: "IX.br \\u0000 (São Paulo)"}
	for id, w := range want {
		if names[id] != w {
			t.Errorf("exchange %d name = %q, want %q", id, names[id], w)
		}
	}
	sn, err := s.SnapshotAt(ctx, "ixf:text", day(1))
	if err != nil {
		t.Fatal(err)
	}
	if sn.Origin != "https://ix.example/caf\uFFFD.json" {
		t.Errorf("origin = %q", sn.Origin)
	}
	note := ""
	for _, n := range sn.Notes {
		if strings.Contains(n, ixp.QuirkTextReplaced) {
			note = n
		}
	}
	for _, w := range []string{"quirk text_replaced: 3 characters", "in 3 records", "1 in the origin", "caf\uFFFD.json", "ix 1; ix 2; ix 3"} {
		if !strings.Contains(note, w) {
			t.Errorf("quirk note %q does not say %q", note, w)
		}
	}
	if again, err := s.Publish(ctx, in); err != nil || !again.Unchanged {
		t.Errorf("publishing the same input again = %+v, %v; want unchanged", again, err)
	}

	bad := ixp.SnapshotInput{Source: "ixf:a\x00b", At: day(1), Kinds: []ixp.Kind{ixp.KindExchange}, Records: []ixp.Record{exch(1, "x")}}
	if _, err := s.Publish(ctx, bad); !errors.Is(err, ixp.ErrInvalid) {
		t.Errorf("source id with NUL: err = %v, want ErrInvalid", err)
	}

	run := store.Run{Source: "ixf:text", Started: day(2), Finished: day(2), ErrorKind: "parse", Error: "ixf: bad byte \xff after \x00"}
	if err := s.RecordRun(ctx, run); err != nil {
		t.Fatalf("record a run whose error quotes NUL and Latin-1: %v", err)
	}
	runs, err := s.Runs(ctx, "ixf:text", 1)
	if err != nil || len(runs) != 1 || runs[0].Error != "ixf: bad byte \uFFFD after \uFFFD" {
		t.Errorf("runs = %+v, %v; want the error with U+FFFD", runs, err)
	}
	if err := s.PutStatus(ctx, "bgp-sessions:text", []byte("{\"d\":\"\x00\xff\"}")); err != nil {
		t.Fatalf("put a status with NUL: %v", err)
	}
	sts, err := s.Statuses(ctx, "bgp-sessions:text")
	if err != nil || len(sts) != 1 || string(sts[0].Value) != "{\"d\":\"\uFFFD\uFFFD\"}" {
		t.Errorf("statuses = %+v, %v", sts, err)
	}
}
