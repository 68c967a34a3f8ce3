package dashboard_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ixpobs/ixpobs/dashboard"
)

// TestOpenAPIContract validates every /api/v1 answer of the golden request
// set against dashboard/openapi.json: the operation of its path, the
// response of its status, the schema of its content type. OpenAPI 3.1
// schemas are JSON Schema 2020-12, validated with santhosh-tekuri/jsonschema.
// The test makes the document strict before validating: every object
// schema with properties gets unevaluatedProperties: false (unless it says
// otherwise), so a field added to an answer without the schema fails here.
func TestOpenAPIContract(t *testing.T) {
	st := goldenStore(t, "sqlite")
	srv := dashboard.New(st, dashboard.Config{})
	srv.Now = func() time.Time { return goldenNow }
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	var reqs []string
	for _, req := range goldenRequests {
		if strings.HasPrefix(req, "/api/v1/") {
			reqs = append(reqs, req)
		}
	}
	checked := newContract(t).validate(t, ts, reqs)
	if checked < 50 {
		t.Errorf("validated %d JSON answers, want the whole API part of the golden set", checked)
	}
	t.Logf("%d JSON answers validated", checked)
}

// contract is openapi.json made strict and compiled.
type contract struct {
	c     *jsonschema.Compiler
	paths map[string]any
	// routes are the document's paths as patterns, literal paths first
	// (/api/v1/networks before /api/v1/networks/{asn}).
	routes []contractRoute
}

type contractRoute struct {
	re   *regexp.Regexp
	path string
}

const contractBase = "https://ixpobs.invalid/openapi.json"

func newContract(t *testing.T) *contract {
	t.Helper()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	loose := strictSchemas(doc, "#")
	sort.Strings(loose)
	for _, l := range loose {
		t.Errorf("object schema without properties (its answers cannot be checked field by field): %s", l)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(contractBase, doc); err != nil {
		t.Fatal(err)
	}
	k := &contract{c: c, paths: doc.(map[string]any)["paths"].(map[string]any)}
	for p := range k.paths {
		re := "^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(p), `[^/]+`) + "$"
		k.routes = append(k.routes, contractRoute{regexp.MustCompile(re), p})
	}
	sort.Slice(k.routes, func(i, j int) bool {
		return strings.Count(k.routes[i].path, "{") < strings.Count(k.routes[j].path, "{")
	})
	return k
}

// validate requests every path of reqs from ts and validates each answer
// against the operation of its path, the response of its status and the
// schema of its content type. It returns how many JSON answers it
// validated.
func (k *contract) validate(t *testing.T, ts *httptest.Server, reqs []string) (checked int) {
	t.Helper()
	for _, req := range reqs {
		path, _, _ := strings.Cut(req, "?")
		var op string
		for _, r := range k.routes {
			if r.re.MatchString(path) {
				op = r.path
				break
			}
		}
		resp, err := http.Get(ts.URL + req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if op == "" {
			if resp.StatusCode != 404 {
				t.Errorf("%s: %d, but openapi.json has no path for it", req, resp.StatusCode)
			}
			continue
		}
		ctype, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
		responses := k.paths[op].(map[string]any)["get"].(map[string]any)["responses"].(map[string]any)
		status := strconv.Itoa(resp.StatusCode)
		if responses[status] == nil {
			t.Errorf("%s: status %s is not among the responses of GET %s", req, status, op)
			continue
		}
		content, _ := responses[status].(map[string]any)["content"].(map[string]any)
		if content[ctype] == nil {
			t.Errorf("%s: content type %s is not declared for %s %s", req, ctype, op, status)
			continue
		}
		if ctype != "application/json" {
			continue
		}
		ptr := fmt.Sprintf("%s#/paths/%s/get/responses/%s/content/application~1json/schema", contractBase, pointerEscape(op), status)
		sch, err := k.c.Compile(ptr)
		if err != nil {
			t.Fatalf("%s: %v", ptr, err)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
		if err != nil {
			t.Errorf("%s: answer is not JSON: %v", req, err)
			continue
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("%s: the answer does not match openapi.json (GET %s, %s):\n%v", req, op, status, err)
		}
		checked++
	}
	return checked
}

func pointerEscape(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// strictSchemas walks the document and closes every object schema where
// it is used: a node with properties, allOf or $ref gets
// unevaluatedProperties: false, except the branches of an allOf (their
// parent is closed and sees what they evaluate) and the definitions under
// components/schemas (closed where they are referenced, so that an allOf
// can extend them). It returns where object schemas list no properties.
func strictSchemas(v any, at string) (loose []string) {
	return walkSchemas(v, at, false)
}

func walkSchemas(v any, at string, open bool) (loose []string) {
	switch x := v.(type) {
	case map[string]any:
		_, props := x["properties"]
		_, ref := x["$ref"]
		_, all := x["allOf"]
		_, addl := x["additionalProperties"]
		_, uneval := x["unevaluatedProperties"]
		if (props || ref || all) && !addl && !uneval && !open {
			x["unevaluatedProperties"] = false
		}
		if isObjectType(x["type"]) && !props && !addl && !ref && !all && x["oneOf"] == nil && x["anyOf"] == nil && !strings.Contains(at, "/text~1csv") {
			loose = append(loose, at)
		}
		for k, e := range x {
			childOpen := false
			switch {
			case k == "allOf":
				childOpen = true // its items are branches
			case at == "#/components/schemas":
				childOpen = true // definitions
			}
			if k == "allOf" {
				for i, b := range e.([]any) {
					loose = append(loose, walkSchemas(b, at+"/allOf/"+strconv.Itoa(i), true)...)
				}
				continue
			}
			loose = append(loose, walkSchemas(e, at+"/"+pointerEscape(k), childOpen)...)
		}
	case []any:
		for i, e := range x {
			loose = append(loose, walkSchemas(e, at+"/"+strconv.Itoa(i), false)...)
		}
	}
	return loose
}

// isObjectType reports whether a schema's type is "object" or a list of
// types that holds it (["object", "null"]).
func isObjectType(t any) bool {
	switch x := t.(type) {
	case string:
		return x == "object"
	case []any:
		for _, e := range x {
			if e == "object" {
				return true
			}
		}
	}
	return false
}
