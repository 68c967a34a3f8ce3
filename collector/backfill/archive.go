package backfill

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ixpobs/ixpobs/internal/safehttp"
)

// Layout is where an archive keeps its dated files: directories named by
// a template ({YYYY}, {MM}, {DD} replaced by the date's), each serving an
// HTML index that links the files, and a pattern that finds a file's date
// in its name.
type Layout struct {
	// Dir is the URL of the directory listing that holds a date's files.
	Dir string `yaml:"dir"`
	// File matches the file names; its named groups y, m and d (or ymd,
	// eight digits) give the file's date.
	File string `yaml:"file"`
	// Prefer lists substrings of file names in order of preference when
	// an archive has several files of one date ("extended", ".json").
	Prefer []string `yaml:"prefer"`
}

// compile checks the layout and returns its pattern.
func (l Layout) compile() (*regexp.Regexp, error) {
	if !strings.HasPrefix(l.Dir, "https://") && !strings.HasPrefix(l.Dir, "http://") {
		return nil, fmt.Errorf("backfill: archive directory %q is not an http(s) URL", l.Dir)
	}
	re, err := regexp.Compile(l.File)
	if err != nil {
		return nil, fmt.Errorf("backfill: archive file pattern %q: %w", l.File, err)
	}
	names := strings.Join(re.SubexpNames(), ",")
	if !strings.Contains(names, "ymd") && !(strings.Contains(names, ",y,") || strings.HasSuffix(names, ",y")) {
		return nil, fmt.Errorf("backfill: archive file pattern %q has no (?P<ymd>…) or (?P<y>…)(?P<m>…)(?P<d>…) groups", l.File)
	}
	return re, nil
}

// dirURL returns the directory of date t.
func (l Layout) dirURL(t time.Time) string {
	return strings.NewReplacer("{YYYY}", fmt.Sprintf("%04d", t.Year()), "{MM}", fmt.Sprintf("%02d", int(t.Month())),
		"{DD}", fmt.Sprintf("%02d", t.Day())).Replace(l.Dir)
}

// File is one dated file of an archive.
type File struct {
	Name string
	URL  string
	Date time.Time
}

// fileDate reads the date in a file name matched by re.
func fileDate(re *regexp.Regexp, name string) (time.Time, bool) {
	m := re.FindStringSubmatch(name)
	if m == nil {
		return time.Time{}, false
	}
	var y, mo, d, ymd string
	for i, n := range re.SubexpNames() {
		switch n {
		case "y":
			y = m[i]
		case "m":
			mo = m[i]
		case "d":
			d = m[i]
		case "ymd":
			ymd = m[i]
		}
	}
	if ymd != "" {
		y, mo, d = ymd[:min(4, len(ymd))], ymd[min(4, len(ymd)):min(6, len(ymd))], ymd[min(6, len(ymd)):]
	}
	t, err := time.Parse("2006-01-02", y+"-"+mo+"-"+d)
	return t, err == nil
}

var hrefRE = regexp.MustCompile(`(?i)href\s*=\s*"([^"]+)"`)

// parseListing returns the files an HTML directory index links, resolved
// against its URL, whose names match re.
func parseListing(base string, body []byte, re *regexp.Regexp) ([]File, error) {
	bu, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []File
	for _, m := range hrefRE.FindAllSubmatch(body, -1) {
		ref, err := url.Parse(html.UnescapeString(string(m[1])))
		if err != nil {
			continue
		}
		u := bu.ResolveReference(ref)
		name := u.Path[strings.LastIndexByte(u.Path, '/')+1:]
		if seen[name] {
			continue
		}
		t, ok := fileDate(re, name)
		if !ok {
			continue
		}
		seen[name] = true
		out = append(out, File{Name: name, URL: u.String(), Date: t})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// lister fetches directory listings once each.
type lister struct {
	client   *safehttp.Client
	mu       sync.Mutex
	listings map[string][]byte
	errs     map[string]error
}

func newLister(c *safehttp.Client) *lister {
	return &lister{client: c, listings: map[string][]byte{}, errs: map[string]error{}}
}

func (l *lister) get(ctx context.Context, dir string) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.listings[dir]; ok {
		return b, nil
	}
	if err, ok := l.errs[dir]; ok {
		return nil, err
	}
	resp, err := l.client.Get(ctx, dir, safehttp.WithMaxBodyBytes(16<<20))
	if err != nil {
		if ctx.Err() == nil {
			l.errs[dir] = err
		}
		return nil, fmt.Errorf("backfill: list %s: %w", dir, err)
	}
	l.listings[dir] = resp.Body
	return resp.Body, nil
}

// pick returns the file of the window [from, to): the earliest date in it,
// and among the files of that date the one Prefer likes best. It lists the
// directories of every day of the window that the template tells apart
// (one per month for …/{YYYY}/{MM}/, one per year for …/{YYYY}/).
func (l *lister) pick(ctx context.Context, lay Layout, re *regexp.Regexp, from, to time.Time) (File, bool, error) {
	var dirs []string
	seen := map[string]bool{}
	for t := from; t.Before(to); t = t.AddDate(0, 0, 1) {
		if d := lay.dirURL(t); !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	var best File
	found := false
	rank := func(name string) int {
		for i, p := range lay.Prefer {
			if strings.Contains(name, p) {
				return i
			}
		}
		return len(lay.Prefer)
	}
	for _, d := range dirs {
		body, err := l.get(ctx, d)
		if err != nil {
			var se *safehttp.StatusError
			if asStatus(err, &se) && se.Code == 404 {
				continue // no directory for that period: a gap in the archive
			}
			return File{}, false, err
		}
		files, err := parseListing(d, body, re)
		if err != nil {
			return File{}, false, fmt.Errorf("backfill: listing %s: %w", d, err)
		}
		for _, f := range files {
			if f.Date.Before(from) || !f.Date.Before(to) {
				continue
			}
			if !found || f.Date.Before(best.Date) || f.Date.Equal(best.Date) && rank(f.Name) < rank(best.Name) {
				best, found = f, true
			}
		}
	}
	return best, found, nil
}
