package ixf

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/ixpobs/ixpobs/internal/safehttp"
	"github.com/ixpobs/ixpobs/ixp"
)

// IXPDBProviderListURL is the IXPDB list of IXPs with their IX-F ids,
// PeeringDB ids and export URLs.
const IXPDBProviderListURL = "https://api.ixpdb.net/v1/provider/list"

// Where a Target was discovered.
const (
	FromIXPDB     = "ixpdb"
	FromPeeringDB = "peeringdb"
	FromUser      = "user"
)

// Provider is one IXP of the IXPDB provider list.
type Provider struct {
	IXFID     int64 // IXPDB id, the ixf_id of exports
	PDBID     int64 // PeeringDB ix id, 0 when unknown
	Name      string
	Country   string
	ExportURL string // apis.ixfexport, "" when the IXP publishes none
}

// ParseProviders reads the IXPDB provider list
// ([{id, pdb_id, name, country, apis: {ixfexport}}, …]). Entries that are
// not objects or have no positive id are skipped. A body that is not a JSON
// array is an error wrapping an *ixp.ParseError.
func ParseProviders(file string, data []byte) ([]Provider, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, &ixp.ParseError{Source: "ixpdb", File: file, Offset: -1, Record: -1, Err: err}
	}
	out := make([]Provider, 0, len(raw))
	for _, r := range raw {
		var e struct {
			ID      any `json:"id"`
			PDBID   any `json:"pdb_id"`
			Name    any `json:"name"`
			Country any `json:"country"`
			APIs    any `json:"apis"`
		}
		dec := json.NewDecoder(strings.NewReader(string(r)))
		dec.UseNumber()
		if err := dec.Decode(&e); err != nil {
			continue
		}
		id, _ := getInt(e.ID)
		if id <= 0 {
			continue
		}
		p := Provider{IXFID: id}
		if n, _ := getInt(e.PDBID); n > 0 {
			p.PDBID = n
		}
		p.Name, _ = getString(e.Name)
		p.Country, _ = getString(e.Country)
		if apis, ok := getObject(e.APIs); ok {
			s, _ := getString(apis["ixfexport"])
			p.ExportURL = strings.TrimSpace(s)
		}
		out = append(out, p)
	}
	return out, nil
}

// IXFToPeeringDB maps IX-F ids to PeeringDB ix ids, for MatchData.
func IXFToPeeringDB(ps []Provider) map[int64]int64 {
	m := make(map[int64]int64, len(ps))
	for _, p := range ps {
		if p.PDBID > 0 {
			m[p.IXFID] = p.PDBID
		}
	}
	return m
}

// Target is one export to collect: an http(s) URL, or a local file that
// only a user can name.
type Target struct {
	Name string // source name, without ixp.SourcePrefixIXF
	URL  string // http or https; "" for a file
	Path string // local file (FromUser only)
	From string // FromIXPDB, FromPeeringDB or FromUser
	// IXFIDs and PDBIXIDs are the ids discovery associated with the URL.
	IXFIDs   []int64
	PDBIXIDs []int64
}

// NameFromURL returns the source name of an export URL: host (without
// "www.") and path and query, so the same export keeps its name whichever
// way it was discovered and whether it is fetched over http or https.
func NameFromURL(u *url.URL) string {
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	if p := u.Port(); p != "" {
		host += ":" + p
	}
	name := host + strings.TrimSuffix(u.EscapedPath(), "/")
	if u.RawQuery != "" {
		name += "?" + u.RawQuery
	}
	return name
}

// webURL parses an export URL found in third-party data: http or https
// with a host, and no credentials.
func webURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	switch {
	case err != nil:
		return nil, err
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("scheme %q is not http or https", u.Scheme)
	case u.Hostname() == "":
		return nil, fmt.Errorf("no host")
	case u.User != nil:
		return nil, fmt.Errorf("credentials in url")
	}
	u.Fragment = ""
	return u, nil
}

// TargetsFromProviders returns one target per distinct export URL of the
// provider list, and a note per unusable URL.
func TargetsFromProviders(ps []Provider) ([]Target, []string) {
	var ts []Target
	var notes []string
	for _, p := range ps {
		if p.ExportURL == "" {
			continue
		}
		u, err := webURL(p.ExportURL)
		if err != nil {
			notes = append(notes, fmt.Sprintf("ixpdb %d %q: export url %q: %v", p.IXFID, p.Name, p.ExportURL, err))
			continue
		}
		t := Target{Name: NameFromURL(u), URL: u.String(), From: FromIXPDB, IXFIDs: []int64{p.IXFID}}
		if p.PDBID > 0 {
			t.PDBIXIDs = []int64{p.PDBID}
		}
		ts = append(ts, t)
	}
	return MergeTargets(ts), notes
}

// TargetsFromLANs returns one target per distinct IX-F URL of PeeringDB
// ixlans, and a note per unusable URL.
func TargetsFromLANs(lans []ixp.ExchangeLAN) ([]Target, []string) {
	var ts []Target
	var notes []string
	for _, l := range lans {
		if strings.TrimSpace(l.IXFMemberListURL) == "" {
			continue
		}
		u, err := webURL(l.IXFMemberListURL)
		if err != nil {
			notes = append(notes, fmt.Sprintf("peeringdb ixlan %d: ixf url %q: %v", l.ID, l.IXFMemberListURL, err))
			continue
		}
		ts = append(ts, Target{Name: NameFromURL(u), URL: u.String(), From: FromPeeringDB, PDBIXIDs: []int64{l.IXID}})
	}
	return MergeTargets(ts), notes
}

// UserTarget returns a target for a URL or a local file named by the user.
// name may be empty: a URL is then named by NameFromURL and a file by its
// path.
func UserTarget(name, urlOrPath string) (Target, error) {
	s := strings.TrimSpace(urlOrPath)
	if s == "" {
		return Target{}, fmt.Errorf("ixf: empty target: %w", ixp.ErrInvalid)
	}
	t := Target{Name: name, From: FromUser}
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return Target{}, fmt.Errorf("ixf: target %q: %w", s, err)
		}
		switch u.Scheme {
		case "file":
			t.Path = u.Path
		case "http", "https":
			if u.Hostname() == "" {
				return Target{}, fmt.Errorf("ixf: target %q has no host: %w", s, ixp.ErrInvalid)
			}
			t.URL = u.String()
			if t.Name == "" {
				t.Name = NameFromURL(u)
			}
		default:
			return Target{}, fmt.Errorf("ixf: target %q: scheme %q not supported: %w", s, u.Scheme, ixp.ErrInvalid)
		}
	} else {
		t.Path = s
	}
	if t.Name == "" {
		t.Name = "file:" + t.Path
	}
	return t, nil
}

// MergeTargets joins target lists, keeping the first target of each URL
// (or file) and merging the ids of later ones into it. Give user targets
// first, then IXPDB, then PeeringDB.
func MergeTargets(lists ...[]Target) []Target {
	var out []Target
	idx := map[string]int{}
	for _, l := range lists {
		for _, t := range l {
			key := t.Name
			if t.URL != "" {
				if u, err := url.Parse(t.URL); err == nil {
					key = "url:" + NameFromURL(u)
				}
			} else {
				key = "file:" + t.Path
			}
			if i, ok := idx[key]; ok {
				out[i].IXFIDs = appendNew(out[i].IXFIDs, t.IXFIDs...)
				out[i].PDBIXIDs = appendNew(out[i].PDBIXIDs, t.PDBIXIDs...)
				continue
			}
			idx[key] = len(out)
			t.IXFIDs = append([]int64(nil), t.IXFIDs...)
			t.PDBIXIDs = append([]int64(nil), t.PDBIXIDs...)
			out = append(out, t)
		}
	}
	return out
}

func appendNew(s []int64, vs ...int64) []int64 {
	for _, v := range vs {
		found := false
		for _, have := range s {
			if have == v {
				found = true
				break
			}
		}
		if !found {
			s = append(s, v)
		}
	}
	return s
}

// FetchProviders fetches and parses a provider list, normally
// IXPDBProviderListURL.
func FetchProviders(ctx context.Context, client *safehttp.Client, listURL string) ([]Provider, error) {
	resp, err := client.Get(ctx, listURL)
	if err != nil {
		return nil, fmt.Errorf("ixf: provider list: %w", err)
	}
	return ParseProviders(listURL, resp.Body)
}
