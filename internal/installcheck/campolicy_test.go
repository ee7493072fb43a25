package installcheck

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/cloudapi"
)

// The README's minimal CAM policy allows exactly the actions the plugin
// calls (the config page builds its copy from the same list).
func TestTheReadmesCAMPolicyAllowsEveryAction(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	i := strings.Index(s, "`{\"version\":\"2.0\"")
	if i < 0 {
		t.Fatal("the README has no CAM policy")
	}
	j := strings.Index(s[i+1:], "`")
	var policy struct {
		Statement []struct{ Action []string }
	}
	if err := json.Unmarshal([]byte(s[i+1:i+1+j]), &policy); err != nil || len(policy.Statement) != 1 {
		t.Fatalf("the README's CAM policy is not one statement of JSON: %v", err)
	}
	want := make([]string, len(cloudapi.Actions))
	for k, a := range cloudapi.Actions {
		want[k] = "live:" + a
	}
	if got := policy.Statement[0].Action; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("the README's policy allows %v; the plugin calls %v", got, want)
	}
}
