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

variable "upstream" {
  description = "Which of Tencent's interfaces: cloudapi (Cloud API 3.0, any Live account) or legacy (the statistics interface, enabled by Tencent on request)"
  type        = string
  default     = "cloudapi"
  validation {
    condition     = contains(["cloudapi", "legacy"], var.upstream)
    error_message = "upstream is cloudapi or legacy."
  }
}

variable "data_source_uid" {
  description = "The data source's uid; provisioning/ uses lvbstat and lvbstat-cloudapi, so this one differs"
  type        = string
  default     = "tencent-live"
}

variable "tencentcloud_secret_id" {
  description = "Cloud API 3.0: the SecretId of a key in the Tencent Cloud console → Cloud Access Management (CAM) → API keys"
  type        = string
  default     = ""
}

variable "tencentcloud_secret_key" {
  description = "Cloud API 3.0: that key's SecretKey"
  type        = string
  sensitive   = true
  default     = ""
}

variable "lvb_appid" {
  description = "The statistics interface: the LVB APPID (a number), shown in the Live console → Access management → Access configuration (接入配置)"
  type        = string
  default     = ""
}

variable "lvb_api_key" {
  description = "The statistics interface: the API key (API鉴权Key), shown in the Live console → Access management → Access configuration (接入配置)"
  type        = string
  sensitive   = true
  default     = ""
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
  description = "The dashboard the plugin ships: dashboards/overview.json of the release zip, unzipped next to this file"
  type        = string
  default     = "lvbstat-tencent-datasource/dashboards/overview.json"
}
