output "data_source_uid" {
  value = grafana_data_source.lvb.uid
}

output "dashboard_url" {
  value = grafana_dashboard.overview.url
}
