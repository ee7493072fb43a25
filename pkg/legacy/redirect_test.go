package legacy

import (
	"net/url"
	"testing"
)

func TestSameOrigin(t *testing.T) {
	cases := []struct {
		from, to string
		ok       bool
	}{
		{"http://statcgi.video.qcloud.com/common_access", "https://statcgi.video.qcloud.com/common_access", true},
		{"http://statcgi.video.qcloud.com/common_access", "http://statcgi.video.qcloud.com/v2/common_access", true},
		{"http://statcgi.video.qcloud.com/x", "http://STATCGI.video.qcloud.com:80/y", true},
		{"https://statcgi.video.qcloud.com/x", "http://statcgi.video.qcloud.com/x", false},
		{"http://statcgi.video.qcloud.com/x", "http://evil.example/x", false},
		{"http://statcgi.video.qcloud.com/x", "http://statcgi.video.qcloud.com.evil.example/x", false},
		{"http://127.0.0.1:8099/x", "http://127.0.0.1:9000/x", false},
		{"http://127.0.0.1:8099/x", "https://127.0.0.1:8443/x", false},
		{"http://statcgi.video.qcloud.com/x", "ftp://statcgi.video.qcloud.com/x", false},
	}
	for _, tc := range cases {
		from, _ := url.Parse(tc.from)
		to, _ := url.Parse(tc.to)
		if got := sameOrigin(from, to); got != tc.ok {
			t.Errorf("%s → %s: %v, want %v", tc.from, tc.to, got, tc.ok)
		}
	}
}
