# The data source, the bundled dashboard and an alert rule, managed with the
# Grafana provider (https://registry.terraform.io/providers/grafana/grafana).
# The plugin itself must be installed on the Grafana server first (see the
# README: the release zip, grafana cli, or GF_INSTALL_PLUGINS), and the same
# release unzipped next to this file: the dashboard is the one it ships.
#
#   unzip lvbstat-tencent-datasource-<version>.zip
#   export TF_VAR_grafana_auth=<service account token>
#   export TF_VAR_tencentcloud_secret_id=<SecretId> TF_VAR_tencentcloud_secret_key=<SecretKey>
#   (or TF_VAR_upstream=legacy TF_VAR_lvb_appid=<APPID> TF_VAR_lvb_api_key=<API key>)
#   terraform init && terraform apply

terraform {
  required_providers {
    grafana = {
      source  = "grafana/grafana"
      version = "~> 4.0"
    }
  }
}

provider "grafana" {
  url  = var.grafana_url
  auth = var.grafana_auth
}

resource "grafana_data_source" "lvb" {
  type = "lvbstat-tencent-datasource"
  name = var.upstream == "cloudapi" ? "Tencent Cloud Live (Cloud API 3.0)" : "Tencent Cloud Live"
  # Not provisioning's uids (lvbstat, lvbstat-cloudapi): a server with both
  # keeps two data sources, neither overwriting the other.
  uid = var.data_source_uid

  # Every key is a setting the plugin reads (pkg/models/settings.go); a test
  # checks that none is misspelt, for either interface. Cloud API 3.0 takes a
  # key from the Tencent Cloud console → Cloud Access Management (CAM) → API keys. Numbers go as digits
  # in strings, which the plugin reads as numbers.
  json_data_encoded = jsonencode(var.upstream == "cloudapi" ? {
    upstream       = "cloudapi"
    secretId       = var.tencentcloud_secret_id
    maxConcurrency = "8"
    maxStreams     = "20"
    timeoutSeconds = "30"
    } : {
    apiUrl         = var.lvb_api_url
    cmd            = var.lvb_appid
    timezone       = "Asia/Shanghai"
    maxConcurrency = "8"
    maxStreams     = "20"
    timeoutSeconds = "30"
  })

  # The key stays in Grafana's encrypted secure settings; Terraform keeps it in
  # its state, so keep the state somewhere private.
  secure_json_data_encoded = jsonencode(var.upstream == "cloudapi" ? {
    secretKey = var.tencentcloud_secret_key
    } : {
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
    # Every minute of the newest five that have arrived above the threshold:
    # the lowest bandwidth over the newest 5 minutes the API has in the last
    # 15, whatever its delay; No Data when fewer than five have arrived.
    name           = "Playback bandwidth above ${var.bandwidth_threshold_mbps} Mbps for 5 minutes"
    condition      = "B"
    for            = "0s"
    no_data_state  = "NoData"
    exec_err_state = "Error"

    data {
      ref_id         = "A"
      datasource_uid = grafana_data_source.lvb.uid
      relative_time_range {
        from = 900
        to   = 0
      }
      model = jsonencode({
        refId     = "A"
        queryType = "summary"
        domain    = var.lvb_domain
        streamId  = ""
        statistic = "min_bandwidth"
        newest    = 5
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
        type       = "threshold"
        expression = "A"
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
