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
	var wf workflow
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

// The release workflow: on v* tags, the tag checked against package.json
// and the CHANGELOG before anything is built, the same package command as
// CI with the signing token passed, provenance attested, and the zip, its
// checksum and the notes published.
func TestReleaseWorkflow(t *testing.T) {
	var wf workflow
	readYAML(t, ".github/workflows/release.yml", &wf)
	if len(wf.On.Push.Tags) != 1 || wf.On.Push.Tags[0] != "v*" {
		t.Fatalf("triggered on tags %v, want v*", wf.On.Push.Tags)
	}
	if wf.Permissions["contents"] != "write" || wf.Permissions["id-token"] != "write" || wf.Permissions["attestations"] != "write" {
		t.Fatalf("permissions %v", wf.Permissions)
	}
	job, ok := wf.Jobs["release"]
	if !ok {
		t.Fatal("no release job")
	}
	step := map[string]int{}
	for i, st := range job.Steps {
		switch {
		case strings.Contains(st.Run, "go run ./cmd/releasenotes -tag"):
			step["check"] = i
		case strings.Contains(st.Run, "go tool mage package"):
			step["package"] = i
			if !strings.Contains(st.Env["GRAFANA_ACCESS_POLICY_TOKEN"], "secrets.GRAFANA_ACCESS_POLICY_TOKEN") || st.Env["GRAFANA_ROOT_URLS"] == "" {
				t.Errorf("the package step does not get the signing token and root URLs: %v", st.Env)
			}
		case strings.HasPrefix(st.Uses, "actions/attest-build-provenance@"):
			step["attest"] = i
			if st.With["subject-path"] != "dist/*.zip" {
				t.Errorf("attests %q", st.With["subject-path"])
			}
		case strings.Contains(st.Run, "gh release create"):
			step["publish"] = i
			for _, want := range []string{"dist/*.zip", "dist/*.sha256", "--notes-file release-notes.md"} {
				if !strings.Contains(st.Run, want) {
					t.Errorf("the release does not carry %s", want)
				}
			}
		case strings.Contains(st.Run, "GRAFANA_ACCESS_POLICY_TOKEN") && strings.Contains(st.Run, "::warning::"):
			step["says unsigned"] = i
		}
	}
	for _, name := range []string{"check", "says unsigned", "package", "attest", "publish"} {
		if _, ok := step[name]; !ok {
			t.Fatalf("the release job has no %s step", name)
		}
	}
	if !(step["check"] < step["package"] && step["package"] < step["attest"] && step["attest"] < step["publish"]) {
		t.Fatalf("steps out of order: %v", step)
	}
	// The CHANGELOG notes the command writes exist as a mage-free Go command.
	exists(t, "cmd/releasenotes/main.go")
}
