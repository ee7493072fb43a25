package redistest

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Proxy stands between clients and a plain-TCP server and counts the
// commands clients send: what a client costs Redis, without the commands
// its scripts run inside Redis (which INFO counts too).
type Proxy struct {
	Addr     string
	commands atomic.Int64
	l        net.Listener
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    []net.Conn
	byName   map[string]int64
}

// NewProxy forwards a free loopback port to s; it stops when the test ends.
func (s *Server) NewProxy() *Proxy {
	s.t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.t.Fatal(err)
	}
	p := &Proxy{Addr: l.Addr().String(), l: l}
	p.wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", s.Addr)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			p.wg.Go(func() { _, _ = io.Copy(c, up); _ = c.Close() })
			p.wg.Go(func() { p.forward(c, up); _ = up.Close() })
		}
	})
	s.t.Cleanup(p.close)
	return p
}

// Commands is how many commands clients sent through the proxy.
func (p *Proxy) Commands() int64 { return p.commands.Load() }

func (p *Proxy) close() {
	_ = p.l.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// forward copies one client's commands (RESP arrays of bulk strings, as
// every client library sends them) to the server, counting them.
func (p *Proxy) forward(from io.Reader, to io.Writer) {
	r := bufio.NewReader(from)
	for {
		cmd, name, err := readCommand(r)
		if err != nil {
			return
		}
		p.commands.Add(1)
		p.mu.Lock()
		if p.byName == nil {
			p.byName = map[string]int64{}
		}
		p.byName[name]++
		p.mu.Unlock()
		if _, err := to.Write(cmd); err != nil {
			return
		}
	}
}

// ByName is how many commands of each name clients sent.
func (p *Proxy) ByName() map[string]int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.byName)
}

// readCommand reads one command, and its name in upper case.
func readCommand(r *bufio.Reader) (cmd []byte, name string, err error) {
	head, err := r.ReadString('\n')
	if err != nil {
		return nil, "", err
	}
	if !strings.HasPrefix(head, "*") {
		f := strings.Fields(head) // an inline command: one line
		if len(f) > 0 {
			name = strings.ToUpper(f[0])
		}
		return []byte(head), name, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(head[1:]))
	if err != nil {
		return nil, "", fmt.Errorf("not RESP: %q", head)
	}
	out := []byte(head)
	for i := range n {
		size, err := r.ReadString('\n')
		if err != nil {
			return nil, "", err
		}
		l, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(size, "$")))
		if err != nil {
			return nil, "", fmt.Errorf("not RESP: %q", size)
		}
		buf := make([]byte, l+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, "", err
		}
		if i == 0 {
			name = strings.ToUpper(string(buf[:l]))
		}
		out = append(append(out, size...), buf...)
	}
	return out, name, nil
}
