package pluginhost

import (
	"strings"
	"sync"
)

// Logs collects what a plugin logs, safely from the host's goroutines, for
// tests and tools to read (for secrets, for timings).
type Logs struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
