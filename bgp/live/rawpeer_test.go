package live_test

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// rawPeer is a tiny BGP speaker written for the tests: it can send
// hand-crafted (also malformed) messages and records everything it
// receives.
type rawPeer struct {
	conn net.Conn
	mu   sync.Mutex
	msgs []rawMsg
	err  error // why the reader stopped
	done chan struct{}
	stop chan struct{}
	// quiet stops the keepalives only (the remote's hold timer then
	// expires); quietOnce guards closing it.
	quiet     chan struct{}
	quietOnce sync.Once
	wg        sync.WaitGroup
}

type rawMsg struct {
	typ  byte
	body []byte
}

const (
	msgOpen         = 1
	msgUpdate       = 2
	msgNotification = 3
	msgKeepalive    = 4
)

func bgpMsg(typ byte, body []byte) []byte {
	b := make([]byte, 19, 19+len(body))
	for i := range 16 {
		b[i] = 0xff
	}
	binary.BigEndian.PutUint16(b[16:], uint16(19+len(body)))
	b[18] = typ
	return append(b, body...)
}

func openBody(asn uint32, hold uint16, id [4]byte) []byte {
	as2 := uint16(23456)
	if asn < 65536 {
		as2 = uint16(asn)
	}
	b := []byte{4, byte(as2 >> 8), byte(as2), byte(hold >> 8), byte(hold)}
	b = append(b, id[:]...)
	caps := []byte{
		1, 4, 0, 1, 0, 1, // multiprotocol IPv4 unicast
		1, 4, 0, 2, 0, 1, // multiprotocol IPv6 unicast
		65, 4, byte(asn >> 24), byte(asn >> 16), byte(asn >> 8), byte(asn), // four-octet AS
	}
	params := append([]byte{2, byte(len(caps))}, caps...)
	return append(append(b, byte(len(params))), params...)
}

func readMsg(r io.Reader) (rawMsg, error) {
	var h [19]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return rawMsg{}, err
	}
	n := int(binary.BigEndian.Uint16(h[16:]))
	if n < 19 || n > 65535 {
		return rawMsg{}, fmt.Errorf("bad length %d", n)
	}
	body := make([]byte, n-19)
	if _, err := io.ReadFull(r, body); err != nil {
		return rawMsg{}, err
	}
	return rawMsg{typ: h[18], body: body}, nil
}

// dialRaw connects from local to the collector at remote, and brings the
// session to Established.
func dialRaw(t testing.TB, local, remote string, asn uint32, hold uint16) *rawPeer {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	var conn net.Conn
	var err error
	deadline := time.Now().Add(15 * time.Second)
	for {
		conn, err = d.Dial("tcp", remote)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dial %s from %s: %v", remote, local, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	id := netip.MustParseAddr(local).As4()
	p := &rawPeer{conn: conn, done: make(chan struct{}), stop: make(chan struct{}), quiet: make(chan struct{})}
	if err := p.send(msgOpen, openBody(asn, hold, id)); err != nil {
		t.Fatalf("send OPEN: %v", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for got := 0; got < 2; {
		m, err := readMsg(conn)
		if err != nil {
			conn.Close()
			return p.redial(t, local, remote, asn, hold, err)
		}
		switch m.typ {
		case msgOpen:
			if err := p.send(msgKeepalive, nil); err != nil {
				t.Fatalf("send KEEPALIVE: %v", err)
			}
			got++
		case msgKeepalive:
			got++
		case msgNotification:
			conn.Close()
			return p.redial(t, local, remote, asn, hold, fmt.Errorf("NOTIFICATION %x", m.body))
		}
	}
	_ = conn.SetReadDeadline(time.Time{})
	p.wg.Add(2)
	go p.read()
	go p.keepalive(time.Duration(hold) * time.Second / 3)
	t.Cleanup(p.close)
	return p
}

// redial retries while the collector still holds the previous session
// (GoBGP closes connections that arrive while the peer is idle).
func (p *rawPeer) redial(t testing.TB, local, remote string, asn uint32, hold uint16, err error) *rawPeer {
	t.Helper()
	t.Logf("session from %s not established (%v), retrying", local, err)
	time.Sleep(500 * time.Millisecond)
	return dialRaw(t, local, remote, asn, hold)
}

func (p *rawPeer) send(typ byte, body []byte) error {
	_ = p.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := p.conn.Write(bgpMsg(typ, body))
	return err
}

func (p *rawPeer) mustSend(t testing.TB, typ byte, body []byte) {
	t.Helper()
	if err := p.send(typ, body); err != nil {
		t.Fatalf("send type %d: %v", typ, err)
	}
}

func (p *rawPeer) read() {
	defer p.wg.Done()
	defer close(p.done)
	for {
		m, err := readMsg(p.conn)
		p.mu.Lock()
		if err != nil {
			p.err = err
			p.mu.Unlock()
			return
		}
		p.msgs = append(p.msgs, m)
		p.mu.Unlock()
	}
}

func (p *rawPeer) keepalive(every time.Duration) {
	defer p.wg.Done()
	tk := time.NewTicker(every)
	defer tk.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-p.done:
			return
		case <-p.quiet:
			return
		case <-tk.C:
			if p.send(msgKeepalive, nil) != nil {
				return
			}
		}
	}
}

// silence stops sending keepalives but keeps the connection open and read,
// so the collector's hold timer expires.
func (p *rawPeer) silence() { p.quietOnce.Do(func() { close(p.quiet) }) }

// abort closes the connection with a TCP RST (SO_LINGER 0) instead of a FIN.
func (p *rawPeer) abort() {
	if tc, ok := p.conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	p.close()
}

func (p *rawPeer) close() {
	select {
	case <-p.stop:
		return
	default:
	}
	close(p.stop)
	p.conn.Close()
	p.wg.Wait()
}

// received returns a copy of the messages received after the OPEN exchange.
func (p *rawPeer) received() []rawMsg {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]rawMsg(nil), p.msgs...)
}

// closed reports whether the collector closed the session, and the
// NOTIFICATION it sent, if any.
func (p *rawPeer) closed() (bool, []byte) {
	select {
	case <-p.done:
	default:
		return false, nil
	}
	for _, m := range p.received() {
		if m.typ == msgNotification {
			return true, m.body
		}
	}
	return true, nil
}

// Path attribute builders (four-octet AS numbers are negotiated).

func attr(flags, typ byte, val []byte) []byte {
	if len(val) > 255 {
		b := []byte{flags | 0x10, typ, byte(len(val) >> 8), byte(len(val))}
		return append(b, val...)
	}
	return append([]byte{flags, typ, byte(len(val))}, val...)
}

func originAttr() []byte { return attr(0x40, 1, []byte{0}) }

type seg struct {
	set  bool
	asns []uint32
}

func asPathAttr(segs ...seg) []byte {
	var v []byte
	for _, s := range segs {
		t := byte(2)
		if s.set {
			t = 1
		}
		v = append(v, t, byte(len(s.asns)))
		for _, a := range s.asns {
			v = binary.BigEndian.AppendUint32(v, a)
		}
	}
	return attr(0x40, 2, v)
}

func nextHopAttr(a string) []byte {
	ip := netip.MustParseAddr(a).As4()
	return attr(0x40, 3, ip[:])
}

func nlri(prefixes ...netip.Prefix) []byte {
	var b []byte
	for _, p := range prefixes {
		b = append(b, byte(p.Bits()))
		a := p.Addr().AsSlice()
		b = append(b, a[:(p.Bits()+7)/8]...)
	}
	return b
}

func mpReachV6(nh string, prefixes ...netip.Prefix) []byte {
	n := netip.MustParseAddr(nh).As16()
	v := []byte{0, 2, 1, 16}
	v = append(v, n[:]...)
	v = append(v, 0)
	return attr(0x80, 14, append(v, nlri(prefixes...)...))
}

func updateBody(withdrawn, attrs, reach []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(len(withdrawn)))
	b = append(b, withdrawn...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(attrs)))
	b = append(b, attrs...)
	return append(b, reach...)
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// announces reports whether an UPDATE body carries reachability: NLRI or
// an MP_REACH_NLRI attribute. End-of-RIB markers do not.
func announces(body []byte) (bool, error) {
	if len(body) < 4 {
		return false, fmt.Errorf("update too short: %d bytes", len(body))
	}
	wl := int(binary.BigEndian.Uint16(body))
	if 2+wl+2 > len(body) {
		return false, fmt.Errorf("withdrawn length %d overruns %d", wl, len(body))
	}
	al := int(binary.BigEndian.Uint16(body[2+wl:]))
	attrs := body[4+wl:]
	if al > len(attrs) {
		return false, fmt.Errorf("attribute length %d overruns %d", al, len(attrs))
	}
	if len(attrs) > al {
		return true, nil // NLRI present
	}
	for a := attrs[:al]; len(a) > 0; {
		if len(a) < 3 {
			return false, fmt.Errorf("truncated attribute")
		}
		flags, typ := a[0], a[1]
		n, h := int(a[2]), 3
		if flags&0x10 != 0 {
			if len(a) < 4 {
				return false, fmt.Errorf("truncated attribute")
			}
			n, h = int(binary.BigEndian.Uint16(a[2:])), 4
		}
		if h+n > len(a) {
			return false, fmt.Errorf("attribute %d overruns", typ)
		}
		if typ == 14 {
			return true, nil
		}
		a = a[h+n:]
	}
	return false, nil
}
