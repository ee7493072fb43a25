// Package pluginhost launches a backend plugin binary the way Grafana does:
// as a child process speaking hashicorp go-plugin over gRPC, with the SDK's
// handshake. The end-to-end tests and the demo use it in place of a Grafana
// server.
package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

// Plugin is a running plugin process.
type Plugin struct {
	ID     string
	client *goplugin.Client
	diag   grpcplugin.DiagnosticsClient
	data   grpcplugin.DataClient
	res    grpcplugin.ResourceClient
}

// Start launches binary as plugin id. Everything the plugin logs is written
// to logs, as Grafana would write it to its own log.
func Start(binary, id string, logs io.Writer, env ...string) (*Plugin, error) {
	cmd := exec.Command(binary)
	cmd.Env = env
	client := goplugin.NewClient(&goplugin.ClientConfig{
		Cmd: cmd,
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]goplugin.PluginSet{
			grpcplugin.ProtocolVersion: {
				"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
				"resource":    &grpcplugin.ResourceGRPCPlugin{},
				"data":        &grpcplugin.DataGRPCPlugin{},
				"stream":      &grpcplugin.StreamGRPCPlugin{},
			},
		},
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger: hclog.New(&hclog.LoggerOptions{
			Name:   "plugin." + id,
			Level:  hclog.Trace,
			Output: logs,
		}),
		StartTimeout: time.Minute,
	})
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	p := &Plugin{ID: id, client: client}
	for name, dst := range map[string]any{"diagnostics": &p.diag, "data": &p.data, "resource": &p.res} {
		raw, err := rpc.Dispense(name)
		if err != nil {
			client.Kill()
			return nil, fmt.Errorf("dispense %s: %w", name, err)
		}
		switch d := dst.(type) {
		case *grpcplugin.DiagnosticsClient:
			*d = raw.(grpcplugin.DiagnosticsClient)
		case *grpcplugin.DataClient:
			*d = raw.(grpcplugin.DataClient)
		case *grpcplugin.ResourceClient:
			*d = raw.(grpcplugin.ResourceClient)
		}
	}
	return p, nil
}

// Pid is the plugin process's id, for reading its resource use.
func (p *Plugin) Pid() int {
	if rc := p.client.ReattachConfig(); rc != nil {
		return rc.Pid
	}
	return 0
}

// Close stops the plugin process.
func (p *Plugin) Close() { p.client.Kill() }

// Exited tells whether the plugin process has ended (crashed, say).
func (p *Plugin) Exited() bool { return p.client.Exited() }

func (p *Plugin) pluginContext(s backend.DataSourceInstanceSettings) *pluginv2.PluginContext {
	return backend.ToProto().PluginContext(backend.PluginContext{
		OrgID:                      1,
		PluginID:                   p.ID,
		DataSourceInstanceSettings: &s,
		User:                       &backend.User{Login: "admin", Name: "admin", Role: "Admin"},
	})
}

// CheckHealth runs "Save & test" for a data source with settings s.
func (p *Plugin) CheckHealth(ctx context.Context, s backend.DataSourceInstanceSettings) (*backend.CheckHealthResult, error) {
	res, err := p.diag.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: p.pluginContext(s)})
	if err != nil {
		return nil, err
	}
	return backend.FromProto().CheckHealthResponse(res), nil
}

// QueryData runs queries against a data source with settings s.
func (p *Plugin) QueryData(ctx context.Context, s backend.DataSourceInstanceSettings, queries ...backend.DataQuery) (*backend.QueryDataResponse, error) {
	res, err := p.QueryDataWire(ctx, s, queries...)
	if err != nil {
		return nil, err
	}
	return backend.FromProto().QueryDataResponse(res)
}

// QueryDataWire is QueryData without decoding the frames: the answer as it
// came over the wire, frames still Arrow-encoded. Decoding is the host's
// work, not the plugin's; a benchmark that measures the plugin on a small
// machine uses this so that the host's decoding does not take its CPU.
func (p *Plugin) QueryDataWire(ctx context.Context, s backend.DataSourceInstanceSettings, queries ...backend.DataQuery) (*pluginv2.QueryDataResponse, error) {
	if len(queries) == 0 {
		return nil, errors.New("no queries")
	}
	req := backend.ToProto().QueryDataRequest(&backend.QueryDataRequest{
		PluginContext: backend.PluginContext{
			OrgID:                      1,
			PluginID:                   p.ID,
			DataSourceInstanceSettings: &s,
		},
		Queries: queries,
	})
	req.PluginContext = p.pluginContext(s)
	return p.data.QueryData(ctx, req)
}

// Resource is a plugin's answer to a resource call.
type Resource struct {
	Status  int
	Headers map[string][]string
	Body    []byte
}

// CallResource makes a GET resource call as Grafana does for
// /api/datasources/uid/<uid>/resources/<url>, and gathers the answer.
func (p *Plugin) CallResource(ctx context.Context, s backend.DataSourceInstanceSettings, url string) (*Resource, error) {
	path, _, _ := strings.Cut(url, "?")
	stream, err := p.res.CallResource(ctx, &pluginv2.CallResourceRequest{
		PluginContext: p.pluginContext(s), Path: path, Method: "GET", Url: url,
	})
	if err != nil {
		return nil, err
	}
	out := &Resource{Headers: map[string][]string{}}
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if msg.Code != 0 {
			out.Status = int(msg.Code)
		}
		for k, v := range msg.Headers {
			out.Headers[k] = append(out.Headers[k], v.Values...)
		}
		out.Body = append(out.Body, msg.Body...)
	}
}
