package main

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// configError rewrites the YAML decoder's errors in configuration terms:
// the key path (peeringdb.interval) and what the value must be, instead
// of Go types (main.PeeringDBSource, time.Duration).
func configError(src []byte, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	paths := keyPaths(src)
	msgs := make([]string, 0, len(te.Errors))
	for _, e := range te.Errors {
		msgs = append(msgs, rewriteYAMLError(e, paths))
	}
	return errors.New(strings.Join(msgs, "; "))
}

var (
	yamlLine      = regexp.MustCompile(`^line (\d+): (.*)$`)
	yamlUnknown   = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
	yamlBadValue  = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (\\S+)$")
	yamlAlready   = regexp.MustCompile(`^mapping key "(\S+)" already defined at line (\d+)$`)
	goTypeMeaning = []struct {
		re   *regexp.Regexp
		want string
	}{
		{regexp.MustCompile(`^time\.Duration$`), "a duration such as 90s, 15m or 1h30m"},
		{regexp.MustCompile(`^u?int\d*$`), "a whole number"},
		{regexp.MustCompile(`^float\d+$`), "a number"},
		{regexp.MustCompile(`^bool$`), "true or false"},
		{regexp.MustCompile(`^string$`), "text"},
		{regexp.MustCompile(`^\[\]`), "a list"},
		{regexp.MustCompile(`^map\[`), "a mapping (key: value lines)"},
		{regexp.MustCompile(`^(main|[a-z]+)\.[A-Z]`), "a mapping (key: value lines)"},
	}
)

func rewriteYAMLError(e string, paths map[int]string) string {
	m := yamlLine.FindStringSubmatch(e)
	if m == nil {
		return e
	}
	line, _ := strconv.Atoi(m[1])
	where := fmt.Sprintf("line %d", line)
	if p := paths[line]; p != "" {
		where = fmt.Sprintf("%s (line %d)", p, line)
	}
	msg := m[2]
	switch {
	case yamlUnknown.MatchString(msg):
		return where + ": unknown key (docs/CONFIG.md lists the keys)"
	case yamlBadValue.MatchString(msg):
		v := yamlBadValue.FindStringSubmatch(msg)
		want := "another kind of value"
		for _, t := range goTypeMeaning {
			if t.re.MatchString(v[3]) {
				want = t.want
				break
			}
		}
		if v[2] != "" {
			return fmt.Sprintf("%s: %q is not %s", where, v[2], want)
		}
		return fmt.Sprintf("%s: must be %s, not a %s", where, want, yamlKind(v[1]))
	case yamlAlready.MatchString(msg):
		return where + ": " + msg
	}
	return where + ": " + msg
}

func yamlKind(tag string) string {
	switch tag {
	case "seq":
		return "list"
	case "map":
		return "mapping"
	}
	return tag
}

// keyPaths maps each line of a YAML document that holds a key to the
// dotted path of that key (lists as [i]).
func keyPaths(src []byte) map[int]string {
	var root yaml.Node
	out := map[int]string{}
	if yaml.Unmarshal(src, &root) != nil {
		return out
	}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				out[k.Line] = p
				if v.Line != k.Line {
					if _, ok := out[v.Line]; !ok && v.Kind == yaml.ScalarNode {
						out[v.Line] = p
					}
				}
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				if _, ok := out[c.Line]; !ok {
					out[c.Line] = p
				}
				walk(c, p)
			}
		}
	}
	walk(&root, "")
	return out
}
