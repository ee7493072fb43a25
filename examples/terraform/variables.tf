variable "grafana_url" {
  description = "The Grafana server, such as https://grafana.example.com"
  type        = string
  default     = "http://localhost:3000"
}

variable "grafana_auth" {
  description = "A service account token with the Admin role (or user:password)"
  type        = string
  sensitive   = true
}

variable "lvb_appid" {
  description = "The LVB APPID (a number), shown in the Live console → Access management → Access configuration (接入配置)"
  type        = string
}

variable "lvb_api_key" {
  description = "The API key (API鉴权Key), shown in the Live console → Access management → Access configuration (接入配置)"
  type        = string
  sensitive   = true
}

variable "lvb_api_url" {
  description = "The statistics endpoint; empty for Tencent's (http://statcgi.video.qcloud.com/common_access)"
  type        = string
  default     = ""
}

variable "lvb_domain" {
  description = "The playback domain the alert rule watches; empty for every domain of the APPID"
  type        = string
  default     = ""
}

variable "bandwidth_threshold_mbps" {
  description = "Alert when the account's playback bandwidth stays above this many Mbps for 5 minutes"
  type        = number
  default     = 800
}

variable "dashboard_path" {
  description = "The bundled dashboard: in this repository, or dashboards/overview.json of the installed plugin"
  type        = string
  default     = "../../src/dashboards/overview.json"
}
