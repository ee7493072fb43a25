package legacy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/upstream"
)

// LiveInterface lists the streams playing now, with their bandwidth and
// viewers at this minute. Same endpoint and signature as Interface.
const LiveInterface = "Get_LivePlayStat"

// MaxPageSize is the largest page the interface serves.
const MaxPageSize = 300

// RetNoLiveStream is the ret of a real-time interface when nothing plays.
const RetNoLiveStream = 1301

// maxLivePages bounds one listing at upstream.MaxLiveStreams.
const maxLivePages = upstream.MaxLiveStreams / MaxPageSize

// LiveURL is the unsigned URL of one page of the listing.
func (c *Client) LiveURL(domain string, page, size int) string {
	v := url.Values{}
	v.Set("cmd", c.cmd)
	v.Set("interface", LiveInterface)
	v.Set("Param.n.page_no", strconv.Itoa(page))
	v.Set("Param.n.page_size", strconv.Itoa(size))
	if domain != "" {
		v.Set("Param.s.domain", domain)
	}
	u := *c.endpoint
	u.RawQuery = v.Encode()
	return u.String()
}

// LivePlayStat lists every stream playing now, all pages of it. The
// interface's page documents no domain parameter; the plugin sends the
// history interface's Param.s.domain, and if the upstream refuses it as a
// parameter, asks again without it and says so in the snapshot.
func (c *Client) LivePlayStat(ctx context.Context, domain string) (*upstream.Snapshot, error) {
	snap, err := c.livePages(ctx, domain)
	if domain != "" && upstream.KindOf(err) == upstream.KindInvalidParameter {
		if snap, err = c.livePages(ctx, ""); err == nil {
			snap.DomainIgnored = true
		}
	}
	return snap, err
}

func (c *Client) livePages(ctx context.Context, domain string) (*upstream.Snapshot, error) {
	snap := &upstream.Snapshot{}
	seen := map[string]bool{}
	for page := 1; ; page++ {
		u := c.LiveURL(domain, page, MaxPageSize)
		p, err := retry(ctx, c.retry, func() (*livePage, error) { return get(ctx, c, u, parseLive) })
		if err != nil {
			return nil, err
		}
		snap.Pages = page
		if page == 1 {
			snap.TotalBandwidth, snap.TotalOnline, snap.StreamCount = p.totalBandwidth, p.totalOnline, p.count
		}
		fresh := 0
		for _, s := range p.streams {
			if seen[s.Name] {
				snap.Repeated++
				continue
			}
			seen[s.Name] = true
			snap.Streams = append(snap.Streams, s)
			fresh++
		}
		snap.Rejected += p.rejected
		got := len(p.streams) + p.rejected
		// The last page is short; a count, when given, says so sooner; a
		// page that brings nothing new means the server does not page.
		if got < MaxPageSize || (snap.StreamCount > 0 && len(snap.Streams)+snap.Rejected >= snap.StreamCount) || fresh == 0 {
			break
		}
		if page == maxLivePages {
			snap.Truncated = true
			break
		}
	}
	if snap.StreamCount < len(snap.Streams) {
		snap.StreamCount = len(snap.Streams)
	}
	return snap, nil
}

type livePage struct {
	streams                     []upstream.LiveStream
	totalBandwidth, totalOnline upstream.Num
	count                       int
	rejected                    int
}

type liveOutput struct {
	StreamCount    flexNum           `json:"stream_count"`
	StreamInfo     []json.RawMessage `json:"stream_info"`
	TotalBandwidth flexNum           `json:"total_bandwidth"`
	TotalOnline    flexNum           `json:"total_online"`
}

type liveRow struct {
	StreamName json.RawMessage `json:"stream_name"`
	Bandwidth  flexNum         `json:"bandwidth"`
	Online     flexNum         `json:"online"`
}

// parseLive reads one page. "Nothing plays" comes as ret 1301, as 10003, or
// as an empty output: all three are an empty page, not a failure.
func parseLive(body []byte) (*livePage, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, notJSON(body, err)
	}
	code, msg, err := env.status(body)
	if err != nil {
		return nil, err
	}
	if code == RetNoLiveStream {
		return &livePage{}, nil
	}
	if e := classify(code, msg); e != nil {
		return nil, e
	}
	raw := bytes.TrimSpace(env.Output)
	if code == RetEmpty || isEmptyJSON(raw) {
		return &livePage{}, nil
	}
	if raw[0] == '[' {
		// The seed's tables call output an array; take its one element.
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil || len(items) != 1 {
			return nil, &Error{Kind: upstream.KindBadResponse, Detail: fmt.Sprintf("output: an array of %d elements, want one object", len(items))}
		}
		raw = items[0]
	}
	var out liveOutput
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, &Error{Kind: upstream.KindBadResponse, Detail: "output: " + err.Error(), Err: err}
	}
	p := &livePage{totalBandwidth: upstream.Num(out.TotalBandwidth), totalOnline: upstream.Num(out.TotalOnline)}
	if out.StreamCount.Valid && out.StreamCount.Value > 0 {
		p.count = int(out.StreamCount.Value)
	}
	for _, item := range out.StreamInfo {
		var r liveRow
		var name string
		if json.Unmarshal(item, &r) != nil || json.Unmarshal(r.StreamName, &name) != nil || strings.TrimSpace(name) == "" {
			p.rejected++
			continue
		}
		p.streams = append(p.streams, upstream.LiveStream{Name: name, Bandwidth: upstream.Num(r.Bandwidth), Online: upstream.Num(r.Online)})
	}
	return p, nil
}
