package plugin

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/coalesce"
)

// answers lets identical queries that arrive together (fifty viewers of one
// dashboard, the same panel repeated) share one answer: the minutes are
// read and the frames built once, not once per query. The store already
// shares the upstream calls; this shares the work after them, which is
// what a burst of identical queries spends its time and memory on.
//
// Only queries in flight at the same time share, and only within one
// minute (the key holds it), so an answer is never older than the data
// the store would give. The work runs detached from its first caller: a
// viewer who leaves does not fail the others, and when every caller has
// left, the work is cancelled, which drops the upstream requests it has
// not sent yet.
type answers struct {
	coalesce.Group[string, backend.DataResponse]
}

// get returns build's answer for key, built once for all callers that ask
// while it is being built; when they have all left, building stops.
// Each caller gets frames of its own, sharing the fields (which nobody
// writes once built), because the SDK sets each frame's RefID to its
// caller's.
func (a *answers) get(ctx context.Context, key string, build func(context.Context) backend.DataResponse) backend.DataResponse {
	resp, _, err := a.Do(ctx, key, func(ctx context.Context) (backend.DataResponse, error) {
		ctx, stop := coalesce.WhileWanted(ctx)
		defer stop()
		return build(ctx), nil
	})
	if err != nil {
		return errorResponse(err)
	}
	return ownCopy(resp)
}

func ownCopy(r backend.DataResponse) backend.DataResponse {
	if r.Frames == nil {
		return r
	}
	frames := make(data.Frames, len(r.Frames))
	for i, f := range r.Frames {
		c := *f
		frames[i] = &c
	}
	r.Frames = frames
	return r
}
