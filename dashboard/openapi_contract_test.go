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
		t.Logf("object schema without properties (not checked field by field): %s", l)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	const base = "https://ixpobs.invalid/openapi.json"
	if err := c.AddResource(base, doc); err != nil {
		t.Fatal(err)
	}
	paths := doc.(map[string]any)["paths"].(map[string]any)
	type route struct {
		re   *regexp.Regexp
		path string
	}
	var routes []route
	for p := range paths {
		re := "^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(p), `[^/]+`) + "$"
		routes = append(routes, route{regexp.MustCompile(re), p})
	}
	// Literal paths first: /api/v1/networks before /api/v1/networks/{asn}.
	sort.Slice(routes, func(i, j int) bool { return strings.Count(routes[i].path, "{") < strings.Count(routes[j].path, "{") })

	st := goldenStore(t, "sqlite")
	srv := dashboard.New(st, dashboard.Config{})
	srv.Now = func() time.Time { return goldenNow }
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	checked := 0
	for _, req := range goldenRequests {
		if !strings.HasPrefix(req, "/api/v1/") {
			continue
		}
		path, _, _ := strings.Cut(req, "?")
		var op string
		for _, r := range routes {
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
		responses := paths[op].(map[string]any)["get"].(map[string]any)["responses"].(map[string]any)
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
		ptr := fmt.Sprintf("%s#/paths/%s/get/responses/%s/content/application~1json/schema", base, pointerEscape(op), status)
		sch, err := c.Compile(ptr)
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
	if checked < 50 {
		t.Errorf("validated %d JSON answers, want the whole API part of the golden set", checked)
	}
	t.Logf("%d JSON answers validated", checked)
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
		if x["type"] == "object" && !props && !addl && !ref && !all && x["oneOf"] == nil && x["anyOf"] == nil && !strings.Contains(at, "/text~1csv") {
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
