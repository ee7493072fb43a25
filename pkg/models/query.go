package models

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"golang.org/x/net/idna"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/cloudapi"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/downsample"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
)

// Limits of the query's free-text fields. A host name has at most 253
// characters in labels of at most 63; stream IDs are Tencent's to choose,
// and 256 leaves room for any real one while keeping a URL well under what
// servers accept.
const (
	MaxDomainLength   = 253
	maxLabelLength    = 63
	MaxStreamIDLength = 256
)

// Query types.
const (
	QueryTypeTimeSeries = "timeseries"
	QueryTypeSummary    = "summary"
	// QueryTypeLive is the streams playing now, one row each.
	QueryTypeLive = "live"
	// QueryTypeStreams is the stream IDs playing now, for a dashboard
	// variable.
	QueryTypeStreams = "streams"
	// QueryTypeBilling is Tencent's billing points: billable bandwidth
	// and traffic every 5 minutes, hour or day (Cloud API 3.0).
	QueryTypeBilling = "billing"
	// QueryTypeBillingTotals is the figures Tencent bills a range by:
	// peak and 95th-percentile bandwidth, and traffic (Cloud API 3.0).
	QueryTypeBillingTotals = "billingTotals"
	// QueryTypeErrors is playback requests answered with an HTTP error,
	// per minute and class (4xx, 5xx) (Cloud API 3.0).
	QueryTypeErrors = "errors"
	// QueryTypeRegions is playback by province and ISP, per minute
	// (Cloud API 3.0).
	QueryTypeRegions = "regions"
	// QueryTypeEvents is the streams' push sessions, as annotations
	// (Cloud API 3.0).
	QueryTypeEvents = "events"
)

// QueryTypes lists every query type, in the order the errors name them.
var QueryTypes = []string{QueryTypeTimeSeries, QueryTypeSummary, QueryTypeLive, QueryTypeStreams,
	QueryTypeBilling, QueryTypeBillingTotals, QueryTypeErrors, QueryTypeRegions, QueryTypeEvents}

// CloudAPIQueryTypes are the query types only Tencent Cloud API 3.0
// answers.
var CloudAPIQueryTypes = []string{QueryTypeBilling, QueryTypeBillingTotals, QueryTypeErrors, QueryTypeRegions, QueryTypeEvents}

// domainQueryTypes are per domain or account, never per stream.
var domainQueryTypes = []string{QueryTypeBilling, QueryTypeBillingTotals, QueryTypeErrors, QueryTypeRegions}

// Formats of a regions query: a series per province and ISP, or a row
// each (a table a bar gauge or a table panel shows).
const (
	FormatTimeSeries = "timeseries"
	FormatTable      = "table"
)

// MaxRegionNames bounds a regions query's provinces and ISPs.
const MaxRegionNames = 64

// billingQueryTypes are the query types of the billing data.
var billingQueryTypes = []string{QueryTypeBilling, QueryTypeBillingTotals}

// BillingMetrics are the metrics of the billing data.
var BillingMetrics = []string{MetricBandwidth, MetricFlux}

// Summary statistics, which are also the summary frame's number fields.
const (
	StatSumFlux       = "sum_flux"
	StatPeakBandwidth = "peak_bandwidth"
	StatP95Bandwidth  = "p95_bandwidth"
	StatPeakOnline    = "peak_online"
	StatAvgOnline     = "avg_online"
	StatMinBandwidth  = "min_bandwidth"
)

// AllStatistics is the order of the summary's number fields.
var AllStatistics = []string{StatSumFlux, StatPeakBandwidth, StatP95Bandwidth, StatPeakOnline, StatAvgOnline, StatMinBandwidth}

// MaxLiveLimit bounds a stream list's limit: the most streams a data
// source lets a query name.
const MaxLiveLimit = MaxMaxStreams

// MaxNewest bounds a summary's newest minutes: an alert rule's window.
const MaxNewest = 60

// Orders of a stream list.
const (
	OrderByName    = "name"
	OrderByViewers = "viewers"
)

// maxFilterLength bounds the regular expression of a stream list.
const maxFilterLength = 512

// Metric names, which are also the value field names of the frames.
const (
	MetricBandwidth = "bandwidth"
	MetricOnline    = "online"
	MetricFlux      = "flux"
)

// MetricRequests is the playback requests a minute, which only Tencent
// Cloud API 3.0 reports.
const MetricRequests = "requests"

// AllMetrics is the order metrics are answered in.
var AllMetrics = []string{MetricBandwidth, MetricOnline, MetricFlux}

// CloudAPIMetrics are the metrics of Tencent Cloud API 3.0.
var CloudAPIMetrics = []string{MetricBandwidth, MetricOnline, MetricFlux, MetricRequests}

// MetricsOf are the metrics an upstream answers, in answer order.
func MetricsOf(upstream string) []string {
	if upstream == UpstreamCloudAPI {
		return CloudAPIMetrics
	}
	return AllMetrics
}

// Services of Tencent Cloud API 3.0, which bills them apart: standard
// live and fast (WebRTC) live. A query without one has both together.
const (
	ServiceLVB = "LVB"
	ServiceLEB = "LEB"
)

// Services lists the services a query may narrow to.
var Services = []string{ServiceLVB, ServiceLEB}

// queryModel is the query JSON the editor saves.
type queryModel struct {
	QueryType string      `json:"queryType"`
	Domain    string      `json:"domain"`
	StreamID  string      `json:"streamId"`
	Metrics   flexStrings `json:"metrics"`
	// Aggregation combines bandwidth and viewers when a long range is
	// shown in buckets wider than a minute: "max" (default) or "avg".
	Aggregation string `json:"aggregation"`
	// Statistic narrows a summary to one number field, for alerting in
	// Grafana versions that take one number per row.
	Statistic string `json:"statistic"`
	// Newest narrows a summary to the newest N minutes of the range that
	// have arrived, whatever the upstream's delay: what an alert rule
	// means by "the last five minutes".
	Newest flexCount `json:"newest"`
	// Filter (a regular expression) and OrderBy shape a stream list.
	Filter  string `json:"filter"`
	OrderBy string `json:"orderBy"`
	// Limit keeps the first streams of a list (after its order): "the top
	// five" for a dashboard variable whose All means the busiest.
	Limit flexCount `json:"limit"`
	// ServiceName narrows Cloud API 3.0's figures to one service.
	ServiceName string `json:"serviceName"`
	// Granularity is the billing points' width in minutes: 5, 60 or 1440.
	Granularity flexCount `json:"granularity"`
	// Codes are the HTTP error classes of an errors query: 4xx, 5xx.
	Codes flexStrings `json:"codes"`
	// Provinces and ISPs narrow a regions query (Tencent's names); Top
	// keeps its busiest province and ISP pairs; Format chooses series or
	// a table.
	Provinces flexStrings `json:"provinces"`
	ISPs      flexStrings `json:"isps"`
	Top       flexCount   `json:"top"`
	Format    string      `json:"format"`
}

// Query is a checked query.
type Query struct {
	Type        string
	Domain      string
	Streams     []string // "" alone stands for the total of all streams
	Metrics     []string
	Aggregation downsample.Aggregation
	Statistic   string   // summary only; "" for every statistic
	Newest      int      // summary only: the newest minutes that arrived; 0 for the whole range
	Filter      string   // live and streams: a checked regular expression
	OrderBy     string   // streams: OrderByName or OrderByViewers
	Limit       int      // live and streams: the first streams kept; 0 for all
	Service     string   // ServiceLVB, ServiceLEB, or "" for both (Cloud API 3.0 only)
	Granularity int      // billing: 5, 60 or 1440 minutes; 0 for the finest the panel shows
	Codes       []string // errors: the HTTP error classes, in cloudapi.ErrorClasses' order
	Provinces   []string // regions: Tencent's province names; none for all
	ISPs        []string // regions: Tencent's ISP names; none for all
	Top         int      // regions: the busiest province and ISP pairs kept; 0 for all
	Format      string   // regions: FormatTimeSeries or FormatTable
}

// ParseQuery reads and checks one query of a request to the legacy upstream.
func ParseQuery(q backend.DataQuery, maxStreams int) (Query, error) {
	return ParseQueryFor(q, maxStreams, UpstreamLegacy)
}

// ParseQueryFor reads and checks one query of a request to upstream.
func ParseQueryFor(q backend.DataQuery, maxStreams int, upstream string) (Query, error) {
	metrics := MetricsOf(upstream)
	var m queryModel
	if len(bytes.TrimSpace(q.JSON)) > 0 {
		if err := json.Unmarshal(q.JSON, &m); err != nil {
			return Query{}, queryJSONError(err)
		}
	}
	var err error
	out := Query{Type: strings.TrimSpace(q.QueryType)}
	if out.Type == "" {
		out.Type = strings.TrimSpace(m.QueryType)
	}
	if out.Type == "" {
		out.Type = QueryTypeTimeSeries
	}
	if !slices.Contains(QueryTypes, out.Type) {
		return Query{}, fmt.Errorf("query type %s is unknown: use one of %s", quoteClip(out.Type), strings.Join(QueryTypes, ", "))
	}
	if slices.Contains(CloudAPIQueryTypes, out.Type) && upstream != UpstreamCloudAPI {
		return Query{}, fmt.Errorf("query type %s is answered by Tencent Cloud API 3.0 only; the statistics interface (Get_LivePlayStatHistory) has no such data: add a data source on Cloud API 3.0 (SecretId and SecretKey) for it", out.Type)
	}
	if out.Granularity, err = checkGranularity(m.Granularity, out.Type); err != nil {
		return Query{}, err
	}
	if slices.Contains(billingQueryTypes, out.Type) {
		metrics = BillingMetrics
	}
	if slices.Contains(domainQueryTypes, out.Type) && strings.TrimSpace(m.StreamID) != "" {
		return Query{}, fmt.Errorf("%s queries are per domain or account, not per stream: remove the stream IDs", out.Type)
	}
	if out.Codes, err = checkCodes(m.Codes, out.Type); err != nil {
		return Query{}, err
	}
	if err := checkRegions(m, &out); err != nil {
		return Query{}, err
	}
	if err := checkListOptions(m, &out); err != nil {
		return Query{}, err
	}
	if out.Service, err = checkService(m.ServiceName, out.Type, upstream); err != nil {
		return Query{}, err
	}

	if out.Domain, err = CheckDomain(m.Domain); err != nil {
		return Query{}, err
	}

	out.Streams = SplitStreams(m.StreamID)
	if len(out.Streams) > maxStreams {
		return Query{}, fmt.Errorf("the query names %d streams, more than the %d this data source allows: choose fewer streams, or raise Max streams in the data source settings",
			len(out.Streams), maxStreams)
	}
	for _, s := range out.Streams {
		if err := CheckStreamID(s); err != nil {
			return Query{}, err
		}
	}
	if len(out.Streams) == 0 {
		out.Streams = []string{""}
	}

	for _, name := range m.Metrics {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		if name == MetricRequests && upstream != UpstreamCloudAPI {
			return Query{}, errors.New("metric requests is reported only by Tencent Cloud API 3.0: choose that upstream in the data source settings, or remove the metric")
		}
		if !slices.Contains(metrics, name) {
			return Query{}, fmt.Errorf("metric %s is unknown: use %s", quoteClip(name), strings.Join(metrics, ", "))
		}
		if !slices.Contains(out.Metrics, name) {
			out.Metrics = append(out.Metrics, name)
		}
	}
	if out.Aggregation, err = downsample.Parse(strings.ToLower(strings.TrimSpace(m.Aggregation))); err != nil {
		return Query{}, err
	}
	if len(out.Metrics) == 0 {
		out.Metrics = metrics
	} else {
		// Answer in a stable order, whatever order they were picked in.
		slices.SortFunc(out.Metrics, func(a, b string) int {
			return slices.Index(metrics, a) - slices.Index(metrics, b)
		})
	}
	return out, nil
}

// queryJSONError names the field of the wrong type, when that is what
// went wrong, rather than calling the whole query broken.
func queryJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		want := "a string"
		if te.Field == "metrics" {
			want = "a list of metric names"
		}
		return fmt.Errorf("the query's field %q must be %s, not a JSON %s; open the query in the query editor and save it again", te.Field, want, te.Value)
	}
	var fe *fieldError
	if errors.As(err, &fe) {
		return fmt.Errorf("the query's field %q is invalid: %v; open the query in the query editor and save it again", fe.field, fe.err)
	}
	return fmt.Errorf("the query is not valid JSON (%v); open it in the query editor and save it again", err)
}

// CheckDomain returns the playback domain in the form sent to Tencent:
// trimmed, lower case, an internationalised name in its punycode form.
// Empty is allowed: it asks for every domain of the APPID.
func CheckDomain(raw string) (string, error) {
	d := strings.TrimSpace(raw)
	if d == "" {
		return "", nil
	}
	if utf8.RuneCountInString(d) > MaxDomainLength {
		return "", fmt.Errorf("domain %s is %d characters long; a host name has at most %d: enter the playback domain alone, such as play.example.com",
			quoteClip(d), utf8.RuneCountInString(d), MaxDomainLength)
	}
	ascii, err := idna.Lookup.ToASCII(d)
	if err == nil && len(ascii) > MaxDomainLength {
		err = fmt.Errorf("longer than %d characters in punycode", MaxDomainLength)
	}
	if err == nil {
		for label := range strings.SplitSeq(strings.TrimSuffix(ascii, "."), ".") {
			if label == "" || len(label) > maxLabelLength {
				err = fmt.Errorf("a label is empty or longer than %d characters", maxLabelLength)
				break
			}
		}
	}
	if err != nil {
		return "", fmt.Errorf("domain %s is not a host name (%v): enter the original playback domain alone, such as play.example.com, without scheme, path or port",
			quoteClip(d), err)
	}
	return ascii, nil
}

// CheckStreamID accepts a stream ID of at most MaxStreamIDLength printable
// characters, with no space and none of the characters that separate query
// parameters: those are almost always a pasted URL rather than an ID.
func CheckStreamID(s string) error {
	if n := utf8.RuneCountInString(s); n > MaxStreamIDLength {
		return fmt.Errorf("stream ID %s is %d characters long; the limit is %d: enter the stream ID (the stream name in the push URL), not a URL",
			quoteClip(s), n, MaxStreamIDLength)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || r == ' ' {
			return fmt.Errorf("stream ID %s contains a space or an invisible control character (%U): enter stream IDs separated by commas", quoteClip(s), r)
		}
	}
	if strings.ContainsAny(s, "&=?#") {
		return fmt.Errorf("stream ID %s contains a URL delimiter (& = ? #): enter the stream ID alone, not a URL", quoteClip(s))
	}
	return nil
}

// quoteClip quotes a user's value for an error message, cut short so that
// a 100 kB paste does not come back in full.
func quoteClip(s string) string {
	const n = 40
	if utf8.RuneCountInString(s) <= n {
		return fmt.Sprintf("%q", s)
	}
	runes := []rune(s)
	return fmt.Sprintf("%q…", string(runes[:n]))
}

// SplitStreams splits a comma-separated list of stream IDs, which is how a
// multi-value template variable arrives, and drops blanks and repeats. The
// braces of Grafana's default multi-value format are accepted too.
func SplitStreams(s string) []string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
		s = s[1 : len(s)-1]
	}
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part != "" && !slices.Contains(out, part) {
			out = append(out, part)
		}
	}
	return out
}

// flexStrings accepts a list of strings or one comma-separated string.
type flexStrings []string

func (f *flexStrings) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = nil
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = strings.Split(s, ",")
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return &fieldError{field: "metrics", err: errors.New("it must be a list of metric names such as [\"bandwidth\"]")}
	}
	*f = list
	return nil
}

// fieldError is a field's own complaint, from a custom unmarshaller.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.field + ": " + e.err.Error() }
func (e *fieldError) Unwrap() error { return e.err }

// checkListOptions reads the statistic of a summary and the filter and
// order of a stream list.
func checkListOptions(m queryModel, out *Query) error {
	out.Statistic = strings.ToLower(strings.TrimSpace(m.Statistic))
	if out.Statistic != "" && !slices.Contains(AllStatistics, out.Statistic) {
		return fmt.Errorf("statistic %s is unknown: use one of %s, or leave it empty for all of them",
			quoteClip(out.Statistic), strings.Join(AllStatistics, ", "))
	}
	if m.Newest.err != nil {
		return fmt.Errorf("newest: %w", m.Newest.err)
	}
	if m.Newest.set {
		if m.Newest.n < 1 || m.Newest.n > MaxNewest {
			return fmt.Errorf("newest is %d: a summary over the newest minutes takes 1 to %d of them, or leave it empty for the whole range", m.Newest.n, MaxNewest)
		}
		if out.Type != QueryTypeSummary {
			return fmt.Errorf("newest applies to summary queries only; this query is %s", out.Type)
		}
		out.Newest = m.Newest.n
	}
	out.Filter = strings.TrimSpace(m.Filter)
	if len(out.Filter) > maxFilterLength {
		return fmt.Errorf("the stream filter is %d characters long; keep it under %d", len(out.Filter), maxFilterLength)
	}
	if out.Filter != "" {
		if _, err := regexp.Compile(out.Filter); err != nil {
			return fmt.Errorf("the stream filter %s is not a valid regular expression (%v): write it in RE2 syntax, such as ^live_", quoteClip(out.Filter), err)
		}
	}
	if m.Limit.err != nil {
		return fmt.Errorf("limit: %w", m.Limit.err)
	}
	if m.Limit.set {
		if m.Limit.n < 1 || m.Limit.n > MaxLiveLimit {
			return fmt.Errorf("limit is %d: a list keeps 1 to %d streams, or leave it empty for all of them", m.Limit.n, MaxLiveLimit)
		}
		out.Limit = m.Limit.n
	}
	out.OrderBy = strings.ToLower(strings.TrimSpace(m.OrderBy))
	switch out.OrderBy {
	case "":
		out.OrderBy = OrderByName
	case OrderByName, OrderByViewers:
	default:
		return fmt.Errorf("order %s is unknown: use %q or %q", quoteClip(out.OrderBy), OrderByName, OrderByViewers)
	}
	return nil
}

// serviceQueryTypes are the query types a service narrows.
var serviceQueryTypes = []string{QueryTypeTimeSeries, QueryTypeSummary, QueryTypeBilling, QueryTypeBillingTotals}

// checkService reads a query's service: one of Services, in any case, or
// empty for both.
func checkService(raw, queryType, upstream string) (string, error) {
	service := strings.ToUpper(strings.TrimSpace(raw))
	if service == "" {
		return "", nil
	}
	if !slices.Contains(Services, service) {
		return "", fmt.Errorf("serviceName %s is unknown: use %s (standard live), %s (fast live, WebRTC), or leave it empty for both",
			quoteClip(raw), ServiceLVB, ServiceLEB)
	}
	if upstream != UpstreamCloudAPI {
		return "", fmt.Errorf("serviceName narrows Tencent Cloud API 3.0's figures; the statistics interface (Get_LivePlayStatHistory) has no such filter: choose Cloud API 3.0 in the data source settings, or leave serviceName empty")
	}
	if !slices.Contains(serviceQueryTypes, queryType) {
		return "", fmt.Errorf("serviceName applies to %s queries; the streams playing now are listed for both services: leave it empty", strings.Join(serviceQueryTypes, " and "))
	}
	return service, nil
}

// checkGranularity reads a billing query's point width: 5, 60 or 1440
// minutes, or empty for the finest the panel can show.
func checkGranularity(c flexCount, queryType string) (int, error) {
	if c.err != nil {
		return 0, fmt.Errorf("granularity: %w", c.err)
	}
	if !c.set {
		return 0, nil
	}
	if queryType != QueryTypeBilling {
		return 0, fmt.Errorf("granularity applies to %s queries only; this query is %s", QueryTypeBilling, queryType)
	}
	if !slices.Contains(planner.BillGranularities, c.n) {
		return 0, fmt.Errorf("granularity %d is not one Tencent offers: use 5, 60 or 1440 minutes, or leave it empty for the finest the panel can show", c.n)
	}
	return c.n, nil
}

// checkCodes reads an errors query's classes: any of cloudapi.ErrorClasses,
// in any case; none for all of them.
func checkCodes(raw []string, queryType string) ([]string, error) {
	var out []string
	for _, c := range raw {
		c = strings.ToLower(strings.TrimSpace(c))
		if c == "" {
			continue
		}
		if queryType != QueryTypeErrors {
			return nil, fmt.Errorf("codes apply to %s queries only; this query is %s", QueryTypeErrors, queryType)
		}
		if !slices.Contains(cloudapi.ErrorClasses, c) {
			return nil, fmt.Errorf("code %s is not an error class Tencent counts: use %s", quoteClip(c), strings.Join(cloudapi.ErrorClasses, " or "))
		}
		out = append(out, c)
	}
	if queryType != QueryTypeErrors {
		return nil, nil
	}
	var ordered []string
	for _, c := range cloudapi.ErrorClasses {
		if len(out) == 0 || slices.Contains(out, c) {
			ordered = append(ordered, c)
		}
	}
	return ordered, nil
}

// checkRegions reads a regions query's provinces, ISPs, top and format;
// on another query type they must be empty.
func checkRegions(m queryModel, out *Query) error {
	names := func(field string, raw []string) ([]string, error) {
		var list []string
		for _, n := range raw {
			if n = strings.TrimSpace(n); n == "" {
				continue
			}
			if utf8.RuneCountInString(n) > maxLabelLength || strings.ContainsFunc(n, unicode.IsControl) {
				return nil, fmt.Errorf("%s: %s is not a province or ISP name as Tencent writes them (such as 广东省, 电信)", field, quoteClip(n))
			}
			if !slices.Contains(list, n) {
				list = append(list, n)
			}
		}
		if len(list) > MaxRegionNames {
			return nil, fmt.Errorf("%s names %d places; at most %d", field, len(list), MaxRegionNames)
		}
		return list, nil
	}
	var err error
	if out.Provinces, err = names("provinces", m.Provinces); err != nil {
		return err
	}
	if out.ISPs, err = names("isps", m.ISPs); err != nil {
		return err
	}
	if m.Top.err != nil {
		return fmt.Errorf("top: %w", m.Top.err)
	}
	out.Format = strings.ToLower(strings.TrimSpace(m.Format))
	regions := out.Type == QueryTypeRegions
	if !regions {
		if len(out.Provinces)+len(out.ISPs) > 0 || m.Top.set || out.Format != "" {
			return fmt.Errorf("provinces, isps, top and format apply to %s queries only; this query is %s", QueryTypeRegions, out.Type)
		}
		return nil
	}
	if m.Top.set {
		if m.Top.n < 1 || m.Top.n > MaxLiveLimit {
			return fmt.Errorf("top is %d: keep 1 to %d of the busiest province and ISP pairs, or leave it empty for all of them", m.Top.n, MaxLiveLimit)
		}
		out.Top = m.Top.n
	}
	switch out.Format {
	case "":
		out.Format = FormatTimeSeries
	case FormatTimeSeries, FormatTable:
	default:
		return fmt.Errorf("format %s is unknown: use %q (a series per province and ISP) or %q (a row each)", quoteClip(m.Format), FormatTimeSeries, FormatTable)
	}
	return nil
}
