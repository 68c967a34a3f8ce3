package dashboard

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// memberPerPage is the number of member rows (connections) a page of an
// exchange shows: IX.br São Paulo has about 2,000, which made a 600 KB page.
const memberPerPage = 100

// memberSortKeys order the member table (ascending; "-key" descending).
var memberSortKeys = map[string]func(a, b member) int{
	"asn":   func(a, b member) int { return cmp.Compare(a.ASN, b.ASN) },
	"name":  func(a, b member) int { return compareFolded(a.Name, b.Name) },
	"speed": func(a, b member) int { return cmp.Compare(a.Speed, b.Speed) },
	"since": func(a, b member) int { return cmp.Compare(a.Since, b.Since) },
}

// memberTable is one page of an exchange's members as the query asks
// (the same rows as /api/v1/ixps/{id}/members?name=mq&sort=msort&page=mpage&per_page=100):
// mq filters by name or ASN (accents and case ignored), msort sorts,
// mpage pages; it works without JavaScript.
type memberTable struct {
	Rows        []member
	Query, Sort string
	Page, Pages int
	Matches     int // rows matching mq
	Heads       []memberHead
}

type memberHead struct {
	Key, Label, Href, Current string
	Numeric                   bool
}

// selectMembers returns the rows matching search (memberMatches), sorted
// by key (of memberSortKeys), then by ASN, stably: the member table of
// the IXP page and /api/v1/ixps/{id}/members?name=&sort= both.
func selectMembers(rows []member, search, key string, desc bool) []member {
	needle := fold(strings.TrimSpace(search))
	asn := strings.TrimPrefix(strings.TrimPrefix(needle, "as"), " ")
	var out []member
	for _, m := range rows {
		if needle == "" || strings.Contains(fold(m.Name), needle) || strings.HasPrefix(strconv.FormatUint(uint64(m.ASN), 10), asn) && asn != "" && isDigits(asn) {
			out = append(out, m)
		}
	}
	f := memberSortKeys[key]
	slices.SortStableFunc(out, func(a, b member) int {
		c := f(a, b)
		if desc {
			c = -c
		}
		return cmp.Or(c, cmp.Compare(a.ASN, b.ASN))
	})
	return out
}

// filterMembers applies mq, msort and mpage of q to the rows (an unknown
// msort sorts by ASN).
func (p *page) filterMembers(rows []member, q url.Values) memberTable {
	t := memberTable{Query: strings.TrimSpace(q.Get("mq")), Sort: q.Get("msort")}
	key, desc := strings.CutPrefix(t.Sort, "-")
	if _, ok := memberSortKeys[key]; !ok {
		key, desc = "asn", false
	}
	out := selectMembers(rows, t.Query, key, desc)
	t.Sort = key
	if desc {
		t.Sort = "-" + key
	}
	t.Matches = len(out)
	t.Pages = max(1, (len(out)+memberPerPage-1)/memberPerPage)
	t.Page, _ = strconv.Atoi(q.Get("mpage"))
	t.Page = min(max(t.Page, 1), t.Pages)
	lo := (t.Page - 1) * memberPerPage
	t.Rows = out[lo:min(lo+memberPerPage, len(out))]
	for _, h := range []struct {
		key, label string
		num        bool
	}{{"asn", "col.asn", true}, {"name", "col.name", false}, {"speed", "col.speed", true}, {"since", "col.since", false}} {
		mh := memberHead{Key: h.key, Label: p.T(h.label), Numeric: h.num}
		next := h.key
		if h.num || h.key == "since" {
			next = "-" + h.key
		}
		switch t.Sort {
		case h.key:
			mh.Current, next = "ascending", "-"+h.key
		case "-" + h.key:
			mh.Current, next = "descending", h.key
		}
		mh.Href = p.Self("msort", next, "mpage", "") + "#members-h"
		t.Heads = append(t.Heads, mh)
	}
	return t
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// MemberPage links to page n of the member table, keeping its filter.
func (p *page) MemberPage(n int) string { return p.Self("mpage", strconv.Itoa(n)) + "#members-h" }

// eventKinds are the values of the ev filter of the joins and leaves.
var eventKinds = [...]string{"", "join", "leave"}

// filterEvents keeps the events of kind ev ("" both), newest first, at
// most maxEvents.
func filterEvents(all []eventJSON, ev string) (shown []eventJSON, matching int) {
	for i := len(all) - 1; i >= 0; i-- {
		if ev != "" && all[i].Type != ev {
			continue
		}
		matching++
		if len(shown) < maxEvents {
			shown = append(shown, all[i])
		}
	}
	return shown, matching
}

// EventHref links the network of a join or leave to its page at a date
// where it was a member: the join's own date, the day before a leave
// (the network may have left PeeringDB altogether since).
func (p *page) EventHref(e eventJSON) string {
	asn := strconv.FormatUint(uint64(e.ASN), 10)
	at := e.Date
	if e.Type == "leave" {
		if d, err := time.Parse(time.DateOnly, e.Date); err == nil {
			at = d.AddDate(0, 0, -1).Format(time.DateOnly)
		}
	}
	return withQuery("/networks/"+asn, url.Values{}, "at", at)
}
