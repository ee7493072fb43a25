package pluginhost

import (
	"context"
	"strings"
	"sync"
)

// Logs collects what a plugin logs, safely from the host's goroutines, for
// tests and tools to read (for secrets, for timings).
type Logs struct {
	mu      sync.Mutex
	buf     strings.Builder
	written chan struct{} // closed at the next write
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.written != nil {
		close(l.written)
		l.written = nil
	}
	return l.buf.Write(p)
}

func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Wait returns when ok holds for what was logged, woken by each write
// (a plugin's log reaches the host after the answer it is about), or
// false when ctx ends first.
func (l *Logs) Wait(ctx context.Context, ok func(logged string) bool) bool {
	for {
		l.mu.Lock()
		if ok(l.buf.String()) {
			l.mu.Unlock()
			return true
		}
		if l.written == nil {
			l.written = make(chan struct{})
		}
		next := l.written
		l.mu.Unlock()
		select {
		case <-next:
		case <-ctx.Done():
			return false
		}
	}
}
