package plugin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// Query types.
const (
	QueryTypeTimeSeries = "timeseries"
	QueryTypeSummary    = "summary"
)

// Metric names, which are also the value field names of the frames.
const (
	MetricBandwidth = "bandwidth"
	MetricOnline    = "online"
	MetricFlux      = "flux"
)

// AllMetrics is the order metrics are answered in.
var AllMetrics = []string{MetricBandwidth, MetricOnline, MetricFlux}

// queryModel is the query JSON the editor saves.
type queryModel struct {
	QueryType string      `json:"queryType"`
	Domain    string      `json:"domain"`
	StreamID  string      `json:"streamId"`
	Metrics   flexStrings `json:"metrics"`
}

// Query is a checked query.
type Query struct {
	Type    string
	Domain  string
	Streams []string // "" alone stands for the total of all streams
	Metrics []string
}

// ParseQuery reads and checks one query of a request.
func ParseQuery(q backend.DataQuery, maxStreams int) (Query, error) {
	var m queryModel
	if len(bytes.TrimSpace(q.JSON)) > 0 {
		if err := json.Unmarshal(q.JSON, &m); err != nil {
			return Query{}, fmt.Errorf("the query is not valid JSON (%v); open it in the query editor and save it again", err)
		}
	}
	out := Query{Type: strings.TrimSpace(q.QueryType)}
	if out.Type == "" {
		out.Type = strings.TrimSpace(m.QueryType)
	}
	switch out.Type {
	case "":
		out.Type = QueryTypeTimeSeries
	case QueryTypeTimeSeries, QueryTypeSummary:
	default:
		return Query{}, fmt.Errorf("query type %q is unknown: use %q or %q", out.Type, QueryTypeTimeSeries, QueryTypeSummary)
	}

	out.Domain = strings.TrimSpace(m.Domain)
	if strings.ContainsAny(out.Domain, " \t,/?#&=") {
		return Query{}, fmt.Errorf("domain %q is not a host name: enter the playback domain alone, such as play.example.com", out.Domain)
	}

	out.Streams = SplitStreams(m.StreamID)
	if len(out.Streams) > maxStreams {
		return Query{}, fmt.Errorf("the query names %d streams, more than the %d this data source allows: choose fewer streams, or raise Max streams in the data source settings",
			len(out.Streams), maxStreams)
	}
	for _, s := range out.Streams {
		if strings.ContainsAny(s, " \t&=?#") {
			return Query{}, fmt.Errorf("stream ID %q contains a space or URL delimiter: enter stream IDs separated by commas", s)
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
		if !slices.Contains(AllMetrics, name) {
			return Query{}, fmt.Errorf("metric %q is unknown: use %s", name, strings.Join(AllMetrics, ", "))
		}
		if !slices.Contains(out.Metrics, name) {
			out.Metrics = append(out.Metrics, name)
		}
	}
	if len(out.Metrics) == 0 {
		out.Metrics = AllMetrics
	} else {
		// Answer in a stable order, whatever order they were picked in.
		slices.SortFunc(out.Metrics, func(a, b string) int {
			return slices.Index(AllMetrics, a) - slices.Index(AllMetrics, b)
		})
	}
	return out, nil
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
		return fmt.Errorf("metrics must be a list of names: %w", err)
	}
	*f = list
	return nil
}
