package models

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// The seeds of these fuzz targets run with every `go test`; to search for
// more: go test ./pkg/plugin -run '^$' -fuzz FuzzParseQuery (or FuzzParseSettings).

// FuzzParseQuery holds the query parser to its promise whatever a saved
// dashboard or an API caller sends: a checked query or an error, never a
// panic, and a checked query only within the limits.
func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{
		`{"queryType":"timeseries","domain":"play.example.com","streamId":"live_1,live_2","metrics":["bandwidth"]}`,
		`{"queryType":"summary","streamId":"{a,b}","metrics":"flux,online"}`,
		`{"domain":"直播.例子.com"}`, `{"domain":5}`, `{"streamId":["a"]}`, `{"metrics":7}`,
		`{"streamId":"a\u0000b"}`, `{"domain":"a..b"}`, `{"queryType":"logs"}`, `{`, ``, `null`, `[]`,
	} {
		f.Add([]byte(seed), "")
	}
	f.Add([]byte(`{}`), "summary")
	f.Fuzz(func(t *testing.T, raw []byte, queryType string) {
		q, err := ParseQuery(backend.DataQuery{JSON: raw, QueryType: queryType}, DefaultMaxStreams)
		if err != nil {
			if len(err.Error()) > 600 {
				t.Fatalf("a %d-character error", len(err.Error()))
			}
			return
		}
		if q.Type != QueryTypeTimeSeries && q.Type != QueryTypeSummary {
			t.Fatalf("type %q", q.Type)
		}
		if len(q.Domain) > MaxDomainLength || strings.ContainsAny(q.Domain, "\x00\r\n /?#&=") {
			t.Fatalf("domain %q", q.Domain)
		}
		if len(q.Streams) == 0 || len(q.Streams) > DefaultMaxStreams {
			t.Fatalf("%d streams", len(q.Streams))
		}
		for _, s := range q.Streams {
			if s != "" && CheckStreamID(s) != nil {
				t.Fatalf("stream %q passed", s)
			}
		}
		for _, m := range q.Metrics {
			if !slices.Contains(AllMetrics, m) {
				t.Fatalf("metric %q", m)
			}
		}
	})
}

// FuzzParseSettings: any jsonData gives settings within bounds or an error
// naming what to fix, and never echoes the key.
func FuzzParseSettings(f *testing.F) {
	for _, seed := range []string{
		`{"apiUrl":"http://127.0.0.1:8099/common_access","cmd":"1250000000","timezone":"Asia/Shanghai","maxConcurrency":"8"}`,
		`{"cmd":1250000000,"maxStreams":1e1,"timeoutSeconds":"10.0"}`,
		`{"cmd":"0x10","maxConcurrency":"0x10","timezone":"Local"}`,
		`{"apiUrl":"ftp://x","cmd":null,"maxConcurrency":-1}`, `{`, `[]`, `null`,
	} {
		f.Add([]byte(seed))
	}
	const key = "fuzz-secret-key-5d41402abc4b2a76"
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := ParseSettings(backend.DataSourceInstanceSettings{JSONData: raw, DecryptedSecureJSONData: map[string]string{"apiKey": key}})
		if err != nil {
			if strings.Contains(err.Error(), key) {
				t.Fatal("the error carries the key")
			}
			return
		}
		if s.MaxConcurrency < 1 || s.MaxConcurrency > MaxMaxConcurrency || s.MaxStreams < 1 || s.MaxStreams > MaxMaxStreams ||
			s.Timeout < time.Second || s.Timeout > MaxTimeoutSeconds*time.Second || s.Location == nil || s.Cmd == "" {
			t.Fatalf("settings out of bounds: %+v", s)
		}
	})
}
