package dashboard

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// params are the query parameters an endpoint takes: fixed names and, for
// list endpoints, PeeringDB-style filters on fields (FIELD, FIELD__in,
// FIELD__contains, FIELD__startswith, FIELD__lt, __lte, __gt, __gte).
type params struct {
	names   []string
	filters []string // filterable fields
}

func takes(names ...string) params { return params{names: names} }

// filterOps are the PeeringDB filter suffixes; "" is equality.
var filterOps = []string{"", "__in", "__contains", "__startswith", "__lt", "__lte", "__gt", "__gte"}

// check refuses unknown query parameters with a 400 that names them.
func (p params) check(q url.Values) error {
	var unknown []string
	for k := range q {
		if !p.known(k) {
			unknown = append(unknown, strconv.Quote(k))
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return badRequest("unknown_parameter", "unknown query parameter %s (this endpoint takes %s)", strings.Join(unknown, ", "), p.describe())
}

func (p params) known(k string) bool {
	if slices.Contains(p.names, k) {
		return true
	}
	field, _, _ := strings.Cut(k, "__")
	if !slices.Contains(p.filters, field) {
		return false
	}
	return slices.Contains(filterOps, strings.TrimPrefix(k, field))
}

func (p params) describe() string {
	if len(p.names) == 0 && len(p.filters) == 0 {
		return "none"
	}
	s := strings.Join(p.names, ", ")
	if len(p.filters) > 0 {
		s += "; filters FIELD, FIELD__in, __contains, __startswith, __lt, __lte, __gt, __gte on " + strings.Join(p.filters, ", ")
	}
	return s
}

// listParams are the parameters every list endpoint takes besides its own.
var listParams = []string{"at", "page", "per_page", "limit", "skip", "sort", "fields", "format"}

// fieldOf reads one filterable field of a list item: a string or a number.
type fieldOf[T any] struct {
	str func(T) string
	num func(T) float64
}

func strField[T any](f func(T) string) fieldOf[T]  { return fieldOf[T]{str: f} }
func numField[T any](f func(T) float64) fieldOf[T] { return fieldOf[T]{num: f} }

// filterList keeps the items that pass every FIELD[__op]=VALUE filter of
// the query; fixed names the endpoint handles itself are skipped. String
// comparisons are case-insensitive, as PeeringDB's.
func filterList[T any](q url.Values, fields map[string]fieldOf[T], fixed []string, items []T) ([]T, error) {
	var preds []func(T) bool
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if slices.Contains(fixed, k) {
			continue
		}
		name, _, _ := strings.Cut(k, "__")
		f, ok := fields[name]
		if !ok {
			continue // check refused it already if unknown
		}
		op := strings.TrimPrefix(k, name+"__")
		if op == k {
			op = ""
		}
		p, err := predicate(f, k, op, q.Get(k))
		if err != nil {
			return nil, err
		}
		preds = append(preds, p)
	}
	out := items[:0:0]
next:
	for _, it := range items {
		for _, p := range preds {
			if !p(it) {
				continue next
			}
		}
		out = append(out, it)
	}
	return out, nil
}

func predicate[T any](f fieldOf[T], key, op, raw string) (func(T) bool, error) {
	if f.num != nil {
		parse := func(s string) (float64, error) {
			n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return 0, badRequest("bad_filter", "%s must be a number, not %q", key, s)
			}
			return n, nil
		}
		switch op {
		case "in":
			var set []float64
			for _, s := range strings.Split(raw, ",") {
				n, err := parse(s)
				if err != nil {
					return nil, err
				}
				set = append(set, n)
			}
			return func(t T) bool { return slices.Contains(set, f.num(t)) }, nil
		case "contains", "startswith":
			return nil, badRequest("bad_filter_op", "%s: __%s applies to text fields, not numbers", key, op)
		}
		n, err := parse(raw)
		if err != nil {
			return nil, err
		}
		cmp := map[string]func(a float64) bool{
			"": func(a float64) bool { return a == n }, "lt": func(a float64) bool { return a < n },
			"lte": func(a float64) bool { return a <= n }, "gt": func(a float64) bool { return a > n },
			"gte": func(a float64) bool { return a >= n },
		}[op]
		return func(t T) bool { return cmp(f.num(t)) }, nil
	}
	v := strings.ToLower(raw)
	get := func(t T) string { return strings.ToLower(f.str(t)) }
	switch op {
	case "":
		return func(t T) bool { return get(t) == v }, nil
	case "in":
		set := strings.Split(v, ",")
		for i := range set {
			set[i] = strings.TrimSpace(set[i])
		}
		return func(t T) bool { return slices.Contains(set, get(t)) }, nil
	case "contains":
		return func(t T) bool { return strings.Contains(get(t), v) }, nil
	case "startswith":
		return func(t T) bool { return strings.HasPrefix(get(t), v) }, nil
	case "lt":
		return func(t T) bool { return get(t) < v }, nil
	case "lte":
		return func(t T) bool { return get(t) <= v }, nil
	case "gt":
		return func(t T) bool { return get(t) > v }, nil
	default: // gte
		return func(t T) bool { return get(t) >= v }, nil
	}
}

// window is the slice of a list answer a client asked for: page/per_page
// or PeeringDB's limit/skip (not both).
type window struct {
	Page, PerPage int
	Skip, Limit   int
	bySkip        bool
}

func pageWindow(q url.Values) (window, error) {
	_, hasLimit := q["limit"]
	_, hasSkip := q["skip"]
	_, hasPage := q["page"]
	_, hasPerPage := q["per_page"]
	if (hasLimit || hasSkip) && (hasPage || hasPerPage) {
		return window{}, badRequest("bad_paging", "use page and per_page, or limit and skip, not both")
	}
	if hasLimit || hasSkip {
		skip, err := queryInt(q, "skip", 0, 0, 100_000_000)
		if err != nil {
			return window{}, err
		}
		limit, err := queryInt(q, "limit", 100, 1, 5000)
		if err != nil {
			return window{}, err
		}
		return window{Skip: skip, Limit: limit, bySkip: true}, nil
	}
	page, err := queryInt(q, "page", 1, 1, 1_000_000)
	if err != nil {
		return window{}, err
	}
	perPage, err := queryInt(q, "per_page", 100, 1, 5000)
	if err != nil {
		return window{}, err
	}
	return window{Page: page, PerPage: perPage, Skip: (page - 1) * perPage, Limit: perPage}, nil
}

// bounds returns the start and end of the window in a list of n items.
func (w window) bounds(n int) (int, int) {
	start := min(w.Skip, n)
	return start, min(start+w.Limit, n)
}

// listMeta is the pagination part of a list answer: page and per_page, or
// skip and limit when the client used those.
type listMeta struct {
	Total   int  `json:"total"`
	Page    int  `json:"page,omitempty"`
	PerPage int  `json:"per_page,omitempty"`
	Skip    *int `json:"skip,omitempty"`
	Limit   *int `json:"limit,omitempty"`
}

func (w window) meta(total int) listMeta {
	if w.bySkip {
		return listMeta{Total: total, Skip: &w.Skip, Limit: &w.Limit}
	}
	return listMeta{Total: total, Page: w.Page, PerPage: w.PerPage}
}

// mediaType is what an answer is encoded as.
type mediaType int

const (
	mediaJSON mediaType = iota
	mediaCSV
)

// acceptQ returns the q of application/json and text/csv in an Accept
// header (absent or empty header: json 1, csv 0).
func acceptQ(h string) (jsonQ, csvQ float64) {
	if strings.TrimSpace(h) == "" {
		return 1, 0
	}
	jsonQ, csvQ = -1, -1 // -1: no range matched yet
	jsonSpec, csvSpec := 0, 0
	for _, part := range strings.Split(h, ",") {
		mt, ps, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := ps["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		match := func(full, major string, cur *float64, spec *int) {
			s := 0
			switch mt {
			case full:
				s = 3
			case major + "/*":
				s = 2
			case "*/*":
				s = 1
			default:
				return
			}
			if s > *spec {
				*spec, *cur = s, q
			}
		}
		match("application/json", "application", &jsonQ, &jsonSpec)
		match("text/csv", "text", &csvQ, &csvSpec)
	}
	return max(jsonQ, 0), max(csvQ, 0)
}

// negotiate picks the encoding: ?format= wins, then Accept (json on a
// tie, and when a browser's */* is all that matches).
func negotiate(r *http.Request, hasCSV bool) (mediaType, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "json":
		return mediaJSON, nil
	case "csv":
		if !hasCSV {
			return 0, badRequest("no_csv", "this endpoint has no CSV form")
		}
		return mediaCSV, nil
	case "":
	default:
		return 0, badRequest("bad_format", "format must be json or csv, not %q", f)
	}
	jq, cq := acceptQ(r.Header.Get("Accept"))
	if !hasCSV {
		cq = 0
	}
	switch {
	case cq > jq:
		return mediaCSV, nil
	case jq > 0:
		return mediaJSON, nil
	case hasCSV:
		return 0, apiErr(http.StatusNotAcceptable, "not_acceptable", "this endpoint answers application/json or text/csv")
	default:
		return 0, apiErr(http.StatusNotAcceptable, "not_acceptable", "this endpoint answers application/json")
	}
}

// encodeCSV writes a table, keeping only the columns named in fields when
// the client gave ?fields=.
func encodeCSV(t table, fields []string) ([]byte, error) {
	header, rows := t.csvHeader(), t.csvRows()
	if len(fields) > 0 {
		var keep []int
		for _, f := range fields {
			i := slices.Index(header, f)
			if i < 0 {
				return nil, badRequest("bad_field", "fields: no column %q (columns: %s)", f, strings.Join(header, ", "))
			}
			keep = append(keep, i)
		}
		pick := func(row []string) []string {
			out := make([]string, len(keep))
			for j, i := range keep {
				out[j] = row[i]
			}
			return out
		}
		header = pick(header)
		for i := range rows {
			rows[i] = pick(rows[i])
		}
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write(csvSafe(header))
	for _, row := range rows {
		cw.Write(csvSafe(row))
	}
	cw.Flush()
	return buf.Bytes(), cw.Error()
}

// csvSafe returns row with the cells a spreadsheet would evaluate as a
// formula escaped (OWASP's CSV injection rule): a cell starting with =, +,
// -, @, a tab or a carriage return gets a leading apostrophe, unless it is
// a number (a negative change such as -0.05 stays a number). row itself is
// never written (headers are shared slices): a copy is made on the first
// change.
func csvSafe(row []string) []string {
	out := row
	for i, c := range row {
		if c == "" || !strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			continue
		}
		if _, err := strconv.ParseFloat(c, 64); err == nil && strings.ContainsAny(c, "0123456789") {
			continue
		}
		if &out[0] == &row[0] {
			out = slices.Clone(row)
		}
		out[i] = "'" + c
	}
	return out
}

// projectJSON keeps only the named keys of each item of the answer's
// "data" list (?fields=a,b), as PeeringDB does.
func projectJSON(body []byte, fields []string) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top["data"] == nil {
		return nil, badRequest("fields_not_list", "fields applies to list answers only")
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(top["data"], &items); err != nil {
		return nil, badRequest("fields_not_list", "fields applies to list answers only")
	}
	seen := map[string]bool{}
	for _, it := range items {
		for k := range it {
			seen[k] = true
		}
	}
	for _, f := range fields {
		if !seen[f] && len(items) > 0 {
			return nil, badRequest("bad_field", "fields: no field %q in the items of this list", f)
		}
	}
	for i, it := range items {
		out := map[string]json.RawMessage{}
		for _, f := range fields {
			if v, ok := it[f]; ok {
				out[f] = v
			}
		}
		items[i] = out
	}
	data, err := json.Marshal(items)
	if err != nil {
		return nil, err
	}
	top["data"] = data
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	err = enc.Encode(top)
	return buf.Bytes(), err
}

func fieldsParam(r *http.Request) []string {
	v := strings.TrimSpace(r.URL.Query().Get("fields"))
	if v == "" {
		return nil
	}
	fs := strings.Split(v, ",")
	for i := range fs {
		fs[i] = strings.TrimSpace(fs[i])
	}
	return fs
}

var unsafeFilename = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// csvFilename names a CSV download after its path: /api/v1/ixps/171/members
// gives ixpobs-ixps-171-members.csv.
func csvFilename(path string) string {
	p := strings.Trim(strings.TrimPrefix(path, "/api/v1"), "/")
	return "ixpobs-" + strings.Trim(unsafeFilename.ReplaceAllString(strings.ReplaceAll(p, "/", "-"), "_"), "-") + ".csv"
}

// apiHeaders sets what every API answer carries: CORS for a public
// read-only API (no credentials), and Vary since answers depend on Accept.
// Preflight requests get the methods and headers a GET may use.
func apiHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Add("Vary", "Accept")
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Accept, Accept-Language")
			h.Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// mediaKey is the cache-key part of the negotiated encoding.
func mediaKey(r *http.Request) string {
	jq, cq := acceptQ(r.Header.Get("Accept"))
	return fmt.Sprintf("%s|%g|%g", r.URL.Query().Get("format"), jq, cq)
}
