package main

import "testing"

func TestRedactDSN(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"ixpobs.db", "ixpobs.db"},
		{"postgres://ixpobs:s3cret@db:5432/ixpobs?sslmode=disable", "postgres://ixpobs:xxxxx@db:5432/ixpobs?sslmode=disable"},
		{"postgres://db/ixpobs", "postgres://db/ixpobs"},
		{"postgresql://u@db/ixpobs", "postgresql://u@db/ixpobs"},
		{"host=db user=ixpobs password=s3cret dbname=ixpobs", "host=db user=ixpobs password=xxxxx dbname=ixpobs"},
		{"host=db password = 'a b\\' c' dbname=x", "host=db password = xxxxx dbname=x"},
	}
	for _, tt := range tests {
		if got := redactDSN(tt.dsn); got != tt.want {
			t.Errorf("redactDSN(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
}
