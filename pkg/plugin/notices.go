package plugin

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/collect"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/models"
	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/planner"
)

// The notices below are what a user sees on a panel when the answer is not
// the whole, plain truth: they say what is missing or was left out, why,
// and what to do.

// outcome is what a query's series say about their own completeness.
type outcome struct {
	notices         []data.Notice
	failed, windows int
	firstErr        error // the first failure, for the query's error
	zoneErr         error // the time-zone advice, when the series suggest a wrong zone
}

// review turns the plan's notes and every series' failures and left-out rows
// into notices, and picks the errors the query must carry.
func review(series []collect.Series, plan planner.Plan, loc *time.Location, summary bool) outcome {
	var o outcome
	for _, n := range plan.Notices {
		o.notices = append(o.notices, data.Notice{Severity: data.NoticeSeverityWarning, Text: n})
	}
	for i := range series {
		s := &series[i]
		o.windows += s.Windows
		o.failed += len(s.Failures)
		if n := failureNotice(s, loc, summary); n != nil {
			o.notices = append(o.notices, *n)
			if o.firstErr == nil {
				o.firstErr = s.Failures[0].Err
			}
		}
		if n := droppedNotice(s, loc); n != nil {
			o.notices = append(o.notices, *n)
			if s.Dropped.Shift != 0 && o.zoneErr == nil {
				o.zoneErr = errors.New(zoneAdvice(s.Dropped.Shift, loc, s.Dropped.OutsideExample.Time))
			}
		}
	}
	return o
}

// failureNotice says which windows of a stream are missing and why. For a
// summary it also says what share of the range the totals cover.
func failureNotice(s *collect.Series, loc *time.Location, summary bool) *data.Notice {
	if s.Complete() {
		return nil
	}
	f := s.Failures[0]
	spans := make([]string, 0, 3)
	var missing time.Duration
	for i, fl := range s.Failures {
		missing += fl.Window.End.Sub(fl.Window.Start)
		if i == 3 {
			spans = append(spans, fmt.Sprintf("and %d more", len(s.Failures)-3))
			continue
		}
		if i < 3 {
			spans = append(spans, fl.Window.Start.In(loc).Format("01-02 15:04")+"–"+fl.Window.End.In(loc).Format("15:04"))
		}
	}
	text := fmt.Sprintf("%s: %d of %d windows failed, so the data has gaps (%s): %v",
		streamTitle(s), len(s.Failures), s.Windows, strings.Join(spans, ", "), f.Err)
	if summary {
		if s.Answered() {
			text += fmt.Sprintf(" The totals of this row cover only the windows that answered, %s less than the range.", roundMinutes(missing))
		} else {
			text += " No window answered, so this row's totals are empty rather than zero."
		}
	}
	return &data.Notice{Severity: data.NoticeSeverityWarning, Text: text}
}

// droppedNotice accounts for every row the upstream sent that is not shown.
func droppedNotice(s *collect.Series, loc *time.Location) *data.Notice {
	d := s.Dropped
	if !d.Any() {
		return nil
	}
	var parts []string
	if d.Outside > 0 {
		w := d.OutsideExample.Window
		parts = append(parts, fmt.Sprintf("%d minutes came back outside the window they were asked for and were left out (such as %s for the window %s–%s)",
			d.Outside, d.OutsideExample.Time.In(loc).Format(time.DateTime), w.Start.In(loc).Format("01-02 15:04"), w.End.In(loc).Format("15:04")))
	}
	if d.Duplicates > 0 {
		parts = append(parts, fmt.Sprintf("%d minutes came back twice in one answer and only the first of each was kept (such as %s)",
			d.Duplicates, d.DuplicateExample.In(loc).Format(time.DateTime)))
	}
	if d.Unreadable > 0 {
		parts = append(parts, fmt.Sprintf("%d rows could not be read and were left out (%s)", d.Unreadable, d.UnreadableExample))
	}
	text := streamTitle(s) + ": " + strings.Join(parts, "; ") + "."
	if d.Shift != 0 {
		text += " " + zoneAdvice(d.Shift, loc, d.OutsideExample.Time)
	} else {
		text += " If this repeats, the API is answering something other than what was asked: check the API URL."
	}
	return &data.Notice{Severity: data.NoticeSeverityWarning, Text: text}
}

// beijingOffset is the zone Tencent writes its times in.
const beijingOffset = 8 * time.Hour

// likelyShift is the shift a Beijing-time upstream shows when its times are
// read in loc: what collect should name when several shifts fit.
func likelyShift(loc *time.Location, at time.Time) time.Duration {
	_, off := at.In(loc).Zone()
	return beijingOffset - time.Duration(off)*time.Second
}

// zoneAdvice names the time-zone setting that would put the upstream's
// minutes where they belong, given that they came back shifted by d.
func zoneAdvice(d time.Duration, loc *time.Location, at time.Time) string {
	_, off := at.In(loc).Zone()
	api := time.Duration(off)*time.Second + d
	return fmt.Sprintf("The API's times look like %s, but the data source reads them as %s (Time zone %q): set Time zone to %s in the data source settings.",
		utcOffset(api), utcOffset(time.Duration(off)*time.Second), loc.String(), zoneFor(api))
}

// zoneFor suggests an IANA zone with the given offset.
func zoneFor(off time.Duration) string {
	switch {
	case off == beijingOffset:
		return models.DefaultTimezone
	case off == 0:
		return "UTC"
	case off%time.Hour == 0:
		// The Etc zones count the POSIX way, west positive: Etc/GMT-9 is UTC+9.
		return fmt.Sprintf("Etc/GMT%+d", -int(off/time.Hour))
	}
	return "a zone at " + utcOffset(off)
}

func utcOffset(off time.Duration) string {
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	h, m := int(off/time.Hour), int(off%time.Hour/time.Minute)
	if m == 0 {
		return fmt.Sprintf("UTC%s%d", sign, h)
	}
	return fmt.Sprintf("UTC%s%02d:%02d", sign, h, m)
}

func roundMinutes(d time.Duration) string {
	d = d.Round(time.Minute)
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
	return fmt.Sprintf("%d min", int(d.Minutes()))
}
