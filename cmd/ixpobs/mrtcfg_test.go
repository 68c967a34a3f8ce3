package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

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
			sources: []string{"bgp:rrc15", "bgp:rrc24", "bgp:route-views.saopaulo", "bgp:route-views2.saopaulo", "bgp:route-views.rio", "bgp:route-views.fortaleza", "bgp:route-views.chile", "bgp:route-views.peru",
				"bgp:pch-aep", "bgp:pch-ros", "bgp:pch-scl", "bgp:pch-lim", "bgp:pch-gye", "bgp:pch-bog2", "bgp:pch-lpb2", "bgp:pch-pty", "bgp:pch-sjo", "bgp:pch-sju", "bgp:pch-gnd", "bgp:pch-pbm"}},
		{name: "one collector", yaml: "mrt:\n  enabled: true\n  collectors:\n    - {name: rrc15, url_template: 'https://data.ris.ripe.net/rrc15/{YYYY}.{MM}/bview.{YYYY}{MM}{DD}.{hh}{mm}.gz', period: 8h, ixp_id: 171}\n",
			sources: []string{"bgp:rrc15"}},
		{name: "a PCH collector", yaml: "mrt:\n  enabled: true\n  collectors:\n    - {name: pch-scl, url_template: 'https://h/v4/{YYYY}.{MM}.{DD}.gz', url_template_v6: 'https://h/v6/{YYYY}.{MM}.{DD}.gz', period: 24h}\n",
			sources: []string{"bgp:pch-scl"}},
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

// TestCollectOldMRTName: `collect` names a scheduled RIB collector by its
// one source id, bgp:<name>; the spelling runs had before, mrt:<name>,
// still selects it.
func TestCollectOldMRTName(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "c.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := defaultConfig()
	if err := decodeConfig([]byte("mrt: {enabled: true}\n"), &cfg); err != nil {
		t.Fatal(err)
	}
	for _, arg := range []string{"bgp:rrc15", "mrt:rrc15"} {
		srcs, err := buildSources(cfg, st, nil, &collectOptions{only: []string{arg}})
		if err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		if len(srcs) != 1 || srcs[0].Name != "bgp:rrc15" {
			t.Errorf("collect %s runs %v, want bgp:rrc15 alone", arg, srcs)
		}
	}
	if _, err := buildSources(cfg, st, nil, &collectOptions{only: []string{"bgp:nowhere"}}); err == nil || !strings.Contains(err.Error(), "unknown source") {
		t.Errorf("unknown collector: err = %v", err)
	}
}

// TestAliceLGMetricsRegistered: serve's registry gets the Alice-LG
// fetcher's series, at zero for every configured glass, when the source is
// enabled, and none when it is not.
func TestAliceLGMetricsRegistered(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "a.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, enabled := range []bool{true, false} {
		cfg := defaultConfig()
		yaml := "alicelg:\n  enabled: " + strconv.FormatBool(enabled) + "\n  looking_glasses:\n    - {name: ixbr, base_url: 'https://lg.ix.br'}\n    - {name: other, base_url: 'https://lg.example.net'}\n"
		if err := decodeConfig([]byte(yaml), &cfg); err != nil {
			t.Fatal(err)
		}
		reg := prometheus.NewRegistry()
		if _, err := buildSources(cfg, st, nil, &collectOptions{reg: reg}); err != nil {
			t.Fatal(err)
		}
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		glasses := map[string]bool{}
		for _, mf := range mfs {
			if mf.GetName() != "ixpobs_alicelg_requests_total" {
				continue
			}
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "glass" {
						glasses[l.GetValue()] = true
					}
				}
			}
		}
		if want := enabled; glasses["ixbr"] != want || glasses["other"] != want || len(glasses) > 2 {
			t.Errorf("enabled %v: ixpobs_alicelg_requests_total glasses %v", enabled, glasses)
		}
	}
}

// TestBrokerURL: the public BGPKIT broker is used with the default
// collectors, not with collectors of one's own (a mirror) unless named,
// never with "off"; a bad URL is a config error.
func TestBrokerURL(t *testing.T) {
	for _, tc := range []struct {
		setting string
		own     bool
		want    string
		err     bool
	}{
		{"", false, "https://api.bgpkit.com/v3/broker", false},
		{"", true, "", false},
		{"off", false, "", false},
		{"https://broker.example/v3/broker", true, "https://broker.example/v3/broker", false},
		{"ftp://broker.example", false, "", true},
	} {
		got, err := brokerURL(tc.setting, tc.own)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("brokerURL(%q, own %v) = %q, %v; want %q (error %v)", tc.setting, tc.own, got, err, tc.want, tc.err)
		}
	}
	cfg := defaultConfig()
	if err := decodeConfig([]byte("mrt:\n  broker_url: 'ftp://x'\n"), &cfg); err == nil {
		if err = cfg.validate(); err == nil || !strings.Contains(err.Error(), "mrt.broker_url") {
			t.Errorf("bad mrt.broker_url: %v", err)
		}
	}
}
