package plugin

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/lvbstat/lvbstat-tencent-datasource/internal/leakcheck"
)

// recorder keeps what the plugin logs, so the tests can read it for secrets
// instead of printing it.
type recorder struct {
	mu   *sync.Mutex
	buf  *strings.Builder
	args []any
}

func (r recorder) log(level, msg string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintln(r.buf, level, msg, append(append([]any{}, r.args...), args...))
}
func (r recorder) Debug(msg string, args ...any)          { r.log("debug", msg, args...) }
func (r recorder) Info(msg string, args ...any)           { r.log("info", msg, args...) }
func (r recorder) Warn(msg string, args ...any)           { r.log("warn", msg, args...) }
func (r recorder) Error(msg string, args ...any)          { r.log("error", msg, args...) }
func (r recorder) Level() log.Level                       { return log.Debug }
func (r recorder) FromContext(context.Context) log.Logger { return r }
func (r recorder) With(args ...any) log.Logger {
	r.args = append(append([]any{}, r.args...), args...)
	return r
}

var logged = recorder{mu: &sync.Mutex{}, buf: &strings.Builder{}}

func TestMain(m *testing.M) {
	log.DefaultLogger = logged
	leakcheck.Main(m, func() int {
		out := logged.buf.String()
		if strings.Contains(out, testKey) || strings.Contains(out, "sign=") {
			fmt.Fprintln(os.Stderr, "the plugin logged a credential:\n"+out)
			return 1
		}
		// A full run must have logged, or the check above proved nothing.
		if flag.Lookup("test.run").Value.String() == "" && !strings.Contains(out, "Query done") {
			fmt.Fprintln(os.Stderr, "the plugin logged nothing: the secret check above proves nothing")
			return 1
		}
		return 0
	})
}
