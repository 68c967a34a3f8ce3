package dashboard

import "testing"

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Bogotá": "bogota", "São Paulo": "sao paulo", "IX.br": "ix.br", "Curaçao": "curacao", "MÉXICO": "mexico", "": "",
	} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCountryParam(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"BR", "BR", true}, {"br", "BR", true}, {"Brazil", "BR", true}, {"Brasil", "BR", true},
		{"brasil", "BR", true}, {"México", "MX", true}, {"mexico", "MX", true}, {"Perú", "PE", true},
		{"Atlantis", "", false},
	}
	for _, tc := range tests {
		got, ok := countryParam(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("countryParam(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
