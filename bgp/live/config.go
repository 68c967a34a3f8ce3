package live

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// Config configures the receive-only BGP collector. It is decoded from YAML
// by the caller (strictly, with KnownFields), then checked with Validate.
type Config struct {
	// ASN is the local autonomous system number of the collector.
	ASN uint32 `yaml:"asn"`
	// RouterID is the BGP identifier, an IPv4 address.
	RouterID string `yaml:"router_id"`
	// ListenAddresses are the addresses the collector accepts BGP
	// connections on. Empty means all addresses.
	ListenAddresses []string `yaml:"listen_addresses"`
	// ListenPort is the TCP port to accept BGP connections on; -1 disables
	// listening (only active peers are then possible).
	ListenPort int32 `yaml:"listen_port"`
	// MetricsListen is the address of the /metrics endpoint of the
	// `ixpobs bgp` process, e.g. "127.0.0.1:9477". It is used by the caller.
	// It must be a loopback address (or "localhost") unless MetricsPublic
	// is set: /metrics and /sessions name every peer and its state.
	MetricsListen string `yaml:"metrics_listen"`
	// MetricsPublic allows MetricsListen on a non-loopback address
	// (including ":9477", every address).
	MetricsPublic bool `yaml:"metrics_public"`
	// AllowAllAddresses allows a dynamic range of every address (0.0.0.0/0
	// or ::/0): without it such a range is refused, since anyone on the
	// Internet could then open a session.
	AllowAllAddresses bool `yaml:"allow_all_addresses"`
	// EORTimeout is how long after a session is established the collector
	// waits for End-of-RIB of every negotiated family before it takes the
	// table as it is (marked no_eor in the snapshot). Until then the
	// peer's previous whole table is carried into snapshots. 0 means
	// DefaultEORTimeout.
	EORTimeout time.Duration `yaml:"eor_timeout"`
	// CarryMax is how long the last whole table of a peer whose session
	// is down or reloading is carried into snapshots; after that the peer
	// is left out until it has a whole table again. 0 means
	// DefaultCarryMax.
	CarryMax time.Duration `yaml:"carry_max"`
	// QueueSize bounds the number of route events buffered between the BGP
	// sessions and the RouteSink. When full, events are dropped, counted,
	// and the peer is marked incomplete until it is resynchronised.
	QueueSize int `yaml:"queue_size"`
	// ShutdownGrace is how long Run waits, when its context ends, for the
	// Cease notifications to be sent before the server is stopped.
	ShutdownGrace time.Duration `yaml:"shutdown_grace"`
	// Peers are the statically configured neighbours.
	Peers []PeerConfig `yaml:"peers"`
	// Dynamic are ranges from which neighbours are accepted without being
	// listed one by one (passive only).
	Dynamic []DynamicConfig `yaml:"dynamic"`
	// DynamicPromoteMax caps how many addresses of the dynamic ranges are
	// turned into static passive peers, with their range's settings, once
	// their first session has ended: GoBGP v4.8.0 leaks a goroutine for
	// every ended dynamic-neighbour session but not for static peers
	// (doc.go). A promoted address keeps two idle goroutines while no
	// session is up, and, like every static peer, refuses connections for
	// GoBGP's idle hold time (5 s) after each session ends. Beyond the cap,
	// addresses stay dynamic. 0 means DefaultDynamicPromoteMax; -1 never
	// promotes.
	DynamicPromoteMax int `yaml:"dynamic_promote_max"`
	// HostName is the host name sent to every peer in the FQDN capability
	// (73) of the OPEN. GoBGP v4.8.0 always sends the host name of the
	// process (os.Hostname), so `ixpobs bgp` runs under this name: when
	// it differs from the process's, it re-executes itself in a UTS
	// namespace of its own with this host name (cmd/ixpobs, Linux, needs
	// CAP_SYS_ADMIN at start) or refuses to start. Empty means
	// DefaultHostName, which says nothing about the machine;
	// HostNameMachine sends the machine's real host name.
	HostName string `yaml:"host_name"`
}

// SessionConfig holds the per-session settings shared by static peers and
// dynamic ranges.
type SessionConfig struct {
	// Password is the optional TCP MD5 signature password (RFC 2385).
	Password string `yaml:"password"`
	// TTLSecurity enables GTSM (RFC 5082) when non-zero: the number of hops
	// the peer may be away, 1 for a directly connected IXP peer.
	TTLSecurity uint8 `yaml:"ttl_security"`
	// HoldTime is the proposed hold time, whole seconds, at least 3 s
	// (RFC 4271). Zero means the default of 90 s: GoBGP cannot propose a
	// hold time of zero, though it accepts one proposed by the peer.
	HoldTime time.Duration `yaml:"hold_time"`
	// ConnectRetry is the first delay between outgoing connection
	// attempts of an active peer whose session is down. The collector
	// doubles it after every attempt that does not establish the session,
	// up to ReconnectMax, with 0-20 % jitter, and starts again from it once
	// a session has stayed up for a minute. Each attempt is a window of 8 s
	// in which GoBGP is enabled (it dials after its idle hold time and
	// 1.5-2 s); between attempts the peer is administratively held down.
	// Zero means 30 s. Passive peers and dynamic ranges do not dial.
	ConnectRetry time.Duration `yaml:"connect_retry"`
	// ReconnectMax caps the delay between connection attempts of an
	// active peer. Zero means 5 minutes.
	ReconnectMax time.Duration `yaml:"reconnect_max"`
	// MaxPrefix limits the number of prefixes accepted per address family.
	MaxPrefix MaxPrefixConfig `yaml:"max_prefix"`
	// AddPath advertises the ADD-PATH receive capability (RFC 7911), so a
	// route server that supports it may send every path, not only its best.
	AddPath bool `yaml:"add_path"`
}

// MaxPrefixConfig is a per address family prefix limit. When a peer sends
// more prefixes than the limit of a family, the session is closed with a
// Cease notification (subcode 1, maximum number of prefixes reached) and the
// peer is kept down until RestartAfter has passed.
type MaxPrefixConfig struct {
	// IPv4 is the IPv4 unicast limit; 0 means no limit.
	IPv4 uint32 `yaml:"ipv4"`
	// IPv6 is the IPv6 unicast limit; 0 means no limit.
	IPv6 uint32 `yaml:"ipv6"`
	// WarnPercent logs a warning once a family reaches this percentage of
	// its limit (1-100); 0 disables the warning.
	WarnPercent uint8 `yaml:"warn_percent"`
	// RestartAfter re-enables a peer shut down for exceeding its limit after
	// this duration; 0 keeps it down until the process restarts.
	RestartAfter time.Duration `yaml:"restart_after"`
}

// PeerConfig is one statically configured neighbour.
type PeerConfig struct {
	// Name is a human-readable label, e.g. "rs1.ix.example".
	Name string `yaml:"name"`
	// Address is the neighbour's IP address.
	Address string `yaml:"address"`
	// Port is the neighbour's TCP port for active sessions; 0 means 179.
	Port uint16 `yaml:"port"`
	// ASN is the neighbour's autonomous system number.
	ASN uint32 `yaml:"asn"`
	// IXPID is the PeeringDB ix id of the exchange the session belongs to.
	IXPID int `yaml:"ixp_id"`
	// Passive waits for the neighbour to connect instead of connecting.
	Passive bool `yaml:"passive"`
	// LocalAddress optionally binds outgoing connections to this address.
	LocalAddress string `yaml:"local_address"`
	// Session holds timers, authentication and limits.
	SessionConfig `yaml:",inline"`
}

// DynamicConfig accepts passive sessions from any address in Prefix.
type DynamicConfig struct {
	// Name names the range (it becomes the GoBGP peer group name).
	Name string `yaml:"name"`
	// Prefix is the range neighbours may connect from, e.g. "192.0.2.0/24".
	Prefix string `yaml:"prefix"`
	// ASN, when non-zero, is the only AS neighbours in the range may use.
	ASN uint32 `yaml:"asn"`
	// IXPID is the PeeringDB ix id of the exchange the range belongs to.
	IXPID int `yaml:"ixp_id"`
	// Session holds timers, authentication and limits.
	SessionConfig `yaml:",inline"`
}

// Defaults applied by DefaultConfig and when a field is left at zero.
const (
	DefaultListenPort    = 179
	DefaultQueueSize     = 1 << 18
	DefaultHoldTime      = 90 * time.Second
	DefaultConnectRetry  = 30 * time.Second
	DefaultReconnectMax  = 5 * time.Minute
	DefaultShutdownGrace = 2 * time.Second
	// DefaultDynamicPromoteMax is the default of Config.DynamicPromoteMax.
	DefaultDynamicPromoteMax = 1024
	DefaultEORTimeout        = 5 * time.Minute
	DefaultCarryMax          = time.Hour
	// DefaultHostName is the host name sent to peers unless HostName
	// says otherwise: a fixed neutral name, the same on every machine.
	DefaultHostName = "collector"
	// HostNameMachine, as HostName, opts in to sending the machine's
	// (the process's) real host name. "@" cannot occur in a host name.
	HostNameMachine = "@machine"
	// MaxHostNameLength is the longest host name Linux and GoBGP's FQDN
	// capability keep (GoBGP truncates longer ones).
	MaxHostNameLength = 64
)

// Bounds of the configuration: every size and count is capped, so that no
// value can make the collector allocate without limit at start (a queue of
// 99,999,999,999 events would need terabytes).
const (
	// MaxQueueSize caps QueueSize: 4,194,304 events, about 400 MiB of
	// buffer at most, 16 times the default and more than four full IPv4
	// tables.
	MaxQueueSize = 1 << 22
	// MaxPeers caps the static peers, MaxDynamic the dynamic ranges,
	// MaxListenAddresses the listen addresses.
	MaxPeers           = 10000
	MaxDynamic         = 1000
	MaxListenAddresses = 64
	// MaxDynamicPromoteMax caps DynamicPromoteMax.
	MaxDynamicPromoteMax = 65536
	// MaxPrefixLimit caps max_prefix per family (10 times a full IPv4
	// table).
	MaxPrefixLimit = 10_000_000
	// MaxNameLength caps names and descriptions.
	MaxNameLength = 255
	// Longest durations accepted.
	MaxShutdownGrace = time.Minute
	MaxConnectRetry  = time.Hour
	MaxReconnectMax  = 24 * time.Hour
	MaxRestartAfter  = 7 * 24 * time.Hour
	MaxEORTimeout    = time.Hour
	MaxCarryMax      = 7 * 24 * time.Hour
)

// DefaultConfig returns a configuration with the defaults filled in; ASN,
// RouterID and at least one peer or dynamic range must still be set.
func DefaultConfig() Config {
	return Config{
		ListenPort:    DefaultListenPort,
		QueueSize:     DefaultQueueSize,
		ShutdownGrace: DefaultShutdownGrace,
		MetricsListen: "127.0.0.1:9477",
	}
}

// Validate reports every problem in the configuration, joined.
func (c *Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.ASN == 0 {
		add("asn: must be set (the collector's own AS number)")
	}
	if id, err := netip.ParseAddr(c.RouterID); err != nil || !id.Is4() {
		add("router_id: %q is not an IPv4 address", c.RouterID)
	}
	if c.ListenPort < -1 || c.ListenPort > 65535 || c.ListenPort == 0 {
		add("listen_port: %d: must be 1-65535, or -1 to not listen", c.ListenPort)
	}
	for _, a := range c.ListenAddresses {
		if _, err := netip.ParseAddr(a); err != nil {
			add("listen_addresses: %q is not an IP address", a)
		}
	}
	if len(c.ListenAddresses) > MaxListenAddresses {
		add("listen_addresses: %d addresses: at most %d", len(c.ListenAddresses), MaxListenAddresses)
	}
	if c.QueueSize < 0 || c.QueueSize > MaxQueueSize {
		add("queue_size: %d: must be 0 (default %d) to %d events (each buffered event costs about 100 bytes)", c.QueueSize, DefaultQueueSize, MaxQueueSize)
	}
	if c.ShutdownGrace < 0 || c.ShutdownGrace > MaxShutdownGrace {
		add("shutdown_grace: %v: must be 0 to %v", c.ShutdownGrace, MaxShutdownGrace)
	}
	if c.DynamicPromoteMax < -1 || c.DynamicPromoteMax > MaxDynamicPromoteMax {
		add("dynamic_promote_max: %d: must be -1 (never), 0 (default %d) or up to %d", c.DynamicPromoteMax, DefaultDynamicPromoteMax, MaxDynamicPromoteMax)
	}
	if c.EORTimeout < 0 || (c.EORTimeout != 0 && c.EORTimeout < time.Second) || c.EORTimeout > MaxEORTimeout {
		add("eor_timeout: %v: must be 0 (default %v) or 1s to %v", c.EORTimeout, DefaultEORTimeout, MaxEORTimeout)
	}
	if c.CarryMax < 0 || c.CarryMax > MaxCarryMax {
		add("carry_max: %v: must be 0 (default %v) to %v", c.CarryMax, DefaultCarryMax, MaxCarryMax)
	} else if c.CarryMax != 0 && c.CarryMax < c.eorTimeout() {
		add("carry_max: %v: must be at least eor_timeout (%v): a reloading table is carried until it is whole", c.CarryMax, c.eorTimeout())
	}
	if err := c.validateMetricsListen(); err != nil {
		errs = append(errs, err)
	}
	if c.HostName != "" && c.HostName != HostNameMachine {
		if err := ValidHostName(c.HostName); err != nil {
			add("host_name: %w (or %q to send the machine's own host name)", err, HostNameMachine)
		}
	}
	if len(c.Peers) == 0 && len(c.Dynamic) == 0 {
		add("peers: no peers and no dynamic ranges configured")
	}
	if len(c.Peers) > MaxPeers {
		add("peers: %d peers: at most %d", len(c.Peers), MaxPeers)
	}
	if len(c.Dynamic) > MaxDynamic {
		add("dynamic: %d ranges: at most %d", len(c.Dynamic), MaxDynamic)
	}
	seen := make(map[netip.Addr]int)
	for i, p := range c.Peers {
		where := fmt.Sprintf("peers[%d]", i)
		if p.Name != "" {
			where += " (" + p.Name + ")"
		}
		a, err := netip.ParseAddr(p.Address)
		if err != nil {
			add("%s: address %q is not an IP address", where, p.Address)
		} else {
			if a.Zone() != "" {
				add("%s: address %q: zones are not supported", where, p.Address)
			}
			if j, dup := seen[a]; dup {
				add("%s: address %s already used by peers[%d]", where, a, j)
			}
			seen[a] = i
		}
		if p.ASN == 0 {
			add("%s: asn must be set", where)
		}
		if len(p.Name) > MaxNameLength {
			add("%s: name longer than %d bytes", where, MaxNameLength)
		}
		if p.IXPID < 0 {
			add("%s: ixp_id %d must not be negative", where, p.IXPID)
		}
		if p.LocalAddress != "" {
			if _, err := netip.ParseAddr(p.LocalAddress); err != nil {
				add("%s: local_address %q is not an IP address", where, p.LocalAddress)
			}
		}
		if p.Passive && c.ListenPort == -1 {
			add("%s: passive peer but listen_port is -1 (not listening)", where)
		}
		errs = append(errs, p.SessionConfig.validate(where)...)
	}
	names := make(map[string]bool)
	for i, d := range c.Dynamic {
		where := fmt.Sprintf("dynamic[%d]", i)
		if d.Name == "" {
			add("%s: name must be set", where)
		} else if names[d.Name] {
			add("%s: name %q used twice", where, d.Name)
		}
		names[d.Name] = true
		if len(d.Name) > MaxNameLength {
			add("%s: name longer than %d bytes", where, MaxNameLength)
		}
		if pfx, err := netip.ParsePrefix(d.Prefix); err != nil {
			add("%s: prefix %q is not a prefix: %w", where, d.Prefix, err)
		} else if pfx != pfx.Masked() {
			add("%s: prefix %q has host bits set (want %s)", where, d.Prefix, pfx.Masked())
		} else if pfx.Bits() == 0 && !c.AllowAllAddresses {
			add("%s: prefix %s is every address: anyone could open a session; set allow_all_addresses: true if that is meant", where, pfx)
		}
		if d.IXPID < 0 {
			add("%s: ixp_id %d must not be negative", where, d.IXPID)
		}
		if c.ListenPort == -1 {
			add("%s: dynamic neighbours need listening, but listen_port is -1", where)
		}
		errs = append(errs, d.SessionConfig.validate(where)...)
	}
	return errors.Join(errs...)
}

func (s *SessionConfig) validate(where string) []error {
	var errs []error
	if s.HoldTime != 0 && s.HoldTime < 3*time.Second {
		errs = append(errs, fmt.Errorf("%s: hold_time %v: must be 0 (default 90s) or at least 3s (RFC 4271)", where, s.HoldTime))
	}
	if s.HoldTime%time.Second != 0 {
		errs = append(errs, fmt.Errorf("%s: hold_time %v: must be whole seconds", where, s.HoldTime))
	}
	if s.HoldTime > 65535*time.Second {
		errs = append(errs, fmt.Errorf("%s: hold_time %v: must be at most 65535s", where, s.HoldTime))
	}
	if s.ConnectRetry < 0 || (s.ConnectRetry != 0 && s.ConnectRetry < 2*time.Second) {
		errs = append(errs, fmt.Errorf("%s: connect_retry %v: must be 0 (default) or at least 2s", where, s.ConnectRetry))
	}
	if s.ReconnectMax < 0 || (s.ReconnectMax != 0 && s.ReconnectMax < s.ConnectRetry) {
		errs = append(errs, fmt.Errorf("%s: reconnect_max %v: must be 0 (default 5m) or at least connect_retry", where, s.ReconnectMax))
	}
	if len(s.Password) > 80 {
		errs = append(errs, fmt.Errorf("%s: password longer than 80 bytes (TCP MD5 key limit)", where))
	}
	if s.MaxPrefix.WarnPercent > 100 {
		errs = append(errs, fmt.Errorf("%s: max_prefix.warn_percent %d: must be 0-100", where, s.MaxPrefix.WarnPercent))
	}
	if s.MaxPrefix.RestartAfter < 0 || s.MaxPrefix.RestartAfter > MaxRestartAfter {
		errs = append(errs, fmt.Errorf("%s: max_prefix.restart_after %v: must be 0 to %v", where, s.MaxPrefix.RestartAfter, MaxRestartAfter))
	}
	if s.MaxPrefix.IPv4 > MaxPrefixLimit || s.MaxPrefix.IPv6 > MaxPrefixLimit {
		errs = append(errs, fmt.Errorf("%s: max_prefix ipv4 %d, ipv6 %d: each at most %d", where, s.MaxPrefix.IPv4, s.MaxPrefix.IPv6, MaxPrefixLimit))
	}
	if s.ConnectRetry > MaxConnectRetry {
		errs = append(errs, fmt.Errorf("%s: connect_retry %v: at most %v", where, s.ConnectRetry, MaxConnectRetry))
	}
	if s.ReconnectMax > MaxReconnectMax {
		errs = append(errs, fmt.Errorf("%s: reconnect_max %v: at most %v", where, s.ReconnectMax, MaxReconnectMax))
	}
	return errs
}

// validateMetricsListen refuses a non-loopback MetricsListen unless
// MetricsPublic is set.
func (c *Config) validateMetricsListen() error {
	if c.MetricsListen == "" || c.MetricsPublic {
		return nil
	}
	host, _, err := net.SplitHostPort(c.MetricsListen)
	if err != nil {
		return fmt.Errorf("metrics_listen: %q: %w", c.MetricsListen, err)
	}
	if host == "localhost" {
		return nil
	}
	if a, err := netip.ParseAddr(host); err == nil && a.Unmap().IsLoopback() {
		return nil
	}
	return fmt.Errorf("metrics_listen: %q is not a loopback address: /metrics and /sessions name every peer; use 127.0.0.1:PORT, or set metrics_public: true to serve them on the network", c.MetricsListen)
}

// ValidHostName reports whether name is a host name the collector can
// send: 1 to 64 bytes, dot-separated labels of ASCII letters, digits and
// hyphens (RFC 1123), no label empty or starting or ending with a hyphen.
func ValidHostName(name string) error {
	if name == "" || len(name) > MaxHostNameLength {
		return fmt.Errorf("%q: must be 1 to %d bytes", name, MaxHostNameLength)
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("%q: not a host name (empty label, or a label starting or ending with a hyphen)", name)
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return fmt.Errorf("%q: not a host name (%q: only letters, digits, hyphens and dots)", name, r)
			}
		}
	}
	return nil
}

// HostNameOrDefault returns the effective HostName: DefaultHostName when
// it is empty, HostNameMachine when the machine's name is to be sent.
func (c *Config) HostNameOrDefault() string {
	if c.HostName == "" {
		return DefaultHostName
	}
	return c.HostName
}

// ValidateMetricsListen checks MetricsListen alone, for a caller that
// overrides it after Validate (the --metrics-listen flag).
func (c *Config) ValidateMetricsListen() error { return c.validateMetricsListen() }

func (c *Config) eorTimeout() time.Duration {
	if c.EORTimeout == 0 {
		return DefaultEORTimeout
	}
	return c.EORTimeout
}

// CarryMaxOrDefault returns the effective CarryMax.
func (c *Config) CarryMaxOrDefault() time.Duration { return c.carryMax() }

func (c *Config) carryMax() time.Duration {
	if c.CarryMax == 0 {
		return DefaultCarryMax
	}
	return c.CarryMax
}

// promoteMax returns the effective DynamicPromoteMax: 0 when promotion is
// off.
func (c *Config) promoteMax() int {
	switch {
	case c.DynamicPromoteMax < 0:
		return 0
	case c.DynamicPromoteMax == 0:
		return DefaultDynamicPromoteMax
	}
	return c.DynamicPromoteMax
}

// holdSeconds returns the hold time to propose, in seconds.
func (s *SessionConfig) holdSeconds() uint64 {
	if s.HoldTime == 0 {
		return uint64(DefaultHoldTime / time.Second)
	}
	return uint64(s.HoldTime / time.Second)
}

// reconnectBackoff returns the backoff of an active peer's reconnections.
func (s *SessionConfig) reconnectBackoff() backoff {
	b := backoff{base: s.ConnectRetry, limit: s.ReconnectMax}
	if b.base == 0 {
		b.base = DefaultConnectRetry
	}
	if b.limit == 0 {
		b.limit = max(DefaultReconnectMax, b.base)
	}
	return b
}

func (s *SessionConfig) connectRetrySeconds() uint64 {
	if s.ConnectRetry == 0 {
		return uint64(DefaultConnectRetry / time.Second)
	}
	return uint64(s.ConnectRetry / time.Second)
}
