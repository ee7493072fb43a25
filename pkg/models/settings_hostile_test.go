package models

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

func rawSettings(jd map[string]any, secure map[string]string) backend.DataSourceInstanceSettings {
	raw, _ := json.Marshal(jd)
	return backend.DataSourceInstanceSettings{JSONData: raw, DecryptedSecureJSONData: secure}
}

// Whatever an admin types is echoed clipped, and a password in a URL never.
func TestSettingsEchoNothingLongAndNoURLPassword(t *testing.T) {
	huge := strings.Repeat("9x", 500_000)
	for name, tc := range map[string]struct {
		jd   map[string]any
		want string
	}{
		"1 MB APPID":                {map[string]any{"cmd": huge}, "APPID"},
		"1 MB API URL":              {map[string]any{"cmd": "1250000000", "apiUrl": "http://" + huge}, "API URL"},
		"password in API URL":       {map[string]any{"cmd": "1250000000", "apiUrl": "http://admin:hunter2-secret@stat.example.com/common_access"}, "user:password@"},
		"password in Cloud API URL": {map[string]any{"upstream": "cloudapi", "secretId": "AKIDx", "cloudApiUrl": "https://admin:hunter2-secret@live.example.com"}, "user:password@"},
		"1 MB SecretId":             {map[string]any{"upstream": "cloudapi", "secretId": huge}, "SecretId"},
		"1 MB upstream":             {map[string]any{"upstream": huge}, "upstream"},
		"1 MB time zone":            {map[string]any{"cmd": "1250000000", "timezone": huge}, "time zone"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseSettings(rawSettings(tc.jd, map[string]string{"apiKey": "k", "secretKey": "s"}))
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if len(msg) > 600 || !strings.Contains(msg, tc.want) || strings.Contains(msg, "hunter2") {
				t.Fatalf("%d bytes: %.300s", len(msg), msg)
			}
		})
	}
}

// The settings of the upstream not in use are neither checked nor able to
// block: a time zone left over from the legacy interface on a Cloud API
// data source is ignored, and its data read in Beijing time.
func TestOtherUpstreamsSettingsDoNotBlock(t *testing.T) {
	s, err := ParseSettings(rawSettings(map[string]any{
		"upstream": "cloudapi", "secretId": "AKIDexample", "timezone": "Mars/Olympus", "cmd": "not a number", "apiUrl": "ftp://x",
	}, map[string]string{"secretKey": "s"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, off := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).In(s.Location).Zone(); off != 8*3600 {
		t.Fatalf("Cloud API data read at UTC%+d", off/3600)
	}
	if _, err := ParseSettings(rawSettings(map[string]any{"cmd": "1250000000", "timezone": "Mars/Olympus"}, map[string]string{"apiKey": "k"})); err == nil {
		t.Fatal("the legacy interface took a time zone that is none")
	}
}
