// Package dropconn tracks the connections accepted by wrapped listeners, so
// that the connection of a request can be closed abruptly, found by its
// remote address (as peer.FromContext reports it to the handler).
package dropconn

import (
	"net"
	"sync"
)

// Tracker knows the open connections of the listeners it wrapped.
type Tracker struct {
	mu    sync.Mutex
	conns map[string]*conn
}

// NewTracker returns a Tracker without connections.
func NewTracker() *Tracker {
	return &Tracker{conns: make(map[string]*conn)}
}

// Listener returns l tracking every connection it accepts until it is
// closed.
func (t *Tracker) Listener(l net.Listener) net.Listener {
	return &listener{Listener: l, t: t}
}

// Drop closes the connection whose remote address is addr, with a TCP reset
// where possible, and reports whether there was one.
func (t *Tracker) Drop(addr net.Addr) bool {
	if addr == nil {
		return false
	}
	t.mu.Lock()
	c := t.conns[addr.String()]
	t.mu.Unlock()
	if c == nil {
		return false
	}
	if tcp, ok := c.Conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0) // close with RST instead of FIN
	}
	_ = c.Close()
	return true
}

// Len returns how many tracked connections are open.
func (t *Tracker) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.conns)
}

type listener struct {
	net.Listener
	t *Tracker
}

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &conn{Conn: c, t: l.t, key: c.RemoteAddr().String()}
	l.t.mu.Lock()
	l.t.conns[tc.key] = tc
	l.t.mu.Unlock()
	return tc, nil
}

type conn struct {
	net.Conn
	t    *Tracker
	key  string
	once sync.Once
}

func (c *conn) Close() error {
	c.once.Do(func() {
		c.t.mu.Lock()
		if c.t.conns[c.key] == c {
			delete(c.t.conns, c.key)
		}
		c.t.mu.Unlock()
	})
	return c.Conn.Close()
}
