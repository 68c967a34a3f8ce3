package ixf

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"slices"
	"testing"

	"github.com/ixpobs/ixpobs/internal/safehttp"
	"github.com/ixpobs/ixpobs/ixp"
)

func TestParseProviders(t *testing.T) {
	b, err := os.ReadFile("testdata/ixpdb-providers.json")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := ParseProviders("testdata/ixpdb-providers.json", b)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 9 {
		t.Fatalf("providers = %d, want 9 (two entries are unusable)", len(ps))
	}
	m := IXFToPeeringDB(ps)
	want := map[int64]int64{2: 26, 20: 48, 41: 359, 434: 880, 1: 18, 600: 321, 53: 53, 46: 328}
	if len(m) != len(want) {
		t.Errorf("mapping = %v, want %v", m, want)
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("ixf %d → pdb %d, want %d", k, m[k], v)
		}
	}
	targets, notes := TargetsFromProviders(ps)
	var names []string
	for _, tg := range targets {
		names = append(names, tg.Name)
	}
	wantNames := []string{
		"my.ams-ix.net/api/v1/members.json",
		"inex.ie/ixp/api/v4/member-export/ixf/1.0",
		"franceix.net/api/members/list/json?location=PAR",
		"franceix.net/api/members/list/json?location=MRS",
		"portal.linx.net/members.json",
	}
	if !slices.Equal(names, wantNames) {
		t.Errorf("targets = %q, want %q", names, wantNames)
	}
	if linx := targets[4]; !slices.Equal(linx.IXFIDs, []int64{1, 600}) || !slices.Equal(linx.PDBIXIDs, []int64{18, 321}) {
		t.Errorf("LINX target ids = %v / %v, want both LANs merged", linx.IXFIDs, linx.PDBIXIDs)
	}
	if len(notes) != 1 {
		t.Errorf("notes = %q, want one for the ftp url", notes)
	}
	for _, bad := range []string{"", "<html>", `{"id": 1}`} {
		if _, err := ParseProviders("x", []byte(bad)); err == nil {
			t.Errorf("ParseProviders(%q) = nil error, want one", bad)
		}
	}
}

func TestTargetsFromLANs(t *testing.T) {
	lans := []ixp.ExchangeLAN{
		{ID: 1, IXID: 26, IXFMemberListURL: "https://my.ams-ix.net/api/v1/members.json"},
		{ID: 2, IXID: 18, IXFMemberListURL: "https://portal.linx.net/members.json"},
		{ID: 3, IXID: 321, IXFMemberListURL: "http://portal.linx.net/members.json"},
		{ID: 4, IXID: 5, IXFMemberListURL: "file:///etc/passwd"},
		{ID: 5, IXID: 6, IXFMemberListURL: "https://user:pw@ix.example/x.json"},
		{ID: 6, IXID: 7},
		{ID: 7, IXID: 8, IXFMemberListURL: "gopher://ix.example/"},
	}
	targets, notes := TargetsFromLANs(lans)
	if len(targets) != 2 || len(notes) != 3 {
		t.Fatalf("targets %+v notes %q, want 2 targets and 3 notes", targets, notes)
	}
	if !slices.Equal(targets[1].PDBIXIDs, []int64{18, 321}) {
		t.Errorf("LINX pdb ids = %v, want [18 321]", targets[1].PDBIXIDs)
	}
	ixpdb, _ := TargetsFromProviders([]Provider{{IXFID: 2, PDBID: 26, ExportURL: "https://my.ams-ix.net/api/v1/members.json"}})
	user, err := UserTarget("ams-ix", "https://my.ams-ix.net/api/v1/members.json")
	if err != nil {
		t.Fatal(err)
	}
	all := MergeTargets([]Target{user}, ixpdb, targets)
	if len(all) != 2 || all[0].Name != "ams-ix" || all[0].From != FromUser || !slices.Equal(all[0].IXFIDs, []int64{2}) {
		t.Errorf("merged = %+v, want the user target first with the IXPDB id merged, then LINX", all)
	}
}

func TestUserTarget(t *testing.T) {
	tests := []struct {
		name, in  string
		url, path string
		wantName  string
		err       bool
	}{
		{"", "https://ix.example/members.json", "https://ix.example/members.json", "", "ix.example/members.json", false},
		{"mine", "/data/export.json", "", "/data/export.json", "mine", false},
		{"", "file:///data/export.json.gz", "", "/data/export.json.gz", "file:/data/export.json.gz", false},
		{"", "ftp://ix.example/x", "", "", "", true},
		{"", "  ", "", "", "", true},
		{"", "https:///nohost", "", "", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := UserTarget(tc.name, tc.in)
			if tc.err {
				if err == nil || !errors.Is(err, ixp.ErrInvalid) {
					t.Errorf("UserTarget(%q) = %+v, %v; want an ErrInvalid", tc.in, got, err)
				}
				return
			}
			if err != nil || got.URL != tc.url || got.Path != tc.path || got.Name != tc.wantName || got.From != FromUser {
				t.Errorf("UserTarget(%q) = %+v, %v; want url %q path %q name %q", tc.in, got, err, tc.url, tc.path, tc.wantName)
			}
		})
	}
}

func TestFetchProviders(t *testing.T) {
	b, err := os.ReadFile("testdata/ixpdb-providers.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/provider/list" {
			w.Write(b)
			return
		}
		fmt.Fprint(w, "<html>maintenance</html>")
	}))
	defer srv.Close()
	cfg := safehttp.DefaultConfig()
	cfg.AllowPrefixes = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	client, err := safehttp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ps, err := FetchProviders(context.Background(), client, srv.URL+"/v1/provider/list")
	if err != nil || len(ps) != 9 {
		t.Errorf("FetchProviders = %d providers, %v; want 9", len(ps), err)
	}
	if _, err := FetchProviders(context.Background(), client, srv.URL+"/other"); err == nil {
		t.Error("FetchProviders of an HTML page: nil error")
	}
}
