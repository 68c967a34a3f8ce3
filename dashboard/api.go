package dashboard

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ixpobs/ixpobs/ixp"
)

// apiFunc is an API endpoint as the HTTP adapters see it: it returns the
// value to encode or an error. Endpoints are written as a parser and a
// typed method joined by endpoint; nothing else builds an apiFunc.
type apiFunc func(r *http.Request) (any, error)

// endpoint joins the two halves of an API endpoint: parse reads the
// request's path and query parameters into the endpoint's query struct,
// run answers that query with a typed value. Pages call the same run
// methods with query structs they build, never a request.
func endpoint[Q, A any](parse func(*http.Request) (Q, error), run func(context.Context, Q) (A, error)) apiFunc {
	return func(r *http.Request) (any, error) {
		q, err := parse(r)
		if err != nil {
			return nil, err
		}
		return run(r.Context(), q)
	}
}

// table is implemented by responses that can also be served as CSV.
type table interface {
	csvHeader() []string
	csvRows() [][]string
}

// apiError is an error with what the client sees: the status, a stable
// machine code (one of errCodes, the "code" of the JSON body), the English
// message (its "error") and the parameters of the message's translations
// (err.CODE in the catalogues, with {0}, {1}… for params), which pages
// show.
type apiError struct {
	status int
	code   string
	msg    string
	params []any
}

func (e *apiError) Error() string { return e.msg }

// withParams sets the parameters of the translated message when they are
// not the English message's arguments.
func (e *apiError) withParams(params ...any) *apiError {
	e.params = params
	return e
}

// errCodes are the codes of API errors (declared in openapi.json's Error
// schema; each has its err.CODE message in every catalogue).
var errCodes = []string{
	"bad_asn", "bad_bool", "bad_collector", "bad_country", "bad_date", "bad_field", "bad_filter", "bad_filter_op",
	"bad_format", "bad_id", "bad_number", "bad_paging", "bad_query", "bad_range", "bad_region", "bad_sort",
	"fields_not_list", "internal", "method_not_allowed", "no_collector", "no_csv", "no_data", "no_data_at",
	"no_endpoint", "no_ixp", "no_network", "no_origin", "no_region", "no_source", "not_acceptable", "not_found",
	"store_unavailable", "unknown_parameter",
}

// apiErr returns an apiError whose translations take the message's
// arguments as parameters.
func apiErr(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, msg: fmt.Sprintf(format, args...), params: args}
}

// Parameters of an error message that an error page writes in its
// locale (the API's English text writes them as they are): a quantity
// with grouped digits, a YYYY-MM-DD date as the page writes dates. Ids,
// ASNs and the user's own input stay plain values.
type (
	quantity int64
	day      string
)

// localArgs formats an error's parameters for a page in l's language.
func localArgs(l *locale, params []any) []any {
	out := make([]any, len(params))
	for i, a := range params {
		switch v := a.(type) {
		case quantity:
			out[i] = l.Int(int64(v))
		case day:
			out[i] = l.Date(string(v))
		default:
			out[i] = a
		}
	}
	return out
}

func badRequest(code, format string, args ...any) *apiError {
	return apiErr(http.StatusBadRequest, code, format, args...)
}

func notFound(code, format string, args ...any) *apiError {
	return apiErr(http.StatusNotFound, code, format, args...)
}

// noQuery is the query of endpoints that take no parameter of their own.
type noQuery struct{}

func parseNoQuery(*http.Request) (noQuery, error) { return noQuery{}, nil }

// api adapts an apiFunc taking the query parameters p: JSON by default,
// CSV for tables with ?format=csv or Accept: text/csv, errors as JSON with
// the right status.
func (s *Server) api(fn apiFunc, p params) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a, err := s.answer(fn, p, r); err != nil {
			s.writeError(w, r, err)
		} else {
			writeAnswer(w, r, a)
		}
	}
}

// cachedAPI is api for endpoints whose answer depends only on published
// snapshots (and the day, for defaults like "to today"): answers are kept
// under the store's generation, which any publish changes.
func (s *Server) cachedAPI(fn apiFunc, p params) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := p.check(r.URL.Query()); err != nil {
			s.writeError(w, r, err)
			return
		}
		gen, err := s.generation(r.Context())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		key := fmt.Sprintf("%d|%s|%s|%s|%s", gen, s.Now().UTC().Format(time.DateOnly), r.URL.Path, r.URL.Query().Encode(), mediaKey(r))
		a, err := s.answers.get(r.Context(), key, func(ctx context.Context) (*servedAnswer, error) {
			// Built for every waiter: not cancelled when this client leaves.
			a, err := s.answer(fn, p, r.WithContext(ctx))
			if err != nil {
				return nil, err
			}
			return newAnswer(a, genTag(gen)), nil
		})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		a.serve(w, r)
	}
}

// generation returns the store's generation; a store that cannot say it
// is unavailable (503), not broken.
func (s *Server) generation(ctx context.Context) (int64, error) {
	gen, err := s.generations.get(ctx)
	if err != nil && !errors.Is(err, ixp.ErrUnavailable) && ctx.Err() == nil {
		err = fmt.Errorf("dashboard: %w: %w", ixp.ErrUnavailable, err)
	}
	return gen, err
}

// genTag is the part of an ETag that names a store generation.
func genTag(gen int64) string { return strconv.FormatInt(gen, 36) + "-" }

func writeAnswer(w http.ResponseWriter, r *http.Request, a cachedAnswer) {
	w.Header().Set("Content-Type", a.ctype)
	if strings.HasPrefix(a.ctype, "text/csv") {
		w.Header().Set("Content-Disposition", `attachment; filename="`+csvFilename(r.URL.Path)+`"`)
	}
	w.Write(a.body)
}

type cachedAnswer struct {
	body   []byte
	ctype  string
	status int    // pages only (API answers are 200; 0 means 200)
	lang   string // pages only
}

// answer checks the query parameters, runs fn and encodes its value as the
// request asks (?format=, then Accept; ?fields= keeps some columns).
func (s *Server) answer(fn apiFunc, p params, r *http.Request) (cachedAnswer, error) {
	if err := p.check(r.URL.Query()); err != nil {
		return cachedAnswer{}, err
	}
	if f := r.URL.Query().Get("format"); f != "" && f != "json" && f != "csv" {
		return cachedAnswer{}, badRequest("bad_format", "format must be json or csv, not %q", f)
	}
	v, err := fn(r)
	if err != nil {
		return cachedAnswer{}, err
	}
	t, hasCSV := v.(table)
	media, err := negotiate(r, hasCSV)
	if err != nil {
		return cachedAnswer{}, err
	}
	fields := fieldsParam(r)
	if media == mediaCSV {
		body, err := encodeCSV(t, fields)
		return cachedAnswer{body: body, ctype: "text/csv; charset=utf-8"}, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		return cachedAnswer{}, err
	}
	body := buf.Bytes()
	if len(fields) > 0 {
		if body, err = projectJSON(body, fields); err != nil {
			return cachedAnswer{}, err
		}
	}
	return cachedAnswer{body: body, ctype: "application/json; charset=utf-8"}, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

type errorBody struct {
	Error  string `json:"error"`
	Code   string `json:"code"`
	Status int    `json:"status"`
}

// asAPIError maps any error to what the client sees: an apiError as it is;
// the store's not found, invalid and unavailable (or a deadline) as 404,
// 400 and 503; anything else as a 500 with a generic message.
func asAPIError(err error) *apiError {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, ixp.ErrNotFound):
		return apiErr(http.StatusNotFound, "not_found", "not found")
	case errors.Is(err, ixp.ErrInvalid):
		return apiErr(http.StatusBadRequest, "bad_query", "invalid request")
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, ixp.ErrUnavailable):
		return apiErr(http.StatusServiceUnavailable, "store_unavailable", "temporarily unavailable")
	}
	return apiErr(http.StatusInternalServerError, "internal", "internal error")
}

// writeError maps errors to statuses; internal errors are logged and
// shown as a generic message.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client went away
	}
	ae := asAPIError(err)
	if ae.status >= 500 {
		s.log.Error("api error", "path", r.URL.Path, "err", err)
	}
	writeJSON(w, ae.status, errorBody{Error: ae.msg, Code: ae.code, Status: ae.status})
}

// queryDate parses an optional YYYY-MM-DD parameter of q; absent gives
// zero.
func queryDate(q url.Values, name string) (time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	// Any valid date is accepted (issue 20.5): one before the first
	// snapshot answers "no data at or before", not "not a date".
	t, err := ixp.Date(v)
	if err != nil {
		return time.Time{}, badRequest("bad_date", "%s must be a date YYYY-MM-DD, not %q", name, v)
	}
	return t, nil
}

// atParam reads ?at=DATE as the end of that day; absent means latest (a
// zero time), so 0001-01-01 is still a date: the end of its day.
func atParam(q url.Values) (time.Time, error) {
	t, err := queryDate(q, "at")
	if err != nil || q.Get("at") == "" {
		return time.Time{}, err
	}
	return ixp.EndOfDay(t), nil
}

func queryInt(q url.Values, name string, def, lo, hi int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badRequest("bad_number", "%s must be a whole number from %d to %d, not %q", name, quantity(lo), quantity(hi), v)
	}
	return n, nil
}

// pathInt parses a positive id of a path (name says what it is).
func pathInt(value, name string) (int64, error) {
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil || n <= 0 {
		return 0, badRequest("bad_id", "%s must be a positive whole number, not %q", name, value).withParams(value)
	}
	return n, nil
}

func parseASN(v string) (ixp.ASN, error) {
	v = strings.TrimPrefix(strings.ToUpper(v), "AS")
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n == 0 {
		return 0, badRequest("bad_asn", "asn must be a number from 1 to 4294967295, not %q", v)
	}
	return ixp.ASN(n), nil
}

func dateString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}
