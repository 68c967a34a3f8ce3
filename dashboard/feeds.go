package dashboard

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/ixpobs/ixpobs/geo"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// Atom feeds (RFC 4287) of joins and leaves, per IXP and per country.

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Link    []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	Title   string   `xml:"title"`
	ID      string   `xml:"id"`
	Updated string   `xml:"updated"`
	Link    atomLink `xml:"link"`
	Summary string   `xml:"summary"`
}

// feedEntries is how many events a feed shows, newest first.
const feedEntries = 200

type feedEvent struct {
	ixp.Event
	ix ixp.Exchange
}

// exchangeEvents returns the joins and leaves of one exchange over its
// whole history.
func (s *Server) exchangeEvents(ctx context.Context, snaps []ixp.Snapshot, ix ixp.Exchange) ([]ixp.Event, error) {
	spans, err := s.spans.get(ctx, fmt.Sprintf("%d/%d", ix.ID, snaps[len(snaps)-1].ID), func(ctx context.Context) (map[ixp.ASN][]span, error) {
		versions, err := s.store.Versions(ctx, ixp.SourcePeeringDB, ixp.KindConnection, time.Unix(0, 0), time.Time{}, store.Filter{IXID: ix.ID})
		if err != nil {
			return nil, err
		}
		return membershipSpans(versions), nil
	})
	if err != nil {
		return nil, err
	}
	return membershipEvents(spans, snaps[0].At, time.Unix(0, 0), ixp.EndOfDay(snaps[len(snaps)-1].At)), nil
}

// feedEvents returns the events of ix.
func (s *Server) feedEvents(ctx context.Context, snaps []ixp.Snapshot, ix ixp.Exchange) ([]feedEvent, error) {
	evs, err := s.exchangeEvents(ctx, snaps, ix)
	if err != nil {
		return nil, err
	}
	out := make([]feedEvent, len(evs))
	for i, e := range evs {
		out[i] = feedEvent{e, ix}
	}
	return out, nil
}

func (s *Server) writeFeed(w http.ResponseWriter, r *http.Request, title, selfPath, pagePath string, events []feedEvent, names map[ixp.ASN]ixp.Network) {
	sort.SliceStable(events, func(i, j int) bool { return events[i].Date.After(events[j].Date) })
	if len(events) > feedEntries {
		events = events[:feedEntries]
	}
	evs := make([]ixp.Event, len(events))
	for i, e := range events {
		evs[i] = e.Event
	}
	// The name of the network then: a leave keeps its last known name.
	eventNames, err := s.eventNames(r.Context(), evs)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Absolute links only from the configured public URL (http.public_url);
	// a client's Host header never makes a link (issue 20.5).
	base := s.publicURL
	updated := time.Unix(0, 0).UTC()
	if len(events) > 0 {
		updated = events[0].Date
	}
	f := atomFeed{Title: title, ID: "tag:ixpobs,2026:" + selfPath, Updated: updated.Format(time.RFC3339),
		Link:   []atomLink{{Rel: "self", Href: base + selfPath, Type: "application/atom+xml"}, {Rel: "alternate", Href: base + pagePath, Type: "text/html"}},
		Author: atomAuthor{Name: "ixpobs"}}
	for i, e := range events {
		verb := "joined"
		if e.Type == "leave" {
			verb = "left"
		}
		name := eventNames[i]
		if name == "" {
			name = names[e.ASN].Name
		}
		who := fmt.Sprintf("AS%d", e.ASN)
		if name != "" {
			who += " " + name
		}
		day := e.Date.Format(time.DateOnly)
		f.Entries = append(f.Entries, atomEntry{
			Title:   fmt.Sprintf("%s %s %s", who, verb, e.ix.Name),
			ID:      fmt.Sprintf("tag:ixpobs,2026:ixp/%d/%s/%d/%s", e.ix.ID, e.Type, e.ASN, day),
			Updated: e.Date.Format(time.RFC3339),
			Link:    atomLink{Rel: "alternate", Href: fmt.Sprintf("%s/ixps/%d", base, e.ix.ID), Type: "text/html"},
			Summary: fmt.Sprintf("%s %s %s (%s, %s) between the PeeringDB snapshots before and on %s.", who, verb, e.ix.Name, e.ix.City, e.ix.Country, day),
		})
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(f); err != nil {
		s.log.Warn("feed", "err", err)
	}
}

// handleIXPFeed serves /feeds/ixps/{id}.atom.
func (s *Server) handleIXPFeed(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := pathInt(chi.URLParam(r, "id"), "ixp id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	snaps, v, err := s.latestView(ctx)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ix, ok := v.exchange(id)
	if !ok {
		s.writeError(w, r, notFound("no_ixp", "no IXP with id %d", id))
		return
	}
	out, err := s.feedEvents(ctx, snaps, ix)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeFeed(w, r, "Joins and leaves at "+ix.Name, r.URL.Path, fmt.Sprintf("/ixps/%d", id), out, v.networks)
}

// handleCountryFeed serves /feeds/countries/{cc}.atom: the joins and
// leaves at every IXP of the country.
func (s *Server) handleCountryFeed(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cc, err := countryCode(chi.URLParam(r, "cc"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	snaps, v, err := s.latestView(ctx)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var out []feedEvent
	for _, ix := range v.exchanges {
		if geo.Normalize(ix.Country) != cc {
			continue
		}
		evs, err := s.feedEvents(ctx, snaps, ix)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out = append(out, evs...)
	}
	s.writeFeed(w, r, "Joins and leaves at the IXPs of "+geo.Name(cc, "en"), r.URL.Path, "/countries/"+cc, out, v.networks)
}

// latestView returns the PeeringDB snapshots and the view of the newest.
func (s *Server) latestView(ctx context.Context) ([]ixp.Snapshot, *snapshotView, error) {
	snaps, err := s.peeringDBSnapshots(ctx)
	if err != nil {
		return nil, nil, err
	}
	if len(snaps) == 0 {
		return nil, nil, notFound("no_data", "no PeeringDB data yet")
	}
	v, err := s.viewAt(ctx, snaps[len(snaps)-1])
	return snaps, v, err
}
