package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/store/sqlite"
)

func TestAliceLGSection(t *testing.T) {
	tests := []struct {
		name, yaml, wantErr string
		sources             []string
	}{
		{"defaults", "alicelg: {enabled: true}\n", "", []string{"alicelg:ixbr"}},
		{"two glasses", "alicelg:\n  looking_glasses:\n    - {name: ixbr, base_url: 'https://lg.ix.br', routes: true, ixp_ids: {rs1: 171}}\n    - {name: other, base_url: 'https://lg.example.net'}\n", "",
			[]string{"alicelg:ixbr", "alicelg:other"}},
		{"bad name", "alicelg:\n  looking_glasses:\n    - {name: 'IX BR', base_url: 'https://lg.ix.br'}\n", "looking glass name", nil},
		{"bad url", "alicelg:\n  looking_glasses:\n    - {name: x, base_url: 'ftp://lg'}\n", "base URL", nil},
		{"twice", "alicelg:\n  looking_glasses:\n    - {name: x, base_url: 'https://a'}\n    - {name: x, base_url: 'https://b'}\n", "twice", nil},
		{"negative budget", "alicelg: {budget: -1}\n", "budget", nil},
	}
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "a.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultConfig()
			err := decodeConfig([]byte(tt.yaml), &cfg)
			if err == nil {
				err = cfg.validate()
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			srcs, err := buildSources(cfg, st, nil, &collectOptions{only: []string{"alicelg"}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range srcs {
				got = append(got, s.Name)
			}
			if strings.Join(got, " ") != strings.Join(tt.sources, " ") {
				t.Errorf("sources %v, want %v", got, tt.sources)
			}
		})
	}
}

func TestMRTSection(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		wantErr string
		sources []string // with `collect mrt`
	}{
		{name: "defaults", yaml: "mrt: {enabled: true}\n",
			sources: []string{"mrt:rrc15", "mrt:rrc24", "mrt:route-views.saopaulo", "mrt:route-views2.saopaulo", "mrt:route-views.rio", "mrt:route-views.fortaleza", "mrt:route-views.chile", "mrt:route-views.peru",
				"mrt:pch-aep", "mrt:pch-ros", "mrt:pch-scl", "mrt:pch-lim", "mrt:pch-gye", "mrt:pch-bog2", "mrt:pch-lpb2", "mrt:pch-pty", "mrt:pch-sjo", "mrt:pch-sju", "mrt:pch-gnd", "mrt:pch-pbm"}},
		{name: "one collector", yaml: "mrt:\n  enabled: true\n  collectors:\n    - {name: rrc15, url_template: 'https://data.ris.ripe.net/rrc15/{YYYY}.{MM}/bview.{YYYY}{MM}{DD}.{hh}{mm}.gz', period: 8h, ixp_id: 171}\n",
			sources: []string{"mrt:rrc15"}},
		{name: "a PCH collector", yaml: "mrt:\n  enabled: true\n  collectors:\n    - {name: pch-scl, url_template: 'https://h/v4/{YYYY}.{MM}.{DD}.gz', url_template_v6: 'https://h/v6/{YYYY}.{MM}.{DD}.gz', period: 24h}\n",
			sources: []string{"mrt:pch-scl"}},
		{name: "bad v6 template", yaml: "mrt:\n  collectors:\n    - {name: x, url_template: 'https://h/{DD}', url_template_v6: 'file:///x', period: 24h}\n", wantErr: "url_template_v6"},
		{name: "bad period", yaml: "mrt:\n  collectors:\n    - {name: x, url_template: 'https://h/{hh}', period: 5h}\n", wantErr: "divide 24h"},
		{name: "twice", yaml: "mrt:\n  collectors:\n    - {name: x, url_template: 'https://h/{hh}', period: 8h}\n    - {name: x, url_template: 'https://h/{hh}', period: 8h}\n", wantErr: "twice"},
		{name: "unknown key", yaml: "mrt:\n  colectors: []\n", wantErr: "colectors"},
	}
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "c.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultConfig()
			err := decodeConfig([]byte(tt.yaml), &cfg)
			if err == nil {
				err = cfg.validate()
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			srcs, err := buildSources(cfg, st, nil, &collectOptions{only: []string{"mrt"}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range srcs {
				got = append(got, s.Name)
				if s.Interval < 2*time.Hour || s.Timeout != time.Hour {
					t.Errorf("%s: interval %s, timeout %s", s.Name, s.Interval, s.Timeout)
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.sources, " ") {
				t.Errorf("sources = %v, want %v", got, tt.sources)
			}
		})
	}
}
