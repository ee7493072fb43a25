# The data source, the bundled dashboard and an alert rule, managed with the
# Grafana provider (https://registry.terraform.io/providers/grafana/grafana).
# The plugin itself must be installed on the Grafana server first (see the
# README: the release zip, grafana cli, or GF_INSTALL_PLUGINS).
#
#   export TF_VAR_grafana_auth=<service account token>
#   export TF_VAR_lvb_appid=<your Live APPID>
#   export TF_VAR_lvb_api_key=<the statistics API key>
#   terraform init && terraform apply

terraform {
  required_providers {
    grafana = {
      source  = "grafana/grafana"
      version = ">= 3.0.0"
    }
  }
}

provider "grafana" {
  url  = var.grafana_url
  auth = var.grafana_auth
}

resource "grafana_data_source" "lvb" {
  type = "lvbstat-tencent-datasource"
  name = "Tencent Cloud Live"
  uid  = "lvbstat"

  # Every key is a setting the plugin reads (pkg/plugin/settings.go); a test
  # checks that none is misspelt. For Tencent Cloud API 3.0 instead, write
  # { upstream = "cloudapi", secretId = ... } here and { secretKey = ... } below (a key in the
  # Tencent Cloud console → Cloud Access Management (CAM) → API keys).
  json_data_encoded = jsonencode({
    apiUrl         = var.lvb_api_url
    cmd            = var.lvb_appid
    timezone       = "Asia/Shanghai"
    maxConcurrency = 8
    maxStreams     = 20
    timeoutSeconds = 30
  })

  # The key stays in Grafana's encrypted secure settings; Terraform keeps it in
  # its state, so keep the state somewhere private.
  secure_json_data_encoded = jsonencode({
    apiKey = var.lvb_api_key
  })
}

resource "grafana_folder" "live" {
  title = "Tencent Cloud Live"
}

resource "grafana_dashboard" "overview" {
  folder      = grafana_folder.live.uid
  config_json = file(var.dashboard_path)
}

resource "grafana_rule_group" "live" {
  name             = "Tencent Cloud Live"
  folder_uid       = grafana_folder.live.uid
  interval_seconds = 60

  rule {
    # Every minute of the last five that have arrived above the threshold:
    # minutes 7 to 2 minutes ago (on Cloud API 3.0, whose newest minutes come
    # about five minutes late: from 660 to 360), reduced to their minimum.
    name           = "Playback bandwidth above ${var.bandwidth_threshold_mbps} Mbps for 5 minutes"
    condition      = "C"
    for            = "0s"
    no_data_state  = "OK"
    exec_err_state = "Error"

    data {
      ref_id         = "A"
      datasource_uid = grafana_data_source.lvb.uid
      relative_time_range {
        from = 420
        to   = 120
      }
      model = jsonencode({
        refId     = "A"
        queryType = "timeseries"
        domain    = var.lvb_domain
        streamId  = ""
        metrics   = ["bandwidth"]
      })
    }

    data {
      ref_id         = "B"
      datasource_uid = "__expr__"
      relative_time_range {
        from = 0
        to   = 0
      }
      model = jsonencode({
        refId      = "B"
        type       = "reduce"
        expression = "A"
        reducer    = "min"
        settings   = { mode = "dropNN" }
      })
    }

    data {
      ref_id         = "C"
      datasource_uid = "__expr__"
      relative_time_range {
        from = 0
        to   = 0
      }
      model = jsonencode({
        refId      = "C"
        type       = "threshold"
        expression = "B"
        conditions = [{ evaluator = { type = "gt", params = [var.bandwidth_threshold_mbps] } }]
      })
    }

    annotations = {
      summary = "Playback bandwidth of all streams has been above ${var.bandwidth_threshold_mbps} Mbps for 5 minutes."
    }
    labels = {
      service = "live"
    }
  }
}
