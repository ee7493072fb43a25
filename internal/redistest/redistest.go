// Package redistest starts a real redis-server (Debian's package) for a
// test, on a free loopback port, and stops it when the test ends. Outside
// CI a machine without redis-server skips the test with a clear message;
// under CI (CI set) that is a failure.
package redistest

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// T is what Start needs of a test (testing.TB has it), so that a benchmark
// command can start a server too.
type T interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Skip(args ...any)
	TempDir() string
	Cleanup(func())
}

// Server is one redis-server of a test.
type Server struct {
	Addr     string
	Password string
	// TLS, when set, has the server speak only TLS on Addr, with the
	// certificates of a test CA (see NewCA).
	TLS      *TLSFiles
	args     []string
	bin, dir string
	cmd      *exec.Cmd
	t        T
}

// Start starts a redis-server requiring password (none when empty).
func Start(t T, password string) *Server { return StartWith(t, Options{Password: password}) }

// Options are a test server's settings.
type Options struct {
	Password string
	TLS      *TLSFiles // serve TLS only, with these files
	Args     []string  // more of redis-server's arguments
}

// StartWith starts a redis-server with o.
func StartWith(t T, o Options) *Server {
	password := o.Password
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server is required under CI: .ci/run installs Debian's redis-server")
		}
		t.Skip("redis-server not found: apt-get install redis-server to run the shared-store tests")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	s := &Server{Addr: addr, Password: password, TLS: o.TLS, args: o.Args, bin: bin, dir: t.TempDir(), t: t}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

// URL is the store URL for the plugin, password included.
func (s *Server) URL() string {
	scheme := "redis://"
	if s.TLS != nil {
		scheme = "rediss://"
	}
	if s.Password == "" {
		return scheme + s.Addr + "/0"
	}
	return scheme + ":" + s.Password + "@" + s.Addr + "/0"
}

func (s *Server) start() {
	s.t.Helper()
	_, port, _ := net.SplitHostPort(s.Addr)
	args := []string{"--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", s.dir, "--protected-mode", "no"}
	if s.Password != "" {
		args = append(args, "--requirepass", s.Password)
	}
	if s.TLS != nil {
		args[1] = "0"
		args = append(args, "--tls-port", port, "--tls-cert-file", s.TLS.ServerCert, "--tls-key-file", s.TLS.ServerKey,
			"--tls-ca-cert-file", s.TLS.CA, "--tls-auth-clients", s.TLS.AuthClients)
	}
	args = append(args, s.args...)
	s.cmd = exec.Command(s.bin, args...) // #nosec G204 -- the test's own server
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	// Ready when it says so on its log; the rest of the log is drained
	// until the process ends.
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		said := false
		for sc.Scan() {
			if !said && strings.Contains(sc.Text(), "Ready to accept connections") {
				said = true
				ready <- true
			}
		}
		if !said {
			ready <- false
		}
	}()
	t := time.NewTimer(30 * time.Second)
	defer t.Stop()
	select {
	case ok := <-ready:
		if !ok || !s.ping() {
			s.t.Fatalf("redis-server on %s ended before it was ready (is the port taken?)", s.Addr)
		}
	case <-t.C:
		s.t.Fatalf("redis-server on %s was not ready within 30 s", s.Addr)
	}
}

func (s *Server) ping() bool {
	c, err := s.dial()
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := fmt.Fprint(c, "PING\r\n"); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && (strings.HasPrefix(line, "+PONG") || strings.HasPrefix(line, "-NOAUTH"))
}

// Stop ends the server (its data is gone: nothing is saved).
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Restart starts it again on the same address, empty.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}

// Do sends one command (RESP, simple arguments) and returns the first line
// of the answer: for tests that write into Redis behind the plugin's back.
func (s *Server) Do(args ...string) string {
	s.t.Helper()
	r, done := s.command(args...)
	defer done()
	line, _ := r.ReadString('\n')
	if strings.HasPrefix(line, "$") {
		if n, _ := strconv.Atoi(strings.TrimSpace(line[1:])); n >= 0 {
			buf := make([]byte, n+2)
			_, _ = io.ReadFull(r, buf)
			return string(buf[:n])
		}
	}
	return strings.TrimSpace(line)
}

// command connects as a trusted client, logs in, sends args, and returns
// where the answer is to be read; done closes the connection.
func (s *Server) command(args ...string) (answer *bufio.Reader, done func()) {
	s.t.Helper()
	c, err := s.dial()
	if err != nil {
		s.t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	w := bufio.NewWriter(c)
	r := bufio.NewReader(c)
	send := func(args ...string) {
		fmt.Fprintf(w, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(w, "$%d\r\n%s\r\n", len(a), a)
		}
		_ = w.Flush()
	}
	if s.Password != "" {
		send("AUTH", s.Password)
		_, _ = r.ReadString('\n')
	}
	send(args...)
	return r, func() { _ = c.Close() }
}

// dial connects as a trusted client, over TLS when the server speaks it.
func (s *Server) dial() (net.Conn, error) {
	if s.TLS == nil {
		return net.DialTimeout("tcp", s.Addr, time.Second)
	}
	return tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", s.Addr, s.TLS.clientConfig())
}

// Keys lists the keys that match pattern (KEYS: for tests only).
func (s *Server) Keys(pattern string) []string {
	s.t.Helper()
	r, done := s.command("KEYS", pattern)
	defer done()
	head, _ := r.ReadString('\n')
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(head, "*")))
	if err != nil {
		s.t.Fatalf("KEYS answered %q", head)
	}
	keys := make([]string, 0, n)
	for range n {
		size, _ := r.ReadString('\n')
		l, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(size, "$")))
		buf := make([]byte, l+2)
		_, _ = io.ReadFull(r, buf)
		keys = append(keys, string(buf[:l]))
	}
	return keys
}
