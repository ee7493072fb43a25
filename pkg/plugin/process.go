package plugin

import (
	"sync"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/memory"
)

// The process's memory policy, set once by ApplyMemoryLimit from main. A
// data source made without it (as tests make them) reports nothing.
var (
	memoryMu     sync.Mutex
	memoryPolicy *memory.Policy
	memoryErr    error
)

// ApplyMemoryLimit sets the process's soft memory limit policy from
// getenv's memory_limit (see package memory), and says what it did. A
// setting it cannot read is an error, logged, shown by Save & test, and
// the policy stays automatic.
func ApplyMemoryLimit(getenv func(string) string) (string, error) {
	mode, n, err := memory.Parse(getenv(memory.Env), getenv("GOMEMLIMIT"))
	p := memory.New(mode, n, nil, nil)
	memoryMu.Lock()
	defer memoryMu.Unlock()
	memoryPolicy, memoryErr = p, err
	return p.String(), err
}

func processMemory() (*memory.Policy, error) {
	memoryMu.Lock()
	defer memoryMu.Unlock()
	return memoryPolicy, memoryErr
}

// memoryHealth is what Save & test adds about the memory setting: only
// that it could not be read, since it never fails the data source.
func memoryHealth() string {
	if _, err := processMemory(); err != nil {
		return " Memory: " + err.Error() + "."
	}
	return ""
}

// processHealth is what Save & test adds about the process's settings in
// grafana.ini, which every data source shares.
func (d *Datasource) processHealth(store storeState) string {
	if store.State == "none" {
		return memoryHealth()
	}
	return " " + store.Message + memoryHealth()
}
