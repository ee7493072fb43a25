package plugin

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/budget"
)

// Whatever wraps the plugin's HTTP client from outside, as the SDK's
// tracing and metrics middlewares do, must see the request unsigned, while
// the server receives it signed.
func TestOnlyTheWireSeesTheSignature(t *testing.T) {
	var onWire string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		onWire = r.URL.RawQuery
	}))
	defer srv.Close()

	var outside []string
	recorder := httpclient.NamedMiddlewareFunc("recorder", func(_ httpclient.Options, next http.RoundTripper) http.RoundTripper {
		return httpclient.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
			outside = append(outside, r.URL.String())
			return next.RoundTrip(r)
		})
	})
	client, err := httpclient.New(httpclient.Options{Middlewares: append([]httpclient.Middleware{recorder}, middlewares(budget.New(1, 0), testKey, nil)...)})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"/common_access?cmd=1", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	if len(outside) != 1 || strings.Contains(outside[0], "sign=") || strings.Contains(outside[0], "t=") {
		t.Fatalf("outer middleware saw %v", outside)
	}
	if !strings.Contains(onWire, "sign=") || !strings.Contains(onWire, "t=") || !strings.Contains(onWire, "cmd=1") {
		t.Fatalf("server received %q", onWire)
	}
	if strings.Contains(onWire, testKey) {
		t.Fatal("the key itself went on the wire")
	}
}

// Signing must stay inside every SDK middleware, tracing and metrics among
// them, or they would record signed URLs.
func TestSigningIsTheInnermostMiddleware(t *testing.T) {
	var names []string
	for _, m := range middlewares(budget.New(1, 0), testKey, nil) {
		named, ok := m.(httpclient.MiddlewareName)
		if !ok {
			t.Fatalf("middleware %T has no name", m)
		}
		names = append(names, named.MiddlewareName())
	}
	if names[len(names)-1] != "lvb-sign" {
		t.Fatalf("signing is not innermost: %v", names)
	}
	for _, want := range []string{"Tracing", httpclient.DataSourceMetricsMiddlewareName} {
		found := false
		for _, n := range names[:len(names)-1] {
			found = found || strings.EqualFold(n, want)
		}
		if !found {
			t.Fatalf("%s is not among the middlewares around signing: %v", want, names)
		}
	}
}
