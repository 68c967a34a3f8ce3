package dashboard

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/ixpobs/ixpobs/ixp"
)

func TestFilterMembers(t *testing.T) {
	p := &page{locale: &locale{lang: "en"}, path: "/ixps/1"}
	var rows []member
	for i := 1; i <= 250; i++ {
		rows = append(rows, member{ASN: 1000 + asnOf(i), Name: fmt.Sprintf("Net %03d", i), Speed: int64(i%7) * 1000, Since: fmt.Sprintf("2020-01-%02d", i%28+1)})
	}
	rows = append(rows, member{ASN: 15169, Name: "Google LLC", Speed: 100000}, member{ASN: 28571, Name: "São Paulo Telecom", Speed: 10000})
	for _, tc := range []struct {
		q         string
		matches   int
		page, len int
		firstASN  uint32
	}{
		{"", 252, 1, 100, 1001},
		{"mpage=3", 252, 3, 52, 1201},
		{"mpage=99", 252, 3, 52, 1201}, // clamped to the last page
		{"mq=google", 1, 1, 1, 15169},
		{"mq=AS15169", 1, 1, 1, 15169},
		{"mq=15169", 1, 1, 1, 15169},
		{"mq=sao+paulo", 1, 1, 1, 28571}, // accents ignored
		{"mq=SÃO", 1, 1, 1, 28571},
		{"msort=-speed", 252, 1, 100, 15169},
		{"msort=name&mq=net+00", 9, 1, 9, 1001},
		{"mq=nothing-like-this", 0, 1, 0, 0},
	} {
		q, _ := url.ParseQuery(tc.q)
		got := p.filterMembers(rows, q)
		if got.Matches != tc.matches || got.Page != tc.page || len(got.Rows) != tc.len {
			t.Errorf("%q: %d matches, page %d, %d rows; want %d, %d, %d", tc.q, got.Matches, got.Page, len(got.Rows), tc.matches, tc.page, tc.len)
			continue
		}
		if tc.len > 0 && uint32(got.Rows[0].ASN) != tc.firstASN {
			t.Errorf("%q: first row AS%d, want AS%d", tc.q, got.Rows[0].ASN, tc.firstASN)
		}
	}
}

func asnOf(i int) ixp.ASN { return ixp.ASN(i) }

func TestFilterEvents(t *testing.T) {
	var all []eventJSON
	for i := range 300 {
		typ := "join"
		if i%3 == 0 {
			typ = "leave"
		}
		all = append(all, eventJSON{Date: fmt.Sprintf("2020-%02d-01", i%12+1), Type: typ, ASN: ixp.ASN(i)})
	}
	shown, n := filterEvents(all, "leave")
	if n != 100 || len(shown) != maxEvents {
		t.Fatalf("got %d leaves, %d shown", n, len(shown))
	}
	if shown[0].ASN != 297 {
		t.Errorf("newest first: got AS%d first, want AS297", shown[0].ASN)
	}
	for _, e := range shown {
		if e.Type != "leave" {
			t.Fatalf("a %s in the leaves", e.Type)
		}
	}
	if _, n := filterEvents(all, ""); n != 300 {
		t.Errorf("both kinds: %d, want 300", n)
	}
}

// TestIXPGrowthExcludesNew checks that an exchange absent from the earlier
// snapshot (a record created in the period, like AR-IX Cabase 0 → 284) is
// counted as new and not ranked as growth.
func TestIXPGrowthExcludesNew(t *testing.T) {
	p := &page{locale: &locale{lang: "en"}}
	x := func(id int64, cc string, members int) ixpSummary {
		return ixpSummary{ID: id, Name: fmt.Sprint("IX", id), Country: cc, ExchangeStats: ixp.ExchangeStats{Members: members}}
	}
	old := ixpList{Data: []ixpSummary{x(1, "BR", 100), x(2, "AR", 10)}}
	cur := ixpList{Data: []ixpSummary{x(1, "BR", 150), x(2, "AR", 12), x(3, "AR", 284)}}
	world, lac, n := (&web{}).ixpGrowth(p, old, cur)
	if n != 1 {
		t.Errorf("%d new exchanges, want 1", n)
	}
	for _, g := range append(world, lac...) {
		if g.ID == "3" {
			t.Errorf("the new exchange is ranked: %+v", g)
		}
	}
	if len(world) != 2 || world[0].ID != "1" || world[0].Change != 50 {
		t.Errorf("ranking %+v, want IX1 +50 first", world)
	}
}

func TestNoteAndEnumTranslated(t *testing.T) {
	cat, err := loadCatalog(webFS)
	if err != nil {
		t.Fatal(err)
	}
	pt := &page{locale: &locale{lang: "pt", msgs: cat["pt"]}}
	if n := pt.Note("peeringdb quirk netixlan_speed_zero: 1234 (kept)"); n.Lang != "pt" || !strings.Contains(n.Text, "1.234") || !strings.Contains(n.Text, "netixlan speed zero") {
		t.Errorf("quirk note in Portuguese: %+v", n)
	}
	if n := pt.Note("something else entirely"); n.Lang != "en" || n.Text != "something else entirely" {
		t.Errorf("an unknown note is shown as written and marked English: %+v", n)
	}
	if got := pt.Enum("policy", "Selective"); got != "Seletiva" {
		t.Errorf("policy Selective in Portuguese: %q", got)
	}
	if got := pt.Enum("policy", "Something New"); got != "Something New" {
		t.Errorf("an unknown value is shown as given: %q", got)
	}
}
