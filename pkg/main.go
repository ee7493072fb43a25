package main

import (
	"os"

	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	// The upstream's times are read in a configurable IANA zone; embedding
	// the zone database keeps that working on hosts without one.
	_ "time/tzdata"

	"github.com/lvbstat/lvbstat-tencent-datasource/pkg/plugin"
)

func main() {
	plugin.LogProcessSettings(os.Environ())
	if msg, err := plugin.ApplyMemoryLimit(os.Getenv); err != nil {
		log.DefaultLogger.Error("Memory limit not set", "error", err)
	} else if msg != "" {
		log.DefaultLogger.Info("Memory", "limit", msg)
	}
	if err := datasource.Manage(plugin.PluginID, plugin.NewDatasource, datasource.ManageOpts{}); err != nil {
		log.DefaultLogger.Error(err.Error())
		os.Exit(1)
	}
}
