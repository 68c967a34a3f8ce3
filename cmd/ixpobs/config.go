package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ixpobs/ixpobs/collector/ixf"
	"github.com/ixpobs/ixpobs/collector/peeringdb"
	"github.com/ixpobs/ixpobs/geo"
	"github.com/ixpobs/ixpobs/indicator"
	"github.com/ixpobs/ixpobs/internal/httpguard"
	"github.com/ixpobs/ixpobs/ixp"
	"github.com/ixpobs/ixpobs/store"
	"github.com/ixpobs/ixpobs/store/postgres"
	"github.com/ixpobs/ixpobs/store/sqlite"
)

// Config is everything ixpobs can be configured with. The YAML file is
// decoded strictly (an unknown key is an error); see docs/CONFIG.md and
// deploy/ixpobs.example.yaml.
type Config struct {
	// DB is the store: a SQLite file path (default ./ixpobs.db) or a
	// postgres:// URL.
	DB string `yaml:"db"`
	// DBRead, when set, is a postgres:// URL that serve's dashboard and
	// API read from (a read replica); DB is then opened only to collect.
	DBRead string `yaml:"db_read"`
	// Listen is the HTTP address of serve.
	Listen string `yaml:"listen"`
	// Collect runs the scheduled collectors inside serve.
	Collect bool `yaml:"collect"`
	// Log configures logging.
	Log LogConfig `yaml:"log"`
	// PeeringDB configures the PeeringDB API collector.
	PeeringDB PeeringDBSource `yaml:"peeringdb"`
	// IXF configures the IX-F member export collector.
	IXF IXFSource `yaml:"ixf"`
	// RIR configures the RIR delegated statistics collector.
	RIR RIRSource `yaml:"rir"`
	// MRT configures the scheduled fetch of route collectors' RIB dumps.
	MRT MRTSource `yaml:"mrt"`
	// AliceLG configures reading route servers through Alice-LG looking
	// glasses.
	AliceLG AliceLGSource `yaml:"alicelg"`
	// Metrics configures /metrics.
	Metrics MetricsConfig `yaml:"metrics"`
	// Compare configures the comparisons between sources (PeeringDB,
	// IX-F exports, BGP collectors) in serve's API and pages.
	Compare CompareConfig `yaml:"compare"`
	// HTTP hardens the public listener of serve.
	HTTP HTTPConfig `yaml:"http"`
	// BGP configures `ixpobs bgp` (nil when the file has no bgp section).
	BGP *BGPConfig `yaml:"bgp"`
	// Backfill configures `ixpobs backfill` from the public archives.
	Backfill BackfillConfig `yaml:"backfill"`
	// Outbound configures how ixpobs reaches the Internet (proxy, extra
	// CAs, private mirrors) for backfill.
	Outbound OutboundConfig `yaml:"outbound"`
}

// MetricsConfig configures /metrics.
type MetricsConfig struct {
	// Region bounds the IXP and country series to one region (lac,
	// south-america, …); empty: all.
	Region string `yaml:"region"`
}

// CompareConfig configures the comparisons between sources.
type CompareConfig struct {
	// Window is the largest gap between two sources' snapshots whose
	// member lists are compared; further apart the answer says "not
	// comparable" with both dates.
	Window time.Duration `yaml:"window"`
}

// maxCompareWindow bounds compare.window: a year, the RIR pairing window.
const maxCompareWindow = 366 * 24 * time.Hour

// HTTPConfig hardens the public HTTP listener of serve.
type HTTPConfig struct {
	// RateLimit is the requests per second allowed per client address
	// (0: no limit); RateBurst how many it may send at once.
	RateLimit float64 `yaml:"rate_limit"`
	RateBurst int     `yaml:"rate_burst"`
	// TrustedProxies are CIDRs (or addresses) of reverse proxies whose
	// X-Forwarded-For names the client; from anyone else it is ignored.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// AdminListen is a loopback address serving net/http/pprof (empty: none).
	AdminListen string `yaml:"admin_listen"`
	// ReadHeaderTimeout bounds the time to send the request headers.
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	// MaxURIBytes is the longest request URI (414 beyond).
	MaxURIBytes int `yaml:"max_uri_bytes"`
	// PublicURL is the site's public base URL (https://ixpobs.example.org)
	// used for the absolute links of the Atom feeds; empty: the feeds
	// carry links relative to the site, never built from a client's
	// Host header.
	PublicURL string `yaml:"public_url"`
}

func (h HTTPConfig) validate() error {
	if h.RateLimit < 0 || h.RateBurst < 0 || h.RateLimit != h.RateLimit {
		return fmt.Errorf("http.rate_limit and http.rate_burst must be ≥ 0")
	}
	if _, err := httpguard.ParsePrefixes(strings.Join(h.TrustedProxies, ",")); err != nil {
		return fmt.Errorf("http.trusted_proxies: %w", err)
	}
	if h.AdminListen != "" {
		if err := httpguard.CheckLoopback(h.AdminListen); err != nil {
			return fmt.Errorf("http.admin_listen: %w", err)
		}
	}
	if h.ReadHeaderTimeout <= 0 {
		return fmt.Errorf("http.read_header_timeout must be positive, not %v", h.ReadHeaderTimeout)
	}
	if h.MaxURIBytes < 256 {
		return fmt.Errorf("http.max_uri_bytes must be at least 256, not %d", h.MaxURIBytes)
	}
	if h.PublicURL != "" {
		u, err := url.Parse(h.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return fmt.Errorf("http.public_url %q: must be an absolute http(s) URL without user, query or fragment, e.g. https://ixpobs.example.org", h.PublicURL)
		}
	}
	return nil
}

// LogConfig configures logging.
type LogConfig struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// PeeringDBSource is the PeeringDB collector with its switch and timeout.
type PeeringDBSource struct {
	Enabled          bool          `yaml:"enabled"`
	Timeout          time.Duration `yaml:"timeout"`
	peeringdb.Config `yaml:",inline"`
}

func defaultConfig() Config {
	return Config{
		DB:        "ixpobs.db",
		Listen:    ":8080",
		Collect:   true,
		Log:       LogConfig{Level: "info", Format: "text"},
		PeeringDB: PeeringDBSource{Enabled: true, Timeout: 30 * time.Minute, Config: peeringdb.DefaultConfig()},
		IXF: IXFSource{Enabled: true, Interval: 24 * time.Hour, Timeout: 30 * time.Minute,
			ProviderList: "https://api.ixpdb.net/v1/provider/list", FromPeeringDB: true, Config: ixf.DefaultConfig()},
		RIR:     RIRSource{Enabled: true, Interval: 24 * time.Hour, Timeout: 10 * time.Minute},
		Compare: CompareConfig{Window: indicator.CompareWindow},
		HTTP:    HTTPConfig{RateLimit: 20, RateBurst: 40, ReadHeaderTimeout: 5 * time.Second, MaxURIBytes: 8192},
		MRT:     MRTSource{Enabled: false, Timeout: time.Hour, Lookback: 6, MaxBytes: 2 << 30},
		AliceLG: AliceLGSource{Enabled: false, Interval: time.Hour, Timeout: time.Hour, Pace: time.Second,
			PageTimeout: time.Minute, Budget: 2000},
	}
}

func (c Config) validate() error {
	if c.DB == "" {
		return errors.New("db must not be empty")
	}
	if c.DBRead != "" && !isPostgres(c.DBRead) {
		return errors.New("db_read must be a postgres:// URL (a PostgreSQL read replica)")
	}
	if _, err := parseLevel(c.Log.Level); err != nil {
		return err
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		return fmt.Errorf("log.format must be text or json, not %q", c.Log.Format)
	}
	if c.PeeringDB.Enabled {
		if err := c.PeeringDB.Validate(); err != nil {
			return err
		}
	}
	if c.Metrics.Region != "" {
		if _, ok := geo.RegionByID(c.Metrics.Region); !ok {
			return fmt.Errorf("metrics.region: unknown region %q", c.Metrics.Region)
		}
	}
	if c.Compare.Window < time.Hour || c.Compare.Window > maxCompareWindow {
		return fmt.Errorf("compare.window must be 1h to %v, not %v", maxCompareWindow, c.Compare.Window)
	}
	if err := c.HTTP.validate(); err != nil {
		return err
	}
	if c.BGP != nil {
		if err := c.BGP.validate(); err != nil {
			return err
		}
	}
	if err := c.IXF.validate(); err != nil {
		return err
	}
	if err := c.AliceLG.validate(); err != nil {
		return err
	}
	if err := c.MRT.validate(); err != nil {
		return err
	}
	return c.RIR.validate()
}

// setting is one option settable by flag and environment variable.
type setting struct {
	flag, env, usage string
	isBool           bool
	apply            func(c *Config, v string) error
}

func settings() map[string]setting {
	str := func(f func(c *Config) *string) func(*Config, string) error {
		return func(c *Config, v string) error { *f(c) = v; return nil }
	}
	boolean := func(f func(c *Config) *bool) func(*Config, string) error {
		return func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("want true or false, not %q", v)
			}
			*f(c) = b
			return nil
		}
	}
	number := func(f func(c *Config) *float64) func(*Config, string) error {
		return func(c *Config, v string) error {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return fmt.Errorf("want a number, not %q", v)
			}
			*f(c) = n
			return nil
		}
	}
	integer := func(f func(c *Config) *int) func(*Config, string) error {
		return func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("want a whole number, not %q", v)
			}
			*f(c) = n
			return nil
		}
	}
	list := []setting{
		{"db", "IXPOBS_DB", "store: SQLite file path or postgres:// URL (default ixpobs.db)", false, str(func(c *Config) *string { return &c.DB })},
		{"db-read", "IXPOBS_DB_READ", "serve: postgres:// URL of a read replica the dashboard and API read from (no migration; --db then only for collecting)", false, str(func(c *Config) *string { return &c.DBRead })},
		{"listen", "IXPOBS_LISTEN", "HTTP listen address (default :8080)", false, str(func(c *Config) *string { return &c.Listen })},
		{"collect", "IXPOBS_COLLECT", "run the scheduled collectors (default true)", true, boolean(func(c *Config) *bool { return &c.Collect })},
		{"log-level", "IXPOBS_LOG_LEVEL", "debug, info, warn or error (default info)", false, str(func(c *Config) *string { return &c.Log.Level })},
		{"log-format", "IXPOBS_LOG_FORMAT", "text or json (default text)", false, str(func(c *Config) *string { return &c.Log.Format })},
		{"peeringdb-api-key", "IXPOBS_PEERINGDB_API_KEY", "PeeringDB API key (sent as Authorization: Api-Key)", false, str(func(c *Config) *string { return &c.PeeringDB.APIKey })},
		{"peeringdb-url", "IXPOBS_PEERINGDB_URL", "PeeringDB API base URL", false, str(func(c *Config) *string { return &c.PeeringDB.BaseURL })},
		{"rate-limit", "IXPOBS_RATE_LIMIT", "requests per second per client address, 0 for none (default 20)", false, number(func(c *Config) *float64 { return &c.HTTP.RateLimit })},
		{"rate-burst", "IXPOBS_RATE_BURST", "requests a client may send at once (default 40)", false, integer(func(c *Config) *int { return &c.HTTP.RateBurst })},
		{"trusted-proxies", "IXPOBS_TRUSTED_PROXIES", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed (default none)", false, func(c *Config, v string) error {
			c.HTTP.TrustedProxies = strings.Split(v, ",")
			return nil
		}},
		{"admin-listen", "IXPOBS_ADMIN_LISTEN", "loopback address serving /debug/pprof/, e.g. 127.0.0.1:6060 (default off)", false, str(func(c *Config) *string { return &c.HTTP.AdminListen })},
		{"compare-window", "IXPOBS_COMPARE_WINDOW", "largest gap between two sources' snapshots whose members are compared (default 744h, 31 days)", false, func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("want a duration such as 744h, not %q", v)
			}
			c.Compare.Window = d
			return nil
		}},
		{"read-header-timeout", "IXPOBS_READ_HEADER_TIMEOUT", "time a client may take to send its request headers (default 5s)", false, func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("want a duration such as 5s, not %q", v)
			}
			c.HTTP.ReadHeaderTimeout = d
			return nil
		}},
	}
	m := map[string]setting{}
	for _, s := range list {
		m[s.flag] = s
	}
	return m
}

// flagValue records a flag's value for later application.
type flagValue struct {
	value  string
	isBool bool
	set    bool
}

func (f *flagValue) String() string     { return f.value }
func (f *flagValue) Set(v string) error { f.value, f.set = v, true; return nil }
func (f *flagValue) IsBoolFlag() bool   { return f.isBool }

// options is a command's flag set bound to the configuration.
type options struct {
	fs         *flag.FlagSet
	configFile *string
	values     map[string]*flagValue
}

// newOptions makes a flag set with --config and the named settings.
func newOptions(name, synopsis string, env *environment, names ...string) *options {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	o := &options{fs: fs, values: map[string]*flagValue{}}
	o.configFile = fs.String("config", "", "YAML configuration file (env IXPOBS_CONFIG)")
	all := settings()
	for _, n := range names {
		s := all[n]
		v := &flagValue{isBool: s.isBool}
		o.values[n] = v
		fs.Var(v, n, s.usage+" (env "+s.env+")")
	}
	fs.Usage = func() {
		fmt.Fprintf(env.stderr, "Usage: ixpobs %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return o
}

// parseArgs parses the flags, which may stand before or after the
// positional arguments, and returns the positional ones; with fewer than
// min it prints the usage and fails.
func (o *options) parseArgs(args []string, min int) ([]string, error) {
	valued := map[string]bool{}
	o.fs.VisitAll(func(f *flag.Flag) {
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
			valued[f.Name] = true
		}
	})
	pos, rest := splitArgs(args, valued)
	if err := o.fs.Parse(rest); err != nil {
		return nil, parseError(err)
	}
	pos = append(pos, o.fs.Args()...)
	if len(pos) < min {
		o.fs.Usage()
		return nil, errUsage
	}
	return pos, nil
}

// parseError maps a flag parsing error: --help stays flag.ErrHelp (exit
// 0); anything else the flag package has already printed with the usage,
// so it is a usage error (exit 2).
func parseError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return errUsage
}

// dateFlag registers --at; the returned func parses it (zero when unset).
func (o *options) dateFlag(usage string) func() (time.Time, error) {
	v := o.fs.String("at", "", usage)
	return func() (time.Time, error) {
		if *v == "" {
			return time.Time{}, nil
		}
		t, err := ixp.Date(*v)
		if err != nil {
			return t, fmt.Errorf("--at must be a date YYYY-MM-DD, not %q", *v)
		}
		if err := ixp.CheckSnapshotTime(t, time.Now()); err != nil {
			return t, fmt.Errorf("--at %s: %w", *v, err)
		}
		return t, nil
	}
}

// open loads the configuration, makes the logger and opens the store.
func (o *options) open(ctx context.Context, env *environment) (Config, *slog.Logger, store.Store, error) {
	cfg, err := o.load(env)
	if err != nil {
		return cfg, nil, nil, err
	}
	log := newLogger(cfg.Log, env.stderr)
	st, err := openStore(ctx, cfg.DB, log)
	return cfg, log, st, err
}

// splitArgs separates positional arguments from flags wherever they stand;
// valued names the flags that take a value (unless given as --flag=value).
func splitArgs(args []string, valued map[string]bool) (pos, flags []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(pos, args[i+1:]...), flags
		}
		if strings.HasPrefix(a, "-") && a != "-" {
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && valued[name] && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	return pos, flags
}

// load builds the configuration: defaults, then the file, then
// environment variables, then flags.
func (o *options) load(env *environment) (Config, error) {
	cfg := defaultConfig()
	path := *o.configFile
	if path == "" {
		path = env.getenv("IXPOBS_CONFIG")
	}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config: %w", err)
		}
		if err := decodeConfig(b, &cfg); err != nil {
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
	}
	for name, s := range settings() {
		if v := env.getenv(s.env); v != "" {
			if err := s.apply(&cfg, v); err != nil {
				return cfg, fmt.Errorf("%s: %w", s.env, err)
			}
		}
		if fv, ok := o.values[name]; ok && fv.set {
			v := fv.value
			if s.isBool && v == "" {
				v = "true"
			}
			if err := s.apply(&cfg, v); err != nil {
				return cfg, fmt.Errorf("--%s: %w", name, err)
			}
		}
	}
	if err := cfg.validate(); err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}

// decodeConfig decodes YAML strictly into cfg (which holds the defaults).
func decodeConfig(b []byte, cfg *Config) error {
	var probe struct {
		BGP *yaml.Node `yaml:"bgp"`
	}
	if err := yaml.Unmarshal(b, &probe); err == nil && probe.BGP != nil && cfg.BGP == nil {
		def := defaultBGPConfig()
		cfg.BGP = &def // the section's defaults, overwritten by what it says
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return configError(b, err)
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("log.level must be debug, info, warn or error, not %q", s)
	}
	return l, nil
}

func newLogger(cfg LogConfig, w io.Writer) *slog.Logger {
	level, _ := parseLevel(cfg.Level)
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		// Durations as seconds (a number), not Go's nanoseconds.
		opts.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
			if a.Value.Kind() == slog.KindDuration {
				a.Value = slog.Float64Value(a.Value.Duration().Seconds())
			}
			return a
		}
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens the store named by dsn: postgres:// or postgresql://
// URLs (and key=value DSNs starting with host=) select PostgreSQL,
// anything else is a SQLite file path.
func openStore(ctx context.Context, dsn string, log *slog.Logger) (store.Store, error) {
	if isPostgres(dsn) {
		return postgres.Open(ctx, dsn, log)
	}
	return sqlite.Open(ctx, dsn, log)
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") || strings.HasPrefix(dsn, "host=")
}
