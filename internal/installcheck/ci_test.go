package installcheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// GitHub's workflow runs the same test command as .ci/run, which runs the
// README's test command.
func TestCIWorkflowRunsTheTestCommand(t *testing.T) {
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Name string            `yaml:"name"`
				Run  string            `yaml:"run"`
				Uses string            `yaml:"uses"`
				Env  map[string]string `yaml:"env"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	readYAML(t, ".github/workflows/ci.yml", &wf)
	runs := false
	for _, job := range wf.Jobs {
		for _, st := range job.Steps {
			if strings.Contains(st.Run, "bash .ci/run") && st.Env["CI"] == "true" {
				runs = true
			}
		}
	}
	if !runs {
		t.Fatal("the workflow has no step running `bash .ci/run` with CI=true")
	}
	raw, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const cmd = "go tool mage check"
	if !strings.Contains(string(raw), "\n"+cmd+"\n") || !strings.Contains(string(readme), cmd) {
		t.Fatalf(".ci/run and the README must both name the test command %q", cmd)
	}
}
