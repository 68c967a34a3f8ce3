package live

import (
	"math/rand/v2"
	"time"

	gobgp "github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// reconnectWindow is how long an active peer is left enabled for one
// connection attempt before the collector holds it down again. GoBGP waits
// its idle hold time (5 s after the first time) after EnablePeer, then dials
// after 1.5-2 s.
const reconnectWindow = 8 * time.Second

// reconnectStable is how long a session must stay up for the backoff of
// its peer to start again from the first delay.
const reconnectStable = time.Minute

// backoff spaces the reconnection attempts of an active peer: delays
// double from base up to limit, each scaled by a random factor in
// [0.8, 1.0) so peers do not reconnect in lockstep while the sequence still
// grows.
type backoff struct {
	base, limit time.Duration
	n           int
	rnd         func() float64
}

// next returns the delay before the next attempt and advances the sequence.
func (b *backoff) next() time.Duration {
	d := b.base
	for i := 0; i < b.n && d < b.limit; i++ {
		d *= 2
	}
	d = min(d, b.limit)
	if b.n < 62 {
		b.n++
	}
	r := b.rnd
	if r == nil {
		r = rand.Float64
	}
	return time.Duration(float64(d) * (0.8 + 0.2*r()))
}

// reset starts the sequence again from base.
func (b *backoff) reset() { b.n = 0 }

type reconnectAction uint8

const (
	reconnectNone reconnectAction = iota
	reconnectHold                 // disable the peer until its next attempt
	reconnectTry                  // enable the peer for one attempt
)

// reconnectLocked decides, once a second, what to do with an active static
// peer whose session is down: an attempt window that ended without a
// session holds the peer down for the next backoff delay; the end of the
// delay enables it again for one window. Handshakes in progress
// (OpenSent, OpenConfirm) are left alone.
func (c *Collector) reconnectLocked(p *peerState, now time.Time) reconnectAction {
	if !p.active || p.limitDown || p.limitPending || p.state == gobgp.BGP_FSM_ESTABLISHED {
		return reconnectNone
	}
	if p.heldDown {
		if now.Before(p.enableAt) {
			return reconnectNone
		}
		p.heldDown = false
		p.attemptStart = now
		p.attempts++
		c.log.Info("bgp reconnect attempt", "peer", p.addr, "peer_asn", p.asn, "ixp_id", p.ixpID, "attempt", p.attempts)
		return reconnectTry
	}
	if p.state == gobgp.BGP_FSM_OPENSENT || p.state == gobgp.BGP_FSM_OPENCONFIRM || now.Sub(p.attemptStart) < reconnectWindow {
		return reconnectNone
	}
	d := p.bo.next()
	p.heldDown = true
	p.enableAt = now.Add(d)
	c.log.Info("bgp reconnect backoff", "peer", p.addr, "peer_asn", p.asn, "ixp_id", p.ixpID, "next_attempt_in", d.Round(time.Millisecond))
	return reconnectHold
}

// shutdown closes every session with a Cease (administrative shutdown),
