package models

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/cloudapi"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/legacy"
)

// Defaults and bounds of the settings, shared with the config page's help texts.
const (
	DefaultTimezone       = "Asia/Shanghai"
	DefaultMaxConcurrency = 8
	MaxMaxConcurrency     = 64
	DefaultMaxStreams     = 20
	MaxMaxStreams         = 200
	DefaultTimeoutSeconds = 30
	MaxTimeoutSeconds     = 300
	// MaxMaxRequestsPerSecond is far above what the legacy API is polled
	// at; 0, the default, means no rate limit beyond Max concurrency.
	MaxMaxRequestsPerSecond = 500
	DefaultCacheMegabytes   = 64
	MaxCacheMegabytes       = 4096
	DefaultSettleMinutes    = 15
	MaxSettleMinutes        = 120
)

// Upstreams: the interface the data source reads from.
const (
	// UpstreamLegacy is Get_LivePlayStatHistory on common_access (APPID
	// and API key; enabled by Tencent on request).
	UpstreamLegacy = "legacy"
	// UpstreamCloudAPI is DescribeStreamPlayInfoList of Tencent Cloud API
	// 3.0 (SecretId and SecretKey; every Live customer).
	UpstreamCloudAPI = "cloudapi"
)

// Upstreams lists the upstreams, the default first.
var Upstreams = []string{UpstreamLegacy, UpstreamCloudAPI}

// maxSecretIDLength bounds the SecretId (Tencent's are 36 characters).
const maxSecretIDLength = 128

// jsonData is the data source's jsonData as Grafana stores it.
type jsonData struct {
	Upstream       string    `json:"upstream"`
	APIURL         string    `json:"apiUrl"`
	Cmd            flexCmd   `json:"cmd"`
	Timezone       string    `json:"timezone"`
	MaxConcurrency flexCount `json:"maxConcurrency"`
	MaxStreams     flexCount `json:"maxStreams"`
	TimeoutSeconds flexCount `json:"timeoutSeconds"`
	MaxRequestsPS  flexCount `json:"maxRequestsPerSecond"`
	CacheMB        flexCount `json:"cacheMegabytes"`
	SettleMinutes  flexCount `json:"settleMinutes"`
	// Cloud API 3.0.
	SecretID    string `json:"secretId"`
	CloudAPIURL string `json:"cloudApiUrl"`
}

// Settings are the checked settings of one data source.
type Settings struct {
	Upstream       string
	APIURL         string
	Cmd            string
	Location       *time.Location
	MaxConcurrency int
	MaxStreams     int
	Timeout        time.Duration
	// MaxRequestsPerSecond bounds the rate of upstream requests; 0: no bound.
	MaxRequestsPerSecond int
	// CacheBytes bounds the memory of the minutes kept per data source.
	CacheBytes int64
	// Settle is how long after a minute Tencent may still revise it.
	Settle time.Duration
	APIKey string
	// Cloud API 3.0.
	SecretID    string
	SecretKey   string
	CloudAPIURL string
}

// ParseSettings reads and checks the settings. Every problem is reported
// at once, each saying which field is wrong and how to fix it.
func ParseSettings(s backend.DataSourceInstanceSettings) (Settings, error) {
	var jd jsonData
	var errs []error
	if len(bytes.TrimSpace(s.JSONData)) > 0 {
		if err := json.Unmarshal(s.JSONData, &jd); err != nil {
			return Settings{}, fmt.Errorf("the data source settings are not valid JSON (%v); save the settings page again", err)
		}
	}
	out := Settings{APIKey: s.DecryptedSecureJSONData["apiKey"], SecretKey: s.DecryptedSecureJSONData["secretKey"]}

	switch out.Upstream = strings.ToLower(strings.TrimSpace(jd.Upstream)); out.Upstream {
	case "":
		out.Upstream = UpstreamLegacy
	case UpstreamLegacy, UpstreamCloudAPI:
	default:
		errs = append(errs, fmt.Errorf("upstream %s is unknown: use %q (Get_LivePlayStatHistory, APPID and API key) or %q (Tencent Cloud API 3.0, SecretId and SecretKey)",
			quoteClip(jd.Upstream), UpstreamLegacy, UpstreamCloudAPI))
	}

	if out.Upstream == UpstreamCloudAPI {
		// The legacy fields may still be filled in from before; they are
		// not used, so they are not checked.
		errs = append(errs, checkCloudAPI(jd, &out)...)
	} else {
		u, err := legacy.ParseEndpoint(strings.TrimSpace(jd.APIURL))
		if err != nil {
			errs = append(errs, err)
		} else {
			out.APIURL = u.String()
		}

		switch cmd := strings.TrimSpace(string(jd.Cmd)); cmd {
		case "":
			errs = append(errs, errors.New("the APPID (cmd) is missing: enter the LVB APPID shown in the "+legacy.WhereKeys))
		default:
			if out.Cmd, err = legacy.ParseCmd(cmd); err != nil {
				errs = append(errs, err)
			}
		}

		if strings.TrimSpace(out.APIKey) == "" {
			errs = append(errs, errors.New("the API key is missing: enter the API key (API鉴权Key) shown in the "+legacy.WhereKeys))
		}
	}

	if out.Upstream == UpstreamLegacy {
		errs = append(errs, checkTimezone(jd.Timezone, &out)...)
	} else {
		// Cloud API 3.0 writes Beijing time or says its zone; a time zone
		// left over from the legacy settings is neither used nor checked.
		out.Location = cloudapi.Beijing
	}

	countIn := func(name string, v flexCount, lo, def, hi int) int {
		if v.err != nil {
			errs = append(errs, fmt.Errorf("%s: %v", name, v.err))
			return def
		}
		if !v.set {
			return def
		}
		if v.n < lo || v.n > hi {
			errs = append(errs, fmt.Errorf("%s is %d; it must be between %d and %d (default %d)", name, v.n, lo, hi, def))
			return def
		}
		return v.n
	}
	count := func(name string, v flexCount, def, hi int) int { return countIn(name, v, 1, def, hi) }
	out.MaxConcurrency = count("maxConcurrency", jd.MaxConcurrency, DefaultMaxConcurrency, MaxMaxConcurrency)
	out.MaxStreams = count("maxStreams", jd.MaxStreams, DefaultMaxStreams, MaxMaxStreams)
	out.Timeout = time.Duration(count("timeoutSeconds", jd.TimeoutSeconds, DefaultTimeoutSeconds, MaxTimeoutSeconds)) * time.Second
	out.MaxRequestsPerSecond = countIn("maxRequestsPerSecond", jd.MaxRequestsPS, 0, 0, MaxMaxRequestsPerSecond)
	out.CacheBytes = int64(count("cacheMegabytes", jd.CacheMB, DefaultCacheMegabytes, MaxCacheMegabytes)) << 20
	out.Settle = time.Duration(count("settleMinutes", jd.SettleMinutes, DefaultSettleMinutes, MaxSettleMinutes)) * time.Minute

	if len(errs) > 0 {
		return out, &SettingsError{errs: errs}
	}
	return out, nil
}

// checkTimezone reads the zone the legacy interface writes its times in.
func checkTimezone(raw string, out *Settings) []error {
	tz := strings.TrimSpace(raw)
	if tz == "" {
		tz = DefaultTimezone
	}
	var err error
	// "Local" would be the Grafana server's own zone, which says nothing
	// about the zone Tencent writes in.
	if out.Location, err = time.LoadLocation(tz); err != nil || tz == "Local" {
		out.Location = nil
		return []error{fmt.Errorf("time zone %s is not an IANA zone name such as %s (names are case-sensitive)", quoteClip(tz), DefaultTimezone)}
	}
	return nil
}

// SettingsError lists every problem found in the settings.
type SettingsError struct{ errs []error }

func (e *SettingsError) Error() string {
	parts := make([]string, len(e.errs))
	for i, err := range e.errs {
		parts[i] = err.Error()
	}
	return "The data source settings need fixing: " + strings.Join(parts, "; ")
}

func (e *SettingsError) Unwrap() []error { return e.errs }

// flexCmd accepts the APPID as a JSON string or number, since older
// provisioning files write it as a number.
type flexCmd string

func (c *flexCmd) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*c = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = flexCmd(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("cmd must be a number or a string, got %s", b)
		}
		*c = flexCmd(n.String())
	}
	return nil
}

// flexCount accepts a whole number as a JSON number or string, and keeps a
// parse problem for ParseSettings to report by field name.
type flexCount struct {
	n   int
	set bool
	err error
}

func (c *flexCount) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s = strings.TrimSpace(s); s == "" {
			return nil
		}
	}
	if !countRe.MatchString(s) {
		c.err = fmt.Errorf("%s is not a whole number written in digits", quoteClip(s))
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		c.err = fmt.Errorf("%s is not a whole number", quoteClip(s))
		return nil
	}
	c.n, c.set = n, true
	return nil
}

// SettingKeys are the jsonData keys the plugin reads, for checking what
// provisioning files and Terraform write.
func SettingKeys() []string {
	t := reflect.TypeFor[jsonData]()
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		keys = append(keys, name)
	}
	return keys
}

// QueryKeys are the query JSON keys the plugin reads, for checking what
// the README documents.
func QueryKeys() []string {
	t := reflect.TypeFor[queryModel]()
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		keys = append(keys, name)
	}
	return keys
}

// SecureSettingKeys are the secureJsonData keys the plugin reads.
func SecureSettingKeys() []string { return []string{"apiKey", "secretKey"} }

// checkCloudAPI reads the settings of Tencent Cloud API 3.0.
func checkCloudAPI(jd jsonData, out *Settings) []error {
	var errs []error
	u, err := cloudapi.ParseEndpoint(strings.TrimSpace(jd.CloudAPIURL))
	if err != nil {
		errs = append(errs, err)
	} else {
		out.CloudAPIURL = u.String()
	}
	out.SecretID = strings.TrimSpace(jd.SecretID)
	switch {
	case out.SecretID == "":
		errs = append(errs, errors.New("the SecretId is missing: create or copy an API key in the "+cloudapi.WhereKeys))
	case len(out.SecretID) > maxSecretIDLength || strings.ContainsFunc(out.SecretID, func(r rune) bool { return r <= ' ' || r > '~' }):
		errs = append(errs, fmt.Errorf("the SecretId %s is not one: it is letters and digits, such as AKID…, with no spaces", quoteClip(out.SecretID)))
	}
	if strings.TrimSpace(out.SecretKey) == "" {
		errs = append(errs, errors.New("the SecretKey is missing: enter the SecretKey shown with the SecretId in the "+cloudapi.WhereKeys))
	}
	return errs
}
