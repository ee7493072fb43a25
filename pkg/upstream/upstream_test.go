package upstream

import (
	"strings"
	"testing"
)

func TestParseNumReadsFiguresAndRefusesTheRest(t *testing.T) {
	for in, want := range map[string]Num{
		`12.5`: {Value: 12.5, Valid: true}, `"12.5"`: {Value: 12.5, Valid: true}, `" 7 "`: {Value: 7, Valid: true},
		`0`: {Value: 0, Valid: true}, `null`: {}, `""`: {}, ``: {},
	} {
		if got, err := ParseNum([]byte(in)); err != nil || got != want {
			t.Errorf("ParseNum(%s) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{`"NaN"`, `"Infinity"`, `"-Inf"`, `"+Inf"`, `true`, `{}`, `[1]`, `"12 MB"`, `1e999`} {
		if got, err := ParseNum([]byte(bad)); err == nil {
			t.Errorf("ParseNum(%s) = %+v, want an error", bad, got)
		}
	}
}

func TestShowURLHidesPasswordsAndQueriesAndClips(t *testing.T) {
	for in, want := range map[string]string{
		"http://user:hunter2@h.example/p?sign=abc": `"http://xxxxx@h.example/p"`,
		"https://h.example/common_access":          `"https://h.example/common_access"`,
	} {
		if got := ShowURL(in); got != want {
			t.Errorf("ShowURL(%q) = %s, want %s", in, got, want)
		}
	}
	if got := ShowURL("http://" + strings.Repeat("a", 5000)); len(got) > 110 {
		t.Errorf("a 5000-character URL is shown in %d characters", len(got))
	}
	if got := Clip("sign=0123456789abcdef0123456789abcdef and more", 100); strings.Contains(got, "0123456789abcdef") {
		t.Errorf("Clip kept a signature: %s", got)
	}
}
