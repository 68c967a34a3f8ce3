package dashboard

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
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
	cat := testCatalog(t)
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

var (
	memberRow = regexp.MustCompile(`(?s)<tr>\s*<td class="num"><a href="[^"]*">([0-9]+)</a></td>\s*<td>([^<]*)</td>`)
	jsonLink  = regexp.MustCompile(`<a href="([^"]*)" data-kind="json">`)
	csvLink   = regexp.MustCompile(`<a href="([^"]*)" data-kind="csv">`)
)

// TestMembersAPIMatchesTable follows the JSON and CSV links under the
// member table of IXP pages (searched, sorted, paged or not): each answers
// exactly the rows the table shows, in the same order.
func TestMembersAPIMatchesTable(t *testing.T) {
	ts := realWebServer(t)
	filtered := 0
	for _, path := range []string{
		"/ixps/171", "/ixps/171?mpage=3", "/ixps/171?mq=telecom", "/ixps/171?mq=telecom&msort=-speed&mpage=2",
		"/ixps/171?msort=name&mpage=5", "/ixps/171?mq=AS26&msort=-since", "/ixps/171?mq=sao+paulo", "/ixps/171?mq=S%C3%83O&msort=speed",
		"/ixps/171?mpage=999", "/ixps/171?mq=nothing-like-this", "/ixps/171?msort=bogus&mpage=2", "/ixps/171?at=2019-06-01&mq=net",
		"/ixps/3788", "/ixps/3788?msort=-name",
	} {
		resp, body := fetch(t, ts, path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", path, resp.StatusCode)
		}
		start := strings.Index(body, `id="members"`)
		end := strings.Index(body[max(start, 0):], "</section>")
		if start < 0 || end < 0 {
			t.Fatalf("%s: no member table", path)
		}
		section := body[start : start+end]
		var want [][2]string
		for _, m := range memberRow.FindAllStringSubmatch(section, -1) {
			want = append(want, [2]string{m[1], html.UnescapeString(m[2])})
		}
		jm, cm := jsonLink.FindStringSubmatch(section), csvLink.FindStringSubmatch(section)
		if jm == nil || cm == nil {
			t.Fatalf("%s: no JSON or CSV link under the member table", path)
		}
		api, csvURL := html.UnescapeString(jm[1]), html.UnescapeString(cm[1])
		if strings.Contains(api, "page=") {
			filtered++
		}
		var l memberList
		fetchJSON(t, ts, api, &l)
		var got [][2]string
		for _, m := range l.Data {
			got = append(got, [2]string{fmt.Sprint(uint32(m.ASN)), m.Name})
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %s answers %d rows, the table shows %d:\n got %.300v\nwant %.300v", path, api, len(got), len(want), got, want)
		}
		cresp, cbody := fetch(t, ts, csvURL)
		records, err := csv.NewReader(strings.NewReader(cbody)).ReadAll()
		if cresp.StatusCode != http.StatusOK || err != nil || len(records) != len(want)+1 {
			t.Errorf("%s: %s: status %d, %d records (%v); want a header and %d rows", path, csvURL, cresp.StatusCode, len(records), err, len(want))
			continue
		}
		for i, w := range want {
			if records[i+1][0] != w[0] {
				t.Errorf("%s: CSV row %d is AS%s, the table's AS%s", path, i+1, records[i+1][0], w[0])
				break
			}
		}
	}
	if filtered < 8 {
		t.Errorf("only %d pages linked a filtered member list", filtered)
	}
}

// TestMembersAPIQuery checks the parameters of the filtered member list:
// total, the window, and the 400s of a bad sort or paging.
func TestMembersAPIQuery(t *testing.T) {
	ts := realWebServer(t)
	var all, some memberList
	fetchJSON(t, ts, "/api/v1/ixps/171/members", &all)
	if all.Total != nil || all.Page != 0 || len(all.Data) != all.Connections {
		t.Fatalf("plain list: total %v, page %d, %d rows of %d connections", all.Total, all.Page, len(all.Data), all.Connections)
	}
	fetchJSON(t, ts, "/api/v1/ixps/171/members?sort=-speed&skip=5&limit=3", &some)
	if some.Total == nil || *some.Total != all.Connections || len(some.Data) != 3 || some.Skip == nil || *some.Skip != 5 ||
		some.Data[0].Speed < some.Data[2].Speed {
		t.Errorf("sort=-speed&skip=5&limit=3: total %v, skip %v, rows %+v", some.Total, some.Skip, some.Data)
	}
	for _, q := range []string{"sort=bogus", "page=0", "page=1&limit=5", "per_page=5001"} {
		resp, body := fetch(t, ts, "/api/v1/ixps/171/members?"+q)
		var e errorBody
		if resp.StatusCode != http.StatusBadRequest || json.Unmarshal([]byte(body), &e) != nil || e.Code == "" {
			t.Errorf("%s: %d %.200s; want a 400 with a code", q, resp.StatusCode, body)
		}
	}
}
