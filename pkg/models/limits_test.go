package models

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

func TestLimitsJSONIsCurrent(t *testing.T) {
	committed, err := os.ReadFile("../../src/limits.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, LimitsJSON()) {
		t.Fatalf("src/limits.json is out of date: run `go generate ./pkg/models` and commit it")
	}
}

// TestSettingsCasesAgreeWithTheConfigPage runs the table the config page's
// Jest test runs too (testdata/settings-cases.json): every input is
// accepted or refused by both sides alike.
func TestSettingsCasesAgreeWithTheConfigPage(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/settings-cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Field    string          `json:"field"`
		Value    json.RawMessage `json:"value"`
		OK       bool            `json:"ok"`
		Upstream string          `json:"upstream"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 20 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, tc := range cases {
		jd := map[string]json.RawMessage{"cmd": json.RawMessage(`"1250000000"`)}
		if tc.Upstream == UpstreamCloudAPI {
			jd = map[string]json.RawMessage{"upstream": json.RawMessage(`"cloudapi"`), "secretId": json.RawMessage(`"AKIDexample"`)}
		}
		jd[tc.Field] = tc.Value
		b, _ := json.Marshal(jd)
		_, err := ParseSettings(backend.DataSourceInstanceSettings{JSONData: b, DecryptedSecureJSONData: map[string]string{"apiKey": "k", "secretKey": "s"}})
		if tc.OK != (err == nil) {
			t.Errorf("%s = %s: accepted=%v, the table says %v (%v)", tc.Field, tc.Value, err == nil, tc.OK, err)
		}
		if err != nil && !strings.Contains(err.Error(), fmt.Sprint(tc.Field)) && tc.Field != "cmd" && tc.Field != "apiUrl" && tc.Field != "timezone" && tc.Upstream == "" {
			t.Errorf("%s = %s: the error does not name the field: %v", tc.Field, tc.Value, err)
		}
	}
}
