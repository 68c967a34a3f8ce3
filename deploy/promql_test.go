package deploy

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

// promqlKeywords are identifiers of PromQL that are not metric names when
// not followed by "(".
var promqlKeywords = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
	"offset": true, "bool": true, "and": true, "or": true, "unless": true, "atan2": true, "inf": true, "nan": true,
}

// aggregations may be followed by "by (...)" or "without (...)" before
// their "(": never metric names.
var aggregations = map[string]bool{
	"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true,
	"count": true, "count_values": true, "bottomk": true, "topk": true, "quantile": true, "limitk": true, "limit_ratio": true,
}

// labelListKeywords are followed by a parenthesised list of label names.
var labelListKeywords = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true}

// metricNames returns the metric names a PromQL expression selects: the
// identifiers that are not functions, aggregations, keywords, label names
// (in {...} or in by/without/on/ignoring lists), strings, numbers or
// durations. It is a lexer, not a parser, but PromQL keeps these apart
// lexically. Grafana's label_values(metric, label) is handled too.
func metricNames(expr string) []string {
	var out []string
	r := []rune(expr)
	isIdentStart := func(c rune) bool { return c == '_' || c == ':' || unicode.IsLetter(c) }
	isIdent := func(c rune) bool { return isIdentStart(c) || unicode.IsDigit(c) }
	skipSpace := func(i int) int {
		for i < len(r) && unicode.IsSpace(r[i]) {
			i++
		}
		return i
	}
	// skipTo returns the index after the closing rune matching r[i].
	skipTo := func(i int, close rune) int {
		for i++; i < len(r) && r[i] != close; i++ {
			if r[i] == '"' || r[i] == '\'' || r[i] == '`' {
				q := r[i]
				for i++; i < len(r) && r[i] != q; i++ {
					if r[i] == '\\' {
						i++
					}
				}
			}
		}
		return i + 1
	}
	for i := 0; i < len(r); {
		c := r[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			i = skipTo(i, c)
		case c == '{':
			i = skipTo(i, '}')
		case c == '[':
			i = skipTo(i, ']')
		case c == '$': // Grafana variable ($region, ${country}, $__rate_interval)
			i++
			if i < len(r) && r[i] == '{' {
				i = skipTo(i, '}')
			}
			for i < len(r) && isIdent(r[i]) {
				i++
			}
		case unicode.IsDigit(c) || (c == '.' && i+1 < len(r) && unicode.IsDigit(r[i+1])):
			// numbers and durations (5m, 1e9, 0x1f)
			for i < len(r) && (isIdent(r[i]) || r[i] == '.') {
				i++
			}
		case isIdentStart(c):
			j := i
			for j < len(r) && isIdent(r[j]) {
				j++
			}
			word := string(r[i:j])
			k := skipSpace(j)
			switch {
			case labelListKeywords[strings.ToLower(word)]:
				i = k
				if i < len(r) && r[i] == '(' {
					i = skipTo(i, ')')
				}
			case word == "label_values" && k < len(r) && r[k] == '(':
				// label_values(metric{...}, label) or label_values(label)
				args := r[k+1 : skipTo(k, ')')-1]
				depth, cut := 0, -1
				for n, a := range args {
					switch a {
					case '{', '(':
						depth++
					case '}', ')':
						depth--
					case ',':
						if depth == 0 && cut < 0 {
							cut = n
						}
					}
				}
				if cut >= 0 {
					out = append(out, metricNames(string(args[:cut]))...)
				}
				i = skipTo(k, ')')
			case k < len(r) && r[k] == '(':
				i = j // function or aggregation
			case promqlKeywords[strings.ToLower(word)] || aggregations[strings.ToLower(word)]:
				i = j
			default:
				out = append(out, word)
				i = j
			}
		default:
			i++
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestMetricNamesLexer(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{`up{job=~"ixpobs-.*"} == 0`, []string{"up"}},
		{`max by (source) (ixpobs_source_up{source!~"ixf:.+"}) == 0`, []string{"ixpobs_source_up"}},
		{`time() - max by (source) (ixpobs_source_last_success_timestamp_seconds > 0) > 6 * 3600`,
			[]string{"ixpobs_source_last_success_timestamp_seconds"}},
		{`max by (ixp_id, ixp) (ixpobs_ixp_members) < 0.8 * max by (ixp_id, ixp) (ixpobs_ixp_members offset 1d) and on (ixp_id) bogus_metric >= 10`,
			[]string{"bogus_metric", "ixpobs_ixp_members"}},
		{`histogram_quantile(0.99, sum by (le, route) (rate(ixpobs_http_request_duration_seconds_bucket[5m])))`,
			[]string{"ixpobs_http_request_duration_seconds_bucket"}},
		{`sum without (instance) (a:b:c) / ignoring(x) group_left(y) other`, []string{"a:b:c", "other"}},
		{`label_values(ixpobs_country_ixps{region=~"$region"}, country)`, []string{"ixpobs_country_ixps"}},
		{`rate(x_total[$__rate_interval]) * ${factor}`, []string{"x_total"}},
		{`ALERTS{alertname=~"Ixpobs.*", alertstate="firing"}`, []string{"ALERTS"}},
		{`1e9 + 0x1f`, nil},
	} {
		got := metricNames(tc.expr)
		if !slices.Equal(got, tc.want) {
			t.Errorf("metricNames(%q) = %q, want %q", tc.expr, got, tc.want)
		}
	}
}
