package bgp

import (
	"net/netip"
	"sync"
)

// Sink receives route changes: *Aggregator applies them at once, *Pipe
// hands them to an Aggregator on another goroutine.
type Sink interface {
	Announce(r Route)
	Withdraw(p Peer, prefix netip.Prefix, pathID uint32)
	ResetPeer(p Peer)
}

// Pipe feeds an Aggregator on its own goroutine: route changes are copied
// into batches, and one goroutine applies each batch under a single lock,
// in the order they were sent. A producer such as the MRT decoder then
// overlaps with the aggregation instead of waiting for it.
//
// The methods of a Pipe are for one producer goroutine. Close flushes the
// last batch and waits until everything sent is applied.
type Pipe struct {
	agg    *Aggregator
	cur    *pipeBatch
	full   chan *pipeBatch
	free   chan *pipeBatch
	wg     sync.WaitGroup
	closed bool
	// The key of the last prefix announced: a RIB record announces one
	// prefix from every peer.
	lastPrefix netip.Prefix
	lastKey    pfxKey
	touched    uint64 // keeps the loads of touch
}

type pipeOpKind uint8

const (
	opAnnounce pipeOpKind = iota
	opWithdraw
	opReset
)

// pipeOp is one route change. An announcement's path is encoded (see
// encodePath) in words[wStart:wEnd] of its batch, with its hash: the
// producer encodes and hashes, the applying goroutine only looks up.
type pipeOp struct {
	kind         pipeOpKind
	peer         Peer
	key          pfxKey
	pathID       uint32
	wStart, wEnd uint32
	hash         uint64
}

type pipeBatch struct {
	ops   []pipeOp
	words []uint32
}

// pipeBatchOps is the number of route changes per batch; pipeDepth the
// batches in flight. 4 × 2048 changes bound what the Pipe holds.
const (
	pipeBatchOps = 2048
	pipeDepth    = 4
)

// NewPipe starts the goroutine that applies route changes to agg.
func NewPipe(agg *Aggregator) *Pipe {
	p := &Pipe{
		agg:  agg,
		full: make(chan *pipeBatch, pipeDepth),
		free: make(chan *pipeBatch, pipeDepth+2),
	}
	p.cur = p.newBatch()
	p.wg.Go(p.apply)
	return p
}

func (p *Pipe) newBatch() *pipeBatch {
	select {
	case b := <-p.free:
		b.ops, b.words = b.ops[:0], b.words[:0]
		return b
	default:
		return &pipeBatch{ops: make([]pipeOp, 0, pipeBatchOps), words: make([]uint32, 0, 8*pipeBatchOps)}
	}
}

// Announce queues the route; r.Path is copied.
func (p *Pipe) Announce(r Route) {
	if !r.Prefix.IsValid() {
		return
	}
	b := p.cur
	start := len(b.words)
	b.words = encodePathTo(b.words, r.Path)
	w := b.words[start:]
	if r.Prefix != p.lastPrefix {
		p.lastPrefix, p.lastKey = r.Prefix, keyOf(r.Prefix.Masked())
	}
	p.push(pipeOp{kind: opAnnounce, peer: r.Peer, key: p.lastKey, pathID: r.PathID,
		wStart: uint32(start), wEnd: uint32(len(b.words)), hash: hashWords(w)})
}

// Withdraw queues the withdrawal.
func (p *Pipe) Withdraw(peer Peer, prefix netip.Prefix, pathID uint32) {
	if !prefix.IsValid() {
		return
	}
	p.push(pipeOp{kind: opWithdraw, peer: peer, key: keyOf(prefix.Masked()), pathID: pathID})
}

// ResetPeer queues forgetting every route of the peer.
func (p *Pipe) ResetPeer(peer Peer) {
	p.push(pipeOp{kind: opReset, peer: peer})
}

func (p *Pipe) push(op pipeOp) {
	p.cur.ops = append(p.cur.ops, op)
	if len(p.cur.ops) >= pipeBatchOps {
		p.full <- p.cur
		p.cur = p.newBatch()
	}
}

// Close sends the last batch and waits until the Aggregator holds every
// change sent. It may be called more than once.
func (p *Pipe) Close() {
	if p.closed {
		return
	}
	p.closed = true
	if len(p.cur.ops) > 0 {
		p.full <- p.cur
	}
	p.cur = nil
	close(p.full)
	p.wg.Wait()
}

func (p *Pipe) apply() {
	for b := range p.full {
		a := p.agg
		a.mu.Lock()
		p.touch(b)
		for i := range b.ops {
			op := &b.ops[i]
			switch op.kind {
			case opAnnounce:
				a.announceWords(op.peer, op.key, op.pathID, b.words[op.wStart:op.wEnd], op.hash)
			case opWithdraw:
				a.withdrawKey(op.peer, op.key, op.pathID)
			case opReset:
				a.resetPeerLocked(op.peer)
			}
		}
		a.mu.Unlock()
		select {
		case p.free <- b:
		default:
		}
	}
}

// touch reads, before the batch is applied, the path-index slot of every
// announcement in it, and the record that slot points to: the loads of
// each pass are independent of each other, so the processor overlaps
// their cache misses, and the lookups that follow find them in cache.
func (p *Pipe) touch(b *pipeBatch) {
	t := &p.agg.paths
	mask := uint64(len(t.slots) - 1)
	var sum uint64
	for i := range b.ops {
		if op := &b.ops[i]; op.kind == opAnnounce {
			sum += t.slots[op.hash&mask]
		}
	}
	for i := range b.ops {
		if op := &b.ops[i]; op.kind == opAnnounce {
			if s := t.slots[op.hash&mask]; s != 0 {
				sum += uint64(t.rec(uint32(s) - 1).off)
			}
		}
	}
	p.touched = sum
}
