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
	// What every data source of the process shares, made once here.
	process := plugin.OpenProcessFromEnv()
	if err := datasource.Manage(plugin.PluginID, plugin.Factory(process), datasource.ManageOpts{}); err != nil {
		log.DefaultLogger.Error(err.Error())
		os.Exit(1)
	}
}
