package live

import (
	"math/rand/v2"
	"time"
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
