// Session view: the state of every session, as served by
// /api/v1/bgp/sessions and the ixpobs_bgp_* metrics.

package live

import (
	"net/netip"
	"slices"
	"strconv"
	"time"

	gobgp "github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// Session is the state of one BGP session, as served by
// /api/v1/bgp/sessions.
type Session struct {
	Name    string     `json:"name,omitempty"`
	Address netip.Addr `json:"address"`
	ASN     uint32     `json:"asn"`
	IXPID   int        `json:"ixp_id"`
	Dynamic bool       `json:"dynamic"`
	// State is the FSM state: idle, connect, active, opensent,
	// openconfirm or established.
	State string `json:"state"`
	// StateChanged is when State was entered.
	StateChanged time.Time `json:"state_changed"`
	// Uptime is how long the session has been established, zero otherwise.
	Uptime time.Duration `json:"uptime_ns"`
	// Flaps counts transitions out of established.
	Flaps uint64 `json:"flaps"`
	// PrefixesIPv4 and PrefixesIPv6 count the prefixes (paths, with
	// ADD-PATH) currently received in the session.
	PrefixesIPv4 int `json:"prefixes_ipv4"`
	PrefixesIPv6 int `json:"prefixes_ipv6"`
	// Updates counts UPDATE messages carrying routes, Announcements and
	// Withdrawals the paths they announced and withdrew, since start.
	Updates       uint64    `json:"updates"`
	Announcements uint64    `json:"announcements"`
	Withdrawals   uint64    `json:"withdrawals"`
	LastUpdate    time.Time `json:"last_update,omitzero"`
	// Dropped counts events dropped because the queue was full; while
	// Incomplete is true the aggregate lacks some of this peer's changes.
	Dropped    uint64 `json:"dropped"`
	Incomplete bool   `json:"incomplete"`
	// PrefixLimitHits counts sessions closed for exceeding max_prefix.
	PrefixLimitHits uint64 `json:"prefix_limit_hits"`
	// LastError is the last disconnect reason reported by GoBGP.
	LastError string `json:"last_error,omitempty"`
	// ReconnectAttempts counts the connection attempts of an active peer
	// after backoff delays; NextAttempt is when the next one starts while
	// the peer is held down.
	ReconnectAttempts uint64    `json:"reconnect_attempts"`
	NextAttempt       time.Time `json:"next_attempt,omitzero"`
	// Promoted is true for a dynamic neighbour that GoBGP now holds as a
	// static passive peer with its range's settings (Config.DynamicPromoteMax).
	Promoted bool `json:"promoted,omitempty"`
}

// Sessions returns the state of every configured neighbour and of every
// dynamic neighbour seen since start, sorted by address.
func (c *Collector) Sessions() []Session {
	now := c.now()
	c.mu.Lock()
	out := make([]Session, 0, len(c.peers))
	for _, p := range c.peers {
		s := Session{
			Name: p.name, Address: p.addr, ASN: p.asn, IXPID: p.ixpID, Dynamic: p.dynamic,
			State: stateName(p.state), StateChanged: p.changed, Flaps: p.flaps,
			PrefixesIPv4: p.v4, PrefixesIPv6: p.v6,
			Updates: p.updates, Announcements: p.announcements, Withdrawals: p.withdrawals,
			LastUpdate: p.lastUpdate, Dropped: p.dropped, Incomplete: p.incomplete,
			PrefixLimitHits: p.limitHits, LastError: p.lastError,
			ReconnectAttempts: p.attempts, Promoted: p.promoted,
		}
		if p.heldDown {
			s.NextAttempt = p.enableAt
		}
		if p.state == gobgp.BGP_FSM_ESTABLISHED {
			s.Uptime = now.Sub(p.established)
		}
		out = append(out, s)
	}
	c.mu.Unlock()
	slices.SortFunc(out, func(a, b Session) int { return a.Address.Compare(b.Address) })
	return out
}

func stateName(s gobgp.FSMState) string {
	switch s {
	case gobgp.BGP_FSM_IDLE:
		return "idle"
	case gobgp.BGP_FSM_CONNECT:
		return "connect"
	case gobgp.BGP_FSM_ACTIVE:
		return "active"
	case gobgp.BGP_FSM_OPENSENT:
		return "opensent"
	case gobgp.BGP_FSM_OPENCONFIRM:
		return "openconfirm"
	case gobgp.BGP_FSM_ESTABLISHED:
		return "established"
	}
	return "unknown(" + strconv.Itoa(int(s)) + ")"
}

// rejectAll is the per-neighbour policy: export nothing (RFC 8212), import
