// Package ribs is the scheduled collector of route collectors' RIB dumps
// (MRT archives of RIPE RIS and RouteViews, PCH's daily "show ip bgp" text
// tables): for each configured collector
// it finds the newest published dump from a URL template, downloads it
// through the shared hardened client (internal/safehttp) to a temporary
// file with a size cap, and imports it exactly as `ixpobs import mrt`
// does (ImportFile) into the snapshot source "bgp:<collector>". A dump
// already imported is not fetched again. Each collector is its own
// collector.Source, named like its snapshots "bgp:<collector>"
// (ixp.BGPSource), so runs and failures are recorded and counted per
// collector under the same name as `import mrt` and live sessions.
package ribs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/ixpobs/ixpobs/bgp/snapshot"
	"github.com/ixpobs/ixpobs/internal/safehttp"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
)

// Collector is one route collector's RIB archive.
type Collector struct {
	// Name names the snapshot source "bgp:<name>" (letters, digits, ".",
	// "_", ":" and "-").
	Name string `yaml:"name"`
	// URLTemplate is the URL of the dump taken at a time, with {YYYY},
	// {MM}, {DD}, {hh} and {mm} replaced by its UTC year, month, day, hour
	// and minute.
	URLTemplate string `yaml:"url_template"`
	// URLTemplateV6, if set, is a second file of the same dump, imported
	// into the same snapshot: PCH publishes a collector's IPv4 and IPv6
	// tables apart. A dump whose second file is missing is imported
	// without it.
	URLTemplateV6 string `yaml:"url_template_v6"`
	// Period is the time between dumps; dumps are taken at multiples of
	// it from 00:00 UTC (RIS: 8h, RouteViews: 2h).
	Period time.Duration `yaml:"period"`
	// IXID is the PeeringDB ix id of the exchange the collector peers at
	// (0: multihop or not known).
	IXID int64 `yaml:"ixp_id"`
}

// DefaultCollectors are the RIS, RouteViews and PCH collectors at Latin
// American IXPs. Names and archive layouts are those the projects
// publish; IXP ids are the exchanges where PeeringDB (2022 dump) lists the
// project's ASN (RIS AS12654, RouteViews AS6447, PCH's collectors AS3856)
// in the collector's city; where it does not (route-views.chile,
// route-views.peru, some PCH collectors), the id is 0 and each imported
// dump is tied to the exchange whose PeeringDB LAN prefixes hold most of
// its peers' addresses (collector/vantage; a multihop collector such as
// rrc24 stays untied). PCH publishes a
// daily "show ip bgp" table per collector and address family (text, read
// by bgp/showbgp); its collectors are named by their city's airport code,
// as PCH's archive lists them.
func DefaultCollectors() []Collector {
	ris := func(name string, ix int64) Collector {
		return Collector{Name: name, IXID: ix, Period: 8 * time.Hour,
			URLTemplate: "https://data.ris.ripe.net/" + name + "/{YYYY}.{MM}/bview.{YYYY}{MM}{DD}.{hh}{mm}.gz"}
	}
	rv := func(name string, ix int64) Collector {
		return Collector{Name: name, IXID: ix, Period: 2 * time.Hour,
			URLTemplate: "https://archive.routeviews.org/" + name + "/bgpdata/{YYYY}.{MM}/RIBS/rib.{YYYY}{MM}{DD}.{hh}{mm}.bz2"}
	}
	pch := func(name string, ix int64) Collector {
		const base = "https://downloads.pch.net/files/Routing_Data/"
		file := "{YYYY}/{MM}/route-collector." + name + ".pch.net/route-collector." + name + ".pch.net-"
		return Collector{Name: "pch-" + name, IXID: ix, Period: 24 * time.Hour,
			URLTemplate:   base + "IPv4_daily_snapshots/" + file + "ipv4_bgp_routes.{YYYY}.{MM}.{DD}.gz",
			URLTemplateV6: base + "IPv6_daily_snapshots/" + file + "ipv6_bgp_routes.{YYYY}.{MM}.{DD}.gz"}
	}
	return []Collector{
		ris("rrc15", 171), // IX.br São Paulo
		ris("rrc24", 0),   // LACNIC, Montevideo: multihop
		rv("route-views.saopaulo", 171),
		rv("route-views2.saopaulo", 171),
		rv("route-views.rio", 177),       // IX.br Rio de Janeiro
		rv("route-views.fortaleza", 710), // IX.br Fortaleza
		rv("route-views.chile", 0),
		rv("route-views.peru", 0),
		pch("aep", 3788), // Buenos Aires: AR-IX CABASE
		pch("ros", 3788), // Rosario: AR-IX CABASE
		pch("scl", 1514), // Santiago: PIT Chile
		pch("lim", 2680), // Lima: Peru IX
		pch("gye", 0),    // Guayaquil
		pch("bog2", 0),   // Bogotá
		pch("lpb2", 0),   // La Paz
		pch("pty", 0),    // Panama
		pch("sjo", 1023), // San José: CRIX
		pch("sju", 2353), // San Juan: PR-IX
		pch("gnd", 1790), // St. George's: GREX
		pch("pbm", 0),    // Paramaribo
	}
}

// URL returns the dump URL of time t.
func (c Collector) URL(t time.Time) string { return expand(c.URLTemplate, t) }

// URLs returns the URLs of the files of the dump of time t.
func (c Collector) URLs(t time.Time) []string {
	if c.URLTemplateV6 == "" {
		return []string{c.URL(t)}
	}
	return []string{c.URL(t), expand(c.URLTemplateV6, t)}
}

// expand fills a URL template with the time t.
func expand(template string, t time.Time) string {
	t = t.UTC()
	return strings.NewReplacer(
		"{YYYY}", fmt.Sprintf("%04d", t.Year()),
		"{MM}", fmt.Sprintf("%02d", int(t.Month())),
		"{DD}", fmt.Sprintf("%02d", t.Day()),
		"{hh}", fmt.Sprintf("%02d", t.Hour()),
		"{mm}", fmt.Sprintf("%02d", t.Minute()),
	).Replace(template)
}

// Validate reports the first unusable setting.
func (c Collector) Validate() error {
	if err := snapshot.ValidName(c.Name); err != nil {
		return err
	}
	if c.Period < time.Minute || (24*time.Hour)%c.Period != 0 {
		return fmt.Errorf("mrt collector %s: period %s must be at least 1m and divide 24h: %w", c.Name, c.Period, ixp.ErrInvalid)
	}
	isHTTP := func(u string) bool { return strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") }
	if !isHTTP(c.URLTemplate) || c.URLTemplateV6 != "" && !isHTTP(c.URLTemplateV6) {
		return fmt.Errorf("mrt collector %s: url_template (and url_template_v6, if set) must be http(s) URLs: %w", c.Name, ixp.ErrInvalid)
	}
	if !strings.Contains(c.URLTemplate, "{hh}") && c.Period < 24*time.Hour {
		return fmt.Errorf("mrt collector %s: url_template has no {hh} but dumps come every %s: %w", c.Name, c.Period, ixp.ErrInvalid)
	}
	if c.IXID < 0 {
		return fmt.Errorf("mrt collector %s: negative ixp_id: %w", c.Name, ixp.ErrInvalid)
	}
	return nil
}

// Config configures a Fetcher.
type Config struct {
	// Lookback is how many dump times, newest first, are tried before
	// giving up (default 6).
	Lookback int
	// MaxBytes caps one download (default 2 GiB).
	MaxBytes int64
	// DownloadTimeout bounds one download (default 30 min).
	DownloadTimeout time.Duration
	// TempDir holds downloads while they are imported ("" = os.TempDir).
	TempDir string
	// Broker, when set, finds the newest dump through BGPKIT's broker;
	// the URL template walk stays the fallback (a collector the broker
	// does not index, the broker unreachable or wrong).
	Broker *Broker
	Logger *slog.Logger
	Now    func() time.Time
}

// Fetcher fetches and imports RIB dumps.
type Fetcher struct {
	client *safehttp.Client
	st     store.Store
	cfg    Config
}

// New returns a Fetcher that downloads with client and publishes to st.
func New(client *safehttp.Client, st store.Store, cfg Config) *Fetcher {
	if cfg.Lookback <= 0 {
		cfg.Lookback = 6
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 2 << 30
	}
	if cfg.DownloadTimeout <= 0 {
		cfg.DownloadTimeout = 30 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Fetcher{client: client, st: st, cfg: cfg}
}

// Collect imports the newest published dump of c, walking back over dump
// times while the archive answers 404. It returns the publication, or an
// unchanged result naming the existing snapshot when that dump was already
// imported.
func (f *Fetcher) Collect(ctx context.Context, c Collector) (store.PublishResult, error) {
	if err := c.Validate(); err != nil {
		return store.PublishResult{}, err
	}
	newest := f.cfg.Now().UTC().Truncate(c.Period)
	src := ixp.BGPSource(c.Name)
	if res, ok, err := f.collectBrokered(ctx, c, newest); ok || err != nil {
		return res, err
	}
	var missing []string
	for i := 0; i < f.cfg.Lookback; i++ {
		at := newest.Add(-time.Duration(i) * c.Period)
		url := c.URL(at)
		if sn, err := f.st.SnapshotAt(ctx, src, at); err == nil && sn.At.Equal(at) && sn.Origin == url {
			f.cfg.Logger.Info("mrt: newest dump already imported", "collector", c.Name, "url", url, "snapshot", sn.ID)
			return store.PublishResult{Snapshot: sn, Unchanged: true}, nil
		} else if err != nil && !errors.Is(err, ixp.ErrNotFound) {
			return store.PublishResult{}, fmt.Errorf("mrt %s: %w", c.Name, err)
		}
		paths, urls, err := f.downloadAll(ctx, c.URLs(at))
		var se *safehttp.StatusError
		if errors.As(err, &se) && (se.Code == http.StatusNotFound || se.Code == http.StatusForbidden) {
			missing = append(missing, url)
			continue // not published (yet)
		}
		if err != nil {
			return store.PublishResult{}, fmt.Errorf("mrt %s: %w", c.Name, err)
		}
		res, err := ImportFiles(ctx, f.st, paths, ImportOptions{Collector: c.Name, IXID: c.IXID, At: at, Origins: urls})
		for _, p := range paths {
			os.Remove(p)
		}
		if err != nil {
			return store.PublishResult{}, fmt.Errorf("mrt %s: %s: %w", c.Name, url, err)
		}
		f.cfg.Logger.Info("mrt: dump imported", "collector", c.Name, "url", url, "files", len(paths), "format", res.Format, "entries", res.Entries,
			"prefixes", res.Prefixes, "peers", res.Peers, "seconds", res.ReadSeconds+res.SummarySeconds+res.BuildSeconds+res.StoreSeconds)
		return res.Publish, nil
	}
	return store.PublishResult{}, fmt.Errorf("mrt %s: no dump published at the last %d dump times (newest tried %s): %w",
		c.Name, f.cfg.Lookback, strings.Join(missing[:min(1, len(missing))], ""), ixp.ErrUnavailable)
}

// collectBrokered imports the newest dump the broker lists within the
// lookback window. ok is false when the template walk must run instead:
// no broker, a collector of two files per dump (PCH, which the broker
// does not index), the broker failing or listing nothing, or its file
// missing from the archive.
func (f *Fetcher) collectBrokered(ctx context.Context, c Collector, newest time.Time) (res store.PublishResult, ok bool, err error) {
	if f.cfg.Broker == nil || c.URLTemplateV6 != "" {
		return res, false, nil
	}
	from := newest.Add(-time.Duration(f.cfg.Lookback-1) * c.Period)
	items, err := f.cfg.Broker.RIBs(ctx, c.Name, from, f.cfg.Now().UTC())
	if err != nil || len(items) == 0 {
		if err != nil {
			f.cfg.Logger.Warn("mrt: broker failed; walking the archive's URL template", "collector", c.Name, "err", err)
		}
		return res, false, nil
	}
	it := items[len(items)-1]
	src := ixp.BGPSource(c.Name)
	if sn, err := f.st.SnapshotAt(ctx, src, it.Start); err == nil && sn.At.Equal(it.Start) && sn.Origin == it.URL {
		f.cfg.Logger.Info("mrt: newest dump already imported", "collector", c.Name, "url", it.URL, "snapshot", sn.ID, "via", "broker")
		return store.PublishResult{Snapshot: sn, Unchanged: true}, true, nil
	} else if err != nil && !errors.Is(err, ixp.ErrNotFound) {
		return res, true, fmt.Errorf("mrt %s: %w", c.Name, err)
	}
	path, err := f.download(ctx, it.URL)
	var se *safehttp.StatusError
	if errors.As(err, &se) && (se.Code == http.StatusNotFound || se.Code == http.StatusForbidden) {
		f.cfg.Logger.Warn("mrt: the broker's file is not in the archive; walking the URL template", "collector", c.Name, "url", it.URL)
		return res, false, nil
	}
	if err != nil {
		return res, true, fmt.Errorf("mrt %s: %w", c.Name, err)
	}
	defer os.Remove(path)
	r, err := ImportFiles(ctx, f.st, []string{path}, ImportOptions{Collector: c.Name, IXID: c.IXID, At: it.Start, Origins: []string{it.URL}})
	if err != nil {
		return res, true, fmt.Errorf("mrt %s: %s: %w", c.Name, it.URL, err)
	}
	f.cfg.Logger.Info("mrt: dump imported", "collector", c.Name, "url", it.URL, "via", "broker", "format", r.Format, "entries", r.Entries,
		"prefixes", r.Prefixes, "peers", r.Peers)
	return r.Publish, true, nil
}

// downloadAll downloads the files of one dump: the first must exist, a
// later one the archive does not have (404, 403) is left out. It returns
// the temporary paths and their URLs; on error nothing is left behind.
func (f *Fetcher) downloadAll(ctx context.Context, urls []string) (paths, got []string, err error) {
	for i, url := range urls {
		path, err := f.download(ctx, url)
		var se *safehttp.StatusError
		if i > 0 && errors.As(err, &se) && (se.Code == http.StatusNotFound || se.Code == http.StatusForbidden) {
			f.cfg.Logger.Info("mrt: a file of the dump is not published; importing the others", "url", url)
			continue
		}
		if err != nil {
			for _, p := range paths {
				os.Remove(p)
			}
			return nil, nil, err
		}
		paths, got = append(paths, path), append(got, url)
	}
	return paths, got, nil
}

// download copies url to a temporary file and returns its path.
func (f *Fetcher) download(ctx context.Context, url string) (string, error) {
	s, err := f.client.Open(ctx, url, safehttp.WithMaxBodyBytes(f.cfg.MaxBytes), safehttp.WithTimeout(f.cfg.DownloadTimeout))
	if err != nil {
		return "", err
	}
	defer s.Close()
	tmp, err := os.CreateTemp(f.cfg.TempDir, "ixpobs-rib-*")
	if err != nil {
		return "", fmt.Errorf("download %s: %w", url, err)
	}
	if _, err := io.Copy(tmp, s); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", fmt.Errorf("download %s: %w", url, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("download %s: %w", url, err)
	}
	return tmp.Name(), nil
}
