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

func TestPlural(t *testing.T) {
	cat := testCatalog(t)
	tests := []struct {
		lang string
		n    int
		want string
	}{
		{"en", 1, "1 network joined"}, {"en", 0, "0 networks joined"}, {"en", 1954, "1,954 networks joined"},
		{"es", 1, "1 red se unió"}, {"es", 2, "2 redes se unieron"},
		{"pt", 1, "1 rede entrou"}, {"pt", 0, "0 rede entrou"}, {"pt", 5, "5 redes entraram"},
	}
	for _, tc := range tests {
		l := &locale{lang: tc.lang, msgs: cat[tc.lang], missing: func(k string) { t.Errorf("%s: no message %s", tc.lang, k) }}
		if got := l.P("ixp.joined", tc.n); got != tc.want {
			t.Errorf("%s P(%d) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}
