package dashboard

import (
	"fmt"
	"net/url"
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
