package plugin

import (
	"context"
	"testing"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/memory"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// Each data source tells the process's memory policy what its store keeps,
// so that the automatic limit rises with the minutes kept and falls when
// Grafana lets the instance go.
func TestTheMemoryLimitFollowsTheStores(t *testing.T) {
	e := newEnv(t, nil)
	var limit int64
	policy := memory.New(memory.Auto, 0, func(n int64) int64 { limit = n; return 0 }, func() int64 { return 0 })
	open := func() *Datasource {
		ds, err := New(context.Background(), settingsFor(e.url, testCmd, testKey, nil),
			Options{Now: func() time.Time { return testNow }, Retry: &upstream.Retry{Attempts: 2, BaseDelay: time.Millisecond}, Memory: policy})
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	a, b := open(), open()
	e.ds = a
	e.query(t, dq("A", testNow.Add(-24*time.Hour), testNow, map[string]any{"domain": testDomain, "streamId": "live_1"}))
	e.ds = b
	e.query(t, dq("B", testNow.Add(-6*time.Hour), testNow, map[string]any{"domain": testDomain, "streamId": "live_1,live_2"}))
	ka, kb := a.store.Stats().Bytes, b.store.Stats().Bytes
	if ka == 0 || kb == 0 || limit != memory.Allowance+ka+kb {
		t.Fatalf("limit %d with stores of %d and %d bytes", limit, ka, kb)
	}
	a.Dispose()
	if limit != memory.Allowance+kb {
		t.Errorf("after one instance went: limit %d, want %d", limit, memory.Allowance+kb)
	}
	b.Dispose()
	if limit != memory.Allowance {
		t.Errorf("after both went: limit %d", limit)
	}
}
