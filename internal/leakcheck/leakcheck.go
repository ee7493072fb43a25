// Package leakcheck is the TestMain of the packages that start goroutines:
// it runs the tests, then fails the package when one left a goroutine
// behind (go.uber.org/goleak).
package leakcheck

import (
	"fmt"
	"net/http"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// Main runs m and exits. Idle keep-alive connections of the default
// transport are closed first: they are the transport's to keep, not a leak
// of the code under test. after, when given, runs before the check and may
// turn a passing run into a failing one (code 1).
func Main(m *testing.M, after ...func() int) {
	code := m.Run()
	for _, f := range after {
		if c := f(); code == 0 {
			code = c
		}
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	if err := goleak.Find(); code == 0 && err != nil {
		fmt.Fprintln(os.Stderr, "goroutines leaked:", err)
		code = 1
	}
	os.Exit(code)
}
