package ixf

import (
	"strings"
	"testing"

	"github.com/ixpobs/ixpobs/ixp"
)

// TestValues: IX-F values out of range are counted (dropped or quirk),
// never taken as they come.
func TestValues(t *testing.T) {
	export := func(country, member string) string {
		return `{"version":"1.0","timestamp":"2021-01-01T00:00:00Z","ixp_list":[{"ixp_id":1,"shortname":"X","country":"` + country +
			`","vlan":[{"id":1}]}],"member_list":[` + member + `]}`
	}
	member := func(asnum, speeds string) string {
		var ifs []string
		for _, s := range strings.Split(speeds, ",") {
			ifs = append(ifs, `{"if_speed":`+s+`}`)
		}
		return `{"asnum":` + asnum + `,"connection_list":[{"ixp_id":1,"state":"active","if_list":[` + strings.Join(ifs, ",") +
			`],"vlan_list":[{"vlan_id":1,"ipv4":{"address":"192.0.2.1"}}]}]}`
	}
	for _, tc := range []struct {
		name, doc string
		members   int
		speed     int64
		counted   string // a Dropped or Quirks reason, "" for none
		country   string
	}{
		{"valid", export("BR", member("64500", "10000,10000")), 1, 20000, "", "BR"},
		{"asnum 1e3 is not AS1000", export("BR", member("1e3", "10000")), 0, 0, DropInvalidASN, "BR"},
		{"asnum 64500.0", export("BR", member("64500.0", "10000")), 0, 0, DropInvalidASN, "BR"},
		{"asnum over 32 bits", export("BR", member("4294967296", "10000")), 0, 0, DropInvalidASN, "BR"},
		{"if_speed 2^62 twice", export("BR", member("64500", "4611686018427387904,4611686018427387904")), 1, 0, ixp.QuirkSpeedOutOfRange, "BR"},
		{"negative if_speed", export("BR", member("64500", "-100,10000")), 1, 10000, ixp.QuirkSpeedOutOfRange, "BR"},
		{"duplicate key", strings.Replace(export("BR", member("64500", "10000")), `"asnum":64500`, `"asnum":64500,"asnum":64501`, 1), 1, 10000, ixp.QuirkDuplicateKey, "BR"},
		{"case-variant key", strings.Replace(export("BR", member("64500", "10000")), `"asnum":64500`, `"asnum":64500,"ASNUM":64501`, 1), 1, 10000, ixp.QuirkDuplicateKey, "BR"},
		{"country not ISO 3166", export("QQ", member("64500", "10000")), 1, 10000, ixp.QuirkCountryInvalid, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex, err := Decode("x.json", []byte(tc.doc))
			if err != nil && tc.members > 0 {
				t.Fatal(err)
			}
			if tc.members == 0 {
				if err == nil {
					if len(ex.Members) != 0 {
						t.Fatalf("members %+v, want none", ex.Members)
					}
				}
				if ex != nil && ex.Report.Dropped[tc.counted] == 0 {
					t.Errorf("report %+v does not count %s", ex.Report, tc.counted)
				}
				return
			}
			if len(ex.Members) != tc.members {
				t.Fatalf("%d members, want %d", len(ex.Members), tc.members)
			}
			if got := ex.Members[0].Connections[0].Speed; got != tc.speed {
				t.Errorf("speed %d, want %d", got, tc.speed)
			}
			if c := ex.Exchanges[0].Country; c != tc.country {
				t.Errorf("country %q, want %q", c, tc.country)
			}
			n := ex.Report.Dropped[tc.counted] + ex.Report.Quirks[tc.counted]
			if tc.counted != "" && n == 0 {
				t.Errorf("report %+v does not count %s", ex.Report, tc.counted)
			}
			if tc.counted != "" && ixp.QuirkCounts(ex.Report.Notes())[tc.counted] == 0 {
				t.Errorf("notes %q do not count %s", ex.Report.Notes(), tc.counted)
			}
		})
	}
}
