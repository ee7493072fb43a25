package models

//go:generate go run ../../cmd/genlimits -o ../../src/limits.json

import (
	"encoding/json"
	"regexp"
	"time"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/cloudapi"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/collect"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/legacy"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
)

// Range is the accepted span of a count setting, with its default.
type Range struct {
	Min     int `json:"min"`
	Max     int `json:"max"`
	Default int `json:"default"`
}

// Limits is the one statement of what the settings and the query accept.
// The config page reads it as src/limits.json (written by go generate), so
// that the page marks exactly what the backend refuses.
type Limits struct {
	APIURL      string   `json:"apiUrl"`
	CloudAPIURL string   `json:"cloudApiUrl"`
	Upstreams   []string `json:"upstreams"`
	// CloudAPIMetrics are the metrics of Cloud API 3.0 (the legacy
	// upstream's are the first three).
	CloudAPIMetrics   []string `json:"cloudApiMetrics"`
	MaxSecretIDLength int      `json:"maxSecretIdLength"`
	Timezone          string   `json:"timezone"`
	// Counts are whole numbers written as digits only, as JSON numbers or
	// strings: CountPattern. 1e1, 10.0, 0x10 and +10 are refused on both sides.
	Counts map[string]Range `json:"counts"`
	// MinSettleMinutes is, per upstream, the settle time actually used at
	// the least: a minute past the upstream's delay.
	MinSettleMinutes map[string]int `json:"minSettleMinutes"`
	// WhereKeys is, per upstream, where an account finds its keys.
	WhereKeys map[string]string `json:"whereKeys"`
	// PlainHTTPWarning is said of an http:// statistics API URL.
	PlainHTTPWarning string `json:"plainHttpWarning"`
	CountPattern     string `json:"countPattern"`
	// CmdPattern is a positive whole number below 2^63.
	CmdPattern        string `json:"cmdPattern"`
	MaxDomainLength   int    `json:"maxDomainLength"`
	MaxStreamIDLength int    `json:"maxStreamIdLength"`
	// What the query's choices accept, for the editors.
	QueryTypes []string `json:"queryTypes"`
	Statistics []string `json:"statistics"`
	// MaxNewest is the most minutes a summary over the newest minutes takes.
	MaxNewest int `json:"maxNewest"`
	// MaxLiveLimit is the most streams a stream list's limit keeps.
	MaxLiveLimit int      `json:"maxLiveLimit"`
	OrderBy      []string `json:"orderBy"`
	// Services are Cloud API 3.0's services a query may narrow to, on
	// the ServiceQueryTypes.
	Services          []string `json:"services"`
	ServiceQueryTypes []string `json:"serviceQueryTypes"`
	// CloudAPIQueryTypes are answered by Cloud API 3.0 only.
	CloudAPIQueryTypes []string `json:"cloudApiQueryTypes"`
	// BillingGranularities are the billing points' widths, in minutes.
	BillingGranularities []int `json:"billingGranularities"`
	// CloudAPIActions are the actions a Cloud API key's CAM policy must
	// allow.
	CloudAPIActions []string `json:"cloudApiActions"`
	// ErrorClasses are the HTTP error classes an errors query counts.
	ErrorClasses []string `json:"errorClasses"`
}

const countPattern = `^[0-9]{1,6}$`

var countRe = regexp.MustCompile(countPattern)

// SettingsLimits returns the limits in force.
func SettingsLimits() Limits {
	return Limits{
		APIURL:            legacy.DefaultEndpoint,
		CloudAPIURL:       cloudapi.DefaultEndpoint,
		Upstreams:         Upstreams,
		CloudAPIMetrics:   CloudAPIMetrics,
		MaxSecretIDLength: maxSecretIDLength,
		Timezone:          DefaultTimezone,
		Counts: map[string]Range{
			"maxConcurrency":       {Min: 1, Max: MaxMaxConcurrency, Default: DefaultMaxConcurrency},
			"maxStreams":           {Min: 1, Max: MaxMaxStreams, Default: DefaultMaxStreams},
			"timeoutSeconds":       {Min: 1, Max: MaxTimeoutSeconds, Default: DefaultTimeoutSeconds},
			"maxRequestsPerSecond": {Min: 0, Max: MaxMaxRequestsPerSecond, Default: 0},
			"cacheMegabytes":       {Min: 1, Max: MaxCacheMegabytes, Default: DefaultCacheMegabytes},
			"settleMinutes":        {Min: 1, Max: MaxSettleMinutes, Default: DefaultSettleMinutes},
		},
		MinSettleMinutes: map[string]int{
			UpstreamLegacy:   int(collect.MinSettle(planner.Legacy) / time.Minute),
			UpstreamCloudAPI: int(collect.MinSettle(planner.CloudAPI) / time.Minute),
		},
		WhereKeys:            map[string]string{UpstreamLegacy: legacy.WhereKeys, UpstreamCloudAPI: cloudapi.WhereKeys},
		PlainHTTPWarning:     legacy.PlainHTTPWarning,
		CountPattern:         countPattern,
		CmdPattern:           legacy.CmdPattern,
		MaxDomainLength:      MaxDomainLength,
		MaxStreamIDLength:    MaxStreamIDLength,
		QueryTypes:           QueryTypes,
		Statistics:           AllStatistics,
		MaxNewest:            MaxNewest,
		MaxLiveLimit:         MaxLiveLimit,
		OrderBy:              []string{OrderByName, OrderByViewers},
		Services:             Services,
		ServiceQueryTypes:    serviceQueryTypes,
		CloudAPIQueryTypes:   CloudAPIQueryTypes,
		BillingGranularities: planner.BillGranularities,
		CloudAPIActions:      cloudapi.Actions,
		ErrorClasses:         cloudapi.ErrorClasses,
	}
}

// LimitsJSON is the content of src/limits.json.
func LimitsJSON() []byte {
	b, err := json.MarshalIndent(SettingsLimits(), "", "  ")
	if err != nil {
		panic(err) // a struct of strings and numbers always marshals
	}
	return append(b, '\n')
}
